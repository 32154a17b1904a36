package schema_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aipflow/runner/schema"
)

// The validator leaves the step's oneOf out and Go code checks its rule
// instead (see loadSchema); a change to the rule in workflow.schema.json
// must come with a change to that code.
func TestStepOneOfIsJobOrQuery(t *testing.T) {
	t.Parallel()
	var doc struct {
		Defs struct {
			Step struct {
				OneOf []map[string][]string `json:"oneOf"`
			} `json:"step"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schema.JSONSchema(), &doc); err != nil {
		t.Fatal(err)
	}
	want := []map[string][]string{{"required": {"job"}}, {"required": {"query"}}}
	if diff := cmp.Diff(want, doc.Defs.Step.OneOf); diff != "" {
		t.Errorf("$defs.step.oneOf (-want +got):\n%s\nupdate checkStepKinds with it", diff)
	}
}

// A step's kind is checked whether or not the schema finds other
// problems, through merge keys, and for steps with an invalid id.
func TestStepKinds(t *testing.T) {
	t.Parallel()
	src := `version: 1
name: kinds
x-job: &job {job: BACKUP}
steps:
  both:
    <<: *job
    query: application
    with: {name: demo}
  neither:
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
    timeout: 6x
  Bad-Id:
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
  merged:
    <<: *job
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
`
	_, err := schema.Parse("kinds.yaml", []byte(src))
	var got []string
	for _, pe := range schema.PosErrors(err) {
		got = append(got, pe.Error())
	}
	want := []string{
		`kinds.yaml:7:5: steps.both: has both job and query; keep one`,
		`kinds.yaml:9:3: steps.neither: needs a job or a query`,
		`kinds.yaml:11:14: steps.neither.timeout: "6x" is not a duration, ` +
			`write for example 30s, 15m or 6h`,
		`kinds.yaml:12:3: steps.Bad-Id: needs a job or a query`,
		`kinds.yaml:12:3: steps: step id "Bad-Id" is not valid: start with a lower-case ` +
			`letter, then use a-z, 0-9 and _`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
