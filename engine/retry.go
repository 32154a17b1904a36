package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aipflow/runner/schema"
)

// maxRetryDelay bounds the wait between two submissions, whatever the
// backoff makes of it.
const maxRetryDelay = 24 * time.Hour

// retryPolicy is a step's retry: with its defaults applied. The zero
// value is not usable; policyOf returns one.
//
// A job is submitted again only when it ended, on the Console, in one of
// the states of on. Nothing else leads to a retry: not a POST that failed
// (it may have created the job, and the client has retried what it could
// safely retry), not a job that could not be polled (it may still run),
// not a timeout (the runner canceled the job), and not an interrupt.
//
// Known gap: each attempt is sent with the catalog's defaults applied
// afresh, so a default version name is new for each attempt; but a
// versionName set by the workflow is sent again as it is, and the Console
// then holds two versions of that name. The versionGuid output is the
// first version of that name the Console lists, which may be the failed
// attempt's. Workflows that retry add_version should leave versionName to
// the default or make it unique per attempt.
type retryPolicy struct {
	attempts int           // submissions in all, the first included
	delay    time.Duration // before the second submission, in Console time
	backoff  float64       // factor applied to the delay after each attempt
	on       []string      // final job states that lead to a retry
}

func policyOf(r *schema.Retry) retryPolicy {
	if r == nil {
		return retryPolicy{attempts: 1, backoff: 1}
	}
	p := retryPolicy{attempts: max(r.Attempts, 1), delay: r.Delay,
		backoff: max(r.Backoff, 1), on: r.On}
	if len(p.on) == 0 {
		p.on = []string{"failed"}
	}
	return p
}

// again reports whether a job that ended in state after submission n
// (from 1) is submitted again.
func (p retryPolicy) again(state string, n int) bool {
	return n < p.attempts && slices.Contains(p.on, state)
}

// pause returns the wait, in Console time, after submission n (from 1):
// the delay times backoff to the power n-1, at most maxRetryDelay.
func (p retryPolicy) pause(n int) time.Duration {
	d := float64(p.delay) * math.Pow(p.backoff, float64(n-1))
	if d > float64(maxRetryDelay) {
		return maxRetryDelay
	}
	return time.Duration(d)
}

// beforeRetry announces the next submission of a job that ended in a
// state that leads to a retry, and waits for the delay. It reports false,
// and says why in the step's reason, when the run stopped meanwhile: a
// stopped run submits nothing more.
func (r *runner) beforeRetry(ctx context.Context, t *task, p retryPolicy, sr *StepResult) bool {
	d := p.pause(sr.Attempts)
	note := fmt.Sprintf("%s; attempt %d of %d", sr.Reason, sr.Attempts+1, p.attempts)
	if d > 0 {
		note += " in " + d.String()
	}
	r.log.Info("job to be submitted again", "step", t.node.ID(), "job_id", sr.JobGUID,
		"attempt", sr.Attempts, "reason", sr.Reason, "delay", d)
	// The step runs on: a resume during the delay re-attaches to the job
	// that ended, finds it failed and goes on with the next attempt.
	waiting := *sr
	waiting.State, waiting.Reason = Running, note
	_ = r.checkpoint(t, &waiting) // a failure is logged, and the next POST refused
	r.emit(Event{Item: t.item.res.Label, Step: t.node.ID(), State: Running, Reason: note,
		Attempt: sr.Attempts})
	timer := time.NewTimer(r.real(d))
	defer timer.Stop()
	select {
	case <-r.halt:
	case <-ctx.Done():
	case <-timer.C:
		select {
		case <-r.halt: // stopped just as the delay ended
		default:
			return true
		}
	}
	sr.Reason += "; not submitted again: the run stopped"
	return false
}
