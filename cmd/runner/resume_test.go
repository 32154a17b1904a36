package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aipflow/runner/engine"
)

// runID returns the id of the run whose start an output announces.
func runID(t *testing.T, stderr string) string {
	t.Helper()
	m := regexp.MustCompile(`run (\S+): workflow`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no run id in:\n%s", stderr)
	}
	return m[1]
}

// copyWorkflow copies the main workflow into a temporary file that a test
// may change between a run and its resume.
func copyWorkflow(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(mainWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "main.yaml", string(data))
}

// editFile replaces old with new in a file.
func editFile(t *testing.T, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%q is not in %s", old, file)
	}
	data = []byte(strings.Replace(string(data), old, new, 1))
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResumeOfCompletedRunSaysSo(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", dir)
	if res.code != 0 {
		t.Fatalf("run: exit %d\n%s", res.code, res.stderr)
	}
	id := runID(t, res.stderr)
	sent := len(c.sim.Requests())
	res = c.simulate(t, "resume", id, "--state-dir", dir)
	if res.code != 0 {
		t.Fatalf("resume: exit %d, want 0\n%s", res.code, res.stderr)
	}
	want := "all 7 steps completed, were skipped or failed with continue-on-error: nothing to resume"
	if !strings.Contains(res.stderr, want) {
		t.Errorf("resume does not say the run completed:\n%s", res.stderr)
	}
	if !hasRow(res.stdout, "consolidate", "completed") || !hasRow(res.stdout, "create", "skipped") {
		t.Errorf("resume does not print the run's summary:\n%s", res.stdout)
	}
	if n := len(c.sim.Requests()); n != sent {
		t.Errorf("resume sent %d requests, want none", n-sent)
	}
}

func TestResumeUnknownRunExits2(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	res := runCLI(t, c.env(testKey), "resume", "20260101-000000-abcdef", "--state-dir", dir)
	if res.code != exitInvalid || !strings.Contains(res.stderr, "there are no runs in "+dir) {
		t.Errorf("exit %d, want 2 and no runs:\n%s", res.code, res.stderr)
	}
	run := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", dir)
	id := runID(t, run.stderr)
	for _, bad := range []string{"20260101-000000-abcdef", "../../etc/passwd"} {
		res = runCLI(t, c.env(testKey), "resume", bad, "--state-dir", dir)
		if res.code != exitInvalid {
			t.Errorf("resume %s: exit %d, want 2\n%s", bad, res.code, res.stderr)
		}
		for _, want := range []string{"no such run", "known runs: " + id, "runner runs"} {
			if !strings.Contains(res.stderr, want) {
				t.Errorf("resume %s: stderr does not say %q:\n%s", bad, want, res.stderr)
			}
		}
	}
	if n := len(c.sim.Requests()); n == 0 {
		t.Fatal("the run sent nothing")
	}
}

func TestResumeBadJournalExits2(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	run := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", dir)
	path := engine.Store{Dir: dir}.Path(runID(t, run.stderr))
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, content, want string
	}{
		{"truncated", string(good[:len(good)/3]), "corrupt or truncated"},
		{"empty", "", "corrupt or truncated"},
		{"newer", strings.Replace(string(good), `"version":1,`, `"version":9,`, 1),
			"format version 9, written by a newer runner"},
	}
	if !strings.HasPrefix(tests[2].content, `{"version":9,`) {
		t.Fatalf("the journal does not begin with its version:\n%.80s", good)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			id := strings.TrimSuffix(filepath.Base(path), ".json")
			res := c.simulate(t, "resume", id, "--state-dir", dir)
			if res.code != exitInvalid {
				t.Errorf("exit %d, want 2\n%s", res.code, res.stderr)
			}
			if !strings.Contains(res.stderr, "journal "+path+": ") ||
				!strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr does not name %s and say %q:\n%s", path, tt.want, res.stderr)
			}
			if strings.Contains(res.stderr, "panic") {
				t.Errorf("panic:\n%s", res.stderr)
			}
		})
	}
}

