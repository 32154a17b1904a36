package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"
)

// A run's journal is what a later process needs to resume it: the
// workflow file and inputs it ran with, and for every matrix item and
// step its state, its job's GUID and its outputs. Run keeps it in one
// JSON file, rewritten whole and atomically at every state change (see
// journalWriter), so that the file on disk is always one complete
// journal: the previous one or the new one, never a mix.

// JournalVersion is the format version of the journals this runner
// writes. It reads journals of this version and older; a journal of a
// newer version is refused, since fields it does not know may matter.
const JournalVersion = 1

// maxJournalSize bounds the journal files LoadJournal reads: a journal
// of 5,000 steps with their outputs takes a few megabytes.
const maxJournalSize = 256 << 20

// RunState is the state of a whole run, as its journal records it.
type RunState string

// Run states. A run is running until Run returns; a process that dies
// leaves its journal running.
const (
	RunRunning     RunState = "running"
	RunCompleted   RunState = "completed"   // no step makes the run fail
	RunFailed      RunState = "failed"      // a step failed, was canceled or upstream_failed
	RunInterrupted RunState = "interrupted" // its context was canceled
)

// Journal is the record of one run, as kept in its journal file.
type Journal struct {
	Version  int    `json:"version"`
	RunID    string `json:"runId"`
	Workflow string `json:"workflow"` // the workflow's name

	// File is the path of the workflow file, absolute when the caller
	// gave one; FileHash is "sha256:" and the hex digest of its content
	// when the run began.
	File     string `json:"file"`
	FileHash string `json:"fileHash"`

	// StepHashes holds the digest of each step's definition, by step id,
	// as Plan.StepHash computes it.
	StepHashes map[string]string `json:"stepHashes"`

	// Inputs holds the resolved value of every input that has one, as
	// text that ResolveInputs reads back.
	Inputs map[string]string `json:"inputs"`

	State   RunState    `json:"state"`
	Started time.Time   `json:"started"`
	Updated time.Time   `json:"updated"`
	Ended   time.Time   `json:"ended,omitzero"`
	Resumed []time.Time `json:"resumed,omitempty"` // when each resume began

	// PID and Host name the process that last wrote the journal, so that
	// a resume can refuse to run beside a process still running it.
	PID  int    `json:"pid"`
	Host string `json:"host"`

	Items []JournalItem `json:"items"` // one per matrix item, or one without matrix:
}

// JournalItem is the record of one matrix item, or of the whole run of a
// workflow without matrix:.
type JournalItem struct {
	Label   string         `json:"label,omitempty"`
	Steps   []JournalStep  `json:"steps"` // in file order
	Outputs map[string]any `json:"outputs,omitempty"`
}

// JournalStep is the record of one step of one item.
type JournalStep struct {
	ID       string    `json:"id"`
	JobType  string    `json:"jobType,omitempty"`
	State    State     `json:"state"`
	Reason   string    `json:"reason,omitempty"`
	Attempts int       `json:"attempts,omitempty"`
	JobGUID  string    `json:"jobGuid,omitempty"`
	Started  time.Time `json:"started,omitzero"`
	Ended    time.Time `json:"ended,omitzero"`

	// With holds the rendered with: parameters, from which a resumed run
	// builds the request of a retry; Request the parameters of the last
	// submission.
	With    map[string]string `json:"with,omitempty"`
	Request map[string]string `json:"request,omitempty"`
	Outputs map[string]any    `json:"outputs,omitempty"`

	ConsoleSteps      []ConsoleStep `json:"consoleSteps,omitempty"`
	Ignored           bool          `json:"ignored,omitempty"`
	Detached          bool          `json:"detached,omitempty"`
	CancelUnconfirmed bool          `json:"cancelUnconfirmed,omitempty"`
	SubmitUnknown     bool          `json:"submitUnknown,omitempty"`
}

// A JournalError is a journal file that cannot be read or written.
type JournalError struct {
	Path string
	Err  error
}

func (e *JournalError) Error() string { return fmt.Sprintf("journal %s: %v", e.Path, e.Err) }

func (e *JournalError) Unwrap() error { return e.Err }

// ErrNewerJournal is the cause of a JournalError for a journal written in
// a newer format than this runner reads.
var ErrNewerJournal = errors.New("written by a newer runner")

