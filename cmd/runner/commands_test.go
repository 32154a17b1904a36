package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestGraphGolden(t *testing.T) {
	for _, format := range []string{"mermaid", "dot"} {
		t.Run(format, func(t *testing.T) {
			res := runCLI(t, nil, "graph", mainWorkflow, "--format", format)
			if res.code != 0 || res.stderr != "" {
				t.Fatalf("exit %d, want 0 and nothing on stderr:\n%s", res.code, res.stderr)
			}
			golden(t, filepath.Join("testdata", "graph", "backup-analyze-consolidate."+format), res.stdout)
		})
	}
	res := runCLI(t, nil, "graph", mainWorkflow)
	if !strings.HasPrefix(res.stdout, "%%") || !strings.Contains(res.stdout, "flowchart TD") {
		t.Errorf("graph without --format is not Mermaid:\n%s", res.stdout)
	}
}

func TestGraphEscapesMermaidKeywords(t *testing.T) {
	file := writeFile(t, "wf.yaml", `version: 1
name: keywords
steps:
  end:
    job: BACKUP
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
  style:
    job: BACKUP
    needs: [end]
    with: {appGuid: "${{ steps.end.outputs.appGuid }}"}
`)
	res := runCLI(t, nil, "graph", file)
	for _, want := range []string{`End["end<br/>BACKUP"]`, "End --> Style"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("graph does not contain %q:\n%s", want, res.stdout)
		}
	}
}

func TestJobs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"list", []string{"jobs"}, []string{"JOB TYPE", "add_version", "BACKUP", "not documented"}},
		{"one", []string{"jobs", "add_version"}, []string{
			"versionName", "now as vyyMMdd.HHmmss",
			"releaseDate", "now as yyyy-MM-ddTHH:mm:ss.SSSZ",
			"sourceArchive", "same as sourcePath",
			"outputs: jobGuid,", "versionGuid, versionName",
		}},
		{"any case", []string{"jobs", "ADD_VERSION"}, []string{"add_version: add a version"}},
		{"conditional default", []string{"jobs", "add_version"}, []string{
			"true when processImaging is true",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, tt.args...)
			if res.code != 0 {
				t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(res.stdout, want) {
					t.Errorf("output does not contain %q:\n%s", want, res.stdout)
				}
			}
		})
	}
}

func TestJobsUnknownTypeExits2(t *testing.T) {
	res := runCLI(t, nil, "jobs", "add_versoin")
	if res.code != exitInvalid {
		t.Errorf("exit %d, want %d", res.code, exitInvalid)
	}
	if want := `did you mean "add_version"?`; !strings.Contains(res.stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, res.stderr)
	}
}

func TestSchema(t *testing.T) {
	res := runCLI(t, nil, "schema")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if s, _ := doc["$schema"].(string); s == "" {
		t.Errorf("schema has no $schema")
	}
}
