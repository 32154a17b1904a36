package schema_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aipflow/runner/schema"
)

func TestSourceResolvedAgainstWorkflowFile(t *testing.T) {
	t.Parallel()
	w := mustLoad(t, "testdata/valid/source.yaml")
	want := filepath.Join("testdata", "archives", "app.zip")
	for _, id := range []string{"deliver", "again"} {
		st := w.Step(id)
		if st.Source == nil {
			t.Fatalf("step %s has no source", id)
		}
		if st.Source.File != want {
			t.Errorf("step %s: source file %q, want %q", id, st.Source.File, want)
		}
		if st.Param("sourcePath") != nil {
			t.Errorf("step %s: sourcePath set at load time", id)
		}
	}
	if got := w.Step("deliver").Source; got.Path != "../archives/app.zip" || got.Pos.Line != 11 {
		t.Errorf("deliver source = %+v, want the path as written, at line 11", got)
	}
}

func TestSourceAbsolutePath(t *testing.T) {
	t.Parallel()
	archive, err := filepath.Abs("testdata/archives/app.zip")
	if err != nil {
		t.Fatal(err)
	}
	src := "version: 1\nname: abs\nsteps:\n  add:\n    job: add_version\n" +
		"    source: " + archive + "\n    with: {appGuid: 00000000-0000-0000-0000-000000000001}\n"
	w, err := schema.Parse(filepath.Join(t.TempDir(), "wf.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Step("add").Source.File; got != archive {
		t.Errorf("source file %q, want %q", got, archive)
	}
}

func TestSourceUnreadable(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root reads a file without read permission")
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "locked.zip")
	if err := os.WriteFile(archive, []byte("PK"), 0o000); err != nil {
		t.Fatal(err)
	}
	src := "version: 1\nname: locked\nsteps:\n  add:\n    job: add_version\n" +
		"    source: locked.zip\n    with: {appGuid: 00000000-0000-0000-0000-000000000001}\n"
	file := filepath.Join(dir, "wf.yaml")
	_, err := schema.Parse(file, []byte(src))
	want := file + ":6:13: steps.add.source: cannot read " + archive + ": permission denied"
	if err == nil || err.Error() != want {
		t.Errorf("Parse error = %v, want %s", err, want)
	}
}

func TestArchiveExt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ext string
		ok        bool
	}{
		{"app.zip", "zip", true},
		{"APP.ZIP", "zip", true},
		{"src.tar.gz", "tar.gz", true},
		{"src.TGZ", "tgz", true},
		{"dump.gz", "gz", true},
		{"app.rar", "", false},
		{".zip", "", false},
		{"zip", "", false},
		{"app.zip/", "", false},
	}
	for _, tt := range tests {
		ext, ok := schema.ArchiveExt(tt.name)
		if ext != tt.ext || ok != tt.ok {
			t.Errorf("ArchiveExt(%q) = %q, %v; want %q, %v", tt.name, ext, ok, tt.ext, tt.ok)
		}
	}
}
