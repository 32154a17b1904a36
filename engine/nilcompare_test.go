package engine_test

import (
	"context"
	"testing"
)

// TestComparingOutputsOfSkippedSteps is C10 for string outputs: an output
// of a step that did not run is nil, and comparing it with == or != gives
// true or false as for any value, instead of failing the step with
// "interface conversion: interface {} is nil, not string".
func TestComparingOutputsOfSkippedSteps(t *testing.T) {
	w := newWorld(t, "app1")
	src := `version: 1
name: nil-compare
inputs: {app: {type: string}}
steps:
  a:
    job: BACKUP
    if: "false"
    with: {appGuid: "${{ inputs.app }}"}
  b:
    job: BACKUP
    if: "false"
    with: {appGuid: "${{ inputs.app }}"}
  both_nil:
    job: BACKUP
    needs: [a, b]
    if: steps.a.outputs.appGuid == steps.b.outputs.appGuid && steps.a.outputs.jobGuid != 'x'
    with: {appGuid: "${{ inputs.app }}"}
  nil_vs_text:
    job: BACKUP
    needs: [a]
    if: steps.a.outputs.appGuid == inputs.app
    with: {appGuid: "${{ inputs.app }}"}
outputs:
  same: "${{ steps.a.outputs.appGuid == steps.b.outputs.appGuid }}"
  differs: "${{ steps.a.outputs.appGuid != steps.both_nil.outputs.appGuid }}"
`
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]})
	wantStates(t, res, map[string]string{
		"a": "skipped", "b": "skipped", "both_nil": "completed",
		"nil_vs_text": "skipped: condition false",
	})
	out := res.Items[0].Outputs
	if out["same"] != true || out["differs"] != true {
		t.Errorf("outputs same=%v differs=%v, want true and true", out["same"], out["differs"])
	}
}

// TestFailedJobHasNoResultOutputs checks that a failed job's outputs
// describe the job but name nothing it made: an analysis that failed at
// its snapshot took none, so snapshotName is nil.
func TestFailedJobHasNoResultOutputs(t *testing.T) {
	w := newWorld(t, "app1")
	version := w.sim.AddVersion(w.apps["app1"], "v1", "delivered")
	w.sim.FailJob("analyze", "snapshot")
	src := `version: 1
name: failed-outputs
inputs: {app: {type: string}, version: {type: string}}
steps:
  analyze:
    job: analyze
    with: {appGuid: "${{ inputs.app }}", versionGuid: "${{ inputs.version }}", snapshotName: snap-1}
outputs:
  snapshot: "${{ steps.analyze.outputs.snapshotName ?? 'none' }}"
  failedAt: "${{ steps.analyze.outputs.failureStep }}"
`
	res, _ := w.run(t, context.Background(), src,
		map[string]string{"app": w.apps["app1"], "version": version})
	wantStates(t, res, map[string]string{"analyze": "failed"})
	if got := res.Outputs["snapshot"]; got != "none" {
		t.Errorf("outputs.snapshot = %v, want none: the failed analysis took no snapshot", got)
	}
	if got := res.Outputs["failedAt"]; got != "snapshot" {
		t.Errorf("outputs.failedAt = %v, want snapshot", got)
	}
}
