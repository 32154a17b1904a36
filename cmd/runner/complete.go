package main

import (
	"slices"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

// addCompletions teaches shell completion the values of arguments and
// flags that have a known set: job types for runner jobs, run ids for
// runner resume, the formats of --format and --log-format.
func addCompletions(root *cobra.Command) {
	_ = root.RegisterFlagCompletionFunc("log-format", cobra.FixedCompletions(
		[]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	formats := map[string][]string{
		"plan": {"text", "json"}, "version": {"text", "json"}, "graph": {"mermaid", "dot"},
	}
	for _, cmd := range root.Commands() {
		switch cmd.Name() {
		case "jobs":
			cmd.ValidArgsFunction = completeJobTypes
		case "resume":
			cmd.ValidArgsFunction = completeRunIDs
		}
		if values, ok := formats[cmd.Name()]; ok {
			_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(
				values, cobra.ShellCompDirectiveNoFileComp))
		}
	}
}

// completeJobTypes offers the job types of the catalog.
func completeJobTypes(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, jt := range schema.Jobs() {
		names = append(names, jt.Name)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeRunIDs offers the runs of --state-dir, newest first.
func completeRunIDs(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	dir, err := cmd.Flags().GetString("state-dir")
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ids, err := engine.Store{Dir: dir}.IDs()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	slices.Sort(ids)
	slices.Reverse(ids) // ids begin with their start time
	return ids, cobra.ShellCompDirectiveNoFileComp
}
