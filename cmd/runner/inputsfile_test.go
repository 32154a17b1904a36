package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadInputsRefusesFiles checks that --inputs reads only a regular
// file of at most maxInputsFile bytes, and names the file it refuses.
func TestReadInputsRefusesFiles(t *testing.T) {
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
		name, file, want string
	}{
		{
			name: "directory", file: dir,
			want: "--inputs " + dir + ": a directory, not a regular file",
		},
		{
			name: "over the limit",
			file: sized("big.yaml", maxInputsFile+1),
			want: "big.yaml: inputs file is larger than 1 MiB",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readInputs(tt.file, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
