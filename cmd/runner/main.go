// Command runner runs declarative YAML workflows of CAST AIP Console jobs.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, func() {
		stop()
		exitOnSecondSignal(os.Stderr)
	})
	stop()
	os.Exit(code)
}

// exitOnSecondSignal tells the user that running jobs are being canceled
// and makes a second signal end the process at once, with exit code 130.
// Catching the signal, rather than restoring its default action, also works
// where the shell started runner with SIGINT ignored (a background job).
func exitOnSecondSignal(w io.Writer) {
	fmt.Fprintln(w, "runner: interrupted: canceling the running Console jobs; "+
		"interrupt again to exit at once")
	second := make(chan os.Signal, 1)
	signal.Notify(second, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-second
		fmt.Fprintln(w, "runner: interrupted again: exiting without waiting for the Console; "+
			"jobs reported running above may still run")
		os.Exit(exitInterrupted)
	}()
}

// run is the whole command, testable: it parses args, runs the command and
// returns the exit code. onSignal, when not nil, is called as soon as ctx
// ends (the first signal).
func run(ctx context.Context, args []string, getenv func(string) string,
	stdout, stderr io.Writer, onSignal func()) int {
	if onSignal != nil {
		defer context.AfterFunc(ctx, onSignal)()
	}
	cmd := newRoot(&app{stdout: stdout, stderr: stderr, getenv: getenv})
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	return report(stderr, cmd.ExecuteContext(ctx))
}
