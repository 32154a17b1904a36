package engine_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aipflow/runner/engine"
)

const chain = `version: 1
name: chain
inputs: {app: {type: string}}
steps:
  find:
    query: application
    with: {name: "${{ inputs.app }}"}
  create:
    job: declare_application
    if: "!steps.find.outputs.found"
    with: {appName: "${{ inputs.app }}"}
  add:
    job: add_version
    with: {appGuid: "${{ steps.find.outputs.appGuid }}", sourcePath: "sources:x"}
  snap:
    job: analyze
    with:
      appGuid: "${{ steps.add.outputs.appGuid }}"
      versionGuid: "${{ steps.add.outputs.versionGuid }}"
      startStep: accept
      endStep: snapshot
  done:
    job: consolidate_snapshot
    with: {appGuid: "${{ steps.snap.outputs.appGuid }}"}
`

func TestResumeRunsWhatFailed(t *testing.T) {
	w := newWorld(t, "app1")
	path := filepath.Join(t.TempDir(), "runs", "r1.json")
	in := map[string]string{"app": "app1"}
	w.sim.FailJob("analyze", "snapshot")
	first, _ := w.run(t, context.Background(), chain, in, func(o *engine.Options) {
		o.RunID, o.JournalPath = "r1", path
	})
	wantStates(t, first, map[string]string{"create": "skipped", "add": "completed",
		"snap": "failed: job failed at step snapshot", "done": "upstream_failed"})
	if first.State != engine.RunFailed {
		t.Errorf("first run %s, want failed", first.State)
	}
	w.sim.FailJob("", "")

	j, err := engine.LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if changed := engine.ChangedSteps(mustBuild(t, chain), j); len(changed) != 0 {
		t.Errorf("ChangedSteps = %v for the same workflow, want none", changed)
	}
	res, _ := w.run(t, context.Background(), chain, in, func(o *engine.Options) {
		o.RunID, o.JournalPath, o.Resume = "r1", path, j
	})
	wantStates(t, res, map[string]string{"find": "completed", "create": "skipped",
		"add": "completed", "snap": "completed", "done": "completed"})
	var kept []string
	for _, s := range res.Steps {
		if s.Kept {
			kept = append(kept, s.ID)
		}
	}
	if strings.Join(kept, ",") != "find,create,add" {
		t.Errorf("kept %v, want find, create and add", kept)
	}
	want := "add_version,analyze,analyze,consolidate_snapshot"
	if got := strings.Join(w.posts(t), ","); got != want {
		t.Errorf("the Console received %s, want %s", got, want)
	}
	if res.Steps[2].JobGUID != first.Steps[2].JobGUID {
		t.Errorf("add's job %s, want the first run's %s",
			res.Steps[2].JobGUID, first.Steps[2].JobGUID)
	}
}

// lostPolls is a job service whose polls fail as when the Console is
// unreachable: the jobs run on unobserved.
func TestChangedSteps(t *testing.T) {
	base := mustBuild(t, chain)
	j := &engine.Journal{StepHashes: base.StepHashes(), Items: []engine.JournalItem{{
		Steps: []engine.JournalStep{
			{ID: "find", State: engine.Completed},
			{ID: "add", State: engine.Completed},
			{ID: "snap", State: engine.Failed},
		},
	}}}
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"same", "", "", nil},
		{"comment and layout", "  add:\n", "  # a comment\n  add:\n", nil},
		{"parameter of a completed step", "sources:x", "sources:y", []string{"add"}},
		{"failed step", "endStep: snapshot", "endStep: snapshot\n    timeout: 1h", nil},
		{"query", "name: \"${{ inputs.app }}\"}", "name: \"${{ inputs.app }}x\"}",
			[]string{"find"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(chain, tt.from, tt.to, 1)
			if src == chain && tt.from != "" {
				t.Fatalf("%q is not in the workflow", tt.from)
			}
			got := engine.ChangedSteps(mustBuild(t, src), j)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResumeGoesOnWithRetries(t *testing.T) {
	w := newWorld(t, "app1")
	dir := t.TempDir()
	path, killed := filepath.Join(dir, "runs", "r1.json"), filepath.Join(dir, "killed.json")
	src := `version: 1
name: retries
inputs: {app: {type: string}}
steps:
  add:
    job: add_version
    retry: {attempts: 2, delay: 1h}
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x", endStep: deliver_version}
`
	in := map[string]string{"app": w.apps["app1"]}
	w.sim.FailJob("add_version", "code_scanner")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var copyErr error
	w.run(t, ctx, src, in, func(o *engine.Options) {
		o.RunID, o.JournalPath = "r1", path
		o.Observer = func(e engine.Event) {
			if strings.Contains(e.Reason, "attempt 2 of 2 in 1h") {
				copyErr = copyFile(path, killed) // killed while waiting to retry
				cancel()
			}
		}
	})
	if copyErr != nil {
		t.Fatal(copyErr)
	}
	w.sim.FailJob("", "")
	j, err := engine.LoadJournal(killed)
	if err != nil {
		t.Fatal(err)
	}
	if s := j.Items[0].Steps[0]; s.State != engine.Running || s.Attempts != 1 || s.JobGUID == "" {
		t.Fatalf("journal while waiting to retry: %+v, want running after 1 attempt", s)
	}
	res, _ := w.run(t, context.Background(), src, in, func(o *engine.Options) {
		o.RunID, o.JournalPath, o.Resume, o.Speed = "r1", path, j, 1e6
	})
	add := res.Steps[0]
	if add.State != engine.Completed || add.Attempts != 2 || len(w.accepted()) != 2 {
		t.Errorf("add %s after %d attempts, %d jobs posted; want completed after 2, 2 posted",
			add.State, add.Attempts, len(w.accepted()))
	}
}
