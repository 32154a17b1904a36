package main

import (
	"errors"
	"io"
	"sync/atomic"
	"syscall"
)

// A reader of stdout that goes away, as in runner plan W | head -1, is no
// error of the command. main ignores SIGPIPE, so that such a reader cannot
// kill a run and leave its Console jobs unwatched; a write to the closed
// pipe then fails with EPIPE instead, which would print "write
// /dev/stdout: broken pipe" and exit 2, as if the command line were
// wrong. So an EPIPE on stdout ends a command quietly instead:
//
//   - stdoutPipe turns it into errStdoutClosed and drops every later
//     write, so that a command that checks its writes stops there;
//   - report exits 0 without a message on errStdoutClosed: the reader
//     asked for no more, and got what it asked for;
//   - run and resume ignore the errors of writing their summary, so they
//     exit with the code of the run: a failed step still exits 1.
//
// stderr is left as it is: its messages have nowhere else to go.
//
// Known gap: on Windows a write to a closed pipe fails with
// ERROR_NO_DATA, not EPIPE, and still exits 2 with the write error.

// errStdoutClosed reports that the reader of stdout closed it.
var errStdoutClosed = errors.New("stdout closed by its reader")

// stdoutPipe is the stdout of a command; see above. It is safe for
// concurrent use when w is.
type stdoutPipe struct {
	w      io.Writer
	closed atomic.Bool
}

// guardStdout returns w behind a stdoutPipe, once.
func guardStdout(w io.Writer) io.Writer {
	if _, ok := w.(*stdoutPipe); ok || w == nil {
		return w
	}
	return &stdoutPipe{w: w}
}

func (p *stdoutPipe) Write(b []byte) (int, error) {
	if p.closed.Load() {
		return 0, errStdoutClosed
	}
	n, err := p.w.Write(b)
	if err != nil && errors.Is(err, syscall.EPIPE) {
		p.closed.Store(true)
		return n, errStdoutClosed
	}
	return n, err
}
