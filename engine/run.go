package engine

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/aipflow/runner/schema"
)

// DefaultPoll is the poll interval when neither the step nor the
// workflow's defaults set one; the official client polls every 15 s.
const DefaultPoll = 15 * time.Second

// Options configure a run. Jobs is required.
type Options struct {
	Jobs        JobService
	Inputs      map[string]any    // as returned by ResolveInputs
	Env         map[string]string // what expressions see as env; nil for none
	RunID       string
	MaxParallel int           // steps running at once; 0 means 4
	Poll        time.Duration // 0 means DefaultPoll
	CancelWait  time.Duration // how long to wait for a canceled job to end; 0 means 30 s
	Speed       float64       // >1 divides poll intervals and timeouts, for a simulated Console
	Observer    func(Event)   // called for every state and progress change, one call at a time
	Logger      *slog.Logger  // nil discards
	Now         func() time.Time
}

// Run runs a plan to its end and returns what became of every step. Step
// failures are in the Result, not the error: Run returns an error only
// when it cannot start. When ctx is canceled, Run cancels the Console jobs
// it started, waits for them up to Options.CancelWait, marks the steps
// that did not start as canceled and returns.
func Run(ctx context.Context, p *Plan, opts Options) (*Result, error) {
	if opts.Jobs == nil {
		return nil, errors.New("run: no job service")
	}
	r := newRunner(p, opts)
	return r.loop(ctx), nil
}

// runner holds the state of one run. Only loop changes results; step
// goroutines work on their own StepResult and hand it back.
type runner struct {
	p       *Plan
	opts    Options
	log     *slog.Logger
	results map[string]*StepResult
	res     *Result
	emitMu  sync.Mutex

	// Scheduling state, owned by loop.
	dependents map[string][]*Node // step id -> steps that depend on it
	waiting    map[string]int     // step id -> dependencies not ended yet
	ready      readyQueue         // pending steps whose dependencies have ended
	stopped    bool               // the run was interrupted; start nothing
}

func newRunner(p *Plan, opts Options) *runner {
	if opts.MaxParallel <= 0 {
		opts.MaxParallel = 4
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.CancelWait <= 0 {
		opts.CancelWait = 30 * time.Second
	}
	if opts.Speed < 1 {
		opts.Speed = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &runner{
		p: p, opts: opts,
		log:     log.With("workflow", p.Workflow.Name, "run", opts.RunID),
		results: map[string]*StepResult{},
		res:     &Result{RunID: opts.RunID, Workflow: p.Workflow.Name, Started: opts.Now()},
	}
	r.dependents, r.waiting = map[string][]*Node{}, map[string]int{}
	for _, n := range p.Nodes {
		sr := &StepResult{ID: n.ID(), State: Pending, JobType: n.Step.Job}
		r.results[n.ID()] = sr
		r.res.Steps = append(r.res.Steps, sr)
		r.waiting[n.ID()] = len(n.Deps)
		if len(n.Deps) == 0 {
			r.ready = append(r.ready, n) // in file order: already a heap
		}
		for _, e := range n.Deps {
			r.dependents[e.From] = append(r.dependents[e.From], n)
		}
	}
	return r
}

// loop starts every step whose dependencies have ended, up to the
// parallel limit, and records what the step goroutines report, until no
// step is left to run.
func (r *runner) loop(ctx context.Context) *Result {
	var g errgroup.Group
	g.SetLimit(r.opts.MaxParallel)
	done := make(chan *StepResult, len(r.p.Nodes))
	running := 0
	for {
		if ctx.Err() != nil {
			r.cancelPending(ctx)
		} else {
			running += r.startReady(ctx, &g, done)
		}
		if running == 0 {
			break
		}
		var sr *StepResult
		if ctx.Err() != nil {
			sr = <-done
		} else {
			select {
			case sr = <-done:
			case <-ctx.Done():
				// Go round: steps not started are marked canceled;
				// running ones cancel their Console jobs and report.
				continue
			}
		}
		running--
		r.record(sr)
	}
	_ = g.Wait() // every goroutine has reported already
	r.res.Outputs = r.workflowOutputs()
	r.res.Ended = r.opts.Now()
	return r.res
}

// startReady decides the ready steps in file order: it skips a step,
// marks it upstream_failed or starts it, until none is ready or the
// parallel limit is reached. It returns how many steps it started.
func (r *runner) startReady(ctx context.Context, g *errgroup.Group, done chan<- *StepResult) int {
	started := 0
	for r.ready.Len() > 0 {
		n := r.ready[0]
		env := r.env(n)
		state, reason := r.decide(ctx, n, env)
		if state != Running {
			heap.Pop(&r.ready)
			r.finish(n.ID(), state, reason) // may make more steps ready
			continue
		}
		if !g.TryGo(func() error {
			done <- r.execute(ctx, n, env)
			return nil
		}) {
			break // at the limit; a step ending frees a slot
		}
		heap.Pop(&r.ready)
		sr := r.results[n.ID()]
		sr.State, sr.Started = Running, r.opts.Now()
		r.emit(Event{Step: n.ID(), State: Running})
		started++
	}
	return started
}

// ended counts a step's end against the steps that depend on it and
// queues those whose dependencies have now all ended.
func (r *runner) ended(id string) {
	for _, d := range r.dependents[id] {
		r.waiting[d.ID()]--
		if r.waiting[d.ID()] == 0 {
			heap.Push(&r.ready, d)
		}
	}
}

// cancelPending marks every step that has not started as canceled.
func (r *runner) cancelPending(ctx context.Context) {
	if r.stopped {
		return
	}
	r.stopped, r.ready = true, nil
	for _, n := range r.p.Nodes {
		if r.results[n.ID()].State == Pending {
			r.finish(n.ID(), Canceled, "not started: "+cause(ctx))
		}
	}
}

func (r *runner) finish(id string, state State, reason string) {
	sr := r.results[id]
	sr.State, sr.Reason = state, reason
	if !sr.Started.IsZero() || state == Skipped || state == UpstreamFailed {
		sr.Ended = r.opts.Now()
	}
	r.emit(Event{Step: id, State: state, Reason: reason, JobGUID: sr.JobGUID})
	r.ended(id)
}

// record stores the result a step goroutine handed back.
func (r *runner) record(sr *StepResult) {
	cur := r.results[sr.ID]
	started := cur.Started
	*cur = *sr
	cur.Started = started
	cur.Ended = r.opts.Now()
	r.emit(Event{Step: sr.ID, State: sr.State, Reason: sr.Reason, JobGUID: sr.JobGUID})
	r.ended(sr.ID)
	// The progress lines tell users already; this is for -v and JSON logs.
	r.log.Info("step ended", "step", sr.ID,
		"state", string(sr.State), "job_id", sr.JobGUID, "duration", cur.Duration(), "reason", sr.Reason)
}

func (r *runner) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = r.opts.Now()
	}
	if r.opts.Observer == nil {
		return
	}
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	r.opts.Observer(e)
}

