package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/engine"
)

// fastConsole makes a run see a Console 1000 times faster than real time:
// Console-time delays and polls of seconds take milliseconds.
func fastConsole(o *engine.Options) {
	o.Speed = 1000
	o.Poll = 5 * time.Second
}

const retrySrc = `version: 1
name: retry
inputs: {app: {type: string}}
steps:
  backup:
    job: BACKUP
    retry: {attempts: 3, delay: 20s, backoff: 2}
    with: {appGuid: "${{ inputs.app }}"}
`

func TestRetryResubmitsFailedJob(t *testing.T) {
	w := newWorld(t, "app1")
	w.sim.FailJob("BACKUP", "backup")
	h := &hooked{JobService: w.jobs, afterSubmit: func(n int) {
		if n == 2 {
			w.sim.FailJob("", "") // the third submission completes
		}
	}}
	res, ev := w.run(t, context.Background(), retrySrc, map[string]string{"app": w.apps["app1"]},
		fastConsole, func(o *engine.Options) { o.Jobs = h })
	sr := find(t, res, "backup")
	if sr.State != engine.Completed || sr.Attempts != 3 {
		t.Fatalf("backup: %s after %d attempts (%s), want completed after 3",
			sr.State, sr.Attempts, sr.Reason)
	}

	// Each POST comes after the job before it ended and the delay passed:
	// 20 s, then 40 s of Console time, 20 and 40 ms here.
	var posts []time.Time
	for _, r := range w.accepted() {
		posts = append(posts, r.Time)
	}
	if len(posts) != 3 {
		t.Fatalf("%d POSTs, want 3", len(posts))
	}
	for i, want := range []time.Duration{20 * time.Millisecond, 40 * time.Millisecond} {
		if gap := posts[i+1].Sub(posts[i]); gap < want {
			t.Errorf("POST %d came %v after POST %d, want at least %v", i+2, gap, i+1, want)
		}
	}
	var notes []string
	for _, e := range ev.all {
		if e.State == engine.Running && e.Reason != "" {
			notes = append(notes, e.Reason)
		}
	}
	want := []string{
		"job failed at step backup; attempt 2 of 3 in 20s",
		"job failed at step backup; attempt 3 of 3 in 40s",
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("retry events:\n%s\nwant:\n%s",
			strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
}

func TestRetryGivesUpAfterAttempts(t *testing.T) {
	w := newWorld(t, "app1")
	w.sim.FailJob("BACKUP", "backup")
	res, _ := w.run(t, context.Background(), retrySrc, map[string]string{"app": w.apps["app1"]},
		fastConsole)
	sr := find(t, res, "backup")
	if sr.State != engine.Failed || sr.Attempts != 3 || sr.Reason != "job failed at step backup" {
		t.Errorf("backup: %s after %d attempts (%s), want failed after 3", sr.State, sr.Attempts,
			sr.Reason)
	}
	if got := len(w.posts(t)); got != 3 {
		t.Errorf("%d POSTs, want 3", got)
	}
}

func TestRetryOnlyOnListedStates(t *testing.T) {
	w := newWorld(t, "app1")
	w.sim.FailJob("BACKUP", "backup")
	src := strings.Replace(retrySrc, "backoff: 2}", "backoff: 2, on: [stopped]}", 1)
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]},
		fastConsole)
	if sr := find(t, res, "backup"); sr.Attempts != 1 || sr.State != engine.Failed {
		t.Errorf("backup: %s after %d attempts, want failed after 1", sr.State, sr.Attempts)
	}
}

func TestRetryNeverResubmitsAfterSubmitError(t *testing.T) {
	w := newWorld(t, "app1")
	res, _ := w.run(t, context.Background(), retrySrc, map[string]string{"app": w.apps["app1"]},
		fastConsole, func(o *engine.Options) { o.Jobs = lostAnswer{w.jobs} })
	sr := find(t, res, "backup")
	if sr.State != engine.Failed || !strings.HasPrefix(sr.Reason, "submit BACKUP:") {
		t.Errorf("backup: %s (%s), want failed: submit BACKUP: …", sr.State, sr.Reason)
	}
	if got := len(w.posts(t)); got != 1 {
		t.Errorf("%d POSTs, want 1: the first may have created a job", got)
	}
}

func TestFailFastStopsRetries(t *testing.T) {
	w := newWorld(t, "app1", "app2")
	w.sim.FailJob("BACKUP", "backup")
	src := `version: 1
name: retry-fail-fast
inputs: {a: {type: string}, b: {type: string}}
steps:
  patient:
    job: BACKUP
    retry: {attempts: 3, delay: 1h}
    with: {appGuid: "${{ inputs.a }}"}
  other:
    job: BACKUP
    with: {appGuid: "${{ inputs.b }}"}
`
	start := time.Now()
	res, _ := w.run(t, context.Background(), src,
		map[string]string{"a": w.apps["app1"], "b": w.apps["app2"]}, fastConsole,
		func(o *engine.Options) { o.FailFast = true })
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("run took %v: the retry delay was not cut short", d)
	}
	wantStates(t, res, map[string]string{
		"patient": "failed: job failed at step backup; not submitted again: the run stopped",
		"other":   "failed: job failed at step backup",
	})
	if got := len(w.posts(t)); got != 2 {
		t.Errorf("%d POSTs, want 2", got)
	}
	if st, _ := w.sim.Job(find(t, res, "patient").JobGUID); st.State != console.StateFailed {
		t.Errorf("patient's job %s, want failed", st.State)
	}
}
