package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aipflow/runner/engine"
)

// TestResumeWorkflowMoved checks that a run whose workflow file moved, as
// in a new checkout on another CI agent, is resumed with --file, and that
// without it the refusal says so.
func TestResumeWorkflowMoved(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	wf := copyWorkflow(t)
	c.sim.FailJob("analyze", "snapshot")
	run := c.simulate(t, "run", wf, "-i", "app=demo-app", "--state-dir", dir)
	if run.code != exitFailed {
		t.Fatalf("run: exit %d, want 1\n%s", run.code, run.stderr)
	}
	id := runID(t, run.stderr)
	c.sim.FailJob("", "")
	moved := filepath.Join(t.TempDir(), "checkout", "main.yaml")
	if err := os.MkdirAll(filepath.Dir(moved), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(wf, moved); err != nil {
		t.Fatal(err)
	}
	before := len(c.jobPostList(t))

	res := c.simulate(t, "resume", id, "--state-dir", dir)
	if res.code != exitInvalid || !strings.Contains(res.stderr, "give its path with --file") {
		t.Errorf("resume of a moved workflow: exit %d, want 2 pointing at --file\n%s", res.code, res.stderr)
	}
	res = c.simulate(t, "resume", id, "--state-dir", dir, "--file", moved)
	if res.code != 0 {
		t.Fatalf("resume --file: exit %d, want 0\n%s", res.code, res.stderr)
	}
	if strings.Contains(res.stderr, "changed since") {
		t.Errorf("the same workflow at a new path is taken for a changed one:\n%s", res.stderr)
	}
	if got := strings.Join(c.jobPostList(t)[before:], ","); got != "analyze,consolidate_snapshot" {
		t.Errorf("resume submitted %s, want analyze,consolidate_snapshot", got)
	}
}

// TestResumeOfRunWithIgnoredFailures checks that a run that completed with
// failures of continue-on-error steps has nothing to resume: its failed
// steps are not submitted again.
func TestResumeOfRunWithIgnoredFailures(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	wf := copyWorkflow(t)
	editFile(t, wf, "    job: BACKUP\n", "    job: BACKUP\n    continue-on-error: true\n")
	c.sim.FailJob("BACKUP", "backup")
	run := c.simulate(t, "run", wf, "-i", "app=demo-app", "--state-dir", dir)
	if run.code != 0 {
		t.Fatalf("run: exit %d, want 0\n%s", run.code, run.stderr)
	}
	before := len(c.jobPostList(t))
	res := c.simulate(t, "resume", runID(t, run.stderr), "--state-dir", dir)
	if res.code != 0 || !strings.Contains(res.stderr, "nothing to resume") {
		t.Errorf("resume: exit %d, want 0 and nothing to resume\n%s", res.code, res.stderr)
	}
	if n := len(c.jobPostList(t)); n != before {
		t.Errorf("resume submitted %d jobs, want none", n-before)
	}
	runs := runCLI(t, nil, "runs", "--state-dir", dir)
	if !strings.Contains(runs.stdout, "7/7") {
		t.Errorf("runs does not count the ignored failure as done:\n%s", runs.stdout)
	}
}

// TestResumeRefusedWhileLocked checks that a resume is refused, sending
// nothing, while another process holds the run's lock, as a second resume
// started at the same moment would, and goes on once the lock is free.
func TestResumeRefusedWhileLocked(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	c.sim.FailJob("analyze", "snapshot")
	run := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", dir)
	if run.code != exitFailed {
		t.Fatalf("run: exit %d, want 1\n%s", run.code, run.stderr)
	}
	c.sim.FailJob("", "")
	id := runID(t, run.stderr)
	unlock, err := engine.Store{Dir: dir}.Lock(id)
	if err != nil {
		t.Fatal(err)
	}
	sent := len(c.sim.Requests())
	res := c.simulate(t, "resume", id, "--state-dir", dir)
	if res.code != exitInvalid || !strings.Contains(res.stderr, "another runner process runs it now") {
		t.Errorf("resume of a locked run: exit %d, want 2 saying why\n%s", res.code, res.stderr)
	}
	if n := len(c.sim.Requests()); n != sent {
		t.Errorf("the refused resume sent %d requests", n-sent)
	}
	unlock()
	if res := c.simulate(t, "resume", id, "--state-dir", dir); res.code != 0 {
		t.Errorf("resume after the lock was freed: exit %d, want 0\n%s", res.code, res.stderr)
	}
}

// TestResumeEndsRunKilledAfterItsLastStep checks that resuming a run whose
// process died after its last step, before it wrote that the run ended,
// sends nothing and records the run completed, so that runner runs stops
// showing it stopped.
func TestResumeEndsRunKilledAfterItsLastStep(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	run := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", dir)
	if run.code != 0 {
		t.Fatalf("run: exit %d\n%s", run.code, run.stderr)
	}
	id := runID(t, run.stderr)
	setJournal(t, engine.Store{Dir: dir}.Path(id), func(j map[string]any) {
		j["state"], j["pid"] = "running", 0
	})
	if out := runCLI(t, nil, "runs", "--state-dir", dir); !hasField(out.stdout, id, "stopped") {
		t.Fatalf("runs does not show %s stopped:\n%s", id, out.stdout)
	}
	sent := len(c.sim.Requests())
	res := c.simulate(t, "resume", id, "--state-dir", dir)
	if res.code != 0 || !strings.Contains(res.stderr, "nothing to resume") {
		t.Errorf("resume: exit %d, want 0 and nothing to resume\n%s", res.code, res.stderr)
	}
	if n := len(c.sim.Requests()); n != sent {
		t.Errorf("resume sent %d requests, want none", n-sent)
	}
	if out := runCLI(t, nil, "runs", "--state-dir", dir); !hasField(out.stdout, id, "completed") {
		t.Errorf("runs does not show %s completed after the resume:\n%s", id, out.stdout)
	}
}

// TestRunsOfCorruptJournalsOnly checks that runs tells a directory whose
// only journal cannot be read from an empty one.
func TestRunsOfCorruptJournalsOnly(t *testing.T) {
	dir := t.TempDir()
	path := engine.Store{Dir: dir}.Path("20261203-000000-abcdef")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"version":1,`), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, nil, "runs", "--state-dir", dir)
	if res.code != 0 || !strings.Contains(res.stderr, "no readable runs in "+dir) ||
		!strings.Contains(res.stderr, path) {
		t.Errorf("exit %d, want 0, the bad journal named and no readable runs\n%s", res.code, res.stderr)
	}
}
