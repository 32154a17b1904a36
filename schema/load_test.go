package schema_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

var update = flag.Bool("update", false, "rewrite the golden .err files of testdata/invalid")

func TestLoadValid(t *testing.T) {
	t.Parallel()
	files := glob(t, "testdata/valid/*.yaml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			w, err := schema.Load(f)
			if err != nil {
				t.Fatalf("Load(%s):\n%v", f, err)
			}
			if w.File != f || w.Version != 1 || w.Name == "" || len(w.Steps) == 0 {
				t.Errorf("Load(%s) = file %q, version %d, name %q, %d steps",
					f, w.File, w.Version, w.Name, len(w.Steps))
			}
			checkPositions(t, w.Warnings)
		})
	}
}

// TestLoadInvalid checks every load-time problem, across layers: the
// golden .err file of each testdata/invalid input holds what runner
// validate prints, the problems of ParsePartial and those of engine.Build
// on its partial workflow, one per line and sorted by position.
func TestLoadInvalid(t *testing.T) {
	t.Parallel()
	files := glob(t, "testdata/invalid/*.yaml")
	if len(files) < 40 {
		t.Errorf("%d invalid inputs, want at least 40", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			w, err := schema.LoadPartial(f)
			var buildErr error
			if w != nil {
				_, buildErr = engine.Build(w)
			}
			all := schema.SortErrors([]error{err, buildErr})
			if all == nil {
				t.Fatalf("LoadPartial(%s) and Build found no problem", f)
			}
			checkPositions(t, unwrapAll(all))
			golden(t, strings.TrimSuffix(f, ".yaml")+".err", all.Error()+"\n")

			// Load keeps its contract: the same error, and no workflow with it.
			lw, lerr := schema.Load(f)
			switch {
			case (lerr == nil) != (err == nil):
				t.Errorf("Load error = %v, LoadPartial error = %v", lerr, err)
			case lerr != nil && lerr.Error() != err.Error():
				t.Errorf("Load error:\n%v\nLoadPartial error:\n%v", lerr, err)
			case lerr != nil && lw != nil:
				t.Errorf("Load(%s) returned a workflow with its error", f)
			}
		})
	}
}

// golden compares got with the content of file, or rewrites file with
// -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./schema -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", file, diff)
	}
}

// checkPositions checks that every error is a *PosError with a file, a
// line and a column.
func checkPositions(t *testing.T, errs []error) {
	t.Helper()
	for _, e := range errs {
		var pe *schema.PosError
		if !errors.As(e, &pe) {
			t.Errorf("error without a position: %v", e)
			continue
		}
		if pe.File == "" || pe.Line < 1 || pe.Col < 1 {
			t.Errorf("bad position %q:%d:%d in %v", pe.File, pe.Line, pe.Col, e)
		}
	}
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs for %s: %v", pattern, err)
	}
	return files
}

// An alias bomb stops at the expansion limit, fast. Like the other timing
// test, TestMergeChainIsBounded, it does not call t.Parallel: it runs
// alone, before the parallel tests, so that they do not slow it down.
func TestAliasBombIsRejectedQuickly(t *testing.T) {
	data, err := os.ReadFile("testdata/invalid/alias-bomb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = schema.Parse("bomb.yaml", data)
	if d := time.Since(start); d > time.Second {
		t.Errorf("Parse took %v, want under 1s", d)
	}
	if err == nil || !strings.Contains(err.Error(), "bomb.yaml:") ||
		!strings.Contains(err.Error(), "alias expansion limit exceeded") {
		t.Errorf("Parse error = %v, want the file and the alias expansion limit", err)
	}
}

// A chain of anchors that each merge the previous one grows quadratically;
// it must hit the same limit as an alias bomb, and as fast.
func TestMergeChainIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nname: chain\nx-0: &a0 {k0: v}\n")
	for i := 1; i < 3000; i++ {
		fmt.Fprintf(&b, "x-%d: &a%d {<<: *a%d, k%d: v}\n", i, i, i-1, i)
	}
	start := time.Now()
	_, err := schema.Parse("chain.yaml", []byte(b.String()))
	if d := time.Since(start); d > time.Second {
		t.Errorf("Parse took %v, want under 1s", d)
	}
	if err == nil || !strings.Contains(err.Error(), "alias expansion limit exceeded") {
		t.Errorf("Parse error = %v, want the alias expansion limit", err)
	}
}

