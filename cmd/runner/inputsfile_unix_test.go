//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadInputsRefusesSpecialFiles checks that --inputs refuses a named
// pipe and a device before reading, and that plan then exits 2.
func TestReadInputsRefusesSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "inputs.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, want string
	}{
		{
			name: "named pipe", file: fifo,
			want: "--inputs " + fifo + ": a named pipe, not a regular file",
		},
		{
			name: "device", file: "/dev/zero",
			want: "--inputs /dev/zero: a device, not a regular file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan result, 1)
			go func() { done <- runCLI(t, nil, "plan", mainWorkflow, "--inputs", tt.file) }()
			select {
			case res := <-done:
				if res.code != exitInvalid || !strings.Contains(res.stderr, tt.want) {
					t.Errorf("exit %d, want %d and %q on stderr:\n%s",
						res.code, exitInvalid, tt.want, res.stderr)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("plan --inputs %s still reading after 5s", tt.file)
			}
		})
	}
}
