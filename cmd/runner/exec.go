package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolejobs"
	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

// defaultStateDir is where runs keep their journals unless --state-dir
// says otherwise.
const defaultStateDir = ".runner"

// execFlags are the flags of the commands that run steps: run and resume.
type execFlags struct {
	conn        connFlags
	maxParallel int
	failFast    bool
	timeout     time.Duration
	stateDir    string
	report      string
	junit       string
	heartbeat   time.Duration
	followLogs  bool
}

func (a *app) registerExec(fs *pflag.FlagSet, f *execFlags) {
	fs.IntVar(&f.maxParallel, "max-parallel", 4,
		"how many steps may run at the same time, over all matrix items")
	fs.BoolVar(&f.failFast, "fail-fast", false,
		"at the first failure start no new step (running jobs are polled to their end);\n"+
			"by default a failure stops only the steps that depend on it")
	fs.Var((*durationFlag)(&f.timeout), "timeout",
		"bound the whole run (for example 8h or 1d): on expiry the running Console jobs\n"+
			"are canceled and their steps fail; 0 means no bound")
	a.registerStateDir(fs, &f.stateDir)
	fs.StringVar(&f.report, "report", "",
		"write a JSON report of the run to this file (docs/report.schema.json)")
	fs.StringVar(&f.junit, "junit", "",
		"write a JUnit XML report of the run to this file, one test case per step")
	registerHeartbeat(fs, &f.heartbeat)
	registerFollowLogs(fs, &f.followLogs)
	f.conn.register(fs)
}

// registerStateDir adds --state-dir, whose default tests may change
// with app.stateDir.
func (a *app) registerStateDir(fs *pflag.FlagSet, dir *string) {
	def := a.stateDir
	if def == "" {
		def = defaultStateDir
	}
	fs.StringVar(dir, "state-dir", def,
		"directory of the run journals, which resume reads: "+
			"<dir>/runs/<run-id>.json")
}

// check refuses bad values before anything is sent: a report file is
// checked for a directory to go into, so that a run of hours does not end
// unable to write it.
func (f *execFlags) check() error {
	if f.timeout < 0 {
		return fmt.Errorf("--timeout %s: must not be negative", f.timeout)
	}
	if f.heartbeat < 0 {
		return fmt.Errorf("--heartbeat %s: must not be negative", f.heartbeat)
	}
	if f.maxParallel < 1 {
		return fmt.Errorf("--max-parallel %d: must be at least 1", f.maxParallel)
	}
	outs := []struct{ flag, file string }{{"--report", f.report}, {"--junit", f.junit}}
	for _, out := range outs {
		if out.file == "" {
			continue
		}
		dir := filepath.Dir(out.file)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s %s: no directory %s to write it in", out.flag, out.file, dir)
		}
	}
	return nil
}

