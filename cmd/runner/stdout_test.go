package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// closedPipe returns the write end of a pipe whose reader has gone, as
// stdout is in runner plan W | (exec 0<&-; sleep 1): a write to it fails
// with EPIPE, since main ignores SIGPIPE.
func closedPipe(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	t.Cleanup(func() { w.Close() })
	return w
}

// runPiped runs the command as main does, with stdout a closed pipe.
func runPiped(t *testing.T, a *app, args ...string) result {
	t.Helper()
	var errb bytes.Buffer
	a.stdout, a.stderr = closedPipe(t), &errb
	if a.getenv == nil {
		a.getenv = func(string) string { return "" }
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := newRoot(a)
	cmd.SetArgs(args)
	return result{code: report(a.stderr, cmd.ExecuteContext(ctx)), stderr: errb.String()}
}

// TestClosedStdoutEndsQuietly checks that a command whose stdout reader
// went away ends without a message and exit 0, where it printed "write
// /dev/stdout: broken pipe" and exited 2 as if its command line were
// wrong.
func TestClosedStdoutEndsQuietly(t *testing.T) {
	state := t.TempDir()
	c := newConsole(t)
	if res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", state); res.code != 0 {
		t.Fatalf("run to list: exit %d\n%s", res.code, res.stderr)
	}
	for _, args := range [][]string{
		{"plan", mainWorkflow, "-i", "app=Webi"},
		{"plan", mainWorkflow, "-i", "app=Webi", "--format", "json"},
		{"config"},
		{"jobs"},
		{"jobs", "add_version"},
		{"runs", "--state-dir", state},
		{"schema"},
		{"graph", mainWorkflow},
		{"validate", mainWorkflow},
		{"version"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := runPiped(t, &app{stateDir: state}, args...)
			if res.code != exitOK || res.stderr != "" {
				t.Errorf("exit %d and stderr %q, want 0 and nothing", res.code, res.stderr)
			}
		})
	}
}

// TestClosedStdoutKeepsRunExitCode checks that run, whose summary goes to
// stdout, still exits with the code of the run when the reader of stdout
// went away, and says why on stderr as usual.
func TestClosedStdoutKeepsRunExitCode(t *testing.T) {
	c := newConsole(t)
	sim := func() *app {
		return &app{simulator: c.sim, simulatorKey: testKey, stateDir: t.TempDir()}
	}
	args := []string{"run", mainWorkflow, "-i", "app=demo-app", "--simulate", "--speed", "1000"}
	res := runPiped(t, sim(), args...)
	if res.code != exitOK || strings.Contains(res.stderr, "broken pipe") {
		t.Errorf("run that succeeded: exit %d, want 0\n%s", res.code, res.stderr)
	}

	c.sim.FailJob("analyze", "analyze")
	res = runPiped(t, sim(), args...)
	if res.code != exitFailed || !strings.Contains(res.stderr, "runner: run ") {
		t.Errorf("run that failed: exit %d, want %d with its error\n%s", res.code, exitFailed,
			res.stderr)
	}
	if strings.Contains(res.stderr, "broken pipe") {
		t.Errorf("stderr tells of the closed pipe:\n%s", res.stderr)
	}
}
