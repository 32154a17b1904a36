package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolejobs"
	"github.com/aipflow/runner/engine"
)

type runFlags struct {
	conn        connFlags
	inputs      []string
	maxParallel int
	failFast    bool
	timeout     time.Duration
}

func (a *app) runCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a workflow against a Console",
		Example: `  runner run workflows/backup-analyze-consolidate.yaml --simulate -i app=demo-app
  AIP_CONSOLE_URL=https://console:8081 AIP_CONSOLE_API_KEY=... \
    runner run nightly.yaml -i app=Webi --max-parallel 2`,
		Args: exactFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd.Context(), args[0], &f)
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVarP(&f.inputs, "input", "i", nil,
		"set a workflow input, as name=value (repeatable)")
	fs.IntVar(&f.maxParallel, "max-parallel", 4,
		"how many steps may run at the same time, over all matrix items")
	fs.BoolVar(&f.failFast, "fail-fast", false,
		"at the first failure start no new step (running jobs are polled to their end);\n"+
			"by default a failure stops only the steps that depend on it")
	fs.DurationVar(&f.timeout, "timeout", 0,
		"bound the whole run (for example 8h): on expiry the running Console jobs are\n"+
			"canceled and their steps fail; 0 means no bound")
	f.conn.register(fs)
	return cmd
}

// exactFile accepts exactly one workflow file argument.
func exactFile(_ *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return fmt.Errorf("missing workflow file")
	case len(args) > 1:
		return fmt.Errorf("unexpected argument %q", args[1])
	}
	return nil
}

func (a *app) run(ctx context.Context, file string, f *runFlags) error {
	if f.timeout < 0 {
		return fmt.Errorf("--timeout %s: must not be negative", f.timeout)
	}
	if f.maxParallel < 1 {
		return fmt.Errorf("--max-parallel %d: must be at least 1", f.maxParallel)
	}
	p, inputs, err := a.prepare(file, f.inputs)
	if err != nil {
		return err
	}
	c, err := a.connect(ctx, &f.conn)
	if err != nil {
		return err
	}
	defer c.close()

	runID := time.Now().UTC().Format("20060102-150405") + "-" + randomHex(3)
	fmt.Fprintf(a.stderr, "run %s: workflow %s, %s\n",
		runID, p.Workflow.Name, plural(len(p.Nodes), "step"))
	res, err := engine.Run(ctx, p, engine.Options{
		Jobs:        consolejobs.Service{Client: c.client},
		Inputs:      inputs,
		Env:         environ(),
		RunID:       runID,
		MaxParallel: f.maxParallel,
		Speed:       c.speed,
		Observer:    newProgress(a.stderr, p, a.live).event,
		Logger:      a.logger(),
		FailFast:    f.failFast,
		Timeout:     f.timeout,
	})
	if err != nil {
		return withCode(exitFailed, err)
	}
	printSummary(a.stdout, res)
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

// parseInputs reads -i name=value flags.
func parseInputs(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range flags {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("-i %q: write name=value", kv)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("-i %s: given twice", name)
		}
		out[name] = value
	}
	return out, nil
}

// environ is what workflow expressions see as env: the process
// environment without the Console credentials.
func environ() map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if secretName(k) {
			continue
		}
		out[k] = v
	}
	return out
}

// secretName reports whether an environment variable likely holds a
// credential, which expressions must not be able to read.
func secretName(k string) bool {
	k = strings.ToUpper(k)
	for _, s := range []string{"API_KEY", "APIKEY", "PASSWORD", "SECRET", "TOKEN", "CREDENTIAL"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
