// Command runner runs declarative YAML workflows of CAST AIP Console jobs.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	// A reader that goes away (runner run ... | head) must not kill the
	// run and leave its Console jobs unwatched: writes to it then fail,
	// and the run goes on to its end. stdout.go tells how commands end
	// on such a failed write: quietly, with the exit code of their work.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	live := &liveJobs{}
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, live, func() {
		// Catch the second signal before letting go of the first handler:
		// in between, a signal would kill the process without exit 130.
		exitOnSecondSignal(os.Stderr, live)
		stop()
	})
	stop()
	os.Exit(code)
}

// exitOnSecondSignal tells the user that running jobs are being canceled
// and makes a second signal end the process at once, with exit code 130,
// naming the jobs not yet seen ending. Catching the signal, rather than
// restoring its default action, also works where the shell started runner
// with SIGINT ignored (a background job).
func exitOnSecondSignal(w io.Writer, live *liveJobs) {
	if len(live.list()) > 0 {
		live.say(w, "runner: interrupted: canceling the running Console jobs; "+
			"interrupt again to exit at once")
	} else {
		live.say(w, "runner: interrupted; interrupt again to exit at once")
	}
	second := make(chan os.Signal, 1)
	signal.Notify(second, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-second
		live.stopView() // the terminal as it was, for the shell that comes back
		msg := "runner: interrupted again: exiting without waiting for the Console"
		if jobs := live.list(); len(jobs) > 0 {
			msg += "; jobs not confirmed canceled, cancel them on the Console: " +
				strings.Join(jobs, ", ")
		}
		live.say(w, msg)
		os.Exit(exitInterrupted)
	}()
}

// run is the whole command, testable: it parses args, runs the command and
// returns the exit code. live, when not nil, is kept up to date with the
// Console jobs a run has running. onSignal, when not nil, is called as
// soon as ctx ends (the first signal).
func run(ctx context.Context, args []string, getenv func(string) string,
	stdout, stderr io.Writer, live *liveJobs, onSignal func()) int {
	if onSignal != nil {
		defer context.AfterFunc(ctx, onSignal)()
	}
	if live == nil {
		live = &liveJobs{}
	}
	a := &app{stdout: stdout, stderr: stderr, getenv: getenv, live: live}
	cmd := newRoot(a)
	cmd.SetArgs(args)
	cmd.SetOut(a.stdout)
	cmd.SetErr(stderr)
	err := cmd.ExecuteContext(ctx)
	// a.stderr writes JSON with --log-format json.
	return report(a.stderr, err)
}
