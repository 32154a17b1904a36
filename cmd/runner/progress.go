package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aipflow/runner/engine"
)

// progress prints one line per step state or Console progress change.
type progress struct {
	w     io.Writer
	width int // of the widest step id
}

func newProgress(w io.Writer, p *engine.Plan) *progress {
	pr := &progress{w: w}
	for _, n := range p.Nodes {
		pr.width = max(pr.width, len(n.ID()))
	}
	return pr
}

func (p *progress) event(e engine.Event) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %-*s  %s", e.Time.Format("15:04:05.000"), p.width, e.Step, e.State)
	switch {
	case e.Progress != "":
		fmt.Fprintf(&b, "  console step %s", e.Progress)
	case e.JobGUID != "" && e.State == engine.Running:
		fmt.Fprintf(&b, "  job %s", e.JobGUID)
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, "  (%s)", e.Reason)
	}
	fmt.Fprintln(p.w, b.String())
}

// printSummary writes the table that closes every run, then the
// workflow's outputs.
func printSummary(w io.Writer, res *engine.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSTATE\tDURATION\tJOB\tNOTE")
	for _, s := range res.Steps {
		d := "-"
		if s.Duration() > 0 {
			d = s.Duration().Round(10 * time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.State, d, orDash(s.JobGUID), note(s))
	}
	tw.Flush()
	if len(res.Outputs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nOUTPUTS")
	names := make([]string, 0, len(res.Outputs))
	for k := range res.Outputs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %s: %s\n", k, display(res.Outputs[k]))
	}
}

// note says what a step did or why it did not: the version a step
// created, or the reason it failed or was skipped.
func note(s *engine.StepResult) string {
	if s.Reason != "" {
		return s.Reason
	}
	if v, ok := s.Outputs["versionName"].(string); ok && s.Outputs["versionGuid"] != nil {
		return fmt.Sprintf("version %s (%v)", v, s.Outputs["versionGuid"])
	}
	if f, ok := s.Outputs["found"].(bool); ok {
		if !f {
			return "not found"
		}
		for _, k := range []string{"appGuid", "versionGuid", "nodeGuid"} {
			if v, ok := s.Outputs[k]; ok && v != nil {
				return fmt.Sprintf("found %s %v", k, v)
			}
		}
	}
	return ""
}

func orDash(v any) any {
	if v == nil || v == "" {
		return "-"
	}
	return v
}

// display formats an output value: text as it is, nil as "-", anything
// else as JSON.
func display(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case string:
		if v == "" {
			return "-"
		}
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
