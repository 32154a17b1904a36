package engine

import "time"

// State is the state of a step in a run.
type State string

// Step states. A step is pending until its dependencies have ended; it
// then runs or ends as skipped (its condition was false) or
// upstream_failed (a dependency failed, was canceled or upstream_failed).
const (
	Pending        State = "pending"
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
	JobGUID  string
	JobType  string // "" for a query
	Started  time.Time
	Ended    time.Time
	Request  map[string]string // parameters sent with the job
	Outputs  map[string]any
	Progress string // last Console progress step seen
}

// Duration returns how long the step ran, or 0 if it did not.
func (r *StepResult) Duration() time.Duration {
	if r.Started.IsZero() || r.Ended.IsZero() {
		return 0
	}
	return r.Ended.Sub(r.Started)
}

// Result is the outcome of a run.
type Result struct {
	RunID    string
	Workflow string
	Steps    []*StepResult // in file order
	Outputs  map[string]any
	Started  time.Time
	Ended    time.Time
}

// Errs returns the job-service errors behind failed steps, so that a
// caller can tell a refused credential or an unreachable Console from a
// job that failed.
func (r *Result) Errs() []error {
	var errs []error
	for _, s := range r.Steps {
		if s.Err != nil {
			errs = append(errs, s.Err)
		}
	}
	return errs
}

// Failed reports whether any step failed, was canceled or was not run
// because of a failure.
func (r *Result) Failed() bool {
	for _, s := range r.Steps {
		switch s.State {
		case Failed, Canceled, UpstreamFailed:
			return true
		}
	}
	return false
}

// Event tells an observer that a step changed state or Console progress.
type Event struct {
	Time     time.Time
	Step     string
	State    State
	Reason   string
	JobGUID  string
	Progress string // Console progress step, while running
}
