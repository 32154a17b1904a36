package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/aipflow/runner/schema"
)

// A resumed run (Options.Resume) goes on where an earlier run of the same
// plan stopped, under the same run id and start time, and never submits a
// job twice. Matrix items are matched by label and steps by id; what the
// journal does not know runs as new. Of each step:
//
//   - a completed step is kept, with its outputs and timings, and sends
//     nothing;
//   - a skipped step is kept when every step it depends on is kept and
//     its definition is unchanged; it is decided again otherwise, which
//     costs nothing as it sent nothing;
//   - a step whose job was running when the run stopped, whose job the
//     runner lost sight of (Detached), or whose job the runner asked the
//     Console to cancel without seeing it end (CancelUnconfirmed), is
//     re-attached: it polls the job by its saved GUID, at once and
//     whatever the locks and parallel limit say, since the job may run on
//     the Console still, and takes the state the job ends in. Its retry:
//     goes on from the attempts already made;
//   - a job step whose submission may have created a job the journal has
//     no GUID of (its POST got no answer, or was on its way when the
//     process died) makes Run refuse the journal (submits.go); with
//     Options.Resubmit it runs again as if new;
//   - every other step (failed, canceled, upstream_failed, not started)
//     runs again as if new.
//
// Known gap: a re-attached step's timeout: counts from the re-attach, not
// from the job's submission, since the journal does not record when each
// attempt began.

// resume applies the journal of an earlier run to the items of r, before
// the run starts.
func (r *runner) resume(j *Journal) {
	byLabel := map[string]*JournalItem{}
	for i := range j.Items {
		byLabel[j.Items[i].Label] = &j.Items[i]
	}
	for _, it := range r.items {
		if ji := byLabel[it.res.Label]; ji != nil {
			r.resumeItem(it, ji, j.StepHashes)
		}
	}
}

// resumeItem restores the steps of one item, then counts the kept ones as
// ended for the steps that depend on them.
func (r *runner) resumeItem(it *itemRun, ji *JournalItem, hashes map[string]string) {
	saved := map[string]*JournalStep{}
	for i := range ji.Steps {
		saved[ji.Steps[i].ID] = &ji.Steps[i]
	}
	kept := map[string]bool{}
	var keep func(n *Node) bool
	keep = func(n *Node) bool {
		if k, ok := kept[n.ID()]; ok {
			return k
		}
		k := false
		switch js := saved[n.ID()]; {
		case js == nil:
		case js.State == Completed:
			k = true
		case js.State == Skipped && hashes[n.ID()] == r.p.StepHash(n.ID()):
			k = !slices.ContainsFunc(n.Deps, func(e Edge) bool { return !keep(r.p.byID[e.From]) })
		}
		kept[n.ID()] = k
		return k
	}
	var attach []*task
	for _, t := range it.tasks {
		js := saved[t.node.ID()]
		switch {
		case keep(t.node):
			*t.sr = *js.result()
			t.sr.Kept = true
		case attachable(js):
			*t.sr = *js.result()
			t.sr.State, t.sr.Ended = Pending, time.Time{}
			if js.CancelUnconfirmed {
				t.sr.Reason = "" // the cancel it tells of is over
			}
			t.sr.Detached, t.sr.CancelUnconfirmed = false, false
			t.attach, t.with = true, js.With
			attach = append(attach, t)
		case js != nil && submitUnsure(js):
			// Run refused the journal unless Options.Resubmit.
			r.log.Info("job step may have submitted its job already: submitting it again",
				"item", it.res.Label, "step", js.ID)
		}
	}
	for _, t := range it.tasks {
		if !t.sr.Kept {
			continue
		}
		it.left--
		for _, d := range r.dependents[t.node.ID()] {
			it.tasks[d.index].deps--
		}
	}
	for _, t := range attach {
		r.prepareAttach(t)
	}
	it.attach = len(attach)
}

// attachable reports whether a saved step has a job to re-attach to: one
// that was running, that the runner lost sight of, or whose cancel the
// Console did not confirm. A step is re-attached whatever state the
// journal gives it: the job's final state decides.
func attachable(js *JournalStep) bool {
	return js != nil && js.JobType != "" && js.JobGUID != "" &&
		(js.State == Running || js.Detached || js.CancelUnconfirmed)
}

// prepareAttach sets what a step to re-attach needs to run, as prepare
// does for a new one: its expression environment and its locks. A
// concurrency: lock that cannot be rendered any more (it reads a step
// that runs again) is left out, with a warning: the job runs already.
func (r *runner) prepareAttach(t *task) {
	t.env = r.env(t.item, t.node)
	locks, err := stepLocks(t.node, t.env, t.with)
	if err != nil {
		r.log.Warn("re-attached step runs without its concurrency: lock",
			"step", t.node.ID(), "err", err)
		locks = appLocks(t.node, t.with)
	}
	t.locks = locks
}

// reattach waits for the job of an earlier run of the step, as attempt
// does for a job it submits.
func (r *runner) reattach(ctx context.Context, t *task, jt *schema.JobType,
	sr *StepResult) (JobStatus, bool) {
	r.log.Info("job re-attached", "step", t.node.ID(), "job_id", sr.JobGUID,
		"job_type", jt.Name, "attempt", sr.Attempts)
	r.emit(Event{Item: t.item.res.Label, Step: t.node.ID(), State: Running,
		JobGUID: sr.JobGUID, Attempt: sr.Attempts, Reason: "re-attached"})
	app, _ := sr.Outputs["appGuid"].(string)
	return r.watch(ctx, t, jt, JobStart{JobGUID: sr.JobGUID, AppGUID: app}, sr.Request, sr)
}

