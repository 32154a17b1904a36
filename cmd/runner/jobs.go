package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/schema"
)

func (a *app) jobsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "jobs [TYPE]",
		Short: "List the Console job types, or describe one",
		Long: `jobs lists every Console job type a step may name with job:, in the
spelling sent to the Console, whether the Console documents its parameters
and what it does. With a TYPE (matched without regard to case) it lists the
type's parameters, with the default sent when a step leaves one out, and the
outputs later steps can read as steps.<id>.outputs.<name>.

A job type whose parameters are not documented takes appGuid and any other
parameter, sent as written without a warning.`,
		Example: `  runner jobs
  runner jobs add_version`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return a.write(jobList())
			}
			jt, ok := schema.LookupJob(args[0])
			if !ok {
				msg := fmt.Sprintf("unknown job type %q", args[0])
				if s := schema.SuggestJob(args[0]); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				return fmt.Errorf("%s; runner jobs lists them", msg)
			}
			return a.write(jobDetail(jt))
		},
	}
}

func (a *app) schemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of workflow files",
		Long: `schema prints the JSON Schema (draft 2020-12) of workflow files, for editors
that complete and check YAML, such as VS Code with the YAML extension.`,
		Example: `  runner schema > workflow.schema.json
  # then, first line of a workflow file:
  # yaml-language-server: $schema=workflow.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := schema.JSONSchema()
			if !bytes.HasSuffix(s, []byte("\n")) {
				s = append(s, '\n')
			}
			return a.write(s)
		},
	}
}

func (a *app) write(b []byte) error {
	_, err := a.stdout.Write(b)
	return err
}

// jobList is the table of every job type.
func jobList() []byte {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB TYPE\tPARAMETERS\tSUMMARY")
	for _, jt := range schema.Jobs() {
		known := "documented"
		if !jt.ParamsKnown {
			known = "not documented"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", jt.Name, known, jt.Summary)
	}
	tw.Flush()
	return b.Bytes()
}

func hasStepParam(jt *schema.JobType) bool {
	for _, p := range jt.Params {
		if p.Type == schema.TypeStep {
			return true
		}
	}
	return false
}

// jobDetail describes one job type: its parameters and outputs.
func jobDetail(jt *schema.JobType) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %s\n", jt.Name, jt.Summary)
	if !jt.ParamsKnown {
		b.WriteString("The Console does not document the parameters of this job type; " +
			"others are sent as written.\n")
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PARAMETER\tREQUIRED\tTYPE\tDEFAULT\tSUMMARY")
	defaults := describeDefaults(jt)
	for _, p := range jt.Params {
		req := "no"
		if p.Required {
			req = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, req, p.Type, defaults[p.Name], p.Summary)
	}
	tw.Flush()
	outs := slices.Clone(schema.CommonOutputs)
	for _, o := range jt.Outputs {
		if !slices.Contains(outs, o) {
			outs = append(outs, o) // declare_application's appGuid is common too
		}
	}
	fmt.Fprintf(&b, "\noutputs: %s\n", strings.Join(outs, ", "))
	if hasStepParam(jt) {
		// The same list for every job type: the fact sheet gives no
		// authoritative pipeline per type.
		b.WriteString("\njob steps (values of startStep and endStep, and of simulate --fail):\n")
		line := " "
		for _, st := range schema.JobSteps() {
			if len(line)+len(st) > 78 {
				fmt.Fprintln(&b, line)
				line = " "
			}
			line += " " + st
		}
		fmt.Fprintln(&b, line)
	}
	return b.Bytes()
}
