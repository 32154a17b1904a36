package schema_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aipflow/runner/schema"
)

// FuzzParse checks that Parse never panics or hangs: any input may be
// rejected, and an accepted one yields a usable workflow. go test runs the
// seeds from testdata; go test -fuzz=FuzzParse explores further.
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
