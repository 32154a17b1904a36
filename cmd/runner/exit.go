package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/aipflow/runner/schema"
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

// exitCode returns the exit code err maps to, as report does, without
// printing it.
func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil || errors.Is(err, errStdoutClosed):
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	}
	return exitInvalid
}

// report prints err, if any, and returns its exit code. An error that
// stdout was closed by its reader ends the command quietly (stdout.go).
func report(w io.Writer, err error) int {
	code := exitCode(err)
	if code == exitOK {
		return code
	}
	var ee *exitError
	if errors.As(err, &ee) {
		err = ee.err
	}
	if err != nil {
		printErrors(w, err)
	}
	return code
}

// printErrors prints each error of err, which errors.Join may have
// joined, on its own line, in order. A problem at a place in a file
// (*schema.PosError) prints as a compiler's, file:line:col: message;
// any other error starts with "runner: ", so that every line of stderr
// says where it comes from.
func printErrors(w io.Writer, err error) {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			printErrors(w, e)
		}
		return
	}
	if _, ok := err.(*schema.PosError); ok {
		errorLine(w, err.Error())
		return
	}
	errorLine(w, "runner: "+err.Error())
}
