package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyAbsentFromEveryOutput runs a verbose run that writes a report, a
// JUnit file and a journal, a verbose run that fails, and a verbose plan,
// and looks for the API key, or either half of it, in all they wrote.
func TestKeyAbsentFromEveryOutput(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	env := c.env(testKey)

	var outputs []string
	check := func(what string, r result, wantCode int) {
		t.Helper()
		if r.code != wantCode {
			t.Fatalf("%s: exit %d, want %d\nstderr:\n%s", what, r.code, wantCode, redactKey(r.stderr))
		}
		outputs = append(outputs, what+" stdout:\n"+r.stdout, what+" stderr:\n"+r.stderr)
	}

	check("run -v", runCLI(t, env, "run", mainWorkflow, "-v", "-i", "app=demo-app", "--speed", "1000",
		"--report", filepath.Join(dir, "report.json"), "--junit", filepath.Join(dir, "junit.xml"),
		"--state-dir", state), 0)
	c.sim.FailJob("analyze", "snapshot")
	check("failing run -v", runCLI(t, env, "run", mainWorkflow, "-v", "-i", "app=webi", "--speed", "1000",
		"--report", filepath.Join(dir, "failed.json"), "--state-dir", state), 1)
	check("run -v json", runCLI(t, env, "run", mainWorkflow, "-v", "--log-format", "json",
		"-i", "app=billing", "--speed", "1000", "--state-dir", state), 1)
	check("plan -v", runCLI(t, env, "plan", mainWorkflow, "-v", "-i", "app=demo-app"), 0)
	check("plan -v json", runCLI(t, env, "plan", mainWorkflow, "-v", "-i", "app=demo-app",
		"--format", "json"), 0)
	if !strings.Contains(outputs[1], "/api/jobs") {
		t.Fatalf("-v logged no HTTP call, so this test would not see a key in one:\n%s", outputs[1])
	}

	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		outputs = append(outputs, path+":\n"+string(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(outputs) < 10+4 { // five commands, a report each run, JUnit, journals
		t.Fatalf("only %d outputs to search; the runs wrote less than expected", len(outputs))
	}

	id, secret, _ := strings.Cut(testKey, ".")
	for _, out := range outputs {
		for _, s := range []string{testKey, id, secret} {
			if strings.Contains(out, s) {
				t.Errorf("the API key appears in %s", redactKey(out))
			}
		}
	}
}

// redactKey replaces the test key and its halves in s, for a failure message.
func redactKey(s string) string {
	id, secret, _ := strings.Cut(testKey, ".")
	return strings.NewReplacer(testKey, "<KEY>", id, "<KEY-ID>", secret, "<KEY-SECRET>").Replace(s)
}
