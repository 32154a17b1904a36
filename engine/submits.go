package engine

import (
	"fmt"
	"strings"
)

// A job step whose POST may have reached the Console without the runner
// learning the job's GUID leaves a journal that cannot say whether the
// job exists: the answer to the POST was lost (ErrSubmitUnknown), or the
// process died while the POST was on its way (the journal shows the step
// running with an attempt and no GUID, since attempt writes it before
// the POST). Console 1.x has no endpoint that lists jobs, so a resume can
// neither find the job to wait for it nor know that submitting it again
// would not run it twice. It refuses, unless a person who looked at the
// Console asks for the job to be submitted again (Options.Resubmit).

// A SubmitUnknownError refuses to resume a run in which job steps may
// have submitted a job whose GUID the journal does not have.
type SubmitUnknownError struct {
	RunID string
	Steps []UnknownSubmit // in item order, then file order
}

// UnknownSubmit is a job step whose last submission may have created a
// job that the journal does not know.
type UnknownSubmit struct {
	Item    string // the matrix item's label; "" without matrix:
	Step    string
	JobType string

	// Request holds the parameters of that submission; nil when the
	// journal does not have them.
	Request map[string]string
}

// Name returns the step's id, followed by its matrix item in brackets.
func (u UnknownSubmit) Name() string { return StepName(u.Step, u.Item) }

// StepName is how messages name a step of a run: its id, followed by its
// matrix item in brackets in a matrix run, as in "deliver [webi]".
func StepName(step, item string) string {
	if item == "" {
		return step
	}
	return step + " [" + item + "]"
}

// Error names each step and the request it sent, one after the other.
func (e *SubmitUnknownError) Error() string {
	var b strings.Builder
	if len(e.Steps) == 1 {
		fmt.Fprintf(&b, "run %s: a job may have been submitted already, "+
			"its POST /api/jobs got no answer: ", e.RunID)
	} else {
		fmt.Fprintf(&b, "run %s: %d jobs may have been submitted already, "+
			"their POST /api/jobs got no answer: ", e.RunID, len(e.Steps))
	}
	for i, u := range e.Steps {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "step %s (%s", u.Name(), u.JobType)
		if u.Request != nil {
			// Keys sorted, so that the message is stable.
			fmt.Fprintf(&b, " %s", mustJSON(u.Request))
		}
		b.WriteString(")")
	}
	return b.String()
}

// CheckSubmits returns a *SubmitUnknownError naming the job steps of the
// journal's run, among the steps of p, whose last submission may have
// created a job whose GUID the journal does not have; or nil when there
// are none. Run refuses to resume such a journal unless
// Options.Resubmit is set.
func CheckSubmits(p *Plan, j *Journal) error {
	var steps []UnknownSubmit
	for _, it := range j.Items {
		for i := range it.Steps {
			s := &it.Steps[i]
			if p.byID[s.ID] == nil || !submitUnsure(s) {
				continue
			}
			steps = append(steps, UnknownSubmit{Item: it.Label, Step: s.ID,
				JobType: s.JobType, Request: s.Request})
		}
	}
	if len(steps) == 0 {
		return nil
	}
	return &SubmitUnknownError{RunID: j.RunID, Steps: steps}
}

// submitUnsure reports whether a saved job step's last submission may
// have created a job whose GUID the journal does not have: its answer was
// lost, or the run stopped while it was on its way.
func submitUnsure(js *JournalStep) bool {
	if js.JobType == "" || js.JobGUID != "" {
		return false
	}
	return js.SubmitUnknown || js.State == Running && js.Attempts > 0
}
