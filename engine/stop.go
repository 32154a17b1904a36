package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// A run stops, and starts nothing more, when its context ends (an
// interrupt, or Options.Timeout), or at the first failure with
// Options.FailFast. docs/semantics.md says what becomes of each step.

// runTimeout is the cause of a run's context when Options.Timeout expires.
type runTimeout struct{ d time.Duration }

func (e *runTimeout) Error() string { return fmt.Sprintf("run timed out after %s", e.d) }

// timedOut reports whether ctx ended because the run's timeout expired.
func timedOut(ctx context.Context) bool {
	var rt *runTimeout
	return errors.As(context.Cause(ctx), &rt)
}

// stop makes the run start nothing more: every step not started yet, in
// every item, ends canceled with "not started: " and why. It logs that
// the run stops at the given level.
func (r *runner) stop(why string, level slog.Level) {
	if r.stopped != "" {
		return
	}
	r.stopped = why
	close(r.halt)
	r.log.Log(context.Background(), level, "run stopping", "reason", why, "running", r.running)
	var idle []*task
	for _, it := range r.items {
		for _, t := range it.tasks {
			if s := t.sr.State; (s == Pending || s == Waiting) && !t.attach {
				t.sr.State = Canceled // so that ended queues none of them
				idle = append(idle, t)
			}
		}
	}
	// A step to re-attach stays queued: dispatch starts it, and it then
	// cancels its job as every running step does.
	attach := r.queued[:0]
	for _, t := range r.queued {
		if t.attach {
			attach = append(attach, t)
			continue
		}
		r.locks.release(t)
	}
	clear(r.queued[len(attach):])
	r.ready, r.queued = nil, attach
	for _, t := range idle {
		r.end(t, Canceled, "not started: "+why)
	}
}

// runState says how a run ended.
func runState(ctx context.Context, res *Result) RunState {
	switch {
	case ctx.Err() != nil && !timedOut(ctx):
		return RunInterrupted
	case res.Failed():
		return RunFailed
	}
	return RunCompleted
}

// cause describes why ctx ended.
func cause(ctx context.Context) string {
	err := context.Cause(ctx)
	if errors.Is(err, context.Canceled) {
		return "run interrupted"
	}
	return err.Error()
}
