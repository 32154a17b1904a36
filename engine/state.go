package engine

import "time"

// State is the state of a step in a run.
type State string

// Step states. A step is pending until its dependencies have ended and a
// parallel slot is free; waiting while another step holds a lock it needs
// (its application, or a concurrency: lock); running while its job or
// query runs. It ends completed, failed or canceled, or without running
// as skipped (its condition was false) or upstream_failed (a dependency
// failed, was canceled or upstream_failed). docs/semantics.md has the
// whole table.
const (
	Pending        State = "pending"
	Waiting        State = "waiting"
	Running        State = "running"
	Completed      State = "completed"
	Failed         State = "failed"
	Canceled       State = "canceled"
	Skipped        State = "skipped"
	UpstreamFailed State = "upstream_failed"
)

// Ended reports whether the state is final.
func (s State) Ended() bool {
	switch s {
	case Completed, Failed, Canceled, Skipped, UpstreamFailed:
		return true
	}
	return false
}

// StepResult is what became of one step.
type StepResult struct {
	ID       string
	State    State
	Reason   string // why it failed, was skipped or canceled; "" when completed
	Err      error  // the error behind a failure of the job service, if any
	JobGUID  string // of the last attempt
	JobType  string // "" for a query
	Started  time.Time
	Ended    time.Time
	Request  map[string]string // parameters of the last job submission, or of the query
	Outputs  map[string]any
	Progress string // last Console progress step seen

	// ConsoleSteps lists the Console progress steps the job went through,
	// as the runner saw them, over every attempt.
	ConsoleSteps []ConsoleStep

	// Ignored is true for a failed step with continue-on-error: the step
	// stays failed, but its dependents treat it as completed and the run
	// does not fail because of it.
	Ignored bool

	// CancelUnconfirmed is true when the runner asked the Console to
	// cancel the step's job (on an interrupt or a timeout) and did not see
	// the job end: it may still run.
	CancelUnconfirmed bool

	// SubmitUnknown is true when the job's submission failed in a way
	// that may have created the job all the same (ErrSubmitUnknown): the
	// job may run on the Console, and nobody knows its GUID. A resumed run
	// does not submit it again unless told to (Options.Resubmit).
	SubmitUnknown bool

	// Detached is true when the runner stopped watching the step's job
	// without seeing it end and without canceling it, because the Console
	// could not be polled: the job may still run; or when the job
	// completed but the version it made could not be looked up. A resumed
	// run re-attaches to the job.
	Detached bool

	// Kept is true for a step that a resumed run kept as an earlier run
	// of it ended: completed, or skipped.
	Kept bool

	// Attempts is how many times the job was submitted: 1 without retry:,
	// 0 for a query or a step that sent nothing.
	Attempts int
}

// ConsoleStep is a progress step of a Console job, as the runner saw it
// begin.
type ConsoleStep struct {
	Name    string    `json:"name"`
	Started time.Time `json:"started"`
	Attempt int       `json:"attempt"` // the job's submission, from 1
}

// Duration returns how long the step ran, or 0 if it did not.
func (r *StepResult) Duration() time.Duration {
	if r.Started.IsZero() || r.Ended.IsZero() {
		return 0
	}
	return r.Ended.Sub(r.Started)
}

// failing reports whether the step makes the run fail: it failed without
// continue-on-error, was canceled or was not run because of a failure.
func (r *StepResult) failing() bool {
	switch r.State {
	case Failed:
		return !r.Ignored
	case Canceled, UpstreamFailed:
		return true
	}
	return false
}

// Result is the outcome of a run.
type Result struct {
	RunID    string
	Workflow string
	Started  time.Time
	Ended    time.Time

	// Items holds one ItemResult per matrix item, in file order, or a
	// single one with an empty Label for a workflow without matrix:.
	Items []*ItemResult

	// Steps and Outputs are those of Items[0] for a workflow without
	// matrix:, and nil for a matrix run.
	Steps   []*StepResult // in file order
	Outputs map[string]any

	// State is how the run ended: completed, failed or interrupted.
	State RunState

	// JournalErr is the first error writing the journal after the run
	// began, or nil: from then on the journal falls behind the run.
	JournalErr error
}

// ItemResult is the outcome of one run of the DAG: one matrix item, or
// the whole run of a workflow without matrix:.
type ItemResult struct {
	Label   string         // how the item is shown, "" without matrix:
	Value   any            // what expressions see as item; nil without matrix:
	Steps   []*StepResult  // in file order
	Outputs map[string]any // the workflow's outputs for this item
}

// Failed reports whether a step of the item makes the run fail.
func (it *ItemResult) Failed() bool {
	for _, s := range it.Steps {
		if s.failing() {
			return true
		}
	}
	return false
}

// Errs returns the job-service errors behind failed steps, so that a
// caller can tell a refused credential or an unreachable Console from a
// job that failed. Ignored failures are left out.
func (r *Result) Errs() []error {
	var errs []error
	for _, it := range r.Items {
		for _, s := range it.Steps {
			if s.Err != nil && !s.Ignored {
				errs = append(errs, s.Err)
			}
		}
	}
	return errs
}

// Failed reports whether any step, of any item, failed (without
// continue-on-error), was canceled or was not run because of a failure.
func (r *Result) Failed() bool {
	for _, it := range r.Items {
		if it.Failed() {
			return true
		}
	}
	return false
}

// Event tells an observer that a step changed state or Console progress.
type Event struct {
	Time     time.Time
	Item     string // the matrix item's label; "" without matrix:
	Step     string
	State    State
	Reason   string // for Waiting, what the step waits for: "application X" or "lock Y"
	JobGUID  string
	Progress string // Console progress step, while running
	Attempt  int    // the job's submission, from 1; 0 when not yet submitted
}
