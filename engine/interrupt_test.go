package engine_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/engine"
)

func TestTimeoutCancelsConsoleJob(t *testing.T) {
	// The job would take 14 steps of 20 ms, far more than the timeout.
	w := newSlowWorld(t, 20*time.Millisecond, "app1")
	src := `version: 1
name: timeout
inputs: {app: {type: string}}
steps:
  add:
    job: add_version
    timeout: 60ms
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x"}
`
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]})
	wantStates(t, res, map[string]string{"add": "failed: timed out after 60ms"})
	st, ok := w.sim.Job(res.Steps[0].JobGUID)
	if !ok || st.State != console.StateCanceled {
		t.Errorf("Console job state %q, want canceled", st.State)
	}
}

func TestInterruptCancelsRunningJobs(t *testing.T) {
	w := newWorld(t, "app1", "app2")
	src := `version: 1
name: interrupt
inputs: {a: {type: string}, b: {type: string}}
steps:
  one:
    job: add_version
    with: {appGuid: "${{ inputs.a }}", sourcePath: "sources:x"}
  two:
    job: add_version
    with: {appGuid: "${{ inputs.b }}", sourcePath: "sources:y"}
  after:
    job: BACKUP
    needs: [one]
    with: {appGuid: "${{ inputs.a }}"}
`
	ctx, cancel := context.WithCancel(context.Background())
	p := mustBuild(t, src)
	in, _ := engine.ResolveInputs(p.Workflow,
		map[string]string{"a": w.apps["app1"], "b": w.apps["app2"]})
	var once sync.Once
	res, err := engine.Run(ctx, p, engine.Options{
		Jobs: w.jobs, Inputs: in, Poll: 5 * time.Millisecond, CancelWait: 5 * time.Second,
		Observer: func(e engine.Event) {
			if e.Progress != "" {
				once.Do(cancel) // interrupt once a job is under way
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Steps {
		if s.ID == "after" {
			if s.State != engine.Canceled {
				t.Errorf("after: %s, want canceled", s.State)
			}
			continue
		}
		if s.JobGUID == "" {
			continue // interrupted before its POST
		}
		st, _ := w.sim.Job(s.JobGUID)
		if st.State != console.StateCanceled && st.State != console.StateCompleted {
			t.Errorf("step %s: Console job %s, want canceled", s.ID, st.State)
		}
	}
	for _, typ := range w.posts(t) {
		if typ == "BACKUP" {
			t.Error("posted BACKUP after the interrupt")
		}
	}
}

// interrupting wraps a job service and cancels the run while the first
// POST is on its way, as a signal arriving at that moment would.
type interrupting struct {
	engine.JobService
	cancel context.CancelFunc
}

func (s interrupting) SubmitJob(ctx context.Context, jobType string,
	params map[string]string) (engine.JobStart, error) {
	s.cancel()
	return s.JobService.SubmitJob(ctx, jobType, params)
}

func TestInterruptDuringSubmitCancelsTheJob(t *testing.T) {
	w := newWorld(t, "app1")
	p := mustBuild(t, `version: 1
name: submit
inputs: {app: {type: string}}
steps:
  add:
    job: add_version
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x"}
`)
	in, _ := engine.ResolveInputs(p.Workflow, map[string]string{"app": w.apps["app1"]})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := engine.Run(ctx, p, engine.Options{
		Jobs: interrupting{w.jobs, cancel}, Inputs: in, Poll: 5 * time.Millisecond,
		CancelWait: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	sr := res.Steps[0]
	if sr.JobGUID == "" {
		t.Fatal("the job the Console created is not tracked")
	}
	if st, _ := w.sim.Job(sr.JobGUID); st.State != console.StateCanceled {
		t.Errorf("Console job %s, want canceled", st.State)
	}
	if sr.State != engine.Canceled {
		t.Errorf("step %s, want canceled", sr.State)
	}
}

func TestInterruptAfterUnseenFailureReportsFailure(t *testing.T) {
	w := newWorld(t, "app1")
	w.sim.FailJob("add_version", "unzip_source")
	p := mustBuild(t, `version: 1
name: unseen
inputs: {app: {type: string}}
steps:
  add:
    job: add_version
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x"}
`)
	in, _ := engine.ResolveInputs(p.Workflow, map[string]string{"app": w.apps["app1"]})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := engine.Run(ctx, p, engine.Options{
		Jobs: w.jobs, Inputs: in, Poll: time.Hour, CancelWait: 5 * time.Second,
		Observer: func(e engine.Event) {
			if e.JobGUID != "" && e.State == engine.Running && e.Progress == "" {
				// The job fails on the Console within a step's time, long
				// before the next poll; the interrupt comes in between.
				time.AfterFunc(100*time.Millisecond, cancel)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sr := res.Steps[0]; sr.State != engine.Failed || !strings.Contains(sr.Reason, "job failed") {
		t.Errorf("step %s (%s), want failed: the job failed before the interrupt", sr.State, sr.Reason)
	}
}
