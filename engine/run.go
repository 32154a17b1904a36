package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
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
	MaxParallel int           // steps running at once, over all matrix items; 0 means 4
	Poll        time.Duration // 0 means DefaultPoll
	CancelWait  time.Duration // how long to wait for a canceled job to end; 0 means 30 s
	Speed       float64       // >1 divides poll intervals, timeouts and retry delays
	Observer    func(Event)   // called for every state and progress change, one call at a time
	Logger      *slog.Logger  // nil discards
	Now         func() time.Time

	// OnLog, when set, receives the lines of the main logs of the Console
	// jobs while they run, each job's Console steps in order; it is never
	// called at the same time as Observer or itself. The logs of a job are
	// read at most once per poll interval of its step, and to their end
	// when the job ends. A failed read is logged at Debug level and never
	// changes a step's outcome.
	OnLog func(LogLine)

	// FailFast stops the run at the first step that fails (without
	// continue-on-error) or is canceled: steps not started yet end
	// canceled, no job is submitted or resubmitted any more, and the jobs
	// already running are polled to their end. Without it, a failure
	// stops only the steps that depend on the failed one.
	FailFast bool

	// Timeout bounds the whole run, in the Console's time; 0 means none.
	// On expiry the run ends as if interrupted, except that the steps
	// whose jobs it cancels end failed with the reason "run timed out".
	Timeout time.Duration

	// JournalPath, when not "", is the file where the run keeps its
	// journal, rewritten atomically at every state change (see Journal).
	// Run fails before sending anything when it cannot write it.
	JournalPath string

	// Source names the workflow file in the journal; without a File, the
	// path the workflow was loaded from stands.
	Source Source

	// Resume, when not nil, is the journal of an earlier run of this
	// plan, which this run goes on with: it keeps the steps that
	// completed or were skipped, waits for the jobs that were running
	// without submitting them again, and runs the rest. RunID should be
	// the journal's. resume.go has the rules.
	Resume *Journal

	// Resubmit lets a resumed run submit again the jobs of the steps
	// whose earlier submission may have reached the Console without the
	// journal learning the job's GUID (CheckSubmits). Without it, Run
	// refuses such a journal with a *SubmitUnknownError and sends nothing.
	Resubmit bool
}

// Source is the workflow file a run comes from, for its journal.
type Source struct {
	File string // path, absolute for a journal that a resume can find
	Hash string // as FileHash computes it from the file's content
}

// Run runs a plan to its end, once per matrix item, and returns what
// became of every step. Step failures are in the Result, not the error:
// Run returns an error only when it cannot start, or will not resume a
// journal (a *SubmitUnknownError). When ctx is canceled, Run submits
// nothing more, cancels the Console jobs it started, waits for them up to
// Options.CancelWait, marks the steps that did not start as canceled and
// returns.
func Run(ctx context.Context, p *Plan, opts Options) (*Result, error) {
	if opts.Jobs == nil {
		return nil, errors.New("run: no job service")
	}
	if opts.Resume != nil && !opts.Resubmit {
		if err := CheckSubmits(p, opts.Resume); err != nil {
			return nil, err
		}
	}
	r := newRunner(p, opts)
	if err := r.openJournal(); err != nil {
		return nil, err
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, r.real(opts.Timeout), &runTimeout{opts.Timeout})
		defer cancel()
	}
	r.loop(ctx)
	r.res.Ended = r.opts.Now()
	r.res.State = runState(ctx, r.res)
	r.jr.end(r.res.State, r.res.Ended)
	r.jr.flush()
	r.res.JournalErr = r.jr.failed()
	return r.res, nil
}

// runner holds the state of one run. Only the loop goroutine changes it;
// step goroutines work on their own StepResult and hand it back on done.
type runner struct {
	p      *Plan
	opts   Options
	log    *slog.Logger
	res    *Result
	emitMu sync.Mutex
	jr     *journalWriter // nil without a journal

	lastJournal time.Time // when the run loop last wrote the journal

	dependents map[string][]*Node // step id -> steps that depend on it, in file order
	items      []*itemRun
	maxItems   int // matrix items running at once

	// Scheduling state, owned by loop.
	next    int       // index of the next item to start
	active  int       // items started and not ended
	ready   []*task   // dependencies ended, not decided yet, FIFO
	queued  []*task   // decided to run, waiting for a lock or a slot, FIFO
	locks   lockTable // per application and concurrency: name
	running int
	stopped string        // why the run starts nothing more; "" while it goes on
	halt    chan struct{} // closed when the run stops, for step goroutines
	done    chan finished
	wg      sync.WaitGroup
}

