// Command runner runs declarative YAML workflows of CAST AIP Console jobs.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, stop)
	stop()
	os.Exit(code)
}

// run is the whole command, testable: it parses args, runs the command and
// returns the exit code. stop, when not nil, is called as soon as ctx ends
// (the first signal), which restores the default handling so that a second
// signal ends the process at once.
func run(ctx context.Context, args []string, getenv func(string) string,
	stdout, stderr io.Writer, stop func()) int {
	if stop != nil {
		defer context.AfterFunc(ctx, stop)()
	}
	cmd := newRoot(&app{stdout: stdout, stderr: stderr, getenv: getenv})
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	return report(stderr, cmd.ExecuteContext(ctx))
}
