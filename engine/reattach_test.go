package engine_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/engine"
)

// dying is a job service that behaves as a runner process killed while
// its jobs run: once want jobs are being polled, it copies the journal
// (what a killed process leaves behind) and ends the run, and from then
// on it polls and cancels nothing.
type dying struct {
	engine.JobService
	journal, copy string
	want          int
	stop          context.CancelFunc

	mu      sync.Mutex
	waiting int
	err     error
}

func (d *dying) WaitJob(ctx context.Context, guid string, _ time.Duration,
	_ func(engine.JobStatus)) (engine.JobStatus, error) {
	d.mu.Lock()
	d.waiting++
	if d.waiting == d.want {
		d.err = copyFile(d.journal, d.copy)
		d.stop()
	}
	d.mu.Unlock()
	<-ctx.Done()
	return engine.JobStatus{}, context.Cause(ctx)
}

func (d *dying) CancelJob(context.Context, string) error { return nil }

// runKilled runs src with a journal at path until want of its jobs are
// being polled, then stops it as if its process died there, and returns
// the journal as that process left it on disk.
func (w *world) runKilled(t *testing.T, src string, in map[string]string, path string,
	want int) *engine.Journal {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := &dying{JobService: w.jobs, journal: path, copy: filepath.Join(t.TempDir(), "killed.json"),
		want: want, stop: cancel}
	w.run(t, ctx, src, in, func(o *engine.Options) {
		o.Jobs, o.RunID, o.JournalPath, o.CancelWait = d, "r1", path, 10*time.Millisecond
	})
	if d.err != nil {
		t.Fatal(d.err)
	}
	killed, err := engine.LoadJournal(d.copy)
	if err != nil {
		t.Fatal(err)
	}
	return killed
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

const fleet = `version: 1
name: fleet
matrix:
  items: [app1, app2]
steps:
  find:
    query: application
    with: {name: "${{ item }}"}
  add:
    job: add_version
    with: {appGuid: "${{ steps.find.outputs.appGuid }}", sourcePath: "sources:x",
           endStep: deliver_version}
  backup:
    job: BACKUP
    needs: [add]
    with: {appGuid: "${{ steps.add.outputs.appGuid }}"}
outputs:
  version: "${{ steps.add.outputs.versionGuid }}"
`

func TestResumeReattachesRunningJobs(t *testing.T) {
	w := newSlowWorld(t, 20*time.Millisecond, "app1", "app2")
	path := filepath.Join(t.TempDir(), "runs", "r1.json")
	killed := w.runKilled(t, fleet, nil, path, 2)
	running := map[string]string{} // item -> GUID of add's job
	for _, it := range killed.Items {
		if s := it.Steps[1]; s.State == engine.Running && s.JobGUID != "" {
			running[it.Label] = s.JobGUID
		}
	}
	if len(running) != 2 || len(w.accepted()) != 2 {
		t.Fatalf("when killed: jobs %v running, %d posted; want add of both items",
			running, len(w.accepted()))
	}
	lookups := countRequests(w, "/api/applications")

	res, _ := w.run(t, context.Background(), fleet, nil, func(o *engine.Options) {
		o.RunID, o.JournalPath, o.Resume = "r1", path, killed
	})
	if res.State != engine.RunCompleted {
		t.Fatalf("resumed run %s, want completed", res.State)
	}
	if got := strings.Join(w.posts(t), ","); got != "add_version,add_version,BACKUP,BACKUP" {
		t.Errorf("the Console received %s, want each job once", got)
	}
	if n := countRequests(w, "/api/applications"); n != lookups {
		t.Errorf("%d more application lookups, want none: find was kept", n-lookups)
	}
	for _, it := range res.Items {
		find, add, backup := it.Steps[0], it.Steps[1], it.Steps[2]
		if !find.Kept || add.Kept || add.JobGUID != running[it.Label] || add.Attempts != 1 {
			t.Errorf("item %s: find kept %v; add kept %v, job %s, %d attempts; want "+
				"find kept and add re-attached to %s", it.Label, find.Kept, add.Kept,
				add.JobGUID, add.Attempts, running[it.Label])
		}
		if add.State != engine.Completed || backup.State != engine.Completed {
			t.Errorf("item %s: add %s, backup %s", it.Label, add.State, backup.State)
		}
		if it.Outputs["version"] == nil || it.Outputs["version"] != add.Outputs["versionGuid"] {
			t.Errorf("item %s: outputs %v", it.Label, it.Outputs)
		}
		if !add.Started.Equal(killedStep(killed, it.Label, "add").Started) {
			t.Errorf("item %s: add started %v, want its first start", it.Label, add.Started)
		}
	}
	j, err := engine.LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != engine.RunCompleted || len(j.Resumed) != 1 || !j.Started.Equal(killed.Started) {
		t.Errorf("journal after resume: %s, resumed %v, started %v", j.State, j.Resumed, j.Started)
	}
}

func killedStep(j *engine.Journal, item, id string) engine.JournalStep {
	for _, it := range j.Items {
		for _, s := range it.Steps {
			if it.Label == item && s.ID == id {
				return s
			}
		}
	}
	return engine.JournalStep{}
}

func countRequests(w *world, path string) int {
	n := 0
	for _, r := range w.sim.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func TestResumeReattachesDetachedJob(t *testing.T) {
	w := newWorld(t, "app1")
	path := filepath.Join(t.TempDir(), "runs", "r1.json")
	in := map[string]string{"app": "app1"}
	src := `version: 1
name: detached
inputs: {app: {type: string}}
steps:
  find:
    query: application
    with: {name: "${{ inputs.app }}"}
  add:
    job: add_version
    with: {appGuid: "${{ steps.find.outputs.appGuid }}", sourcePath: "sources:x"}
`
	first, _ := w.run(t, context.Background(), src, in, func(o *engine.Options) {
		o.Jobs, o.RunID, o.JournalPath = lostPolls{w.jobs}, "r1", path
	})
	add := first.Steps[1]
	if add.State != engine.Failed || !add.Detached {
		t.Fatalf("add %s (detached %v), want failed and detached", add.State, add.Detached)
	}
	j, err := engine.LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := w.run(t, context.Background(), src, in, func(o *engine.Options) {
		o.RunID, o.JournalPath, o.Resume = "r1", path, j
	})
	wantStates(t, res, map[string]string{"add": "completed"})
	if got := w.posts(t); len(got) != 1 || res.Steps[1].JobGUID != add.JobGUID {
		t.Errorf("posted %v, job %s; want one job, re-attached", got, res.Steps[1].JobGUID)
	}
}

type lostPolls struct{ engine.JobService }

func (lostPolls) WaitJob(context.Context, string, time.Duration,
	func(engine.JobStatus)) (engine.JobStatus, error) {
	return engine.JobStatus{}, console.ErrUnreachable
}

func TestResumeInterruptedAtOnceCancelsReattachedJobs(t *testing.T) {
	w := newSlowWorld(t, 50*time.Millisecond, "app1")
	path := filepath.Join(t.TempDir(), "runs", "r1.json")
	src := `version: 1
name: interrupted
inputs: {app: {type: string}}
steps:
  add:
    job: add_version
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x"}
  after:
    job: BACKUP
    needs: [add]
    with: {appGuid: "${{ inputs.app }}"}
`
	in := map[string]string{"app": w.apps["app1"]}
	j := w.runKilled(t, src, in, path, 1)

	// A resume interrupted before it starts still watches the job it
	// re-attaches to, and cancels it as an interrupt does.
	done, stop := context.WithCancel(context.Background())
	stop()
	res, _ := w.run(t, done, src, in, func(o *engine.Options) {
		o.RunID, o.JournalPath, o.Resume = "r1", path, j
	})
	wantStates(t, res, map[string]string{"add": "canceled: run interrupted",
		"after": "canceled: not started: run interrupted"})
	st, _ := w.sim.Job(res.Steps[0].JobGUID)
	if st.State != console.StateCanceled || len(w.accepted()) != 1 {
		t.Errorf("Console job %s, %d posted; want canceled, 1", st.State, len(w.accepted()))
	}
	if res.State != engine.RunInterrupted {
		t.Errorf("run %s, want interrupted", res.State)
	}
}
