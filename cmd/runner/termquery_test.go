//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestNoTerminalQuery runs runner version on a pseudo terminal that never
// answers, as some CI systems allocate, and checks that runner asks the
// terminal nothing: Bubble Tea v1's init would send an OSC 11 query for
// the background colour and wait 5 seconds for a reply.
func TestNoTerminalQuery(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) is not installed")
	}
	bin := buildRunner(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, "-qc", bin+" version", os.DevNull)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("script: %v\n%q", err, out)
	}
	if strings.Contains(string(out), "\x1b]11;?") || strings.Contains(string(out), "\x1b[6n") {
		t.Errorf("runner queried the terminal:\n%q", out)
	}
	if !strings.Contains(string(out), "runner ") {
		t.Errorf("no version printed:\n%q", out)
	}
}
