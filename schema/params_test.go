package schema_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aipflow/runner/schema"
)

// TestNearMisses checks the rule for names a complete parameter set does
// not know: a near miss of a known parameter or job step is an error, any
// other name a warning.
func TestNearMisses(t *testing.T) {
	t.Parallel()
	const head = "version: 1\nname: x\nsteps:\n  s:\n"
	const guid = "00000000-0000-0000-0000-000000000001"
	job := func(param string) string {
		return head + "    job: add_version\n    with:\n" +
			"      appGuid: " + guid + "\n      sourcePath: sources:x\n      " + param + "\n"
	}
	tests := []struct {
		name, yaml   string
		err, warning string // the problems expected, without file:line:col
	}{
		{
			name: "parameter in another case",
			yaml: job("endstep: deliver_version"),
			err: `steps.s.with.endstep: unknown parameter of add_version ` +
				`(did you mean "endStep"?)`,
		},
		{
			name: "misspelt parameter",
			yaml: job("versionNme: v1"),
			err: `steps.s.with.versionNme: unknown parameter of add_version ` +
				`(did you mean "versionName"?)`,
		},
		{
			name: "parameter nothing is close to",
			yaml: job("extractionProfile: strict"),
			warning: `steps.s.with.extractionProfile: ` +
				`unknown parameter of job add_version, sent as written`,
		},
		{
			name: "misspelt job step",
			yaml: job("endStep: delivr_version"),
			err: `steps.s.with.endStep: unknown job step "delivr_version" ` +
				`(did you mean "deliver_version"?)`,
		},
		{
			name:    "job step nothing is close to",
			yaml:    job("endStep: publish_to_dashboard"),
			warning: `steps.s.with.endStep: unknown job step "publish_to_dashboard"`,
		},
		{
			name: "known job step in another case",
			yaml: job("endStep: Deliver_Version"),
		},
		{
			name: "misspelt query parameter",
			yaml: head + "    query: node\n    with: {Name: node-1}\n",
			err:  `steps.s.with.Name: unknown parameter of query node (did you mean "name"?)`,
		},
		{
			name: "job type without a known parameter set",
			yaml: head + "    job: rescan_application\n    with: {appGuid: " + guid + ", endstep: x}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := schema.Parse("wf.yaml", []byte(tt.yaml))
			if got := problem(err); got != tt.err {
				t.Errorf("error = %q, want %q", got, tt.err)
			}
			if w == nil {
				return
			}
			if got := problem(w.Warnings...); got != tt.warning {
				t.Errorf("warning = %q, want %q", got, tt.warning)
			}
		})
	}
}

// problem returns the messages of errs without their file:line:col, one
// per line; "" when there are none.
func problem(errs ...error) string {
	var lines []string
	for _, e := range errs {
		for _, pe := range schema.PosErrors(e) {
			lines = append(lines, fmt.Sprint(pe.Err))
		}
	}
	return strings.Join(lines, "\n")
}
