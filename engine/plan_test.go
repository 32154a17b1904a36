package engine_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

// build parses a workflow and builds its plan.
func build(t *testing.T, src string) (*engine.Plan, error) {
	t.Helper()
	wf, err := schema.Parse("wf.yaml", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return engine.Build(wf)
}

func mustBuild(t *testing.T, src string) *engine.Plan {
	t.Helper()
	p, err := build(t, src)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return p
}

const pipeline = `version: 1
name: pipeline
inputs:
  app: {type: string, default: demo-app}
steps:
  find:
    query: application
    with: {name: "${{ inputs.app }}"}
  node:
    query: node
  backup:
    job: BACKUP
    with: {appGuid: "${{ steps.find.outputs.appGuid }}"}
  deliver:
    job: add_version
    needs: [backup]
    with:
      appGuid: "${{ steps.find.outputs.appGuid }}"
      sourcePath: "sources:x"
  analyze:
    job: analyze
    with:
      appGuid: "${{ steps.deliver.outputs.appGuid }}"
      versionGuid: "${{ steps.deliver.outputs.versionGuid }}"
`

func TestBuildEdgesAndWaves(t *testing.T) {
	p := mustBuild(t, pipeline)
	edges := map[string][]engine.Edge{}
	for _, n := range p.Nodes {
		edges[n.ID()] = n.Deps
	}
	want := map[string][]engine.Edge{
		"find":    nil,
		"node":    nil,
		"backup":  {{From: "find", Inferred: true}},
		"deliver": {{From: "backup"}, {From: "find", Inferred: true}},
		"analyze": {{From: "deliver", Inferred: true}},
	}
	if d := cmp.Diff(want, edges); d != "" {
		t.Errorf("edges (-want +got):\n%s", d)
	}
	wantWaves := [][]string{{"find", "node"}, {"backup"}, {"deliver"}, {"analyze"}}
	if d := cmp.Diff(wantWaves, p.Waves()); d != "" {
		t.Errorf("waves (-want +got):\n%s", d)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		steps string
		want  []string
	}{
		{
			name: "cycle through an output reference",
			steps: `
  add:
    job: add_version
    needs: [snap]
    with: {appGuid: 00000000-0000-0000-0000-000000000001, sourcePath: "sources:x"}
  snap:
    job: analyze
    with: {appGuid: 00000000-0000-0000-0000-000000000001, versionGuid: "${{ steps.add.outputs.versionGuid }}"}
`,
			want: []string{"wf.yaml:5:3: dependency cycle: add → snap → add (lines 5, 9)"},
		},
		{
			name: "self and unknown needs",
			steps: `
  snap:
    job: analyze
    with: {appGuid: 00000000-0000-0000-0000-000000000001, versionGuid: 00000000-0000-0000-0000-000000000002}
  report:
    job: consolidate_snapshot
    needs: [report, sanp]
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
`,
			want: []string{
				`wf.yaml:10:13: step "report" needs itself`,
				`wf.yaml:10:21: step "report" needs unknown step "sanp" (did you mean "snap"?)`,
			},
		},
		{
			name: "misspelt step and output in expressions",
			steps: `
  backup:
    job: BACKUP
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
  add:
    job: add_version
    if: "steps.backup.outputs.appGUID != ''"
    with: {appGuid: "${{ steps.bakup.outputs.appGuid }}", sourcePath: "sources:x"}
`,
			want: []string{
				`wf.yaml:10:9: steps.add.if: step "backup" has no output "appGUID" (did you mean "appGuid"?)`,
				`wf.yaml:11:21: steps.add.with.appGuid: unknown step "bakup" (did you mean "backup"?)`,
			},
		},
		{
			name: "unknown input",
			steps: `
  find:
    query: application
    with: {name: "${{ inputs.ap }}"}
`,
			want: []string{`wf.yaml:7:18: steps.find.with.name: unknown input "ap" (did you mean "app"?)`},
		},
		{
			name: "expression syntax",
			steps: `
  find:
    query: application
    if: "inputs.app =="
    with: {name: x}
`,
			want: []string{"wf.yaml:7:9: steps.find.if: unexpected token EOF"},
		},
		{
			name: "condition that is not boolean",
			steps: `
  find:
    query: application
    if: inputs.app
    with: {name: x}
`,
			want: []string{"wf.yaml:7:9: steps.find.if: expected bool, but got string"},
		},
		{
			name: "string compared with a number",
			steps: `
  find:
    query: application
    if: inputs.app == 0
    with: {name: x}
`,
			want: []string{"wf.yaml:7:9: steps.find.if: invalid operation: == (mismatched types string and int)"},
		},
		{
			name: "unknown field of a step",
			steps: `
  find:
    query: application
    with: {name: x}
  use:
    query: application
    with: {name: "${{ steps.find.output.appGuid }}"}
`,
			want: []string{`wf.yaml:10:18: steps.use.with.name: ` +
				`step "find" has no field "output" (known: outputs, state)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "version: 1\nname: t\ninputs: {app: {type: string}}\nsteps:" + tt.steps
			_, err := build(t, src)
			if err == nil {
				t.Fatal("Build succeeded, want errors")
			}
			got := strings.Split(err.Error(), "\n")
			for i, w := range tt.want {
				if i >= len(got) || !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d:\n got %q\nwant %q", i, at(got, i), w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%s", len(got), len(tt.want), err)
			}
		})
	}
}

func at(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}
