package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/engine"
)

// c18 has three independent steps on three applications; a fails.
const c18 = `version: 1
name: c18
inputs: {a: {type: string}, b: {type: string}, c: {type: string}}
steps:
  a:
    job: function_points
    with: {appGuid: "${{ inputs.a }}"}
  b:
    job: BACKUP
    with: {appGuid: "${{ inputs.b }}"}
  c:
    job: BACKUP
    with: {appGuid: "${{ inputs.c }}"}
`

func TestFailFastStartsNothingAfterFailure(t *testing.T) {
	tests := []struct {
		name     string
		failFast bool
		posts    string
		want     map[string]string
	}{
		{
			name: "fail-fast", failFast: true, posts: "function_points",
			want: map[string]string{
				"a": "failed: job failed at step function_points",
				"b": "canceled: not started: run stopped after a failed",
				"c": "canceled: not started: run stopped after a failed",
			},
		},
		{
			name: "default", posts: "function_points,BACKUP,BACKUP",
			want: map[string]string{
				"a": "failed: job failed at step function_points",
				"b": "completed",
				"c": "completed",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, "app1", "app2", "app3")
			w.sim.FailJob("function_points", "function_points")
			in := map[string]string{"a": w.apps["app1"], "b": w.apps["app2"], "c": w.apps["app3"]}
			res, _ := w.run(t, context.Background(), c18, in, func(o *engine.Options) {
				o.MaxParallel, o.FailFast = 1, tt.failFast
			})
			wantStates(t, res, tt.want)
			if got := strings.Join(w.posts(t), ","); got != tt.posts {
				t.Errorf("posted %s, want %s", got, tt.posts)
			}
			if !res.Failed() {
				t.Error("Result.Failed() = false, want true")
			}
		})
	}
}

func TestFailFastLetsRunningJobsEnd(t *testing.T) {
	w := newWorld(t, "app1", "app2", "app3")
	w.sim.FailJob("function_points", "function_points")
	src := `version: 1
name: running
inputs: {a: {type: string}, b: {type: string}, c: {type: string}}
steps:
  long:
    job: add_version
    with: {appGuid: "${{ inputs.b }}", sourcePath: "sources:x", endStep: deliver_version}
  a:
    job: function_points
    with: {appGuid: "${{ inputs.a }}"}
  after:
    job: BACKUP
    needs: [a]
    if: always()
    with: {appGuid: "${{ inputs.c }}"}
`
	in := map[string]string{"a": w.apps["app1"], "b": w.apps["app2"], "c": w.apps["app3"]}
	res, _ := w.run(t, context.Background(), src, in, func(o *engine.Options) {
		o.MaxParallel, o.FailFast = 2, true
	})
	wantStates(t, res, map[string]string{
		"long":  "completed",
		"a":     "failed",
		"after": "canceled: not started: run stopped after a failed",
	})
	if st, _ := w.sim.Job(find(t, res, "long").JobGUID); st.State != console.StateCompleted {
		t.Errorf("long's job %s, want completed: a running job is polled to its end", st.State)
	}
}
