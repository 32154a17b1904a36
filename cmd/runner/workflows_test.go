package main

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// workflowFiles lists every workflow shipped under workflows/ and
// examples/; CI configurations under examples/ci/ are not workflows.
func workflowFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"../../workflows", "../../examples"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "ci" {
				return filepath.SkipDir
			}
			if strings.HasSuffix(path, ".yaml") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) == 0 {
		t.Fatal("no workflow files found")
	}
	return files
}

func TestShippedWorkflowsValidate(t *testing.T) {
	for _, f := range workflowFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			res := runCLI(t, nil, "validate", f)
			if res.code != 0 || res.stderr != "" {
				t.Errorf("exit %d, want 0 and no warnings:\n%s", res.code, res.stderr)
			}
		})
	}
}

func TestExampleRunsBackupsTogether(t *testing.T) {
	c := newConsole(t)
	res := c.simulate(t, "run", "../../examples/backup-two-applications.yaml",
		"-i", "first=demo-app", "-i", "second=billing")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, step := range []string{"backup_first", "backup_second"} {
		if !hasRow(res.stdout, step, "completed") {
			t.Errorf("%s did not complete:\n%s", step, res.stdout)
		}
	}
}