// env is the expression environment of a step as the run stands now:
// inputs, the state and outputs of the steps it depends on (the only ones
// its expressions may read), the run and the environment. With n nil it
// holds every step, for the workflow's outputs.
func (r *runner) env(n *Node) map[string]any {
	var ids []string
	if n == nil {
		for _, m := range r.p.Nodes {
			ids = append(ids, m.ID())
		}
	} else {
		for _, e := range n.Deps {
			ids = append(ids, e.From)
		}
	}
	steps := make(map[string]any, len(ids))
	for _, id := range ids {
		sr := r.results[id]
		outs := make(map[string]any, len(sr.Outputs))
		for k, v := range sr.Outputs {
			outs[k] = v
		}
		steps[id] = map[string]any{"state": string(sr.State), "outputs": outs}
	}
	env := make(map[string]any, len(r.opts.Env))
	for k, v := range r.opts.Env {
		env[k] = v
	}
	return map[string]any{
		"inputs": r.opts.Inputs,
		"steps":  steps,
		"run": map[string]any{
			"id": r.opts.RunID, "name": r.p.Workflow.Name,
			"started": r.res.Started.Format(time.RFC3339),
		},
		"env": env,
		"job": map[string]any{},
	}
}

// decide returns Running when the step should run, or the state it ends
// in without running and why. The default condition is success(): every
// dependency completed or skipped; a condition that calls none of the
// status functions is combined with it.
func (r *runner) decide(ctx context.Context, n *Node, env map[string]any) (State, string) {
	var failed []string
	for _, e := range n.Deps {
		switch st := r.results[e.From].State; st {
		case Completed, Skipped:
		default:
			failed = append(failed, fmt.Sprintf("%s: %s", e.From, st))
		}
	}
	success := len(failed) == 0
	if (n.cond == nil || !n.cond.callsFn) && !success {
		return UpstreamFailed, "needs " + strings.Join(failed, ", ")
	}
	if n.cond == nil {
		return Running, ""
	}
	fenv := make(map[string]any, len(env)+len(statusFuncs))
	for k, v := range env {
		fenv[k] = v
	}
	anyFailed := false
	for _, e := range n.Deps {
		st := r.results[e.From].State
		anyFailed = anyFailed || st == Failed || st == UpstreamFailed
	}
	interrupted := ctx.Err() != nil
	fenv["success"] = func() bool { return success && !interrupted }
	fenv["failure"] = func() bool { return anyFailed }
	fenv["always"] = func() bool { return true }
	fenv["canceled"] = func() bool { return interrupted }
	v, err := n.cond.run(fenv)
	if err != nil {
		return Failed, schema.Errorf(r.p.Workflow.File, n.Step.If.Pos, "if: %v", err).Error()
	}
	if ok, _ := v.(bool); !ok {
		return Skipped, "condition false"
	}
	return Running, ""
}

// workflowOutputs evaluates the workflow's outputs once every step has
// ended. An output that cannot be evaluated is nil and logged.
func (r *runner) workflowOutputs() map[string]any {
	if len(r.p.outputs) == 0 {
		return nil
	}
	env := r.env(nil)
	out := map[string]any{}
	for _, o := range r.p.outputs {
		v, err := o.t.render(env)
		if err != nil {
			r.log.Warn("output not evaluated", "output", o.name, "err", err)
		}
		out[o.name] = v
	}
	return out
}

// cause describes why ctx ended.
func cause(ctx context.Context) string {
	err := context.Cause(ctx)
	if errors.Is(err, context.Canceled) {
		return "run interrupted"
	}
	return err.Error()
}

// readyQueue orders ready steps by their place in the file, so that runs
// start steps in a predictable order. It implements heap.Interface.
type readyQueue []*Node

func (q readyQueue) Len() int           { return len(q) }
func (q readyQueue) Less(i, j int) bool { return q[i].index < q[j].index }
func (q readyQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *readyQueue) Push(x any)        { *q = append(*q, x.(*Node)) }

func (q *readyQueue) Pop() any {
	old := *q
	n := old[len(old)-1]
	*q = old[:len(old)-1]
	return n
}
