package engine_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

const dryWorkflow = `version: 1
name: dry
inputs:
  app:    {type: string, required: true}
  backup: {type: boolean, default: true}
  tag:    {type: string}
steps:
  find:
    query: application
    with: {name: "${{ inputs.app }}"}
  create:
    job: declare_application
    if: "!steps.find.outputs.found"
    with: {appName: "${{ inputs.app }}"}
  backup:
    job: BACKUP
    if: inputs.backup
    with:
      appGuid: "${{ steps.find.outputs.appGuid ?? steps.create.outputs.appGuid }}"
      backupName: "${{ inputs.app }}-${{ run.id }}"
  deliver:
    job: add_version
    needs: [backup]
    with:
      appGuid: "${{ steps.find.outputs.appGuid }}"
      sourcePath: "sources:${{ inputs.app }}/${{ steps.find.outputs.appName }}"
      versionName: "${{ inputs.tag }}"
      snapshotName: "${{ env.SNAP }}"
  cleanup:
    job: delete_version
    if: always()
    with:
      appGuid: "${{ steps.find.outputs.appGuid }}"
      versionGuid: "${{ inputs.tag }}"
`

var dryNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func dryRun(t *testing.T, inputs map[string]any) map[string]*engine.DryStep {
	t.Helper()
	p := mustBuild(t, dryWorkflow)
	out := map[string]*engine.DryStep{}
	for _, s := range p.DryRun(inputs, dryNow).Steps {
		out[s.ID] = s
	}
	return out
}

func TestDryRunParams(t *testing.T) {
	steps := dryRun(t, map[string]any{"app": "Webi", "backup": true, "tag": nil})
	tests := []struct {
		step, param, want string
	}{
		{"find", "name", "Webi"},
		{"create", "appName", "Webi"},
		{"create", "inPlaceMode", "false"},
		{"backup", "appGuid", "<steps.find.outputs.appGuid ?? steps.create.outputs.appGuid>"},
		{"backup", "backupName", "Webi-<run.id>"},
		{"deliver", "appGuid", "<steps.find.outputs.appGuid>"},
		{"deliver", "sourcePath", "sources:Webi/<steps.find.outputs.appName>"},
		{"deliver", "sourceArchive", "sources:Webi/<steps.find.outputs.appName>"},
		{"deliver", "versionName", "v260102.030405"}, // inputs.tag is nil: the default applies
		{"deliver", "releaseDate", "2026-01-02T03:04:05.000Z"},
		{"deliver", "snapshotCaptureDate", "2026-01-02T03:04:05.000Z"},
		{"deliver", "snapshotName", "<env.SNAP>"},
		{"deliver", "endStep", "consolidate_snapshot"},
	}
	for _, tt := range tests {
		if got := steps[tt.step].Params[tt.param]; got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.step, tt.param, got, tt.want)
		}
	}
	if got := steps["find"].Kind; got != "query application" {
		t.Errorf("find kind %q, want query application", got)
	}
	if got := len(steps["find"].Params); got != 1 {
		t.Errorf("find has %d lookup parameters, want 1 (no catalog defaults)", got)
	}
}

func TestDryRunConditions(t *testing.T) {
	tests := []struct {
		name   string
		backup bool
		want   map[string]engine.DryCondition
	}{
		{
			name:   "backup",
			backup: true,
			want: map[string]engine.DryCondition{
				"find": {Source: "success()", Default: true, Outcome: engine.WouldRun},
				"create": {Source: "!steps.find.outputs.found", WithSuccess: true,
					Outcome: engine.DecidedAtRunTime},
				"backup":  {Source: "inputs.backup", WithSuccess: true, Outcome: engine.WouldRun},
				"deliver": {Source: "success()", Default: true, Outcome: engine.WouldRun},
				"cleanup": {Source: "always()", Outcome: engine.DecidedAtRunTime},
			},
		},
		{
			name:   "no backup",
			backup: false,
			want: map[string]engine.DryCondition{
				"find": {Source: "success()", Default: true, Outcome: engine.WouldRun},
				"create": {Source: "!steps.find.outputs.found", WithSuccess: true,
					Outcome: engine.DecidedAtRunTime},
				"backup":  {Source: "inputs.backup", WithSuccess: true, Outcome: engine.WouldSkip},
				"deliver": {Source: "success()", Default: true, Outcome: engine.WouldRun},
				"cleanup": {Source: "always()", Outcome: engine.DecidedAtRunTime},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := dryRun(t, map[string]any{"app": "Webi", "backup": tt.backup, "tag": "v1"})
			got := map[string]engine.DryCondition{}
			for id, s := range steps {
				got[id] = s.If
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("conditions (-want +got):\n%s", d)
			}
		})
	}
}

func TestDryRunProblems(t *testing.T) {
	steps := dryRun(t, map[string]any{"app": "Webi", "backup": true, "tag": nil})
	want := []string{"with.versionGuid: ${{ inputs.tag }} is unavailable with these inputs"}
	if d := cmp.Diff(want, steps["cleanup"].Problems); d != "" {
		t.Errorf("cleanup problems (-want +got):\n%s", d)
	}
	for _, id := range []string{"find", "create", "backup", "deliver"} {
		if p := steps[id].Problems; len(p) > 0 {
			t.Errorf("%s: unexpected problems %q", id, p)
		}
	}
}

