package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for concurrent use, for the output of
// a command that serves while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startSimulate runs "runner simulate" with args on a free loopback port
// until the test ends, and returns its URL.
func startSimulate(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	a := &app{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	cmd := newRoot(a)
	cmd.SetArgs(append([]string{"simulate", "--addr", "127.0.0.1:0", "--speed", "1000"}, args...))
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	done := make(chan int, 1)
	go func() { done <- report(&out, cmd.ExecuteContext(ctx)) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("simulate exit %d, want 0\n%s", code, out.String())
		}
	})
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("simulate exit %d before listening\n%s", code, out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("simulate not listening after 5s\n%s", out.String())
	return ""
}

func TestSimulateFlagErrorsExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"all interfaces", []string{"--addr", "0.0.0.0:8081"},
			"--addr 0.0.0.0:8081: the simulator serves loopback only"},
		{"no host", []string{"--addr", ":8081"},
			"--addr :8081: the simulator serves loopback only"},
		{"IPv6 any", []string{"--addr", "[::]:8081"},
			"--addr [::]:8081: the simulator serves loopback only"},
		{"host name", []string{"--addr", "example.com:8081"},
			"--addr example.com:8081: the simulator serves loopback only"},
		{"no port", []string{"--addr", "127.0.0.1"}, "--addr 127.0.0.1: want host:port"},
		{"speed NaN", []string{"--speed", "NaN"}, "--speed NaN: must be a number of at least 1"},
		{"speed Inf", []string{"--speed", "Inf"}, "--speed +Inf: must be a number of at least 1"},
		{"speed 0", []string{"--speed", "0"}, "--speed 0: must be a number of at least 1"},
		{"fail without step", []string{"--fail", "analyze"},
			`--fail "analyze": write JOBTYPE:STEP`},
		{"fail unknown job type", []string{"--fail", "analyse:snapshot"},
			`--fail analyse:snapshot: unknown job type "analyse" (did you mean "analyze"?)`},
		{"fail unknown step", []string{"--fail", "analyze:snapshots"},
			`--fail analyze:snapshots: unknown job step "snapshots" (did you mean "snapshot"?)`},
		{"fail twice", []string{"--fail", "analyze:snapshot", "--fail", "ANALYZE:analyze"},
			"--fail ANALYZE:analyze: job type analyze given twice"},
		{"key with a space", []string{"--api-key", "a b"},
			"API key holds characters an HTTP header cannot carry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"simulate", "--api-key", "k"}, tt.args...)...)
			if res.code != exitInvalid {
				t.Errorf("exit %d, want %d\n%s", res.code, exitInvalid, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, res.stderr)
			}
		})
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, addr := range []string{
		"127.0.0.1:8081", "127.1.2.3:0", "[::1]:8081", "localhost:8081", "LOCALHOST:1",
		"[::ffff:127.0.0.1]:8081",
	} {
		if err := checkLoopback(addr); err != nil {
			t.Errorf("checkLoopback(%s) = %v, want nil", addr, err)
		}
	}
}

// TestSimulateUserAndFailures runs a workflow against "runner simulate"
// with Basic auth and two injected failures, which the simulator holds one
// at a time.
func TestSimulateUserAndFailures(t *testing.T) {
	url := startSimulate(t, "--api-key", "demo-pass", "--user", "ci",
		"--fail", "BACKUP:backup", "--fail", "consolidate_snapshot:consolidate_snapshot")
	file := filepath.Join(t.TempDir(), "wf.yaml")
	wf := `version: 1
name: failures
steps:
  demo:
    query: application
    with: {name: demo-app}
  billing:
    query: application
    with: {name: billing}
  webi:
    query: application
    with: {name: webi}
  backup:
    job: BACKUP
    with: {appGuid: "${{ steps.demo.outputs.appGuid }}"}
  consolidate:
    job: consolidate_snapshot
    with: {appGuid: "${{ steps.billing.outputs.appGuid }}"}
  points:
    job: function_points
    with: {appGuid: "${{ steps.webi.outputs.appGuid }}"}
`
	if err := os.WriteFile(file, []byte(wf), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"AIP_CONSOLE_URL": url, "AIP_CONSOLE_API_KEY": "demo-pass", "AIP_CONSOLE_USER": "ci",
	}
	res := runCLI(t, env, "run", file, "--speed", "1000")
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	for step, state := range map[string]string{
		"backup": "failed", "consolidate": "failed", "points": "completed",
	} {
		if !hasRow(res.stdout, step, state) {
			t.Errorf("summary has no %s row for %s:\n%s", state, step, res.stdout)
		}
	}

	env["AIP_CONSOLE_USER"] = "someone"
	if res := runCLI(t, env, "run", file, "--speed", "1000"); res.code != exitConsole {
		t.Errorf("unknown user: exit %d, want %d\n%s", res.code, exitConsole, res.stderr)
	}
}
