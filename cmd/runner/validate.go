package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

func (a *app) validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check workflow files without sending anything to the Console",
		Long: `validate checks each workflow file as far as it can without a Console: YAML
syntax, the schema, step ids, dependencies and cycles, every expression and
template (each steps.<id>, output and input it names), job types and their
parameters. It prints each problem as file:line:col: message, and "FILE: valid"
on stdout for a file without one. It exits 2 when a file has a problem;
warnings, such as a parameter the catalog does not know, do not fail it.`,
		Example: `  runner validate workflows/backup-analyze-consolidate.yaml
  runner validate workflows/*.yaml`,
		Args: someFiles,
		RunE: func(cmd *cobra.Command, files []string) error {
			bad := 0
			for _, f := range files {
				if _, err := a.load(f); err != nil {
					bad++
					continue
				}
				fmt.Fprintf(a.stdout, "%s: valid\n", f)
			}
			if bad > 0 {
				return withCode(exitInvalid, nil)
			}
			return nil
		},
	}
}

// someFiles accepts one workflow file argument or more.
func someFiles(_ *cobra.Command, args []string) error {
	if len(args) == 0 {
		return errors.New("missing workflow file")
	}
	return nil
}

// load loads and plans a workflow file. It prints warnings and every
// problem, schema and graph alike, one per line in file order, to stderr;
// the error only says that there were problems.
func (a *app) load(file string) (*engine.Plan, error) {
	wf, err := schema.LoadPartial(file)
	var p *engine.Plan
	if wf != nil {
		for _, w := range wf.Warnings {
			fmt.Fprintf(a.stderr, "warning: %v\n", w)
		}
		var buildErr error
		p, buildErr = engine.Build(wf)
		err = schema.SortErrors([]error{err, buildErr})
	}
	if err == nil {
		return p, nil
	}
	a.printErrors(err)
	return nil, withCode(exitInvalid, nil)
}

// prepare loads and plans a workflow file and resolves its inputs from
// --inputs and -i flags. Problems are printed as load prints them.
func (a *app) prepare(file string, flags []string) (*engine.Plan, map[string]any, error) {
	given, where, err := readInputs(a.inputsFile, flags)
	if err != nil {
		return nil, nil, err
	}
	p, err := a.load(file)
	if err != nil {
		return nil, nil, err
	}
	inputs, err := engine.ResolveInputs(p.Workflow, given)
	if err != nil {
		a.printErrors(placeInputErrors(err, where))
		return nil, nil, withCode(exitInvalid, nil)
	}
	return p, inputs, nil
}

// placeInputErrors prefixes each error about an input that an inputs file
// set with where the file sets it.
func placeInputErrors(err error, where map[string]string) error {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || len(where) == 0 {
		return err
	}
	errs := joined.Unwrap()
	placed := make([]error, len(errs))
	for i, e := range errs {
		placed[i] = e
		var ie *engine.InputError
		if errors.As(e, &ie) && where[ie.Name] != "" {
			placed[i] = fmt.Errorf("%s: %w", where[ie.Name], e)
		}
	}
	return errors.Join(placed...)
}

// printErrors prints each error of a joined error on its own line, as
// report does.
func (a *app) printErrors(err error) { printErrors(a.stderr, err) }
