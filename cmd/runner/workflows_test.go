package main

import (
	"io/fs"
	"os/exec"
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

// readyRuns runs the workflows of workflows/ against the simulator, with
// the inputs users give them. want holds the state every step must end
// in, in every matrix item; items is how many summary tables the run
// prints (1 without matrix:). Every file under workflows/ needs a case.
var readyRuns = []struct {
	name, file string
	inputs     []string
	items      int
	want       map[string]string
}{
	{
		name: "backup-analyze-consolidate", file: "backup-analyze-consolidate.yaml",
		inputs: []string{"app=demo-app"}, items: 1,
		want: map[string]string{"find": "completed", "node": "completed", "create": "skipped",
			"backup": "completed", "deliver": "completed", "analyze": "completed", "consolidate": "completed"},
	},
	{
		name: "onboard-new", file: "onboard-application.yaml",
		inputs: []string{"app=payroll", "domain=Finance"}, items: 1,
		want: map[string]string{"find": "completed", "node": "completed", "declare": "completed",
			"deliver": "completed", "analyze": "completed"},
	},
	{
		name: "onboard-existing", file: "onboard-application.yaml",
		inputs: []string{"app=webi", "version=release-42"}, items: 1,
		want: map[string]string{"find": "completed", "node": "completed", "declare": "skipped",
			"deliver": "completed", "analyze": "completed"},
	},
	{
		name: "rescan", file: "rescan.yaml",
		inputs: []string{"app=webi"}, items: 1,
		want: map[string]string{"find": "completed", "rescan": "completed", "clone": "skipped",
			"status": "completed"},
	},
	{
		name: "rescan-new-sources", file: "rescan.yaml",
		inputs: []string{"app=billing", "source=sources:billing/trunk", "version=2024.3"}, items: 1,
		want: map[string]string{"find": "completed", "rescan": "skipped", "clone": "completed",
			"status": "completed"},
	},
	{
		name: "nightly-portfolio", file: "nightly-portfolio.yaml",
		inputs: []string{"backup=true"}, items: 3,
		want: map[string]string{"find": "completed", "backup": "completed", "rescan": "completed"},
	},
	{
		name: "deliver-only", file: "deliver-only.yaml",
		inputs: []string{"app=demo-app"}, items: 1,
		want: map[string]string{"find": "completed", "deliver": "completed", "status": "completed"},
	},
	{
		// Safe by default: nothing is deleted without confirm=true.
		name: "cleanup-default", file: "cleanup-snapshots.yaml",
		inputs: []string{"app=webi", "version=release-41",
			"snapshot=5e1f2a3b-0c4d-4e5f-8a9b-1c2d3e4f5a6b"}, items: 1,
		want: map[string]string{"find": "completed", "version": "completed", "delete": "skipped"},
	},
	{
		name: "cleanup-unknown-version", file: "cleanup-snapshots.yaml",
		inputs: []string{"app=webi", "version=release-1", "snapshot=5e1f2a3b-0c4d-4e5f-8a9b-1c2d3e4f5a6b",
			"confirm=true"}, items: 1,
		want: map[string]string{"find": "completed", "version": "completed", "delete": "skipped"},
	},
	{
		name: "cleanup-confirmed", file: "cleanup-snapshots.yaml",
		inputs: []string{"app=webi", "version=release-41", "snapshot=5e1f2a3b-0c4d-4e5f-8a9b-1c2d3e4f5a6b",
			"confirm=true"}, items: 1,
		want: map[string]string{"find": "completed", "version": "completed", "delete": "completed"},
	},
}

// stepStates are the states a summary row may show.
var stepStates = map[string]bool{
	"pending": true, "waiting": true, "running": true, "completed": true, "failed": true,
	"canceled": true, "skipped": true, "upstream_failed": true,
}

// summaryRows returns the step and state of every row of the summary
// tables in out, in order.
func summaryRows(out string) [][2]string {
	var rows [][2]string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && stepStates[f[1]] {
			rows = append(rows, [2]string{f[0], f[1]})
		}
	}
	return rows
}

func TestReadyWorkflowsRun(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range readyRuns {
		covered[tc.file] = true
	}
	files, err := filepath.Glob("../../workflows/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no case in readyRuns", f)
		}
	}

	for _, tc := range readyRuns {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newConsole(t)
			args := []string{"run", filepath.Join("../../workflows", tc.file)}
			for _, in := range tc.inputs {
				args = append(args, "-i", in)
			}
			res := c.simulate(t, args...)
			if res.code != 0 {
				t.Fatalf("exit %d, want 0\n%s\n%s", res.code, res.stdout, res.stderr)
			}
			rows := summaryRows(res.stdout)
			if len(rows) != tc.items*len(tc.want) {
				t.Errorf("got %d summary rows, want %d items of %d steps:\n%s",
					len(rows), tc.items, len(tc.want), res.stdout)
			}
			for _, r := range rows {
				if want, ok := tc.want[r[0]]; !ok || r[1] != want {
					t.Errorf("step %s ended %s, want %q:\n%s", r[0], r[1], want, res.stdout)
				}
			}
		})
	}
}

func TestReportSummaryScript(t *testing.T) {
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq is not installed")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	c := newConsole(t)
	report := filepath.Join(t.TempDir(), "run.json")
	res := c.simulate(t, "run", "../../workflows/cleanup-snapshots.yaml",
		"-i", "app=webi", "-i", "version=release-41", "--report", report)
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}

	out, err := exec.Command("bash", "../../examples/ci/report-summary.sh", report).CombinedOutput()
	if err != nil {
		t.Fatalf("report-summary.sh: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{"find completed", "version completed", "delete skipped"}
	if len(lines) != len(want)+1 {
		t.Fatalf("got %d lines, want %d steps and the run:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w+" ") {
			t.Errorf("line %d = %q, want it to begin with %q", i+1, lines[i], w)
		}
	}
	if !strings.Contains(lines[len(want)], " completed: ") || !strings.Contains(lines[len(want)], "steps 3") {
		t.Errorf("last line = %q, want the run completed with 3 steps", lines[len(want)])
	}
	if !strings.Contains(lines[2], "(condition false)") {
		t.Errorf("line 3 = %q, want the reason of the skip", lines[2])
	}
}