// execute runs a plan with the options that run and resume share, then
// prints the summary, writes the reports and maps the outcome to an exit
// code. opts holds what differs: inputs, run id, source, the journal to
// resume.
func (a *app) execute(ctx context.Context, p *engine.Plan, c *conn, f *execFlags,
	opts engine.Options) error {
	store := engine.Store{Dir: f.stateDir}
	opts.Jobs = &consolejobs.Service{Client: c.client}
	opts.Env = environ()
	opts.MaxParallel, opts.Speed = f.maxParallel, c.speed
	disp := a.startDisplay(p, f.heartbeat, opts.Resume)
	opts.Observer = disp.event
	if f.followLogs {
		opts.OnLog = a.logLines()
	}
	opts.Logger = a.logger()
	opts.FailFast, opts.Timeout = f.failFast, f.timeout
	opts.JournalPath = store.Path(opts.RunID)
	res, err := engine.Run(ctx, p, opts)
	disp.close() // the live view gives way to the summary
	if err != nil {
		// Run fails only before it sends anything.
		return withCode(exitInvalid, err)
	}
	printSummary(a.stdout, res)
	if res.JournalErr != nil {
		fmt.Fprintf(a.stderr, "runner: warning: %v: the run cannot be resumed from its end\n",
			res.JournalErr)
	}
	meta := runMeta{File: opts.Source.File}
	if opts.Resume != nil {
		meta.Resumed = len(opts.Resume.Resumed) + 1
	}
	err = a.outcome(ctx, opts.RunID, res)
	if a.logFormat == logJSON {
		a.runLine("", "run ended", opts.RunID, "state", string(res.State), "exit", exitCode(err))
	}
	switch {
	case err == nil || res.JournalErr != nil:
	case f.conn.simulate && a.simulator == nil:
		// The simulator ended with this process, and with it every job
		// the run knew: there is nothing to resume against.
		err = addToError(err, "the simulator of --simulate ended with it: run it again to retry")
	default:
		err = resumeHint(err, res, opts.RunID, f.stateDir)
	}
	// A report that cannot be written is told, but it does not change the
	// exit code, which says how the run went; check made it unlikely.
	if werr := a.writeReports(f, res, meta, opts.Inputs); werr != nil {
		fmt.Fprintf(a.stderr, "runner: %v\n", werr)
	}
	return err
}

// outcome maps how a run ended to an error with its exit code, or nil.
func (a *app) outcome(ctx context.Context, runID string, res *engine.Result) error {
	switch {
	case ctx.Err() != nil:
		return withCode(exitInterrupted, interrupted(runID, res))
	case consoleLost(res):
		return withCode(exitConsole, fmt.Errorf("run %s failed: the Console became unreachable "+
			"or refused the credentials", runID))
	case res.Failed():
		return withCode(exitFailed, fmt.Errorf("run %s failed", runID))
	}
	return nil
}

// addToError appends a sentence to the message of an exit error, keeping
// its exit code.
func addToError(err error, more string) error {
	var ee *exitError
	if !errors.As(err, &ee) || ee.err == nil {
		return err
	}
	return withCode(ee.code, fmt.Errorf("%w; %s", ee.err, more))
}

// writeReports writes the --report and --junit files, if asked for.
func (a *app) writeReports(f *execFlags, res *engine.Result, meta runMeta,
	inputs map[string]any) error {
	var errs []error
	if f.report != "" {
		if err := writeReport(f.report, res, meta, inputs); err != nil {
			errs = append(errs, fmt.Errorf("--report %s: %w", f.report, err))
		}
	}
	if f.junit != "" {
		if err := writeJUnit(f.junit, res); err != nil {
			errs = append(errs, fmt.Errorf("--junit %s: %w", f.junit, err))
		}
	}
	return errors.Join(errs...)
}

// interrupted describes an interrupted run: the jobs it canceled and
// those the Console did not confirm canceled, which may still run.
func interrupted(runID string, res *engine.Result) error {
	msg := "run " + runID + " interrupted"
	confirmed, unconfirmed := canceledJobs(res)
	if len(confirmed) > 0 {
		msg += "; canceled jobs: " + strings.Join(confirmed, ", ")
	}
	if len(unconfirmed) > 0 {
		msg += "; not confirmed canceled, cancel them on the Console: " +
			strings.Join(unconfirmed, ", ")
	}
	return errors.New(msg)
}

// consoleLost reports whether a step failed because the Console could not
// be reached or refused the credentials during the run: the jobs' real
// states are then unknown, which exit code 3 tells apart from a job that
// failed.
func consoleLost(res *engine.Result) bool {
	for _, err := range res.Errs() {
		if errors.Is(err, console.ErrUnreachable) || errors.Is(err, console.ErrUnauthorized) {
			return true
		}
	}
	return false
}

// durationFlag is a flag holding a duration written as in workflow files,
// days included (1d12h).
type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }

func (d *durationFlag) Set(s string) error {
	v, err := schema.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = durationFlag(v)
	return nil
}

func (d *durationFlag) Type() string { return "duration" }
