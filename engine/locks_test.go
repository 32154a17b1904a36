package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/aipflow/runner/engine"
)

func TestJobsOnOneApplicationTakeTurns(t *testing.T) {
	w := newWorld(t, "app1", "app2")
	src := `version: 1
name: turns
inputs: {a: {type: string}, b: {type: string}}
steps:
  first:
    job: add_version
    with: {appGuid: "${{ inputs.a }}", sourcePath: "sources:x", endStep: deliver_version}
  second:
    job: BACKUP
    with: {appGuid: "${{ inputs.a }}"}
  other:
    job: add_version
    with: {appGuid: "${{ inputs.b }}", sourcePath: "sources:y", endStep: deliver_version}
  third:
    job: consolidate_snapshot
    with: {appGuid: "${{ inputs.a }}"}
`
	a, b := w.apps["app1"], w.apps["app2"]
	// Two slots: a step waiting for app1 must not keep other from app2.
	res, ev := w.run(t, context.Background(), src, map[string]string{"a": a, "b": b},
		func(o *engine.Options) { o.MaxParallel = 2 })
	wantStates(t, res, map[string]string{
		"first": "completed", "second": "completed", "other": "completed", "third": "completed",
	})
	spans := w.spans(t, res)
	for i, x := range spans {
		for _, y := range spans[i+1:] {
			if x.app == y.app && x.overlaps(y) {
				t.Errorf("jobs %s and %s overlap on application %s", x.guid, y.guid, x.app)
			}
		}
	}
	first, other := find(t, res, "first"), find(t, res, "other")
	if !(first.Started.Before(other.Ended) && other.Started.Before(first.Ended)) {
		t.Error("first and other, on two applications, did not run together")
	}
	want := map[string]string{"second": "application " + a, "third": "application " + a}
	for step, reason := range want {
		if got := ev.waits()[step]; got != reason {
			t.Errorf("step %s waited for %q, want %q", step, got, reason)
		}
	}
	// FIFO: the steps on app1 ran in the order they asked for it.
	second, third := find(t, res, "second"), find(t, res, "third")
	if !(first.Ended.Before(second.Started) && second.Ended.Before(third.Started)) {
		t.Error("steps on app1 did not run in file order")
	}
}

func TestConcurrencyLockSpansApplications(t *testing.T) {
	w := newWorld(t, "app1", "app2")
	src := `version: 1
name: lock
inputs: {a: {type: string}, b: {type: string}, group: {type: string, default: nightly}}
steps:
  one:
    job: add_version
    concurrency: "${{ inputs.group }}"
    with: {appGuid: "${{ inputs.a }}", sourcePath: "sources:x", endStep: deliver_version}
  two:
    job: add_version
    concurrency: nightly
    with: {appGuid: "${{ inputs.b }}", sourcePath: "sources:y", endStep: deliver_version}
`
	res, ev := w.run(t, context.Background(), src,
		map[string]string{"a": w.apps["app1"], "b": w.apps["app2"]})
	spans := w.spans(t, res)
	if len(spans) != 2 || spans[0].overlaps(spans[1]) {
		t.Errorf("jobs under one concurrency lock overlap: %+v", spans)
	}
	if got := ev.waits()["two"]; got != "lock nightly" {
		t.Errorf("two waited for %q, want lock nightly", got)
	}
}

func TestConcurrencyLockUnavailableFailsStep(t *testing.T) {
	w := newWorld(t, "app1")
	src := `version: 1
name: nolock
inputs: {a: {type: string}}
steps:
  find:
    query: application
    with: {name: nowhere}
  one:
    job: BACKUP
    concurrency: "${{ steps.find.outputs.appName }}"
    with: {appGuid: "${{ inputs.a }}"}
`
	deps := mustBuild(t, src).Node("one").Deps
	if len(deps) != 1 || deps[0] != (engine.Edge{From: "find", Inferred: true}) {
		t.Errorf("one depends on %v, want find (inferred from concurrency:)", deps)
	}
	res, _ := w.run(t, context.Background(), src, map[string]string{"a": w.apps["app1"]})
	wantStates(t, res, map[string]string{
		"one": "failed: concurrency: ${{ steps.find.outputs.appName }} is unavailable",
	})
	if p := w.posts(t); len(p) != 0 {
		t.Errorf("posted %v, want nothing", p)
	}
}

func TestWaitingStepCanceledByInterrupt(t *testing.T) {
	w := newSlowWorld(t, 20*time.Millisecond, "app1")
	src := `version: 1
name: wait-cancel
inputs: {a: {type: string}}
steps:
  one:
    job: add_version
    with: {appGuid: "${{ inputs.a }}", sourcePath: "sources:x", endStep: deliver_version}
  two:
    job: BACKUP
    with: {appGuid: "${{ inputs.a }}"}
`
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, _ := w.run(t, ctx, src, map[string]string{"a": w.apps["app1"]},
		func(o *engine.Options) {
			next := o.Observer
			o.Observer = func(e engine.Event) {
				next(e)
				if e.State == engine.Waiting {
					cancel()
				}
			}
		})
	wantStates(t, res, map[string]string{
		"one": "canceled: run interrupted",
		"two": "canceled: not started: run interrupted",
	})
	if got := len(w.posts(t)); got != 1 {
		t.Errorf("%d POSTs, want 1", got)
	}
}
