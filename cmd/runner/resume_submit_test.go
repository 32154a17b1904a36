package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aipflow/runner/console/consolesim"
)

// A job whose POST got no answer may exist on the Console: the run says
// so instead of offering a plain resume, and resume refuses to submit it
// again, sending nothing, until --resubmit.
func TestResumeRefusesJobMaybeSubmitted(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	lost := consolesim.Faults{LostRate: 1, Match: func(method, path string) bool {
		return method == http.MethodPost && path == "/api/jobs"
	}}
	if err := c.sim.SetFaults(lost); err != nil {
		t.Fatal(err)
	}
	run := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", dir)
	if run.code != exitFailed || !hasRow(run.stdout, "backup", "failed") {
		t.Fatalf("run: exit %d, want 1 and backup failed\n%s\n%s", run.code, run.stdout, run.stderr)
	}
	id := runID(t, run.stderr)
	for _, want := range []string{"the job of step backup may have been submitted",
		"check the Console", "runner resume " + id + " --state-dir " + dir + " --resubmit"} {
		if !strings.Contains(run.stderr, want) {
			t.Errorf("the run does not say %q:\n%s", want, run.stderr)
		}
	}
	if strings.Contains(run.stderr, "resume it with:") {
		t.Errorf("the run offers a plain resume:\n%s", run.stderr)
	}
	if err := c.sim.SetFaults(consolesim.Faults{}); err != nil {
		t.Fatal(err)
	}

	sent := len(c.sim.Requests())
	res := c.simulate(t, "resume", id, "--state-dir", dir)
	if res.code != exitInvalid {
		t.Errorf("resume: exit %d, want 2\n%s", res.code, res.stderr)
	}
	for _, want := range []string{"a job may have been submitted already",
		`step backup (BACKUP {"appGuid":"`, "check the Console", "pass --resubmit to submit it again"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("resume does not say %q:\n%s", want, res.stderr)
		}
	}
	if n := len(c.sim.Requests()); n != sent {
		t.Errorf("the refused resume sent %d requests, want none", n-sent)
	}

	res = c.simulate(t, "resume", id, "--state-dir", dir, "--resubmit")
	if res.code != 0 {
		t.Fatalf("resume --resubmit: exit %d, want 0\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	want := "submitting again (--resubmit) the jobs that may have been submitted already: backup"
	if !strings.Contains(res.stderr, want) {
		t.Errorf("resume --resubmit does not warn %q:\n%s", want, res.stderr)
	}
	if n := c.sim.Stats().Jobs["backup"]; n != 2 {
		t.Errorf("%d backup jobs created, want 2: the lost one, and the one --resubmit asked for", n)
	}
	if !hasRow(res.stdout, "consolidate", "completed") {
		t.Errorf("the resumed run did not complete:\n%s", res.stdout)
	}
}
