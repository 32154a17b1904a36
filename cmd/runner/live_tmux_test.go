//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxPane is a tmux server of its own, on a private socket, with one
// pane of 120x40 that runs a shell command.
type tmuxPane struct {
	t      *testing.T
	tmux   string
	socket string
}

// startTmux runs script in a new detached tmux session; the server ends
// with the test.
func startTmux(t *testing.T, dir, script string) *tmuxPane {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs it in tmux")
	}
	bin, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed")
	}
	socket := fmt.Sprintf("runner-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	p := &tmuxPane{t: t, tmux: bin, socket: socket}
	t.Cleanup(func() { _, _ = p.run("kill-server") })
	if out, err := p.run("new-session", "-d", "-x", "120", "-y", "40", "-c", dir, script); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	return p
}

func (p *tmuxPane) run(args ...string) (string, error) {
	cmd := exec.Command(p.tmux, append([]string{"-L", p.socket, "-f", "/dev/null"}, args...)...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// screen returns what the pane shows, wrapped lines joined.
func (p *tmuxPane) screen() string {
	p.t.Helper()
	out, err := p.run("capture-pane", "-p", "-J")
	if err != nil {
		p.t.Fatalf("tmux capture-pane: %v\n%s", err, out)
	}
	return out
}

// until captures the screen every 50 ms, passing each capture to see,
// until done says the screen is final; it fails the test after a minute.
func (p *tmuxPane) until(see func(string), done *regexp.Regexp) string {
	p.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		s := p.screen()
		see(s)
		if done.MatchString(s) {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("the screen did not show %s within a minute:\n%s", done, p.screen())
	return ""
}

// cursorShown reports whether the pane shows its cursor.
func (p *tmuxPane) cursorShown() bool {
	out, err := p.run("display-message", "-p", "#{cursor_flag}")
	return err == nil && strings.TrimSpace(out) == "1"
}

var (
	liveHeader  = regexp.MustCompile(`(?m)^backup-analyze-consolidate  \d/7 steps  \d`)
	liveRunning = regexp.MustCompile(`(?m)^  ● (\w+)\s+running\s+\S+  (console step \w+|job \S+)`)
)

// tmuxRunScript is the shell command of a pane that runs the runner on
// the main workflow at speed, then tells its exit code.
func tmuxRunScript(t *testing.T, speed string) string {
	bin := buildRunner(t)
	wf, err := filepath.Abs(mainWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("'%s' run '%s' --simulate -i app=demo-app --speed %s; "+
		"echo runner-exit=$?; sleep 600", bin, wf, speed)
}

// On a terminal, a run shows a live view of its steps, which gives way to
// the summary at the end.
func TestTmuxLiveView(t *testing.T) {
	script := tmuxRunScript(t, "60")
	p := startTmux(t, t.TempDir(), script)
	states := map[string]bool{}
	final := p.until(func(s string) {
		if liveHeader.MatchString(s) {
			for _, m := range liveRunning.FindAllStringSubmatch(s, -1) {
				states[m[1]] = true
			}
		}
	}, regexp.MustCompile(`runner-exit=\d+`))

	if len(states) == 0 {
		t.Errorf("no capture showed the live view with a running step; the last one:\n%s", final)
	}
	t.Logf("the live view showed running: %v", states)
	if !strings.Contains(final, "runner-exit=0") {
		t.Fatalf("the run did not succeed:\n%s", final)
	}
	for _, want := range []string{"✓ consolidate  completed", "STEP         STATE", "OUTPUTS"} {
		if !strings.Contains(final, want) {
			t.Errorf("the final screen has no %q:\n%s", want, final)
		}
	}
	if !hasRow(final, "consolidate", "completed") || !hasRow(final, "create", "skipped") {
		t.Errorf("the final screen has no summary:\n%s", final)
	}
	if liveHeader.MatchString(final) || strings.Contains(final, "● ") {
		t.Errorf("the live area was left on the final screen:\n%s", final)
	}
	if !p.cursorShown() {
		t.Error("the cursor is hidden after the run")
	}
}

// Ctrl+C reaches the runner's own handler through the live view, which
// gives the terminal back as it was.
func TestTmuxLiveViewInterrupt(t *testing.T) {
	script := tmuxRunScript(t, "10")
	p := startTmux(t, t.TempDir(), script)
	p.until(func(string) {}, liveRunning)
	if out, err := p.run("send-keys", "C-c"); err != nil {
		t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
	final := p.until(func(string) {}, regexp.MustCompile(`runner-exit=\d+`))
	if !strings.Contains(final, "runner-exit=130") {
		t.Fatalf("exit code, want 130:\n%s", final)
	}
	// The run used --simulate, whose simulator ended with it: nothing to
	// resume against, so the message says to run it again.
	for _, want := range []string{"runner: interrupted: canceling",
		"the simulator of --simulate ended with it: run it again to retry"} {
		if !strings.Contains(final, want) {
			t.Errorf("the final screen has no %q:\n%s", want, final)
		}
	}
	for _, line := range strings.Split(final, "\n") {
		if strings.Contains(line, "^C") && strings.TrimSpace(line) != "^C" {
			t.Errorf("the ^C echo garbled a line: %q", line)
		}
	}
	if !p.cursorShown() {
		t.Error("the cursor is hidden after the run")
	}
}
