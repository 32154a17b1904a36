package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/aipflow/runner/console/consolesim"
	"github.com/aipflow/runner/schema"
)

// parseFailures reads the --fail flags of runner simulate: JOBTYPE:STEP,
// once per job type. It returns the step by lower-case job type. A job
// type or step that is not known is an error, so that a typo does not
// leave the simulator injecting nothing.
func parseFailures(flags []string) (map[string]string, error) {
	rules := map[string]string{}
	for _, flag := range flags {
		jobType, step, ok := strings.Cut(flag, ":")
		if !ok || jobType == "" || step == "" {
			return nil, fmt.Errorf("--fail %q: write JOBTYPE:STEP, such as analyze:snapshot", flag)
		}
		jt, ok := schema.LookupJob(jobType)
		if !ok {
			return nil, fmt.Errorf("--fail %s: unknown job type %q%s (runner jobs lists them)",
				flag, jobType, hint(schema.SuggestJob(jobType)))
		}
		steps := schema.JobSteps()
		if !slices.ContainsFunc(steps, func(s string) bool { return strings.EqualFold(s, step) }) {
			return nil, fmt.Errorf("--fail %s: unknown job step %q%s",
				flag, step, hint(schema.Suggest(step, steps)))
		}
		key := strings.ToLower(jt.Name)
		if _, dup := rules[key]; dup {
			return nil, fmt.Errorf("--fail %s: job type %s given twice", flag, jt.Name)
		}
		rules[key] = step
	}
	return rules, nil
}

// hint returns ` (did you mean "s"?)`, or "" when s is "".
func hint(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", s)
}

// withFailures returns sim, serving requests, with the failures of rules
// injected: each job of a type in rules fails at that type's step.
func withFailures(sim *consolesim.Server, rules map[string]string) http.Handler {
	if len(rules) == 0 {
		return sim
	}
	return &failures{sim: sim, rules: rules}
}

// failures injects the failures of several job types into a simulator
// whose FailJob holds one rule at a time, for the jobs submitted from then
// on. Just before the simulator creates a job, failures sets the rule of
// that job's type, or none, and it lets one job creation through at a
// time, so that no other creation changes the rule in between.
type failures struct {
	sim   *consolesim.Server
	rules map[string]string // the failing step, by lower-case job type

	mu sync.Mutex // held while a job is created
}

// maxJobRequest bounds the part of a POST /api/jobs body read to find the
// job type; the simulator reads no more than this either.
const maxJobRequest = 1 << 20

func (f *failures) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/jobs" {
		f.sim.ServeHTTP(w, r)
		return
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, maxJobRequest))
	if err != nil {
		http.Error(w, "read request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	// The simulator reads the whole body again, and judges it.
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}

	var req struct {
		JobType string `json:"jobType"`
	}
	_ = json.Unmarshal(head, &req) // a bad body is the simulator's to refuse

	f.mu.Lock()
	defer f.mu.Unlock()
	if step, ok := f.rules[strings.ToLower(req.JobType)]; ok {
		f.sim.FailJob(req.JobType, step)
	} else {
		f.sim.FailJob("", "")
	}
	f.sim.ServeHTTP(w, r)
}