func TestMergeKeyOverride(t *testing.T) {
	t.Parallel()
	w := mustLoad(t, "testdata/valid/merge-keys.yaml")
	tests := []struct {
		step string
		want map[string]string
	}{
		{"deliver", map[string]string{
			"appGuid":    "00000000-0000-0000-0000-000000000001",
			"sourcePath": "sources:webi/source_code",
			"nodeGuid":   "00000000-0000-0000-0000-00000000000a", "domain": "dom-a",
		}},
		{"add", map[string]string{
			"appGuid":    "00000000-0000-0000-0000-000000000001",
			"sourcePath": "sources:webi/source_code",
			"nodeGuid":   "00000000-0000-0000-0000-00000000000a", "domain": "dom-b", "versionName": "v1",
		}},
		{"both", map[string]string{
			"appGuid":    "00000000-0000-0000-0000-000000000111",
			"backupName": "explicit", "extra": "x",
		}},
	}
	for _, tt := range tests {
		st := w.Step(tt.step)
		if diff := cmp.Diff(tt.want, withMap(st)); diff != "" {
			t.Errorf("step %s with: (-want +got):\n%s", tt.step, diff)
		}
	}

	// Merged keys sit where the merge key is, explicit ones keep their place.
	var order []string
	for _, p := range w.Step("add").With {
		order = append(order, p.Name)
	}
	want := []string{"appGuid", "sourcePath", "nodeGuid", "domain", "versionName"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("add with: order (-want +got):\n%s", diff)
	}
	if d := w.Step("add").Param("domain"); d.Value.Pos.Line != 23 {
		t.Errorf("overriding domain at line %d, want 23 (where it is written)", d.Value.Pos.Line)
	}

	// A merge key also works on step keys: timeout from the anchor, poll
	// overridden.
	add := w.Step("add")
	if add.Timeout != 2*time.Hour || add.Poll != time.Minute {
		t.Errorf("add timeout, poll = %v, %v; want 2h, 1m", add.Timeout, add.Poll)
	}
}

func TestWithKeepsSourceText(t *testing.T) {
	t.Parallel()
	w := mustLoad(t, "testdata/valid/with-text.yaml")
	want := map[string]string{
		"appGuid":              "00000000-0000-0000-0000-000000000001",
		"sourcePath":           "sources:webi/source_code",
		"versionName":          "1.20",
		"snapshotName":         "010",
		"objectives":           "1e3",
		"moduleGenerationType": "no",
		"releaseDate":          "2024-01-02",
		"deliveryConfigGuid":   "0000000A-0000-0000-0000-00000000000B",
		"snapshotCaptureDate":  "2024-01-02T10:00:00.000Z",
		"sourceArchive":        "0x1F",
		"backupName":           "two\nlines\n",
	}
	if diff := cmp.Diff(want, withMap(w.Step("add"))); diff != "" {
		t.Errorf("with: (-want +got):\n%s", diff)
	}
}

// C01: the text of an input default stays as written.
func TestInputDefaultKeepsText(t *testing.T) {
	t.Parallel()
	w := mustLoad(t, "testdata/valid/all-fields.yaml")
	got := map[string]string{}
	for _, in := range w.Inputs {
		if in.Default != nil {
			got[in.Name+":"+in.Type] = in.Default.Text
		}
	}
	want := map[string]string{
		"region:string":    "no",
		"backup:boolean":   "false",
		"maxLines:integer": "9223372036854775807",
		"ratio:number":     "0.5",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("input defaults (-want +got):\n%s", diff)
	}
	if app := w.Inputs[0]; app.Name != "app" || app.Type != "string" || !app.Required ||
		app.Default != nil || !cmp.Equal(app.Enum, []string{"webi", "crm"}) {
		t.Errorf("input app = %+v", app)
	}
}