// finished is what a step goroutine hands back to the loop.
type finished struct {
	t  *task
	sr *StepResult
}

// task is one step of one matrix item.
type task struct {
	item *itemRun
	node *Node
	sr   *StepResult // owned by the loop
	deps int         // dependencies not ended yet

	// attach is true for a step whose job an earlier run submitted and
	// did not see end: the step waits for that job instead of
	// submitting one.
	attach bool

	// Set when the step is decided to run; read-only afterwards.
	env   map[string]any    // expression environment
	with  map[string]string // rendered with: parameters
	locks []lock
}

func newRunner(p *Plan, opts Options) *runner {
	opts = withDefaults(opts)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &runner{
		p: p, opts: opts,
		log:        log.With("workflow", p.Workflow.Name, "run", opts.RunID),
		res:        &Result{RunID: opts.RunID, Workflow: p.Workflow.Name, Started: opts.Now()},
		dependents: map[string][]*Node{},
		locks:      lockTable{},
		halt:       make(chan struct{}),
	}
	for _, n := range p.Nodes {
		for _, e := range n.Deps {
			r.dependents[e.From] = append(r.dependents[e.From], n)
		}
	}
	r.items, r.maxItems = r.newItems()
	r.done = make(chan finished, len(r.items)*len(p.Nodes))
	for _, it := range r.items {
		r.res.Items = append(r.res.Items, it.res)
	}
	if p.Workflow.Matrix == nil {
		r.res.Steps = r.items[0].res.Steps
	}
	if opts.Resume != nil {
		r.res.Started = opts.Resume.Started
		r.resume(opts.Resume)
	}
	return r
}

func withDefaults(opts Options) Options {
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
	return opts
}

// loop starts items and steps as they become ready, up to the limits,
// and records what the step goroutines report, until no step is left to
// run. Every goroutine it starts has ended when it returns.
func (r *runner) loop(ctx context.Context) {
	r.startItems()
	for {
		if ctx.Err() != nil {
			r.stop(cause(ctx), slog.LevelInfo) // the caller knows already
		}
		r.admit()
		r.dispatch(ctx)
		if r.running == 0 {
			break
		}
		interrupt := ctx.Done()
		if ctx.Err() != nil {
			interrupt = nil // seen already; wait for the steps to report
		}
		flushed := r.journalTurn()

		select {
		case f := <-r.done:
			r.record(f.t, f.sr)
		case <-interrupt:
			// Go round: steps not started are marked canceled; running
			// ones cancel their Console jobs and report.
		case <-flushed:
		}
	}
	r.wg.Wait() // every goroutine has reported already
	if r.p.Workflow.Matrix == nil {
		r.res.Outputs = r.items[0].res.Outputs
	}
}

// journalInterval is how often, at most, the run loop writes the journal.
// Every write syncs the file, so writing at each of thousands of quick
// steps would cost most of a run's time. What a turn decides is on disk
// within this interval; a job step writes at once (checkpoint) before its
// POST and again with the job's GUID, so a crash in between never lets a
// resumed run submit a job twice: it only decides again steps that had
// not started one, and refuses those whose POST was on its way.
const journalInterval = 250 * time.Millisecond

// journalTurn writes what this turn decided when the last write is older
// than journalInterval. Otherwise it returns a channel that fires when
// the write is due, or nil when nothing waits to be written.
func (r *runner) journalTurn() <-chan time.Time {
	wait := journalInterval - time.Since(r.lastJournal)
	if wait > 0 {
		if r.jr.pending() {
			return time.After(wait)
		}
		return nil
	}
	r.jr.flush()
	r.lastJournal = time.Now()
	return nil
}

// admit decides every ready step: it ends it as skipped, upstream_failed
// or failed, or queues it to run. Ending a step may make more ready.
func (r *runner) admit() {
	for len(r.ready) > 0 {
		t := r.ready[0]
		r.ready = r.ready[1:]
		run, err := r.prepare(t)
		if err != nil {
			r.end(t, Failed, err.Error())
		}
		if !run {
			continue
		}
		r.queued = append(r.queued, t)
		r.locks.enqueue(t)
	}
}

// prepare decides a ready step and reports whether it is to run; it then
// renders its parameters and locks. A step decided not to run is ended
// here; an error fails the step.
func (r *runner) prepare(t *task) (bool, error) {
	env := r.env(t.item, t.node)
	state, reason, err := decide(t.node.cond, r.depEnds(t), env)
	if err != nil {
		return false, r.posErr(t.node.Step.If.Pos, "if: %v", err)
	}
	if state != Running {
		r.end(t, state, reason)
		return false, nil
	}
	with, err := r.params(t.node, env)
	if err != nil {
		return false, err
	}
	locks, err := stepLocks(t.node, env, with)
	if err != nil {
		return false, err
	}
	t.env, t.with, t.locks = env, with, locks
	return true, nil
}

