package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aipflow/runner/schema"
)

// execute runs one step to its end, from sr as begin returned it, and
// returns its result. It never touches the runner's shared state: it
// reads only t's fields that were set before the step started.
func (r *runner) execute(ctx context.Context, t *task, sr *StepResult) *StepResult {
	if t.node.Step.Query != "" {
		r.query(ctx, t.node, t.with, sr)
	} else {
		r.job(ctx, t, sr)
	}
	return sr
}

// params renders the step's with: templates. An optional parameter that
// resolves to nothing is left out, so the catalog default applies; a
// required one fails the step and names the steps that did not produce it.
func (r *runner) params(n *Node, env map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(n.with))
	for _, w := range n.with {
		v, err := w.t.render(env)
		if err != nil {
			return nil, fmt.Errorf("with.%s: %v", w.name, err)
		}
		if v != nil {
			out[w.name] = text(v)
			continue
		}
		if required(n.Step, w.name) {
			return nil, fmt.Errorf("with.%s: %s is unavailable%s",
				w.name, strings.TrimSpace(w.t.raw.Text), why(w.t, env))
		}
	}
	return out, nil
}

// why explains an unavailable value by the state of the steps it reads.
func why(t *template, env map[string]any) string {
	steps, _ := env["steps"].(map[string]any)
	var parts []string
	for _, id := range t.steps() {
		st, _ := steps[id].(map[string]any)
		if s, _ := st["state"].(string); s != string(Completed) {
			parts = append(parts, "step "+id+" "+stateVerb(State(s)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// stateVerb says what became of a step in a state: "was skipped",
// "failed", "was canceled", ...
func stateVerb(s State) string {
	switch s {
	case Failed:
		return "failed"
	case UpstreamFailed:
		return "did not run after a failure"
	}
	return "was " + string(s)
}

func required(st *schema.Step, name string) bool {
	specs := schema.QueryParams(st.Query)
	if st.Query == "" {
		if jt, ok := schema.LookupJob(st.Job); ok {
			specs = jt.Params
		}
	}
	for _, p := range specs {
		if p.Name == name {
			return p.Required
		}
	}
	return false
}

// job submits a Console job, waits for its end, submits it again as the
// step's retry: says, and sets the step's outputs.
func (r *runner) job(ctx context.Context, t *task, sr *StepResult) {
	jt, ok := schema.LookupJob(t.node.Step.Job)
	if !ok {
		sr.State, sr.Reason = Failed, fmt.Sprintf("unknown job type %q", t.node.Step.Job)
		return
	}
	pol := policyOf(t.node.Step.Retry)
	var st JobStatus
	attach := t.attach // the first wait is for the earlier run's job
	for {
		var final bool
		if attach {
			attach = false
			st, final = r.reattach(ctx, t, jt, sr)
		} else {
			with, err := r.withSource(ctx, t, t.with)
			if err != nil {
				sr.State, sr.Reason, sr.Err = Failed, err.Error(), err
				if ctx.Err() != nil && !timedOut(ctx) {
					sr.State, sr.Reason = Canceled, cause(ctx)
				}
				return
			}
			req, err := request(jt, with, r.opts.Now())
			if err != nil {
				sr.State, sr.Reason = Failed, err.Error()
				return
			}
			sr.Attempts++
			st, final = r.attempt(ctx, t, jt, req, sr)
		}
		if !final || sr.State == Completed || !pol.again(st.State, sr.Attempts) {
			break
		}
		if !r.beforeRetry(ctx, t, pol, sr) {
			break
		}
	}
	if sr.State != Completed {
		return
	}
	if ctx.Err() != nil {
		// The job completed while the run stopped: its outputs are owed
		// all the same, within the time the cancellation had.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), r.opts.CancelWait)
		defer cancel()
	}
	if err := r.versionOutputs(ctx, jt, sr); err != nil {
		// The job completed, but what it made is unknown: a resumed run
		// re-attaches to it and looks again, rather than submit it anew.
		sr.State, sr.Reason, sr.Err = Failed, err.Error(), err
		sr.Detached = true
		return
	}
	r.declaredOutputs(t.node, t.env, st, sr)
}

// request builds the parameters of one submission, with the catalog's
// defaults applied as of now.
func request(jt *schema.JobType, with map[string]string, now time.Time) (map[string]string, error) {
	req := jt.Request(with, now)
	for _, p := range jt.Params {
		if p.Required && req[p.Name] == "" {
			return nil, fmt.Errorf("job %s needs parameter %q", jt.Name, p.Name)
		}
	}
	return req, nil
}

// attempt submits the job once and waits for its end. It sets the step's
// state, reason and outputs, and reports whether the job reached a final
// state on the Console; it did not when the POST failed, the run was
// interrupted, the step timed out or the job could not be polled, and no
// retry may follow then.
func (r *runner) attempt(ctx context.Context, t *task, jt *schema.JobType,
	req map[string]string, sr *StepResult) (JobStatus, bool) {
	n := t.node
	sr.State, sr.Reason, sr.Request, sr.JobGUID = Running, "", req, ""
	sr.SubmitUnknown = false
	// Written before the POST: a journal that shows the step running with
	// this attempt and no GUID tells a POST in flight, which a resumed run
	// does not send again blindly. Left to the loop's next write, a crash
	// after the POST could leave the previous state on disk. Nor is a job
	// submitted that the journal could not record: a resume reading the
	// journal left on disk would submit it again.
	if err := r.checkpoint(t, sr); err != nil {
		sr.State, sr.Reason, sr.Err = Failed, "not submitted: "+err.Error(), err
		return JobStatus{}, false
	}

	// The POST is not canceled by an interrupt: once it may have reached
	// the Console the runner must learn the job's GUID, or a job would run
	// that nobody tracks. An interrupt that came meanwhile cancels it below.
	// A POST that failed is never sent again, by retry: or otherwise: it
	// may have created a job all the same.
	start, err := r.opts.Jobs.SubmitJob(context.WithoutCancel(ctx), jt.Name, req)
	if err != nil {
		sr.State, sr.Reason, sr.Err = Failed, "submit "+jt.Name+": "+err.Error(), err
		sr.SubmitUnknown = errors.Is(err, ErrSubmitUnknown)
		return JobStatus{}, false
	}
	sr.JobGUID = start.JobGUID
	sr.Outputs = jobOutputs(jt, start, JobStatus{State: "starting"}, req)
	_ = r.checkpoint(t, sr) // the GUID is on disk before the first poll; a failure is logged
	r.log.Info("job submitted", "step", n.ID(), "job_id", start.JobGUID,
		"job_type", jt.Name, "attempt", sr.Attempts)
	r.emit(Event{Item: t.item.res.Label, Step: n.ID(), State: Running,
		JobGUID: start.JobGUID, Attempt: sr.Attempts})
	return r.watch(ctx, t, jt, start, req, sr)
}

// watch polls a submitted job until it ends, and sets the step's state,
// reason and outputs as attempt describes.
func (r *runner) watch(ctx context.Context, t *task, jt *schema.JobType, start JobStart,
	req map[string]string, sr *StepResult) (JobStatus, bool) {
	n := t.node
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if d := r.timeout(n); d > 0 {
		wctx, cancel = context.WithTimeoutCause(ctx, r.real(d), fmt.Errorf("timed out after %s", d))
	}
	defer cancel()
	last := JobStatus{State: "starting"}
	sr.Progress = ""
	logs := r.follow(ctx, t, sr, r.poll(n))
	progress := func(st JobStatus) {
		last = st
		logs.see(st)
		if st.ProgressStep != "" && st.ProgressStep != sr.Progress {
			sr.Progress = st.ProgressStep
			r.consoleStep(t, sr, st.ProgressStep)
			r.emit(Event{Item: t.item.res.Label, Step: n.ID(), State: Running,
				JobGUID: start.JobGUID, Progress: st.ProgressStep, Attempt: sr.Attempts})
		}
	}
	st, err := r.opts.Jobs.WaitJob(wctx, start.JobGUID, r.poll(n), progress)
	if err == nil {
		logs.see(st)
	}
	logs.stop(err == nil)
	if err != nil {
		if final, ok := r.abandon(ctx, wctx, n, sr, err); ok {
			sr.Outputs = jobOutputs(jt, start, final, req)
			return final, true
		}
		sr.Outputs = jobOutputs(jt, start, last, req)
		return last, false
	}
	sr.State, sr.Reason = jobState(st)
	sr.Outputs = jobOutputs(jt, start, st, req)
	return st, true
}

// jobState maps the final state of a Console job to the step's.
func jobState(st JobStatus) (State, string) {
	switch st.State {
	case "completed":
		return Completed, ""
	case "canceled", "canceling":
		return Canceled, "job canceled on the Console"
	}
	reason := "job " + st.State
	if st.FailureStep != "" {
		reason += " at step " + st.FailureStep
	}
	return Failed, reason
}

// abandon handles a wait that ended without a final job state: the run
// was interrupted, the step timed out, or the job could not be polled.
// In the first two cases it cancels the Console job. It returns the job's
// final status and true when the job turned out to have completed before
// the cancel reached it: the step then completed, as the job did.
func (r *runner) abandon(ctx, wctx context.Context, n *Node, sr *StepResult,
	err error) (JobStatus, bool) {
	switch {
	case ctx.Err() != nil && timedOut(ctx):
		sr.State, sr.Reason = Failed, cause(ctx)
	case ctx.Err() != nil:
		sr.State, sr.Reason = Canceled, cause(ctx)
	case wctx.Err() != nil:
		sr.State, sr.Reason = Failed, cause(wctx)
	default:
		// The job may still run on the Console; it is left alone because
		// the runner no longer knows its state. A resumed run polls it.
		sr.State, sr.Reason, sr.Err = Failed, "poll job: "+err.Error(), err
		sr.Detached = true
		return JobStatus{}, false
	}
	msg, final, ok := r.cancelJob(ctx, sr.JobGUID, r.poll(n))
	sr.CancelUnconfirmed = !ok
	switch final.State {
	case "completed":
		// Whatever stopped the runner from seeing it, the job did its
		// work: a resumed run must not do it again.
		sr.State, sr.Reason = Completed, ""
		return final, true
	case "failed", "stopped":
		// The job had ended before the cancel reached it: the step failed,
		// whatever stopped the runner from seeing it.
		sr.State = Failed
	}
	sr.Reason += "; " + msg
	return JobStatus{}, false
}

// cancelJob cancels a Console job and waits, within CancelWait, for the
// Console to confirm, polling at most every poll. It returns a note for
// the step's reason, the job's final status as the Console confirmed it,
// and whether it did confirm that the job ended.
func (r *runner) cancelJob(ctx context.Context, guid string,
	poll time.Duration) (string, JobStatus, bool) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.CancelWait)
	defer cancel()
	if err := r.opts.Jobs.CancelJob(cctx, guid); err != nil {
		r.log.Error("cancel job", "job_id", guid, "err", err)
		msg := fmt.Sprintf("could not cancel job %s on the Console; cancel it manually", guid)
		return msg, JobStatus{}, false
	}
	// WaitJob returns at "canceling" as the official client does; here the
	// runner waits on until the Console confirms the job has ended.
	interval := min(poll, r.real(2*time.Second))
	for {
		st, err := r.opts.Jobs.WaitJob(cctx, guid, interval, nil)
		switch {
		case err != nil:
			return fmt.Sprintf("job %s not confirmed canceled on the Console", guid), JobStatus{}, false
		case st.State != "canceling":
			return "job " + st.State + " on the Console", st, true
		}
		t := time.NewTimer(interval)
		select {
		case <-cctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

// poll returns the step's poll interval in real time.
func (r *runner) poll(n *Node) time.Duration {
	return r.real(first(n.Step.Poll, r.p.Workflow.Defaults.Poll, r.opts.Poll))
}

// timeout returns the step's timeout as written, or 0 for none.
func (r *runner) timeout(n *Node) time.Duration {
	return first(n.Step.Timeout, r.p.Workflow.Defaults.Timeout)
}

// real converts a duration of the Console's time into real time, for a
// simulated Console that runs Options.Speed times faster.
func (r *runner) real(d time.Duration) time.Duration {
	return time.Duration(float64(d) / r.opts.Speed)
}
