package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

type planFlags struct {
	inputs []string
	format string
}

const planLong = `plan works out what "runner run" would do with the given inputs, without
connecting to a Console: it sends nothing and needs no AIP_CONSOLE_URL.

It prints the waves of the workflow (the steps of one wave may run together
once the waves before it have ended) and, for every step in file order: its
kind, its dependencies (declared with needs:, or inferred from a steps.<id>
reference), its condition and the request body it would POST to /api/jobs,
with the catalog's defaults applied (a query step shows its lookup
parameters instead). A step with source: shows the archive it would upload
first, and its size.

Expressions that read only inputs, run or env are evaluated. A value that
only the run knows is shown as its expression in angle brackets, such as
<steps.find.outputs.appGuid>, and run.id as <run.id>. A condition that reads
only inputs is evaluated, so the plan says whether the step would be
skipped; one that reads step states or outputs is decided at run time.

--format json prints one JSON document:
  workflow   the workflow's name
  inputs     the resolved inputs, by name
  waves      arrays of step ids, wave 1 first
  steps      in file order, each with:
    id, kind       the step id; the job type, or "query <kind>"
    wave           1 for the steps that depend on nothing
    needs          declared dependencies; inferred: inferred ones
    condition      source, default (no if:), withSuccess (combined with
                   success()), outcome: run, skip, runtime or fail
    request        for a job: {"jobType": ..., "jobParameters": {...}}
    upload         for a job with source: the archive uploaded before it,
                   {"source": as written, "file": the file, "size": bytes};
                   sourcePath is then shown as upload:<app>/<file>
    query          for a query: {"kind": ..., "parameters": {...}}
    problems       what would fail the step with these inputs, if anything
  items      for a matrix workflow, one per item: label, and its steps as
             above (steps is then empty); item is evaluated in each`

func (a *app) planCmd() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan FILE",
		Short: "Show what a run would do, without connecting to a Console",
		Long:  planLong,
		Example: `  runner plan workflows/backup-analyze-consolidate.yaml -i app=Webi
  runner plan nightly.yaml --inputs nightly-inputs.yaml -i backup=false
  runner plan nightly.yaml -i app=Webi --format json | jq '.steps[].request'`,
		Args: exactFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.plan(args[0], &f)
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVarP(&f.inputs, "input", "i", nil,
		"set a workflow input, as name=value (repeatable)")
	a.registerInputsFile(fs)
	fs.StringVar(&f.format, "format", "text", "output format: text or json")
	return cmd
}

func (a *app) plan(file string, f *planFlags) error {
	if f.format != "text" && f.format != "json" {
		return fmt.Errorf("--format %q: want text or json", f.format)
	}
	p, inputs, err := a.prepare(file, f.inputs)
	if err != nil {
		return err
	}
	dr := p.DryRunEnv(inputs, environ(), a.clock())
	if f.format == "json" {
		return writePlanJSON(a.stdout, dr)
	}
	return writePlanText(a.stdout, dr)
}

// clock returns the time now, from a.now when a test has set it.
func (a *app) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}
