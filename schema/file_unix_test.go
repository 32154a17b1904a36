//go:build unix

package schema_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadRefusesSpecialFiles checks that Load refuses a named pipe and a
// device before reading: opening the pipe would block until a writer
// comes, and /dev/zero never ends.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "wf.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{name: "named pipe", path: fifo, want: fifo + ": a named pipe, not a regular file"},
		{name: "device", path: "/dev/zero", want: "/dev/zero: a device, not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for name, load := range loaders {
				done := make(chan error, 1)
				go func() {
					_, err := load(tt.path)
					done <- err
				}()
				select {
				case err := <-done:
					if err == nil || !strings.Contains(err.Error(), tt.want) {
						t.Errorf("%s(%s) = %v, want %q", name, tt.path, err, tt.want)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("%s(%s) still reading after 5s", name, tt.path)
				}
			}
		})
	}
}
