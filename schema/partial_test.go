package schema_test

import (
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

// ParsePartial returns no workflow for a document it cannot read at all.
func TestParsePartialUnusable(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"syntax", "two-documents", "alias-bomb", "alias-cycle",
		"not-a-mapping"} {
		f := "testdata/invalid/" + name + ".yaml"
		w, err := schema.LoadPartial(f)
		if w != nil || err == nil {
			t.Errorf("LoadPartial(%s) = %v, %v; want no workflow and an error", f, w, err)
		}
	}
	if _, err := schema.LoadPartial("testdata/no-such-file.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadPartial of a missing file = %v, want a not-exist error", err)
	}
}

// The partial workflow leaves out what the checks rejected and keeps
// every declaration.
func TestParsePartialContent(t *testing.T) {
	t.Parallel()
	src := `version: 1
name: partial
inputs:
  app: {type: string, default: demo, requird: true}
  retries: {type: integer, default: 3x}
  level: {type: grade, default: high}
  flat: true
steps:
  find:
    query: application
    with: {name: "${{ inputs.app }}", extra: [x]}
  backup:
    job: BACKUP
    needs: [find, 7, {a: b}]
    if: [always]
    timeout: 6x
    with: {appGuid: "${{ steps.find.outputs.appGuid }}"}
    outputs: {name: "${{ job.x }}", bad: [1]}
  add:
    job: add_verson
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
  plain: BACKUP
  Report:
    job: consolidate_snapshot
    if: "true"
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
outputs:
  ok: "${{ steps.backup.outputs.name }}"
  notText: {a: b}
`
	w, err := schema.ParsePartial("partial.yaml", []byte(src))
	if err == nil || w == nil {
		t.Fatalf("ParsePartial = %v, %v; want a partial workflow and an error", w, err)
	}
	type input struct {
		Name, Type, Default string
	}
	var inputs []input
	for _, in := range w.Inputs {
		def := "<none>"
		if in.Default != nil {
			def = in.Default.Text
		}
		inputs = append(inputs, input{in.Name, in.Type, def})
	}
	wantInputs := []input{
		{"app", "string", "demo"},
		{"retries", "integer", "<none>"},
		{"level", "string", "<none>"},
		{"flat", "string", "<none>"},
	}
	if diff := cmp.Diff(wantInputs, inputs); diff != "" {
		t.Errorf("inputs (-want +got):\n%s", diff)
	}

	type step struct {
		ID, Job, Query, If string
		Needs, With, Outs  []string
	}
	var steps []step
	for _, s := range w.Steps {
		st := step{ID: s.ID, Job: s.Job, Query: s.Query}
		if s.If != nil {
			st.If = s.If.Text
		}
		for _, n := range s.Needs {
			st.Needs = append(st.Needs, n.Text)
		}
		for _, p := range s.With {
			st.With = append(st.With, p.Name)
		}
		for _, o := range s.Outputs {
			st.Outs = append(st.Outs, o.Name)
		}
		steps = append(steps, st)
	}
	wantSteps := []step{
		{ID: "find", Query: "application", With: []string{"name"}},
		{ID: "backup", Job: "BACKUP", Needs: []string{"find"}, With: []string{"appGuid"},
			Outs: []string{"name"}},
		{ID: "add", With: []string{"appGuid"}},
		{ID: "plain"},
		{ID: "Report", Job: "consolidate_snapshot", If: "true", With: []string{"appGuid"}},
	}
	if diff := cmp.Diff(wantSteps, steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if b := w.Step("backup"); b.Timeout != 0 {
		t.Errorf("backup timeout = %v, want 0 for a rejected duration", b.Timeout)
	}
	if len(w.Outputs) != 1 || w.Outputs[0].Name != "ok" {
		t.Errorf("outputs = %+v, want ok only", w.Outputs)
	}

	// The error is the one Parse returns, and Parse returns no workflow.
	pw, perr := schema.Parse("partial.yaml", []byte(src))
	if pw != nil || perr == nil || perr.Error() != err.Error() {
		t.Errorf("Parse = %v, %v; want nil and the error of ParsePartial:\n%v", pw, perr, err)
	}
}

func TestSortErrors(t *testing.T) {
	t.Parallel()
	plain := errors.New("no position")
	at := func(file string, line, col int, msg string) error {
		return schema.Errorf(file, schema.Pos{Line: line, Col: col}, "%s", msg)
	}
	schemaErrs := errors.Join(at("a.yaml", 3, 5, "schema"), at("a.yaml", 9, 1, "schema"))
	buildErrs := errors.Join(at("a.yaml", 3, 5, "build"), plain, at("a.yaml", 2, 7, "build"))
	got := schema.SortErrors([]error{nil, schemaErrs, at("0.yaml", 20, 1, "other"),
		buildErrs, nil})
	var lines []string
	for _, e := range got.(interface{ Unwrap() []error }).Unwrap() {
		lines = append(lines, e.Error())
	}
	want := []string{
		"0.yaml:20:1: other",
		"a.yaml:2:7: build",
		"a.yaml:3:5: schema", // same place: the order given
		"a.yaml:3:5: build",
		"a.yaml:9:1: schema",
		"no position",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("SortErrors (-want +got):\n%s", diff)
	}
	if err := schema.SortErrors([]error{nil, nil}); err != nil {
		t.Errorf("SortErrors of nothing = %v, want nil", err)
	}
}

// engine.Build takes any partial workflow without panicking, however odd
// its steps: empty or invalid ids, no job or query, no with:, bodies that
// are not mappings, references to all of these.
func TestParsePartialBuilds(t *testing.T) {
	t.Parallel()
	src := `version: 1
name: odd
inputs:
  "": {type: integer}
  n: [1]
steps:
  "": {job: BACKUP}
  ~: {query: node}
  1: {needs: ["", "1", "~"]}
  a b: x
  plain:
  empty: {}
  both: {job: BACKUP, query: node, if: "steps[''].state == 'x'"}
  refs:
    with: {a: "${{ steps.plain.outputs.x }}", b: "${{ inputs[''] + inputs.n }}"}
    needs: [empty, both, refs]
outputs:
  o: "${{ steps.empty.outputs.appGuid }}"
`
	wf, err := schema.ParsePartial("odd.yaml", []byte(src))
	if wf == nil || err == nil {
		t.Fatalf("ParsePartial = %v, %v; want a partial workflow and an error", wf, err)
	}
	_, buildErr := engine.Build(wf)
	all := schema.SortErrors([]error{err, buildErr})
	checkPositions(t, unwrapAll(all))
	if buildErr == nil {
		t.Errorf("Build found no problem in:\n%s", src)
	}
}
