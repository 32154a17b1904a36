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