// begin returns the result a step goroutine starts from: a new one, or a
// copy of the saved one for a step to re-attach, which goes on with its
// job, attempts and Console steps.
func (t *task) begin() *StepResult {
	if !t.attach {
		return &StepResult{ID: t.node.ID(), JobType: t.node.Step.Job, State: Running,
			Started: t.sr.Started}
	}
	sr := *t.sr
	sr.Outputs = maps.Clone(sr.Outputs)
	sr.ConsoleSteps = slices.Clone(sr.ConsoleSteps)
	return &sr
}

// openJournal writes the first journal of the run, when it has one.
func (r *runner) openJournal() error {
	if r.opts.JournalPath == "" {
		return nil
	}
	j := &Journal{
		Version: JournalVersion, RunID: r.opts.RunID, Workflow: r.p.Workflow.Name,
		File: first(r.opts.Source.File, r.p.Workflow.File), FileHash: r.opts.Source.Hash,
		StepHashes: r.p.StepHashes(), Inputs: inputTexts(r.opts.Inputs),
		State: RunRunning, Started: r.res.Started, PID: os.Getpid(), Host: hostname(),
	}
	if prev := r.opts.Resume; prev != nil {
		j.Resumed = append(slices.Clone(prev.Resumed), r.opts.Now())
	}
	for _, it := range r.items {
		ji := JournalItem{Label: it.res.Label}
		for _, t := range it.tasks {
			ji.Steps = append(ji.Steps, journalStep(t.sr, t.with))
		}
		j.Items = append(j.Items, ji)
	}
	w, err := newJournalWriter(r.opts.JournalPath, j, r.opts.Now, r.log)
	if err != nil {
		return err
	}
	r.jr = w
	return nil
}

// note records a step's result, as the loop holds it, in the journal; the
// loop writes it before it next waits.
func (r *runner) note(t *task) {
	r.jr.set(t.item.index, t.node.index, journalStep(t.sr, t.with))
}

// stage records the result a step goroutine holds, for the next write.
func (r *runner) stage(t *task, sr *StepResult) {
	r.jr.set(t.item.index, t.node.index, journalStep(sr, t.with))
}

// checkpoint records and writes at once the result a step goroutine
// holds, as the step goes on.
func (r *runner) checkpoint(t *task, sr *StepResult) error {
	r.stage(t, sr)
	return r.jr.flush()
}

// consoleStep records a Console progress step the job began, unless a
// re-attached job is still at the step the journal has. It is written
// with the next change of state, not at once: it is not a state change,
// and writing the whole journal for each progress step made runs of many
// short jobs spend most of their time writing.
func (r *runner) consoleStep(t *task, sr *StepResult, name string) {
	if n := len(sr.ConsoleSteps); n > 0 {
		last := sr.ConsoleSteps[n-1]
		if last.Name == name && last.Attempt == sr.Attempts {
			return
		}
	}
	sr.ConsoleSteps = append(sr.ConsoleSteps,
		ConsoleStep{Name: name, Started: r.opts.Now(), Attempt: sr.Attempts})
	r.stage(t, sr)
}

// StepHash returns a digest of the definition of a step, as written: its
// kind, parameters, needs, condition, timeouts, retry, lock and outputs.
// Where the step is in the file, comments and layout do not count.
func (p *Plan) StepHash(id string) string {
	n := p.byID[id]
	if n == nil {
		return ""
	}
	st := n.Step
	def := map[string]any{
		"job": st.Job, "query": st.Query, "timeout": st.Timeout, "poll": st.Poll,
		"continueOnError": st.ContinueOnError,
	}
	var with, outs [][2]string
	for _, w := range st.With {
		with = append(with, [2]string{w.Name, w.Value.Text})
	}
	for _, o := range st.Outputs {
		outs = append(outs, [2]string{o.Name, o.Expr.Text})
	}
	var needs []string
	for _, v := range st.Needs {
		needs = append(needs, v.Text)
	}
	sort.Strings(needs)
	def["with"], def["outputs"], def["needs"] = with, outs, needs
	if st.If != nil {
		def["if"] = st.If.Text
	}
	if st.Concurrency != nil {
		def["concurrency"] = st.Concurrency.Text
	}
	if st.Source != nil {
		def["source"] = st.Source.Path
	}
	if rt := st.Retry; rt != nil {
		def["retry"] = []any{rt.Attempts, rt.Delay, rt.Backoff, rt.On}
	}
	data, _ := json.Marshal(def) // strings, numbers and slices of them
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// StepHashes returns StepHash of every step, by id.
func (p *Plan) StepHashes() map[string]string {
	out := make(map[string]string, len(p.Nodes))
	for _, n := range p.Nodes {
		out[n.ID()] = p.StepHash(n.ID())
	}
	return out
}

// ChangedSteps returns the ids, sorted, of the steps that completed in
// the journal's run (in any item) and whose definition in p differs from
// the one they ran with: a resume would keep results that the workflow
// no longer describes. Steps p does not have are left out.
func ChangedSteps(p *Plan, j *Journal) []string {
	seen := map[string]bool{}
	var out []string
	for _, it := range j.Items {
		for _, s := range it.Steps {
			if s.State != Completed || seen[s.ID] || p.byID[s.ID] == nil {
				continue
			}
			seen[s.ID] = true
			if j.StepHashes[s.ID] != p.StepHash(s.ID) {
				out = append(out, s.ID)
			}
		}
	}
	sort.Strings(out)
	return out
}

// FileHash returns the digest of a workflow file's content that journals
// record.
func FileHash(content []byte) string {
	sum := sha256.Sum256(content)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// hostname returns the name of this host, or "" when it is unknown.
func hostname() string {
	h, _ := os.Hostname()
	return h
}
