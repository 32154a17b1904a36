package main

import (
	"strings"
	"testing"
)

// TestSimulatedRunIsNotOfferedResume checks that a failed run against the
// simulator of --simulate says to run it again, since its simulator ended
// with it, and that resume --simulate is refused for the same reason.
func TestSimulatedRunIsNotOfferedResume(t *testing.T) {
	state := t.TempDir()
	wf := writeFile(t, "fails.yaml", `version: 1
name: fails
steps:
  node:
    query: node
    with: {name: no-such-node}
`)
	a := &app{getenv: func(string) string { return "" }, stateDir: state}
	r := runApp(t, a, "run", wf, "--simulate")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitFailed, r.stderr)
	}
	if strings.Contains(r.stderr, "runner resume") ||
		!strings.Contains(r.stderr, "the simulator of --simulate ended with it: run it again") {
		t.Errorf("stderr offers a resume that cannot work, or does not say why:\n%s", r.stderr)
	}

	r = runCLI(t, nil, "resume", "20261203-000000-abcdef", "--simulate", "--state-dir", state)
	if r.code != exitInvalid || !strings.Contains(r.stderr, "a simulator started now knows no job") {
		t.Errorf("resume --simulate: exit %d, want %d with a reason\n%s", r.code, exitInvalid, r.stderr)
	}
}