func TestAllFields(t *testing.T) {
	t.Parallel()
	w := mustLoad(t, "testdata/valid/all-fields.yaml")
	if w.Defaults.Timeout != 36*time.Hour || w.Defaults.Poll != 15*time.Second {
		t.Errorf("defaults = %+v", w.Defaults)
	}
	b := w.Step("backup")
	if b.Job != "BACKUP" || b.If.Text != "inputs.backup" || !b.ContinueOnError ||
		b.Timeout != 90*time.Minute || b.Poll != time.Minute || b.Concurrency == nil {
		t.Errorf("step backup = %+v", b)
	}
	wantRetry := &schema.Retry{Attempts: 3, Delay: 30 * time.Second, Backoff: 2,
		On: []string{"failed", "stopped"}, Pos: schema.Pos{Line: 32, Col: 5}}
	if diff := cmp.Diff(wantRetry, b.Retry); diff != "" {
		t.Errorf("backup retry (-want +got):\n%s", diff)
	}
	a := w.Step("analyze")
	wantRetry = &schema.Retry{Attempts: 2, Backoff: 1, On: []string{"failed"},
		Pos: schema.Pos{Line: 40, Col: 5}}
	if diff := cmp.Diff(wantRetry, a.Retry); diff != "" {
		t.Errorf("analyze retry (-want +got):\n%s", diff)
	}
	if a.Job != "analyze" || a.If.Text != "true" || len(a.Needs) != 1 ||
		a.Needs[0].Text != "backup" {
		t.Errorf("step analyze = %+v", a)
	}
	if w.Step("find").Query != schema.QueryApplication || w.Step("node").Query != schema.QueryNode {
		t.Errorf("query steps = %+v, %+v", w.Step("find"), w.Step("node"))
	}
	m := w.Matrix
	if m == nil || m.MaxParallel != 2 || len(m.Items) != 2 || m.Items[0].Fields[0].Value.Text != "webi" ||
		len(m.Items[1].Fields) != 2 || m.Items[1].Fields[1].Value.Text != "sources:crm" {
		t.Errorf("matrix = %+v", m)
	}
	if len(w.Outputs) != 1 || w.Outputs[0].Name != "backup" || len(b.Outputs) != 1 {
		t.Errorf("outputs = %+v, backup outputs = %+v", w.Outputs, b.Outputs)
	}
	var ids []string
	for _, s := range w.Steps {
		ids = append(ids, s.ID)
	}
	if diff := cmp.Diff([]string{"find", "node", "backup", "analyze"}, ids); diff != "" {
		t.Errorf("step order (-want +got):\n%s", diff)
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	w := mustLoad(t, "testdata/valid/warnings.yaml")
	var got []string
	for _, e := range w.Warnings {
		got = append(got, e.Error())
	}
	yaml11 := func(s string) string {
		return s + " is kept as text, though YAML 1.1 reads it as a boolean; " +
			"write true or false for a boolean, or quote the text"
	}
	want := []string{
		`13:7: steps.add.with.enableSecurityDataflow: ` +
			`unknown parameter of job add_version, sent as written`,
		`13:31: steps.add.with.enableSecurityDataflow: ` + yaml11(`"no"`),
		`14:7: steps.add.with.extractionProfile: ` +
			`unknown parameter of job add_version, sent as written`,
		`15:16: steps.add.with.endStep: unknown job step "publish_to_dashboard"`,
		`18:71: steps.find.with.label: unknown parameter of query version, not used`,
		`27:22: steps.purge.with.keepSnapshots: ` + yaml11(`"off"`),
	}
	for i := range want {
		want[i] = "testdata/valid/warnings.yaml:" + want[i]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if v := w.Step("purge").Param("keepSnapshots").Value.Text; v != "off" {
		t.Errorf("keepSnapshots = %q, want the text off", v)
	}
}

func TestPosErrors(t *testing.T) {
	t.Parallel()
	_, err := schema.Parse("x.yaml", []byte("version: 1\nname: x\nsteps:\n  a: {job: nope}\n"))
	pes := schema.PosErrors(err)
	if len(pes) != 1 || pes[0].Line != 4 || pes[0].Col != 12 {
		t.Fatalf("PosErrors(%v) = %v", err, pes)
	}
	if got := pes[0].Error(); got != `x.yaml:4:12: steps.a.job: unknown job type "nope"` {
		t.Errorf("error = %s", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := schema.Load("testdata/no-such-file.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load = %v, want a not-exist error", err)
	}
	if want := "testdata/no-such-file.yaml: no such file"; fmt.Sprint(err) != want {
		t.Errorf("Load = %q, want %q", err, want)
	}
}

func mustLoad(t *testing.T, file string) *schema.Workflow {
	t.Helper()
	w, err := schema.Load(file)
	if err != nil {
		t.Fatalf("Load(%s): %v", file, err)
	}
	return w
}

func withMap(st *schema.Step) map[string]string {
	m := map[string]string{}
	for _, p := range st.With {
		if _, dup := m[p.Name]; dup {
			m[p.Name] = fmt.Sprintf("duplicate %q", p.Name)
			continue
		}
		m[p.Name] = p.Value.Text
	}
	return m
}
