package main

import (
	"fmt"
	"slices"
	"strings"

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