func TestResumeAfterFailure(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	wf := copyWorkflow(t)
	c.sim.FailJob("analyze", "snapshot")
	run := c.simulate(t, "run", wf, "-i", "app=demo-app", "--state-dir", dir)
	if run.code != exitFailed || !hasRow(run.stdout, "consolidate", "upstream_failed") {
		t.Fatalf("run: exit %d, want 1 and consolidate upstream_failed\n%s\n%s",
			run.code, run.stdout, run.stderr)
	}
	id := runID(t, run.stderr)
	hint := "resume it with: runner resume " + id + " --state-dir " + dir
	if !strings.Contains(run.stderr, hint) {
		t.Errorf("the run does not say %q:\n%s", hint, run.stderr)
	}
	c.sim.FailJob("", "")
	before := len(c.jobPostList(t))

	// A completed step changed: refused, unless --force.
	editFile(t, wf, "endStep: deliver_version", "endStep: deliver_version\n      versionName: v2")
	res := c.simulate(t, "resume", id, "--state-dir", dir)
	if res.code != exitInvalid || !strings.Contains(res.stderr, "completed steps changed since "+
		"the run began: deliver") || !strings.Contains(res.stderr, "--force") {
		t.Errorf("resume after a change of deliver: exit %d, want 2 naming it\n%s",
			res.code, res.stderr)
	}
	if n := len(c.jobPostList(t)); n != before {
		t.Errorf("a refused resume submitted %d jobs", n-before)
	}
	res = c.simulate(t, "resume", id, "--state-dir", dir, "--force")
	if res.code != 0 {
		t.Fatalf("resume --force: exit %d, want 0\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"changed since run " + id + " began", "keeping the results of " +
		"changed steps (--force): deliver"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("resume --force does not warn %q:\n%s", want, res.stderr)
		}
	}
	if got := strings.Join(c.jobPostList(t)[before:], ","); got != "analyze,consolidate_snapshot" {
		t.Errorf("resume submitted %s, want analyze,consolidate_snapshot", got)
	}
	for _, step := range []string{"find", "node", "backup", "deliver", "analyze", "consolidate"} {
		if !hasRow(res.stdout, step, "completed") {
			t.Errorf("no completed row for %s:\n%s", step, res.stdout)
		}
	}
	if !strings.Contains(res.stdout, "kept from the earlier run") {
		t.Errorf("the summary does not tell kept steps:\n%s", res.stdout)
	}
}

// jobPostList returns the job types of the jobs the simulator accepted,
// in order.
func (c *testConsole) jobPostList(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range c.sim.Requests() {
		if r.Method != "POST" || r.Path != "/api/jobs" || r.Status >= 300 {
			continue
		}
		var body struct{ JobType string }
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, body.JobType)
	}
	return out
}

func TestResumeRefusesRunStillRunning(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	c.sim.FailJob("analyze", "snapshot")
	run := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", dir)
	c.sim.FailJob("", "")
	id := runID(t, run.stderr)

	// The journal of a run whose process, on this host, is alive: the
	// test's parent process stands for it.
	path := engine.Store{Dir: dir}.Path(id)
	setJournal(t, path, func(j map[string]any) {
		j["state"], j["pid"] = "running", os.Getppid()
	})
	res := c.simulate(t, "resume", id, "--state-dir", dir)
	want := "is still running in process " + strconv.Itoa(os.Getppid())
	if res.code != exitInvalid || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want 2 and %q\n%s", res.code, want, res.stderr)
	}
	if out := runCLI(t, nil, "runs", "--state-dir", dir); !hasField(out.stdout, id, "running") {
		t.Errorf("runs does not show %s running:\n%s", id, out.stdout)
	}

	// Its process is gone: the run stopped, and resumes.
	setJournal(t, path, func(j map[string]any) { j["pid"] = 0 })
	if out := runCLI(t, nil, "runs", "--state-dir", dir); !hasField(out.stdout, id, "stopped") {
		t.Errorf("runs does not show %s stopped:\n%s", id, out.stdout)
	}
	if res := c.simulate(t, "resume", id, "--state-dir", dir); res.code != 0 {
		t.Errorf("resume of a stopped run: exit %d\n%s", res.code, res.stderr)
	}
}

// setJournal changes the JSON of a journal file.
func setJournal(t *testing.T, path string, change func(map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j map[string]any
	if err := json.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	change(j)
	if data, err = json.Marshal(j); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// hasField reports whether a line of out begins with first and holds
// field.
func hasField(out, first, field string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == first && strings.Contains(line, " "+field+" ") {
			return true
		}
	}
	return false
}

func TestRunsListsRuns(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	if res := runCLI(t, nil, "runs", "--state-dir", dir); res.code != 0 ||
		!strings.Contains(res.stderr, "no runs in "+dir) {
		t.Errorf("runs of an empty directory: exit %d\n%s", res.code, res.stderr)
	}
	ok := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", dir)
	c.sim.FailJob("analyze", "snapshot")
	failed := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", dir)
	c.sim.FailJob("", "")
	bad := filepath.Join(dir, "runs", "20200101-000000-000000.json")
	if err := os.WriteFile(bad, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}

	res := runCLI(t, nil, "runs", "--state-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "RUN ") {
		t.Fatalf("want a header and two runs:\n%s", res.stdout)
	}
	newest, oldest := strings.Fields(lines[1]), strings.Fields(lines[2])
	if newest[0] != runID(t, failed.stderr) || oldest[0] != runID(t, ok.stderr) {
		t.Errorf("runs not listed newest first:\n%s", res.stdout)
	}
	if !hasField(res.stdout, newest[0], "failed") || !strings.HasSuffix(lines[1], " 5/7") {
		t.Errorf("the failed run is not shown failed with 5/7 steps done:\n%s", res.stdout)
	}
	if !hasField(res.stdout, oldest[0], "completed") || !strings.HasSuffix(lines[2], " 7/7") {
		t.Errorf("the completed run is not shown completed with 7/7 steps done:\n%s", res.stdout)
	}
	if !strings.Contains(res.stderr, "warning: journal "+bad) {
		t.Errorf("no warning about the unreadable journal:\n%s", res.stderr)
	}
}
