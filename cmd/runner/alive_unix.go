//go:build unix

package main

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process of that id exists on this host.
// A process of another user counts: it exists, and may run the same run.
// Known gap: an id the system has given to a new process since looks
// alive too; resume --force goes past it.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
