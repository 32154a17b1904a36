package schema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aipflow/runner/schema"
)

// TestLoadRefusesFiles checks that Load and LoadPartial read only regular
// files of at most MaxFileSize bytes, and name the file when they refuse
// one.
func TestLoadRefusesFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sized := func(name string, size int64) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil { // sparse: no disk space used
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name, path, want string
	}{
		{name: "directory", path: dir, want: ": a directory, not a regular file"},
		{
			name: "over the limit",
			path: sized("big.yaml", schema.MaxFileSize+1),
			want: "big.yaml: workflow file is larger than 4 MiB",
		},
		{
			// Read, and rejected by the parser for its NUL bytes.
			name: "at the limit",
			path: sized("limit.yaml", schema.MaxFileSize),
			want: "limit.yaml:1:1: yaml:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for name, load := range loaders {
				_, err := load(tt.path)
				if err == nil || !strings.Contains(err.Error(), tt.want) ||
					!strings.Contains(err.Error(), tt.path) {
					t.Errorf("%s(%s) = %v, want an error naming the file with %q",
						name, tt.path, err, tt.want)
				}
			}
		})
	}
}

// loaders are the functions that read a workflow file.
var loaders = map[string]func(string) (*schema.Workflow, error){
	"Load":        schema.Load,
	"LoadPartial": schema.LoadPartial,
}
