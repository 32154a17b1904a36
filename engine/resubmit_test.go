package engine_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
	"github.com/aipflow/runner/engine"
)

// A resumed run never starts a job twice: not one whose cancel the
// Console did not confirm, not one that completed while it was being
// canceled, not one whose POST may have reached the Console unanswered.

const addThenBackup = `version: 1
name: resubmit
inputs: {app: {type: string}}
steps:
  add:
    job: add_version
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x"}
  after:
    job: BACKUP
    needs: [add]
    with: {appGuid: "${{ inputs.app }}"}
outputs:
  version: "${{ steps.add.outputs.versionGuid }}"
`

// setFaults makes the simulator inject f.
func (w *world) setFaults(t *testing.T, f consolesim.Faults) {
	t.Helper()
	if err := w.sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
}

// created returns how many jobs of each type the simulator created,
// those whose answer was lost included.
func (w *world) created() map[string]int { return w.sim.Stats().Jobs }

func TestResumeReattachesJobNotConfirmedCanceled(t *testing.T) {
	w := newSlowWorld(t, 30*time.Millisecond, "app1")
	path := filepath.Join(t.TempDir(), "runs", "r1.json")
	in := map[string]string{"app": w.apps["app1"]}

	// Every cancel is refused before it reaches the Console: the job runs on.
	w.setFaults(t, consolesim.Faults{ErrorRate: 1, ErrorStatuses: []int{http.StatusInternalServerError},
		Match: func(method, _ string) bool { return method == http.MethodPut }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	first, _ := w.run(t, ctx, addThenBackup, in, func(o *engine.Options) {
		o.RunID, o.JournalPath, o.CancelWait = "r1", path, 100*time.Millisecond
		o.Observer = func(e engine.Event) {
			if e.Progress != "" {
				once.Do(cancel) // interrupt once the job is under way
			}
		}
	})
	add := first.Steps[0]
	if add.State != engine.Canceled || !add.CancelUnconfirmed || add.JobGUID == "" {
		t.Fatalf("add %s (%s), cancel unconfirmed %v; want canceled, unconfirmed",
			add.State, add.Reason, add.CancelUnconfirmed)
	}
	if st, _ := w.sim.Job(add.JobGUID); st.State == console.StateCanceling ||
		st.State == console.StateCanceled {
		t.Fatalf("Console job %s, want it running on: the cancel did not reach it", st.State)
	}
	w.setFaults(t, consolesim.Faults{})

	j, err := engine.LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := w.run(t, context.Background(), addThenBackup, in, func(o *engine.Options) {
		o.RunID, o.JournalPath, o.Resume = "r1", path, j
	})
	wantStates(t, res, map[string]string{"add": "completed", "after": "completed"})
	if got := res.Steps[0]; got.JobGUID != add.JobGUID || got.Attempts != 1 || got.CancelUnconfirmed {
		t.Errorf("add: job %s, %d attempts, unconfirmed %v; want re-attached to %s",
			got.JobGUID, got.Attempts, got.CancelUnconfirmed, add.JobGUID)
	}
	if got := strings.Join(w.posts(t), ","); got != "add_version,BACKUP" {
		t.Errorf("the Console received %s, want each job once", got)
	}
	if res.Outputs["version"] == nil {
		t.Errorf("outputs %v, want the version of the re-attached job", res.Outputs)
	}
}

func TestJobCompletedDuringCancelCompletes(t *testing.T) {
	const src = `version: 1
name: unseen
inputs: {app: {type: string}}
steps:
  add:
    job: add_version
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x", endStep: deliver_version}
    timeout: ${timeout}
outputs:
  version: "${{ steps.add.outputs.versionGuid }}"
`
	// The job completes within a few steps' time, long before the next
	// poll: the runner learns it only when it cancels the job.
	tests := []struct {
		name, timeout string
		opts          func(o *engine.Options, cancel context.CancelFunc)
		run           engine.RunState
	}{
		{"interrupt", "1h", func(o *engine.Options, cancel context.CancelFunc) {
			o.Observer = func(e engine.Event) {
				if e.JobGUID != "" && e.State == engine.Running && e.Progress == "" {
					time.AfterFunc(300*time.Millisecond, cancel)
				}
			}
		}, engine.RunInterrupted},
		{"run timeout", "1h", func(o *engine.Options, _ context.CancelFunc) {
			o.Timeout = 300 * time.Millisecond
		}, engine.RunCompleted},
		{"step timeout", "300ms", func(*engine.Options, context.CancelFunc) {}, engine.RunCompleted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, "app1")
			path := filepath.Join(t.TempDir(), "runs", "r1.json")
			in := map[string]string{"app": w.apps["app1"]}
			wf := strings.Replace(src, "${timeout}", tt.timeout, 1)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res, _ := w.run(t, ctx, wf, in, func(o *engine.Options) {
				o.RunID, o.JournalPath, o.Poll = "r1", path, time.Hour
				tt.opts(o, cancel)
			})
			add := res.Steps[0]
			if st, _ := w.sim.Job(add.JobGUID); st.State != console.StateCompleted {
				t.Fatalf("Console job %s, want completed before the cancel", st.State)
			}
			wantStates(t, res, map[string]string{"add": "completed"})
			if res.State != tt.run {
				t.Errorf("run %s, want %s", res.State, tt.run)
			}
			versions := w.sim.Versions(w.apps["app1"])
			if len(versions) == 0 || add.Outputs["versionGuid"] != versions[len(versions)-1].GUID {
				t.Errorf("add outputs %v, want the versionGuid of the new version", add.Outputs)
			}
			if res.Outputs["version"] != add.Outputs["versionGuid"] || add.CancelUnconfirmed {
				t.Errorf("run outputs %v, cancel unconfirmed %v", res.Outputs, add.CancelUnconfirmed)
			}

			// The journal has it completed: a resume keeps it.
			j, err := engine.LoadJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := w.run(t, context.Background(), wf, in, func(o *engine.Options) {
				o.RunID, o.JournalPath, o.Resume = "r1", path, j
			})
			if !again.Steps[0].Kept || len(w.posts(t)) != 1 {
				t.Errorf("resume: add kept %v, %d jobs posted; want kept, 1",
					again.Steps[0].Kept, len(w.posts(t)))
			}
		})
	}
}

