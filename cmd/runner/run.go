package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/engine"
)

type runFlags struct {
	execFlags
	inputs []string
}

const runLong = `run loads a workflow file and checks it with its inputs (a problem exits 2
before anything is sent), connects to the Console and runs the steps as a DAG:
each job is submitted with POST /api/jobs and polled to its end, its outputs go
to the steps that use them, and steps whose dependencies have ended run at the
same time, up to --max-parallel.

Progress goes to stderr; the summary table and the workflow's outputs go to
stdout. Every run has an id and a journal under --state-dir, from which
"runner resume" goes on with a run that stopped. Ctrl-C cancels the running
Console jobs, waits for the Console to confirm, and exits 130.

The Console and its credentials come from flags, from AIP_CONSOLE_URL,
AIP_CONSOLE_API_KEY (or --api-key-file) and AIP_CONSOLE_USER, or from a
profile of the config file; "runner config --help" tells which one wins.
--simulate runs against a simulator started in this process instead.

Exit codes: 0 success (skipped steps and failures of continue-on-error steps
included); 1 a step failed, was canceled or timed out; 2 invalid command line,
inputs or workflow; 3 Console unreachable or credentials refused; 130
interrupted.`

func (a *app) runCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a workflow against a Console",
		Long:  runLong,
		Example: `  runner run workflows/backup-analyze-consolidate.yaml --simulate -i app=demo-app
  AIP_CONSOLE_URL=https://console:8081 AIP_CONSOLE_API_KEY=... \
    runner run nightly.yaml -i app=Webi --max-parallel 2
  runner run nightly.yaml --profile prod --inputs nightly-inputs.yaml --junit junit.xml
  runner run nightly.yaml --console-url https://console:8443 --api-key-file ci.key \
    --ca-file company-ca.pem -i app=Webi`,
		Args: exactFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd.Context(), args[0], &f)
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVarP(&f.inputs, "input", "i", nil,
		"set a workflow input, as name=value (repeatable)")
	a.registerExec(fs, &f.execFlags)
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
	if err := f.check(); err != nil {
		return err
	}
	p, inputs, err := a.prepare(file, f.inputs)
	if err != nil {
		return err
	}
	src, err := source(file)
	if err != nil {
		return err
	}
	c, err := a.connectWithin(ctx, &f.conn, f.timeout)
	if err != nil {
		return err
	}
	defer c.close()

	runID := time.Now().UTC().Format("20060102-150405") + "-" + randomHex(3)
	unlock, err := engine.Store{Dir: f.stateDir}.Lock(runID) // no resume while it runs
	if err != nil {
		return withCode(exitInvalid, err)
	}
	defer unlock()
	a.runLine(fmt.Sprintf("run %s: workflow %s, %s\n", runID, p.Workflow.Name,
		plural(len(p.Nodes), "step")), "run started", runID,
		"workflow", p.Workflow.Name, "steps", len(p.Nodes))
	return a.execute(ctx, p, c, &f.execFlags, engine.Options{
		Inputs: inputs, RunID: runID, Source: src,
	})
}

// source names a workflow file for the journal: its absolute path, so
// that a resume finds it from any directory, and the hash of its content.
func source(file string) (engine.Source, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return engine.Source{}, fmt.Errorf("read workflow: %w", err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return engine.Source{}, fmt.Errorf("read workflow: %w", err)
	}
	return engine.Source{File: abs, Hash: engine.FileHash(data)}, nil
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

// secretMarks are the parts of an environment variable's name that say
// it holds a credential, whatever the case.
var secretMarks = []string{"API_KEY", "APIKEY", "PASSWORD", "SECRET", "TOKEN", "CREDENTIAL"}

// secretName reports whether an environment variable likely holds a
// credential, which expressions must not be able to read.
func secretName(k string) bool {
	k = strings.ToUpper(k)
	for _, s := range secretMarks {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
