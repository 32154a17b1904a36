package main

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes; the README lists them for users.
const (
	exitOK          = 0   // success, skipped steps and ignored failures included
	exitFailed      = 1   // a step failed, was canceled or timed out
	exitInvalid     = 2   // invalid command line or workflow; nothing was sent
	exitConsole     = 3   // Console unreachable or credentials refused
	exitInterrupted = 130 // interrupted by a signal
)

// exitError carries the exit code an error maps to. Errors without one
// come from the command line itself and exit 2.
type exitError struct {
	code int
	err  error // nil when the message was printed already
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// report prints err, if any, and returns its exit code.
func report(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		fmt.Fprintf(w, "runner: %v\n", err)
		return exitInvalid
	}
	if ee.err != nil {
		fmt.Fprintf(w, "runner: %v\n", ee.err)
	}
	return ee.code
}
