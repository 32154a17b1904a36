package main

import (
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/console/consolesim"
)

// app is what every command shares: where output goes and how the
// environment is read.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	verbose        bool

	// now is the clock of commands that compute dates, such as the
	// default version names plan shows; nil means time.Now.
	now func() time.Time

	// inputsFile is --inputs of run and plan: a file of workflow inputs.
	inputsFile string

	// simulator, when not nil, is the simulator --simulate serves instead
	// of a new one, with simulatorKey as its API key, so that tests can
	// look at what it received.
	simulator    *consolesim.Server
	simulatorKey string

	// live tracks the Console jobs of a run, for the message of a second
	// interrupt; nil in tests that do not need it.
	live *liveJobs

	// stateDir is the default of --state-dir; "" means .runner. Tests set
	// it so that runs keep their journals out of the source tree.
	stateDir string
}

func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "runner",
		Short: "Run declarative YAML workflows of CAST AIP Console jobs",
		Long: `runner runs a workflow file, a DAG of CAST AIP Console jobs, against a Console:
it validates the file, schedules each job with POST /api/jobs, polls it to its
end, passes outputs such as appGuid and versionGuid to later steps and runs
independent steps at the same time.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log HTTP calls and internals to stderr")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%v (see %s --help)", err, c.CommandPath())
	})
	run := a.runCmd()
	a.registerInputsFile(run.Flags())
	root.AddCommand(run, a.resumeCmd(), a.runsCmd(), a.validateCmd(), a.planCmd(),
		a.graphCmd(), a.jobsCmd(), a.schemaCmd(), a.simulateCmd(), a.versionCmd())
	return root
}

// logger returns the logger commands pass to libraries: warnings and
// errors on stderr, everything with -v.
func (a *app) logger() *slog.Logger {
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of runner",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			fmt.Fprintln(a.stdout, "runner", v)
			return nil
		},
	}
}
