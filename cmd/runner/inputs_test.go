package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeFile writes content to a file of that name in a new temporary
// directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestReadInputs(t *testing.T) {
	tests := []struct {
		name, file, content string
		flags               []string
		want                map[string]string
	}{
		{
			name: "yaml values as written",
			file: "in.yaml", content: "# inputs\napp: Webi\nrelease: 010\nratio: 1.20\nbackup: no\nempty:\n",
			want: map[string]string{"app": "Webi", "release": "010", "ratio": "1.20", "backup": "no",
				"empty": ""},
		},
		{
			name: "json",
			file: "in.json", content: `{"app": "Webi", "backup": false, "count": 3}`,
			want: map[string]string{"app": "Webi", "backup": "false", "count": "3"},
		},
		{
			name: "flags override the file",
			file: "in.yaml", content: "app: Webi\nbackup: true\n",
			flags: []string{"backup=false", "node=n1"},
			want:  map[string]string{"app": "Webi", "backup": "false", "node": "n1"},
		},
		{
			name: "alias",
			file: "in.yaml", content: "first: &a demo-app\nsecond: *a\n",
			want: map[string]string{"first": "demo-app", "second": "demo-app"},
		},
		{name: "empty file", file: "in.yaml", content: "", want: map[string]string{}},
		{name: "comments only", file: "in.yaml", content: "# none\n", want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := readInputs(writeFile(t, tt.file, tt.content), tt.flags)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("inputs (-want +got):\n%s", d)
			}
		})
	}
}

func TestReadInputsErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"list value", "app: Webi\napps: [a, b]\n",
			`in.yaml:2:7: input "apps": want a single value, not a list`},
		{"mapping value", "app:\n  name: Webi\n",
			`in.yaml:2:3: input "app": want a single value, not a mapping`},
		{"not a mapping", "- app\n", "in.yaml:1:1: want a mapping of input names to values"},
		{"given twice", "app: a\napp: b\n", `in.yaml:2:1: input "app" given twice`},
		{"syntax", "app: [a\n", "--inputs "},
		{"null", "app: a\nnode: ~\n", `in.yaml:2:7: input "node": ~ is no value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, "in.yaml", tt.content)
			_, _, err := readInputs(file, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), file) {
				t.Errorf("error %v does not name the file", err)
			}
		})
	}
	if _, _, err := readInputs(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil ||
		!strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: error %v, want one naming it", err)
	}
}

func TestPlanInputsFile(t *testing.T) {
	file := writeFile(t, "inputs.yaml", "app: Webi\nbackup: false\nsource: sources:webi/010\n")
	steps := planJSON(t, mainWorkflow, "--inputs", file, "-i", "backup=true")
	if got := steps["backup"].Condition.Outcome; got != "run" {
		t.Errorf("backup outcome %q, want run: -i backup=true overrides the file", got)
	}
	if got := steps["deliver"].Request.JobParameters["sourcePath"]; got != "sources:webi/010" {
		t.Errorf("sourcePath %q, want the file's value as written", got)
	}

	bad := writeFile(t, "bad.yaml", "app: [Webi]\n")
	res := runPlan(t, nil, "plan", mainWorkflow, "--inputs", bad)
	if res.code != exitInvalid || !strings.Contains(res.stderr, bad+":1:6:") {
		t.Errorf("exit %d, want %d and %s:1:6 on stderr:\n%s", res.code, exitInvalid, bad, res.stderr)
	}
}

func TestRunReadsInputsFile(t *testing.T) {
	c := newConsole(t)
	file := filepath.Join(t.TempDir(), "inputs.yaml")
	if err := os.WriteFile(file, []byte("app: demo-app\nbackup: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := c.simulate(t, "run", mainWorkflow, "--inputs", file, "-i", "backup=true")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	if _, ok := c.jobPosts(t)["BACKUP"]; !ok {
		t.Error("no BACKUP posted: -i backup=true did not override the file")
	}
}

// TestInputsFileErrorsPointIntoTheFile checks that a complaint about an
// input an inputs file sets names the file, line and column of the entry,
// and that an input -i overrides is blamed on the flag instead.
func TestInputsFileErrorsPointIntoTheFile(t *testing.T) {
	file := writeFile(t, "inputs.yaml", "app: demo-app\nbackupp: true\nbackup: maybe\n")
	r := runCLI(t, nil, "plan", mainWorkflow, "--inputs", file)
	if r.code != exitInvalid {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitInvalid, r.stderr)
	}
	for _, want := range []string{
		"--inputs " + file + `:2:1: input "backupp": not declared`,
		"--inputs " + file + `:3:1: input "backup": "maybe" is not a boolean`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}

	r = runCLI(t, nil, "plan", mainWorkflow, "--inputs", file, "-i", "backup=perhaps")
	if want := `input "backup": "perhaps" is not a boolean`; !strings.Contains(r.stderr, want) ||
		strings.Contains(r.stderr, ":3:1: input \"backup\"") {
		t.Errorf("an input -i sets is blamed on the file:\n%s", r.stderr)
	}
}
