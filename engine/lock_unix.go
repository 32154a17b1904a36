//go:build unix

package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Lock takes the lock of a run, which a process holds while it runs or
// resumes the run: a second process that asks for it gets an error
// matching ErrRunLocked at once. The lock is an flock(2) on
// <Dir>/runs/<ID>.lock, so the system releases it when its process dies;
// the file stays, as removing it would let two processes lock two files.
// Call unlock when the run ends.
func (s Store) Lock(runID string) (unlock func(), err error) {
	path := filepath.Join(s.Dir, "runs", runID+".lock")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, &JournalError{path, err}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, &JournalError{path, err}
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("run %s: %w", runID, ErrRunLocked)
		}
		return nil, &JournalError{path, err}
	}
	return func() { f.Close() }, nil // closing the file releases the lock
}
