package schema_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

// FuzzParse checks that Parse never panics or hangs: any input may be
// rejected, and an accepted one yields a usable workflow. It also checks
// that ParsePartial agrees with Parse and that its partial workflow, the
// one runner validate builds, never makes engine.Build panic. go test runs
// the seeds from testdata; go test -fuzz=FuzzParse explores further.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("<<: {<<: {<<: []}}\n"))
	f.Add([]byte("version: 1\nname: x\nsteps: {a: {job: analyze, timeout: 9999999d}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		w, err := schema.Parse("fuzz.yaml", data)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Parse took %v", d)
		}
		checkPartial(t, data, w, err)
		if err != nil {
			if w != nil {
				t.Errorf("Parse returned a workflow with error %v", err)
			}
			for _, pe := range schema.PosErrors(err) {
				if pe.Line < 1 || pe.Col < 1 {
					t.Errorf("bad position in %v", pe)
				}
			}
			if len(schema.PosErrors(err)) == 0 {
				t.Errorf("error without a position: %v", err)
			}
			return
		}
		if w.Version != 1 || w.Name == "" || len(w.Steps) == 0 {
			t.Errorf("accepted workflow lacks version, name or steps: %+v", w)
		}
		for _, s := range w.Steps {
			if (s.Job == "") == (s.Query == "") {
				t.Errorf("step %s has job %q and query %q", s.ID, s.Job, s.Query)
			}
		}
	})
}

// checkPartial checks ParsePartial against the result of Parse, and builds
// the partial workflow.
func checkPartial(t *testing.T, data []byte, w *schema.Workflow, err error) {
	t.Helper()
	pw, perr := schema.ParsePartial("fuzz.yaml", data)
	if fmt.Sprint(perr) != fmt.Sprint(err) {
		t.Errorf("ParsePartial error:\n%v\nParse error:\n%v", perr, err)
	}
	if err == nil && pw == nil {
		t.Errorf("ParsePartial returned no workflow for a valid file")
	}
	if pw == nil {
		return
	}
	if w != nil && len(pw.Steps) != len(w.Steps) {
		t.Errorf("ParsePartial found %d steps, Parse %d", len(pw.Steps), len(w.Steps))
	}
	for _, s := range pw.Steps {
		if s.Job != "" && s.Query != "" {
			t.Errorf("partial step %s has job %q and query %q", s.ID, s.Job, s.Query)
		}
	}
	_, berr := engine.Build(pw) // must not panic
	if all := schema.SortErrors([]error{perr, berr}); all != nil {
		for _, e := range unwrapAll(all) {
			if len(schema.PosErrors(e)) == 0 {
				t.Errorf("error without a position: %v", e)
			}
		}
	}
}
