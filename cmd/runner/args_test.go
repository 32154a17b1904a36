package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestArgsErrorsWriteNoRunState checks C28: a mistyped flag, an extra
// argument or a missing one exits 2 with a message naming the problem,
// sends no request and writes no run state, since CI must not take a run
// that did nothing for a pass.
func TestArgsErrorsWriteNoRunState(t *testing.T) {
	c := newConsole(t)
	state := t.TempDir()
	explicit := filepath.Join(t.TempDir(), "state")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", mainWorkflow, "--dry-rn"}, "unknown flag: --dry-rn"},
		{[]string{"run", mainWorkflow, "-i", "app=demo-app", "--dry-rn"}, "unknown flag: --dry-rn"},
		{[]string{"run", mainWorkflow, "extra.yaml"}, `unexpected argument "extra.yaml"`},
		{[]string{"run", mainWorkflow, "extra.yaml", "-i", "app=demo-app"},
			`unexpected argument "extra.yaml"`},
		{[]string{"run"}, "missing workflow file"},
		{[]string{"run", "-i", "app=demo-app"}, "missing workflow file"},
		{[]string{"run", mainWorkflow, "-i", "app=demo-app", "--state-dir", explicit, "--dry-rn"},
			"unknown flag: --dry-rn"},
		{[]string{"run", mainWorkflow, "--simulate", "--dry-rn"}, "unknown flag: --dry-rn"},
		{[]string{"resume"}, "missing run id"},
		{[]string{"resume", "a", "b"}, `unexpected argument "b"`},
		{[]string{"plan"}, "missing workflow file"},
		{[]string{"version", "extra"}, `unknown command "extra" for "runner version"`},
		{[]string{"config", "--console-ur", "x"}, "unknown flag: --console-ur"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			a := &app{getenv: func(k string) string { return c.env(testKey)[k] }, stateDir: state}
			res := runApp(t, a, tt.args...)
			if res.code != exitInvalid {
				t.Errorf("exit %d, want %d\n%s", res.code, exitInvalid, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, res.stderr)
			}
			if res.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", res.stdout)
			}
		})
	}
	if n := len(c.sim.Requests()); n != 0 {
		t.Errorf("the Console received %d requests, want none", n)
	}
	for _, dir := range []string{state, explicit} {
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			t.Errorf("run state written in %s: %v", dir, entries)
		}
	}
}