func TestResumeRefusesJobWhoseSubmitWasLost(t *testing.T) {
	w := newWorld(t, "app1")
	path := filepath.Join(t.TempDir(), "runs", "r1.json")
	in := map[string]string{"app": w.apps["app1"]}

	// The Console creates the job, and its answer is lost on the way back.
	w.setFaults(t, consolesim.Faults{LostRate: 1, Match: func(method, path string) bool {
		return method == http.MethodPost && path == "/api/jobs"
	}})
	first, _ := w.run(t, context.Background(), addThenBackup, in, func(o *engine.Options) {
		o.RunID, o.JournalPath = "r1", path
	})
	add := first.Steps[0]
	if add.State != engine.Failed || !add.SubmitUnknown || add.JobGUID != "" {
		t.Fatalf("add %s (%s), submit unknown %v; want failed, unknown",
			add.State, add.Reason, add.SubmitUnknown)
	}
	if !strings.Contains(add.Reason, "may have been submitted") {
		t.Errorf("add's reason %q does not say the job may exist", add.Reason)
	}
	w.setFaults(t, consolesim.Faults{})

	j, err := engine.LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if !j.Items[0].Steps[0].SubmitUnknown {
		t.Fatalf("journal of add: %+v, want submitUnknown", j.Items[0].Steps[0])
	}
	wantRefused(t, w, addThenBackup, in, j, "add", "sources:x")

	// Once told to, it submits the job again.
	res, _ := w.run(t, context.Background(), addThenBackup, in, func(o *engine.Options) {
		o.RunID, o.JournalPath, o.Resume, o.Resubmit = "r1", path, j, true
	})
	wantStates(t, res, map[string]string{"add": "completed", "after": "completed"})
	if got := w.created(); got["add_version"] != 2 || got["backup"] != 1 {
		t.Errorf("jobs created %v, want add_version twice (as told), backup once", got)
	}
}

// wantRefused checks that a resume of j is refused, naming step and a
// parameter of its request, and sends nothing.
func wantRefused(t *testing.T, w *world, src string, inputs map[string]string,
	j *engine.Journal, step, param string) {
	t.Helper()
	p := mustBuild(t, src)
	in, err := engine.ResolveInputs(p.Workflow, inputs)
	if err != nil {
		t.Fatal(err)
	}
	sent := len(w.sim.Requests())
	res, err := engine.Run(context.Background(), p, engine.Options{
		Jobs: w.jobs, Inputs: in, RunID: j.RunID, Resume: j, Poll: 5 * time.Millisecond,
	})
	var se *engine.SubmitUnknownError
	if !errors.As(err, &se) || res != nil {
		t.Fatalf("resume: %v, want a SubmitUnknownError", err)
	}
	if len(se.Steps) != 1 || se.Steps[0].Step != step || !strings.Contains(err.Error(), param) {
		t.Errorf("resume refused with %q (%+v), want step %s and its request", err, se.Steps, step)
	}
	if err := engine.CheckSubmits(p, j); err == nil {
		t.Error("CheckSubmits finds nothing")
	}
	if n := len(w.sim.Requests()); n != sent {
		t.Errorf("the refused resume sent %d requests, want none", n-sent)
	}
}

// inFlight is a job service that copies the journal while each POST is
// on its way: what a process killed at that moment leaves behind.
type inFlight struct {
	engine.JobService
	journal, copy string
	err           error
}

func (s *inFlight) SubmitJob(ctx context.Context, jobType string,
	params map[string]string) (engine.JobStart, error) {
	s.err = copyFile(s.journal, s.copy)
	return s.JobService.SubmitJob(ctx, jobType, params)
}

func TestResumeRefusesJobSubmittedWhenKilled(t *testing.T) {
	w := newWorld(t, "app1")
	dir := t.TempDir()
	path := filepath.Join(dir, "runs", "r1.json")
	in := map[string]string{"app": w.apps["app1"]}
	src := strings.Split(addThenBackup, "  after:")[0]
	jobs := &inFlight{JobService: w.jobs, journal: path, copy: filepath.Join(dir, "killed.json")}
	w.run(t, context.Background(), src, in, func(o *engine.Options) {
		o.Jobs, o.RunID, o.JournalPath = jobs, "r1", path
	})
	if jobs.err != nil {
		t.Fatal(jobs.err)
	}
	killed, err := engine.LoadJournal(jobs.copy)
	if err != nil {
		t.Fatal(err)
	}
	if s := killed.Items[0].Steps[0]; s.State != engine.Running || s.Attempts != 1 || s.JobGUID != "" {
		t.Fatalf("journal during the POST: add %s, %d attempts, job %q; want running, 1, none",
			s.State, s.Attempts, s.JobGUID)
	}
	wantRefused(t, w, src, in, killed, "add", "sources:x")
	if got := w.created(); got["add_version"] != 1 {
		t.Errorf("jobs created %v, want add_version once", got)
	}
}
