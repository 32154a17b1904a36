package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aipflow/runner/engine"
)

// matrixOver returns a workflow that, for each application name, finds the
// application and delivers a version to it.
func matrixOver(names []string, maxParallel int) string {
	var b strings.Builder
	b.WriteString("version: 1\nname: fleet\nmatrix:\n")
	if maxParallel > 0 {
		fmt.Fprintf(&b, "  max-parallel: %d\n", maxParallel)
	}
	b.WriteString("  items:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "    - {app: %s, source: \"sources:%s\"}\n", n, n)
	}
	b.WriteString(`steps:
  find:
    query: application
    with: {name: "${{ item.app }}"}
  add:
    job: add_version
    with:
      appGuid: "${{ steps.find.outputs.appGuid }}"
      sourcePath: "${{ item.source }}"
      endStep: deliver_version
outputs:
  version: "${{ steps.add.outputs.versionName }}"
  app: "${{ item.app }}"
`)
	return b.String()
}

func TestMatrixBoundsItemsRunningAtOnce(t *testing.T) {
	var names []string
	for i := range 20 {
		names = append(names, fmt.Sprintf("app%02d", i+1))
	}
	w := newWorld(t, names...)
	res, _ := w.run(t, context.Background(), matrixOver(names, 5), nil,
		func(o *engine.Options) { o.MaxParallel = 20 })
	if len(res.Items) != 20 || res.Steps != nil {
		t.Fatalf("%d items (Steps %v), want 20 and no Steps", len(res.Items), res.Steps)
	}
	for i, it := range res.Items {
		wantLabel := fmt.Sprintf("app=%s, source=sources:%s", names[i], names[i])
		if it.Label != wantLabel || it.Failed() {
			t.Errorf("item %d: %q failed=%v, want %q and success",
				i, it.Label, it.Failed(), wantLabel)
		}
		if it.Outputs["app"] != names[i] || it.Outputs["version"] == nil {
			t.Errorf("item %s: outputs %v", names[i], it.Outputs)
		}
	}
	spans := w.spans(t, res)
	if len(spans) != 20 {
		t.Fatalf("%d jobs, want 20", len(spans))
	}
	// Five at once is what the limit allows; under a loaded machine the
	// items may start unevenly, so fewer only shows that they overlapped.
	if got := peak(spans); got > 5 || got < 3 {
		t.Errorf("at most %d jobs ran at once on the Console, want 5 (3 to 5)", got)
	}
}

func TestMatrixItemFailureSparesOthers(t *testing.T) {
	w := newWorld(t, "app1", "app3")
	res, _ := w.run(t, context.Background(), matrixOver([]string{"app1", "app2", "app3"}, 0), nil)
	var got []string
	for _, it := range res.Items {
		add := it.Steps[1]
		got = append(got, fmt.Sprintf("%s: %s", it.Outputs["app"], add.State))
	}
	want := "app1: completed, app2: failed, app3: completed"
	if strings.Join(got, ", ") != want {
		t.Errorf("got %s, want %s", strings.Join(got, ", "), want)
	}
	wantReason := "with.appGuid: ${{ steps.find.outputs.appGuid }} is unavailable"
	if reason := res.Items[1].Steps[1].Reason; reason != wantReason {
		t.Errorf("app2's add: %q, want %q", reason, wantReason)
	}
	if !res.Failed() {
		t.Error("Result.Failed() = false, want true")
	}
}

func TestMatrixFailFastStopsEveryItem(t *testing.T) {
	w := newWorld(t, "app1", "app2", "app3")
	w.sim.FailJob("add_version", "code_scanner")
	res, _ := w.run(t, context.Background(), matrixOver([]string{"app1", "app2", "app3"}, 1), nil,
		func(o *engine.Options) { o.FailFast = true })
	wantItem := []string{"failed", "canceled", "canceled"}
	for i, it := range res.Items {
		if got := string(it.Steps[1].State); got != wantItem[i] {
			t.Errorf("item %s: add %s, want %s", it.Label, got, wantItem[i])
		}
	}
	reason := res.Items[2].Steps[0].Reason
	want := "not started: run stopped after add (item app=app1, source=sources:app1) failed"
	if reason != want {
		t.Errorf("item 3 find: %q, want %q", reason, want)
	}
	if got := len(w.posts(t)); got != 1 {
		t.Errorf("%d POSTs, want 1", got)
	}
}
