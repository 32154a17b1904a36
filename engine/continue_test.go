package engine_test

import (
	"context"
	"testing"

	"github.com/aipflow/runner/engine"
)

func TestContinueOnErrorLetsDependentsRun(t *testing.T) {
	w := newWorld(t, "app1")
	w.sim.FailJob("add_version", "code_scanner")
	src := `version: 1
name: coe
inputs: {app: {type: string}}
steps:
  add:
    job: add_version
    continue-on-error: true
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x"}
  after:
    job: BACKUP
    needs: [add]
    with: {appGuid: "${{ inputs.app }}", backupName: "after-${{ steps.add.state }}"}
  handler:
    job: BACKUP
    needs: [add]
    if: failure()
    with: {appGuid: "${{ inputs.app }}"}
`
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]})
	wantStates(t, res, map[string]string{
		"add":     "failed: job failed at step code_scanner",
		"after":   "completed",
		"handler": "skipped: condition false",
	})
	add := find(t, res, "add")
	if !add.Ignored {
		t.Error("add: Ignored = false, want true")
	}
	if got := find(t, res, "after").Request["backupName"]; got != "after-failed" {
		t.Errorf("after saw steps.add.state %q, want failed", got)
	}
	if res.Failed() {
		t.Error("Result.Failed() = true, want false: the only failure is ignored")
	}
}

func TestContinueOnErrorDoesNotHideOtherFailures(t *testing.T) {
	w := newWorld(t, "app1", "app2")
	w.sim.FailJob("BACKUP", "backup")
	src := `version: 1
name: coe2
inputs: {a: {type: string}, b: {type: string}}
steps:
  ignored:
    job: BACKUP
    continue-on-error: true
    with: {appGuid: "${{ inputs.a }}"}
  counted:
    job: BACKUP
    with: {appGuid: "${{ inputs.b }}"}
`
	res, _ := w.run(t, context.Background(), src,
		map[string]string{"a": w.apps["app1"], "b": w.apps["app2"]})
	if !res.Failed() {
		t.Error("Result.Failed() = false, want true: counted failed")
	}
	if find(t, res, "counted").Ignored {
		t.Error("counted: Ignored = true, want false")
	}
	if got := find(t, res, "ignored"); got.State != engine.Failed || !got.Ignored {
		t.Errorf("ignored: %s, Ignored %v; want failed, ignored", got.State, got.Ignored)
	}
}
