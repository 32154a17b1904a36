//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolejobs"
	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

// childFlags are the flags of bench -child, the process that runs a
// scenario's workflow as `runner run` would, against the simulator that
// the parent serves at url.
type childFlags struct {
	workflow    string
	url         string
	speed       float64
	maxParallel int
	journal     string
}

// runChild loads, plans and runs the workflow, and prints a childReport
// as JSON on stdout.
func runChild(f childFlags) error {
	src, err := os.ReadFile(f.workflow)
	if err != nil {
		return err
	}
	wf, err := schema.Parse(f.workflow, src)
	if err != nil {
		return err
	}
	p, err := engine.Build(wf)
	if err != nil {
		return err
	}
	c, err := console.New(console.Options{BaseURL: f.url, APIKey: "bench"})
	if err != nil {
		return err
	}
	res, err := engine.Run(context.Background(), p, engine.Options{
		Jobs:        &consolejobs.Service{Client: c},
		RunID:       "bench",
		MaxParallel: f.maxParallel,
		Speed:       f.speed,
		JournalPath: f.journal,
	})
	if err != nil {
		return err
	}
	if res.JournalErr != nil {
		return fmt.Errorf("journal: %w", res.JournalErr)
	}
	rep := childReport{Started: res.Started, Ended: res.Ended, Failed: res.Failed(),
		Jobs: make(map[string]string)}
	for _, it := range res.Items {
		for _, st := range it.Steps {
			if st.JobGUID != "" {
				rep.Jobs[st.JobGUID] = st.ID
			}
		}
	}
	return json.NewEncoder(os.Stdout).Encode(rep)
}
