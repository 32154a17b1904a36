package main

import (
	"strings"
	"testing"
)

// TestCompletionOfValues checks that shell completion offers job types to
// runner jobs, run ids to runner resume and the values of --format.
func TestCompletionOfValues(t *testing.T) {
	state := t.TempDir()
	c := newConsole(t)
	a := &app{getenv: func(string) string { return "" }, simulator: c.sim, simulatorKey: testKey,
		stateDir: state}
	if r := runApp(t, a, "run", mainWorkflow, "-i", "app=demo-app", "--simulate", "--speed", "1000",
		"--state-dir", state); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	ids := runCLI(t, nil, "runs", "--state-dir", state).stdout
	id := strings.Fields(strings.Split(ids, "\n")[1])[0] // the first run under the header

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "jobs", ""}, "add_version\n"},
		{[]string{"__complete", "resume", "--state-dir", state, ""}, id + "\n"},
		{[]string{"__complete", "plan", "wf.yaml", "--format", ""}, "text\njson\n"},
		{[]string{"__complete", "graph", "wf.yaml", "--format", ""}, "mermaid\ndot\n"},
		{[]string{"__complete", "run", "wf.yaml", "--log-format", ""}, "text\njson\n"},
	}
	for _, tt := range tests {
		r := runCLI(t, nil, tt.args...)
		if r.code != 0 || !strings.Contains(r.stdout, tt.want) {
			t.Errorf("%v: exit %d, want %q among\n%s", tt.args, r.code, tt.want, r.stdout)
		}
	}
}
