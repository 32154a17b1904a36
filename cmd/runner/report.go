package main

import (
	"encoding/json"
	"os"
	"time"

	"github.com/aipflow/runner/engine"
)

// The JSON report of --report. docs/report.schema.json describes it, and
// a test validates reports against it: a change here changes both.

// reportVersion is the version of the report's format, raised when a
// field changes meaning or goes away; new fields do not raise it.
const reportVersion = 1

// runMeta is what a report says of a run that the Result does not hold.
type runMeta struct {
	File    string // the workflow file
	Resumed int    // how many times the run was resumed, this one included
}

type jsonReport struct {
	ReportVersion int            `json:"reportVersion"`
	Run           jsonRun        `json:"run"`
	Items         []jsonItem     `json:"items"`
	Totals        map[string]int `json:"totals"`
}

type jsonRun struct {
	ID              string          `json:"id"`
	Workflow        string          `json:"workflow"`
	File            string          `json:"file"`
	State           engine.RunState `json:"state"`
	Started         time.Time       `json:"started"`
	Ended           *time.Time      `json:"ended"`
	DurationSeconds *float64        `json:"durationSeconds"`
	Resumed         int             `json:"resumed"`
	Inputs          map[string]any  `json:"inputs"`
}

type jsonItem struct {
	Label   string         `json:"label"` // "" without matrix:
	Failed  bool           `json:"failed"`
	Outputs map[string]any `json:"outputs"`
	Steps   []jsonStep     `json:"steps"`
}

type jsonStep struct {
	ID              string               `json:"id"`
	Kind            string               `json:"kind"` // job or query
	JobType         *string              `json:"jobType"`
	State           engine.State         `json:"state"`
	Reason          string               `json:"reason"`
	Ignored         bool                 `json:"ignored"`
	Kept            bool                 `json:"kept"`
	Attempts        int                  `json:"attempts"`
	JobGUID         *string              `json:"jobGuid"`
	Started         *time.Time           `json:"started"`
	Ended           *time.Time           `json:"ended"`
	DurationSeconds *float64             `json:"durationSeconds"`
	Request         map[string]string    `json:"request"`
	Outputs         map[string]any       `json:"outputs"`
	ConsoleSteps    []engine.ConsoleStep `json:"consoleSteps"`
}

// writeReport writes the JSON report of a run to file.
func writeReport(file string, res *engine.Result, meta runMeta, inputs map[string]any) error {
	data, err := json.MarshalIndent(newReport(res, meta, inputs), "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(data, '\n'), 0o644)
}

func newReport(res *engine.Result, meta runMeta, inputs map[string]any) *jsonReport {
	if inputs == nil {
		inputs = map[string]any{}
	}
	rep := &jsonReport{
		ReportVersion: reportVersion,
		Run: jsonRun{
			ID: res.RunID, Workflow: res.Workflow, File: meta.File, State: res.State,
			Started: res.Started.UTC(), Ended: timeOrNil(res.Ended),
			DurationSeconds: seconds(res.Started, res.Ended), Resumed: meta.Resumed,
			Inputs: inputs,
		},
		Totals: map[string]int{"steps": 0},
	}
	for _, it := range res.Items {
		ji := jsonItem{Label: it.Label, Failed: it.Failed(), Outputs: orEmpty(it.Outputs)}
		for _, s := range it.Steps {
			ji.Steps = append(ji.Steps, reportStep(s))
			rep.Totals["steps"]++
			rep.Totals[string(s.State)]++
		}
		rep.Items = append(rep.Items, ji)
	}
	return rep
}

func reportStep(s *engine.StepResult) jsonStep {
	js := jsonStep{
		ID: s.ID, Kind: "query", State: s.State, Reason: s.Reason, Ignored: s.Ignored,
		Kept: s.Kept, Attempts: s.Attempts, Started: timeOrNil(s.Started),
		Ended: timeOrNil(s.Ended), DurationSeconds: seconds(s.Started, s.Ended),
		Request: s.Request, Outputs: orEmpty(s.Outputs), ConsoleSteps: s.ConsoleSteps,
	}
	if s.JobType != "" {
		js.Kind, js.JobType = "job", &s.JobType
	}
	if s.JobGUID != "" {
		js.JobGUID = &s.JobGUID
	}
	if js.Request == nil {
		js.Request = map[string]string{}
	}
	if js.ConsoleSteps == nil {
		js.ConsoleSteps = []engine.ConsoleStep{}
	}
	return js
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// seconds returns the time from start to end in seconds, or nil when
// either is unknown.
func seconds(start, end time.Time) *float64 {
	if start.IsZero() || end.IsZero() {
		return nil
	}
	s := end.Sub(start).Seconds()
	return &s
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