// dispatch starts every queued step that heads the queues of its locks,
// while a parallel slot is free, and shows the others as waiting.
func (r *runner) dispatch(ctx context.Context) {
	kept := r.queued[:0]
	for _, t := range r.queued {
		if t.attach {
			// Its job runs on the Console already: watch it at once.
			r.start(ctx, t)
			continue
		}
		if l, blocked := r.locks.blocker(t); blocked {
			r.wait(t, l)
			kept = append(kept, t)
			continue
		}
		if r.running >= r.opts.MaxParallel {
			kept = append(kept, t)
			continue
		}
		r.start(ctx, t)
	}
	clear(r.queued[len(kept):])
	r.queued = kept
}

// wait shows a queued step as waiting for a lock, once.
func (r *runner) wait(t *task, l lock) {
	if t.sr.State == Waiting {
		return
	}
	t.sr.State = Waiting
	r.note(t)
	r.emit(Event{Item: t.item.res.Label, Step: t.node.ID(), State: Waiting, Reason: l.label})
}

// start runs a step in a new goroutine, which reports on r.done.
func (r *runner) start(ctx context.Context, t *task) {
	r.running++
	// A re-attached step keeps its start: its job began in the earlier run.
	if !t.attach || t.sr.Started.IsZero() {
		t.sr.Started = r.opts.Now()
	}
	t.sr.State = Running
	r.note(t)
	r.emit(Event{Item: t.item.res.Label, Step: t.node.ID(), State: Running})
	sr := t.begin()
	r.wg.Go(func() { r.done <- finished{t, r.execute(ctx, t, sr)} })
}

// record stores the result a step goroutine handed back.
func (r *runner) record(t *task, sr *StepResult) {
	r.running--
	r.locks.release(t)
	started := t.sr.Started
	*t.sr = *sr
	t.sr.Started, t.sr.Ended = started, r.opts.Now()
	t.sr.Ignored = sr.State == Failed && t.node.Step.ContinueOnError
	r.note(t)
	r.emit(Event{Item: t.item.res.Label, Step: sr.ID, State: sr.State, Reason: sr.Reason,
		JobGUID: sr.JobGUID, Attempt: sr.Attempts})
	// The progress lines tell users already; this is for -v and JSON logs.
	r.log.Info("step ended", "item", t.item.res.Label, "step", sr.ID,
		"state", string(sr.State), "job_id", sr.JobGUID, "attempt", sr.Attempts,
		"duration", t.sr.Duration(), "reason", sr.Reason)
	r.ended(t)
}

// end ends a step that did not run, or did not start.
func (r *runner) end(t *task, state State, reason string) {
	sr := t.sr
	sr.State, sr.Reason = state, reason
	sr.Ignored = state == Failed && t.node.Step.ContinueOnError
	if state != Canceled {
		sr.Ended = r.opts.Now()
	}
	r.note(t)
	r.emit(Event{Item: t.item.res.Label, Step: sr.ID, State: state, Reason: reason})
	r.ended(t)
}

// ended counts a step's end against the steps that depend on it, queues
// those whose dependencies have now all ended, ends its item when it was
// the item's last step, and stops the run on a failure with FailFast.
func (r *runner) ended(t *task) {
	for _, d := range r.dependents[t.node.ID()] {
		dt := t.item.tasks[d.index]
		dt.deps--
		if dt.deps == 0 && dt.sr.State == Pending {
			r.ready = append(r.ready, dt)
		}
	}
	if t.item.left--; t.item.left == 0 {
		r.itemEnded(t.item)
	}
	if r.opts.FailFast && r.stopped == "" && t.sr.failing() {
		what := "failed"
		if t.sr.State == Canceled {
			what = "was canceled"
		}
		why := fmt.Sprintf("run stopped after %s%s %s", t.node.ID(), t.item.suffix(), what)
		r.stop(why, slog.LevelInfo)
	}
}

// depEnds returns how the dependencies of a step ended.
func (r *runner) depEnds(t *task) []depEnd {
	out := make([]depEnd, len(t.node.Deps))
	for i, e := range t.node.Deps {
		sr := t.item.tasks[r.p.byID[e.From].index].sr
		out[i] = depEnd{ID: e.From, State: sr.State, Ignored: sr.Ignored}
	}
	return out
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
