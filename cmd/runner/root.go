package main

import (
	"fmt"
	"io"
	"log/slog"
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

	// quiet (-q) keeps progress off stderr: errors and the summary only.
	quiet bool
	// logFormat is --log-format: text lines, or JSON objects.
	logFormat logFormat

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
	a.stdout = guardStdout(a.stdout)
	root := &cobra.Command{
		Use:   "runner",
		Short: "Run declarative YAML workflows of CAST AIP Console jobs",
		Long: `runner runs a workflow file, a DAG of CAST AIP Console jobs, against a Console:
it validates the file, schedules each job with POST /api/jobs, polls it to its
end, passes outputs such as appGuid and versionGuid to later steps and runs
independent steps at the same time.

Connection settings come from flags, AIP_CONSOLE_* environment variables or a
profile of the config file ("runner config --help" tells how). Exit codes: 0
success, 1 a step failed, 2 invalid command line or workflow (nothing was sent),
3 Console unreachable or credentials refused, 130 interrupted.`,
		Example: `  runner run workflows/backup-analyze-consolidate.yaml --simulate -i app=demo-app
  runner validate workflows/*.yaml
  runner plan nightly.yaml -i app=Webi
  runner run nightly.yaml --profile prod -i app=Webi --report run.json`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false,
		"log HTTP calls and internals to stderr")
	root.PersistentFlags().BoolVarP(&a.quiet, "quiet", "q", false,
		"print only errors and the final result: no progress on stderr")
	root.PersistentFlags().Var(&a.logFormat, "log-format",
		"how stderr carries progress and logs: text, or json (one JSON object a line)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return a.setupOutput() }
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%v (see %s --help)", err, c.CommandPath())
	})
	run := a.runCmd()
	a.registerInputsFile(run.Flags())
	root.AddCommand(run, a.resumeCmd(), a.runsCmd(), a.validateCmd(), a.planCmd(),
		a.graphCmd(), a.jobsCmd(), a.schemaCmd(), a.simulateCmd(), a.versionCmd(), a.configCmd())
	a.documentBuiltins(root)
	addCompletions(root)
	return root
}

// logger returns the logger commands pass to libraries: warnings and
// errors on stderr, everything with -v; JSON with --log-format json.
func (a *app) logger() *slog.Logger {
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelDebug
	}
	return a.newLogger(level)
}