func TestDryRunEnv(t *testing.T) {
	p := mustBuild(t, dryWorkflow)
	inputs := map[string]any{"app": "Webi", "backup": true, "tag": nil}
	dr := p.DryRunEnv(inputs, map[string]string{"SNAP": "nightly"}, dryNow)
	for _, s := range dr.Steps {
		if s.ID == "deliver" && s.Params["snapshotName"] != "nightly" {
			t.Errorf("snapshotName = %q, want the value of env.SNAP", s.Params["snapshotName"])
		}
	}
}

func TestDryRunOrder(t *testing.T) {
	p := mustBuild(t, pipeline)
	dr := p.DryRun(map[string]any{"app": "demo-app"}, dryNow)
	var ids []string
	waves := map[string]int{}
	for _, s := range dr.Steps {
		ids = append(ids, s.ID)
		waves[s.ID] = s.Wave
	}
	if d := cmp.Diff([]string{"find", "node", "backup", "deliver", "analyze"}, ids); d != "" {
		t.Errorf("steps not in file order (-want +got):\n%s", d)
	}
	want := map[string]int{"find": 1, "node": 1, "backup": 2, "deliver": 3, "analyze": 4}
	if d := cmp.Diff(want, waves); d != "" {
		t.Errorf("waves (-want +got):\n%s", d)
	}
	if d := cmp.Diff(p.Waves(), dr.Waves); d != "" {
		t.Errorf("DryRun.Waves differs from Plan.Waves (-plan +dry run):\n%s", d)
	}
}

func TestDryRunConditionError(t *testing.T) {
	p := mustBuild(t, `version: 1
name: overflow
inputs:
  n: {type: integer, required: true}
steps:
  big:
    job: BACKUP
    if: inputs.n * inputs.n > 0
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
`)
	s := p.DryRun(map[string]any{"n": math.MaxInt}, dryNow).Steps[0]
	if s.If.Outcome != engine.WouldFail {
		t.Errorf("outcome %q, want %q", s.If.Outcome, engine.WouldFail)
	}
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0], "wf.yaml:8:9: if: integer overflow") {
		t.Errorf("problems %q, want the overflow at the condition's position", s.Problems)
	}
}

func ExamplePlan_DryRun() {
	wf, err := schema.Parse("backup.yaml", []byte(`version: 1
name: backup
inputs:
  app: {type: string, required: true}
steps:
  find:
    query: application
    with: {name: "${{ inputs.app }}"}
  backup:
    job: BACKUP
    with: {appGuid: "${{ steps.find.outputs.appGuid }}"}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := engine.Build(wf)
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, s := range p.DryRun(map[string]any{"app": "Webi"}, now).Steps {
		fmt.Printf("wave %d %s (%s): %v\n", s.Wave, s.ID, s.Kind, s.Params)
	}
	// Output:
	// wave 1 find (query application): map[name:Webi]
	// wave 2 backup (BACKUP): map[appGuid:<steps.find.outputs.appGuid> backupName:backup_260102.030405]
}

func TestDryRunMatrixItems(t *testing.T) {
	p := mustBuild(t, `version: 1
name: portfolio
matrix:
  items: [{app: webi}, {app: crm}]
steps:
  find:
    query: application
    with: {name: "${{ item.app }}"}
`)
	dr := p.DryRun(nil, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if dr.Steps != nil || len(dr.Items) != 2 {
		t.Fatalf("steps %v, items %d: want the steps per item", dr.Steps, len(dr.Items))
	}
	for i, want := range []string{"webi", "crm"} {
		it := dr.Items[i]
		if it.Label != "app="+want || it.Steps[0].Params["name"] != want {
			t.Errorf("item %d: label %q, name %q; want app=%s and %s",
				i, it.Label, it.Steps[0].Params["name"], want, want)
		}
	}
}

// TestDryRunSkippedStepOutputs checks that a dry run tells when a required
// parameter reads only outputs of a step the inputs skip, since the run
// would fail that step, and not when a fallback gives it a value.
func TestDryRunSkippedStepOutputs(t *testing.T) {
	p := mustBuild(t, `version: 1
name: skipped-outputs
inputs: {backup: {type: boolean, default: false}}
steps:
  find:
    query: application
    with: {name: demo-app}
  backup:
    job: BACKUP
    if: inputs.backup
    with: {appGuid: "${{ steps.find.outputs.appGuid }}"}
  after:
    job: BACKUP
    needs: [backup]
    with: {appGuid: "${{ steps.backup.outputs.appGuid }}"}
  fallback:
    job: BACKUP
    needs: [backup]
    with: {appGuid: "${{ steps.backup.outputs.appGuid ?? steps.find.outputs.appGuid }}"}
`)
	for _, backup := range []bool{false, true} {
		problems := map[string][]string{}
		for _, s := range p.DryRun(map[string]any{"backup": backup}, dryNow).Steps {
			problems[s.ID] = s.Problems
		}
		var want []string
		if !backup {
			want = []string{"with.appGuid: ${{ steps.backup.outputs.appGuid }} is unavailable " +
				"with these inputs: step backup would be skipped"}
		}
		if d := cmp.Diff(want, problems["after"]); d != "" {
			t.Errorf("backup=%v: after's problems (-want +got):\n%s", backup, d)
		}
		if len(problems["fallback"]) > 0 {
			t.Errorf("backup=%v: fallback has problems %q", backup, problems["fallback"])
		}
	}
}
