package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/engine"
)

type runsFlags struct {
	stateDir string
	limit    int
}

func (a *app) runsCmd() *cobra.Command {
	var f runsFlags
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List recent runs and their state, for resume",
		Long: `runs lists the runs whose journals are in the state directory, newest
first: id, workflow, start time, state and how many steps completed or were
skipped, over all matrix items.

A run is "running" while its process runs, and "stopped" when its process
ended without finishing it (a CI agent that died): runner resume goes on
with it. A run started on another host shows "running" as its journal
says, since this host cannot tell.`,
		Example: `  runner runs
  runner runs --state-dir /var/lib/runner --limit 50`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runs(&f)
		},
	}
	fs := cmd.Flags()
	a.registerStateDir(fs, &f.stateDir)
	fs.IntVar(&f.limit, "limit", 20, "list at most this many runs; 0 lists all")
	return cmd
}

func (a *app) runs(f *runsFlags) error {
	if f.limit < 0 {
		return fmt.Errorf("--limit %d: must not be negative", f.limit)
	}
	journals, bad, err := engine.Store{Dir: f.stateDir}.List()
	if err != nil {
		return withCode(exitInvalid, fmt.Errorf("list runs: %w", err))
	}
	for _, err := range bad {
		fmt.Fprintf(a.stderr, "runner: warning: %v\n", err)
	}
	if len(journals) == 0 {
		if len(bad) > 0 {
			fmt.Fprintf(a.stderr, "no readable runs in %s\n", f.stateDir)
		} else {
			fmt.Fprintf(a.stderr, "no runs in %s\n", f.stateDir)
		}
		return nil
	}
	if f.limit > 0 && len(journals) > f.limit {
		journals = journals[:f.limit]
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tWORKFLOW\tSTARTED\tSTATE\tSTEPS")
	for _, j := range journals {
		done, total := j.Progress()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\n", j.RunID, j.Workflow,
			j.Started.Local().Format("2006-01-02 15:04:05"), runStatus(j), done, total)
	}
	return tw.Flush()
}

// runStatus is the state of a run as runs shows it: a run whose journal
// says running, but whose process on this host is gone, is stopped.
func runStatus(j *engine.Journal) string {
	if j.State != engine.RunRunning {
		return string(j.State)
	}
	if host, _ := os.Hostname(); j.Host == host && !processAlive(j.PID) {
		return "stopped"
	}
	return string(j.State)
}
