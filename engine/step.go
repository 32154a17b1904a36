package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aipflow/runner/schema"
)

// execute runs one step to its end and returns its result. It never
// touches the runner's shared state; env is a snapshot taken when the step
// started.
func (r *runner) execute(ctx context.Context, n *Node, env map[string]any) *StepResult {
	sr := &StepResult{ID: n.ID(), JobType: n.Step.Job}
	params, err := r.params(n, env)
	if err != nil {
		sr.State, sr.Reason = Failed, err.Error()
		return sr
	}
	if n.Step.Query != "" {
		r.query(ctx, n, params, sr)
	} else {
		r.job(ctx, n, params, env, sr)
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
				w.name, strings.TrimSpace(w.t.raw.Text), r.why(w.t, env))
		}
	}
	return out, nil
}

// why explains an unavailable value by the state of the steps it reads.
func (r *runner) why(t *template, env map[string]any) string {
	steps, _ := env["steps"].(map[string]any)
	var parts []string
	for _, id := range t.steps() {
		st, _ := steps[id].(map[string]any)
		if s, _ := st["state"].(string); s != string(Completed) {
			parts = append(parts, fmt.Sprintf("step %s was %s", id, s))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
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

// job submits a Console job, waits for its end and sets the step's
// outputs.
func (r *runner) job(ctx context.Context, n *Node, with map[string]string, env map[string]any,
	sr *StepResult) {
	jt, ok := schema.LookupJob(n.Step.Job)
	if !ok {
		sr.State, sr.Reason = Failed, fmt.Sprintf("unknown job type %q", n.Step.Job)
		return
	}
	req := jt.Request(with, r.opts.Now())
	sr.Request = req
	for _, p := range jt.Params {
		if p.Required && req[p.Name] == "" {
			sr.State, sr.Reason = Failed, fmt.Sprintf("job %s needs parameter %q", jt.Name, p.Name)
			return
		}
	}

	// The POST is not canceled by an interrupt: once it may have reached
	// the Console the runner must learn the job's GUID, or a job would run
	// that nobody tracks. An interrupt that came meanwhile cancels it below.
	log := r.log.With("step", n.ID())
	start, err := r.opts.Jobs.SubmitJob(context.WithoutCancel(ctx), jt.Name, req)
	if err != nil {
		sr.State, sr.Reason, sr.Err = Failed, "submit "+jt.Name+": "+err.Error(), err
		return
	}
	sr.JobGUID = start.JobGUID
	sr.Outputs = jobOutputs(jt, start, JobStatus{State: "starting"}, req)
	log = log.With("job_id", start.JobGUID)
	log.Info("job submitted", "job_type", jt.Name)
	r.emit(Event{Step: n.ID(), State: Running, JobGUID: start.JobGUID})

	d := r.timeout(n)
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if d > 0 {
		wctx, cancel = context.WithTimeoutCause(ctx, r.real(d), fmt.Errorf("timed out after %s", d))
	}
	defer cancel()
	last := JobStatus{State: "starting"}
	progress := func(st JobStatus) {
		last = st
		if st.ProgressStep != "" && st.ProgressStep != sr.Progress {
			sr.Progress = st.ProgressStep
			r.emit(Event{Step: n.ID(), State: Running, JobGUID: start.JobGUID, Progress: st.ProgressStep})
		}
	}
	st, err := r.opts.Jobs.WaitJob(wctx, start.JobGUID, r.poll(n), progress)
	if err != nil {
		r.abandon(ctx, wctx, n, sr, err)
		sr.Outputs = jobOutputs(jt, start, last, req)
		return
	}
	switch st.State {
	case "completed":
		sr.State = Completed
	case "canceled", "canceling":
		sr.State, sr.Reason = Canceled, "job canceled on the Console"
	default:
		sr.State, sr.Reason = Failed, "job "+st.State
		if st.FailureStep != "" {
			sr.Reason += " at step " + st.FailureStep
		}
	}
	sr.Outputs = jobOutputs(jt, start, st, req)
	if sr.State != Completed {
		return
	}
	if err := r.versionOutputs(ctx, jt, sr); err != nil {
		sr.State, sr.Reason, sr.Err = Failed, err.Error(), err
		return
	}
	r.declaredOutputs(n, env, st, sr)
}

// abandon handles a wait that ended without a final job state: the run
// was interrupted, the step timed out, or the job could not be polled.
// In the first two cases it cancels the Console job.
func (r *runner) abandon(ctx, wctx context.Context, n *Node, sr *StepResult, err error) {
	switch {
	case ctx.Err() != nil:
		sr.State, sr.Reason = Canceled, cause(ctx)
	case wctx.Err() != nil:
		sr.State, sr.Reason = Failed, cause(wctx)
	default:
		// The job may still run on the Console; it is left alone because
		// the runner no longer knows its state.
		sr.State, sr.Reason, sr.Err = Failed, "poll job: "+err.Error(), err
		return
	}
	if msg := r.cancelJob(ctx, sr.JobGUID, r.poll(n)); msg != "" {
		sr.Reason += "; " + msg
	}
}

// cancelJob cancels a Console job and waits, within CancelWait, for the
// Console to confirm, polling at most every poll. It returns a note for
// the step's reason.
func (r *runner) cancelJob(ctx context.Context, guid string, poll time.Duration) string {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.CancelWait)
	defer cancel()
	if err := r.opts.Jobs.CancelJob(cctx, guid); err != nil {
		r.log.Error("cancel job", "job_id", guid, "err", err)
		return fmt.Sprintf("could not cancel job %s on the Console; cancel it manually", guid)
	}
	// WaitJob returns at "canceling" as the official client does; here the
	// runner waits on until the Console confirms the job has ended.
	interval := min(poll, r.real(2*time.Second))
	for {
		st, err := r.opts.Jobs.WaitJob(cctx, guid, interval, nil)
		switch {
		case err != nil:
			return fmt.Sprintf("job %s not confirmed canceled on the Console", guid)
		case st.State != "canceling":
			return "job " + st.State + " on the Console"
		}
		select {
		case <-cctx.Done():
		case <-time.After(interval):
		}
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

// jobOutputs are the outputs of every job step, plus those the job type
// takes from the parameters it was sent (versionName, backupName, ...).
func jobOutputs(jt *schema.JobType, start JobStart, st JobStatus,
	req map[string]string) map[string]any {
	params := make(map[string]any, len(req))
	for k, v := range req {
		params[k] = v
	}
	app := first(st.AppGUID, start.AppGUID, req["appGuid"])
	out := map[string]any{
		"jobGuid":      start.JobGUID,
		"state":        st.State,
		"progressStep": orNil(st.ProgressStep),
		"failureStep":  orNil(st.FailureStep),
		"appGuid":      orNil(app),
		"appName":      orNil(first(st.AppName, req["appName"])),
		"parameters":   params,
	}
	for _, name := range jt.Outputs {
		if _, ok := out[name]; !ok {
			out[name] = orNil(req[name])
		}
	}
	return out
}

// versionOutputs finds the version a version-creating job made, by the
// name it was given: the Console's job status does not carry it.
func (r *runner) versionOutputs(ctx context.Context, jt *schema.JobType, sr *StepResult) error {
	if !jt.CreatesVersion {
		return nil
	}
	app, _ := sr.Outputs["appGuid"].(string)
	name := sr.Request["versionName"]
	v, ok, err := r.opts.Jobs.FindVersion(ctx, app, name)
	if err != nil {
		return fmt.Errorf("find version %q: %v", name, err)
	}
	if !ok {
		return fmt.Errorf("job completed but version %q is not in the application's versions", name)
	}
	sr.Outputs["versionGuid"], sr.Outputs["versionName"] = v.GUID, v.Name
	return nil
}

// declaredOutputs evaluates the step's own outputs: expressions over job,
// the final status document.
func (r *runner) declaredOutputs(n *Node, env map[string]any, st JobStatus, sr *StepResult) {
	if len(n.outs) == 0 {
		return
	}
	jenv := make(map[string]any, len(env))
	for k, v := range env {
		jenv[k] = v
	}
	jenv["job"] = st.Doc
	for _, o := range n.outs {
		v, err := o.t.render(jenv)
		if err != nil {
			sr.State, sr.Reason = Failed, fmt.Sprintf("outputs.%s: %v", o.name, err)
			return
		}
		sr.Outputs[o.name] = v
	}
}

// query runs a read-only lookup.
func (r *runner) query(ctx context.Context, n *Node, p map[string]string, sr *StepResult) {
	out, err := r.lookup(ctx, n.Step.Query, p)
	if err != nil {
		sr.State, sr.Reason, sr.Err = Failed, n.Step.Query+" query: "+err.Error(), err
		if ctx.Err() != nil {
			sr.State, sr.Reason = Canceled, cause(ctx)
		}
		return
	}
	sr.State, sr.Outputs = Completed, out
}

func (r *runner) lookup(ctx context.Context, kind string,
	p map[string]string) (map[string]any, error) {
	jobs := r.opts.Jobs
	switch kind {
	case schema.QueryApplication:
		a, ok, err := jobs.FindApplication(ctx, p["name"])
		if err != nil {
			return nil, err
		}
		return found(ok, "appGuid", a.GUID, "appName", a.Name), nil
	case schema.QueryVersion:
		v, ok, err := jobs.FindVersion(ctx, p["appGuid"], p["name"])
		if err != nil {
			return nil, err
		}
		out := found(ok, "versionGuid", v.GUID, "versionName", v.Name)
		out["status"] = orNil(v.Status)
		return out, nil
	case schema.QueryNode:
		nodes, err := jobs.Nodes(ctx)
		if err != nil {
			return nil, err
		}
		nd, ok := pickNode(nodes, p["name"])
		if !ok && p["name"] != "" {
			// Unlike an application, a node cannot be created by a
			// workflow, so a named node that is missing is an error.
			return nil, fmt.Errorf("no AIP node named %q (known: %s)", p["name"], nodeNames(nodes))
		}
		return found(ok, "nodeGuid", nd.GUID, "nodeName", nd.Name), nil
	}
	return nil, errors.New("unknown query kind")
}

// pickNode returns the node of that name (ignoring case) or, without a
// name, the accessible node with the fewest applications.
func pickNode(nodes []AIPNode, name string) (AIPNode, bool) {
	if name != "" {
		for _, nd := range nodes {
			if strings.EqualFold(nd.Name, name) {
				return nd, true
			}
		}
		return AIPNode{}, false
	}
	var ok []AIPNode
	for _, nd := range nodes {
		if nd.Accessible {
			ok = append(ok, nd)
		}
	}
	if len(ok) == 0 {
		return AIPNode{}, false
	}
	sort.SliceStable(ok, func(i, j int) bool { return ok[i].Applications < ok[j].Applications })
	return ok[0], true
}

func nodeNames(nodes []AIPNode) string {
	names := make([]string, len(nodes))
	for i, nd := range nodes {
		names[i] = nd.Name
	}
	return strings.Join(names, ", ")
}

func found(ok bool, kv ...string) map[string]any {
	out := map[string]any{"found": ok}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = nil
		if ok {
			out[kv[i]] = orNil(kv[i+1])
		}
	}
	return out
}

// first returns the first value that is not the zero value.
func first[T comparable](vals ...T) T {
	var zero T
	for _, v := range vals {
		if v != zero {
			return v
		}
	}
	return zero
}

// orNil turns an empty string into nil, so that ?? falls back over it.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