// LoadJournal reads and checks the journal file at path. A file that is
// not a complete journal (corrupt, truncated, not JSON) or one of a newer
// format version gives a *JournalError naming the file.
func LoadJournal(path string) (*Journal, error) {
	data, err := readJournal(path)
	if err != nil {
		return nil, &JournalError{path, err}
	}
	j, err := parseJournal(data)
	if err != nil {
		return nil, &JournalError{path, err}
	}
	return j, nil
}

// readJournal returns the content of a regular file of at most
// maxJournalSize bytes.
func readJournal(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxJournalSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxJournalSize {
		return nil, fmt.Errorf("larger than %d MiB", maxJournalSize>>20)
	}
	return data, nil
}

// parseJournal decodes and checks a journal: its document, then the
// records appended to it (see journalWriter). The version is read first,
// so that a newer journal is refused for its version, not for a field
// this runner does not understand.
func parseJournal(data []byte) (*Journal, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var doc json.RawMessage
	if err := dec.Decode(&doc); err != nil {
		return nil, corrupt(err)
	}
	records := data[dec.InputOffset():]
	firstLine := bytes.Count(data[:dec.InputOffset()], []byte("\n")) + 1
	data = doc
	var head struct {
		Version json.RawMessage `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, corrupt(err)
	}
	v, err := strconv.Atoi(string(head.Version))
	if err != nil || v < 1 {
		return nil, errors.New("not a runner journal: no format version")
	}
	if v > JournalVersion {
		return nil, fmt.Errorf("format version %d, %w (this one reads up to %d): "+
			"resume the run with the runner that started it, or a newer one",
			v, ErrNewerJournal, JournalVersion)
	}
	var j Journal
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, corrupt(err)
	}
	if err := j.replay(records, firstLine); err != nil {
		return nil, err
	}
	if err := j.check(); err != nil {
		return nil, fmt.Errorf("corrupt: %v", err)
	}
	return &j, nil
}

// replay applies the records appended to a journal's document, one per
// line from line first of the file. A last line without its newline is a
// record a crash cut short: it is left out, as the change it records
// never reached the disk.
func (j *Journal) replay(records []byte, first int) error {
	lines := bytes.Split(records, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var rec journalRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			if i == len(lines)-1 {
				return nil // cut short
			}
			return fmt.Errorf("corrupt: line %d: not a journal record", first+i)
		}
		if err := j.apply(&rec); err != nil {
			return fmt.Errorf("corrupt: line %d: %v", first+i, err)
		}
	}
	return nil
}

// apply makes one record's change to j.
func (j *Journal) apply(rec *journalRecord) error {
	if !rec.Updated.IsZero() {
		j.Updated = rec.Updated
	}
	if rec.Item < 0 || rec.Item >= len(j.Items) {
		return fmt.Errorf("no item %d", rec.Item+1)
	}
	it := &j.Items[rec.Item]
	switch {
	case rec.Step != nil:
		if *rec.Step < 0 || *rec.Step >= len(it.Steps) {
			return fmt.Errorf("item %d has no step %d", rec.Item+1, *rec.Step+1)
		}
		var js JournalStep
		if err := json.Unmarshal(rec.Set, &js); err != nil {
			return errors.New("not a step record")
		}
		if js.ID != it.Steps[*rec.Step].ID {
			return fmt.Errorf("a record of step %q for step %q", js.ID, it.Steps[*rec.Step].ID)
		}
		it.Steps[*rec.Step] = js
	case rec.Outputs != nil:
		if err := json.Unmarshal(rec.Outputs, &it.Outputs); err != nil {
			return errors.New("not an outputs record")
		}
	}
	return nil
}

func corrupt(err error) error {
	return fmt.Errorf("corrupt or truncated, not a complete journal: %v", err)
}

// check verifies what a resume relies on.
func (j *Journal) check() error {
	switch {
	case !validRunID(j.RunID):
		return fmt.Errorf("run id %q", j.RunID)
	case j.File == "":
		return errors.New("no workflow file")
	case len(j.Items) == 0:
		return errors.New("no items")
	}
	switch j.State {
	case RunRunning, RunCompleted, RunFailed, RunInterrupted:
	default:
		return fmt.Errorf("run state %q", j.State)
	}
	for i, it := range j.Items {
		for k, s := range it.Steps {
			if s.ID == "" {
				return fmt.Errorf("item %d, step %d: no id", i+1, k+1)
			}
			if !validState(s.State) {
				return fmt.Errorf("step %s: state %q", s.ID, s.State)
			}
		}
	}
	return nil
}

func validState(s State) bool {
	switch s {
	case Pending, Waiting, Running:
		return true
	}
	return s.Ended()
}

// validRunID reports whether id can name a journal file: letters,
// digits, '-', '_' and '.', not first.
func validRunID(id string) bool {
	if id == "" || len(id) > 128 || id[0] == '.' {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// Progress returns how many steps of the run, over all items, are done
// with: completed, skipped, or failed with continue-on-error, which a
// resume does not run again; and how many there are.
func (j *Journal) Progress() (done, total int) {
	for _, it := range j.Items {
		for _, s := range it.Steps {
			total++
			if s.State == Completed || s.State == Skipped || s.Ignored {
				done++
			}
		}
	}
	return done, total
}

// Result returns the outcome of the run as the journal records it, as
// Run would have returned it.
func (j *Journal) Result() *Result {
	res := &Result{RunID: j.RunID, Workflow: j.Workflow, Started: j.Started,
		Ended: j.Ended, State: j.State}
	for _, ji := range j.Items {
		it := &ItemResult{Label: ji.Label, Outputs: ji.Outputs}
		for _, js := range ji.Steps {
			it.Steps = append(it.Steps, js.result())
		}
		res.Items = append(res.Items, it)
	}
	if len(j.Items) == 1 && j.Items[0].Label == "" {
		res.Steps, res.Outputs = res.Items[0].Steps, res.Items[0].Outputs
	}
	return res
}

// journalStep records a step's result, with the with: parameters it was
// rendered with.
func journalStep(sr *StepResult, with map[string]string) JournalStep {
	return JournalStep{
		ID: sr.ID, JobType: sr.JobType, State: sr.State, Reason: sr.Reason,
		Attempts: sr.Attempts, JobGUID: sr.JobGUID, Started: sr.Started, Ended: sr.Ended,
		With: with, Request: sr.Request, Outputs: sr.Outputs, ConsoleSteps: sr.ConsoleSteps,
		Ignored: sr.Ignored, Detached: sr.Detached, CancelUnconfirmed: sr.CancelUnconfirmed,
		SubmitUnknown: sr.SubmitUnknown,
	}
}

// result returns the step's result as recorded.
func (js *JournalStep) result() *StepResult {
	return &StepResult{
		ID: js.ID, JobType: js.JobType, State: js.State, Reason: js.Reason,
		Attempts: js.Attempts, JobGUID: js.JobGUID, Started: js.Started, Ended: js.Ended,
		Request: js.Request, Outputs: js.Outputs, ConsoleSteps: js.ConsoleSteps,
		Progress: lastStep(js.ConsoleSteps), Ignored: js.Ignored, Detached: js.Detached,
		CancelUnconfirmed: js.CancelUnconfirmed, SubmitUnknown: js.SubmitUnknown,
	}
}

func lastStep(steps []ConsoleStep) string {
	if len(steps) == 0 {
		return ""
	}
	return steps[len(steps)-1].Name
}

// inputTexts returns the resolved inputs as text that ResolveInputs reads
// back into the same values; inputs without a value are left out.
func inputTexts(in map[string]any) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch v := v.(type) {
		case nil:
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case int:
			out[k] = strconv.Itoa(v)
		case float64:
			out[k] = strconv.FormatFloat(v, 'g', -1, 64)
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// jsonSafe returns v as a value that encoding/json encodes and decodes
// back alike: strings, booleans, integers, finite numbers, nil, and maps
// and slices of those. Outputs pass through it, since a step's outputs:
// expression may yield anything expr makes (a time, a duration, NaN),
// and outputs go to the journal and to reports.
func jsonSafe(v any) any {
	switch v := v.(type) {
	case nil, string, bool, int, int64:
		return v
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = jsonSafe(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonSafe(e)
		}
		return out
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return fmt.Sprint(v)
	}
	return jsonSafe(out)
}
