//go:build !unix

package main

import "os"

// processAlive reports whether a process of that id exists on this host:
// outside Unix, os.FindProcess fails for a process that does not exist.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
