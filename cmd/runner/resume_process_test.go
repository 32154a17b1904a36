//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/engine"
)

// A CI agent dies while a run's jobs run: the run is killed with SIGKILL
// while two jobs run, on two applications, and runner resume goes on with
// it. Both are real processes, against `runner simulate`, which logs
// every request it receives: the Console receives exactly one POST per
// step, and the run completes with every output.
func TestResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs processes")
	}
	begin := time.Now()
	bin := buildRunner(t)
	wf := writeFile(t, "two-apps.yaml", `version: 1
name: two-apps
steps:
  find_a:
    query: application
    with: {name: demo-app}
  find_b:
    query: application
    with: {name: billing}
  add_a:
    job: add_version
    with: {appGuid: "${{ steps.find_a.outputs.appGuid }}", sourcePath: "sources:a",
           endStep: deliver_version}
  add_b:
    job: add_version
    with: {appGuid: "${{ steps.find_b.outputs.appGuid }}", sourcePath: "sources:b",
           endStep: deliver_version}
  backup_a:
    job: BACKUP
    needs: [add_a]
    with: {appGuid: "${{ steps.add_a.outputs.appGuid }}"}
  backup_b:
    job: BACKUP
    needs: [add_b]
    with: {appGuid: "${{ steps.add_b.outputs.appGuid }}"}
outputs:
  version_a: "${{ steps.add_a.outputs.versionGuid }}"
  version_b: "${{ steps.add_b.outputs.versionGuid }}"
  backup_a: "${{ steps.backup_a.outputs.backupName }}"
  backup_b: "${{ steps.backup_b.outputs.backupName }}"
`)
	dir := t.TempDir()
	state, requests := filepath.Join(dir, "state"), filepath.Join(dir, "requests.jsonl")

	// A Console step takes 200 ms: each add_version runs for 1.2 s.
	sim := startSimProc(t, bin, "100", "--log-requests", requests)
	env := []string{"AIP_CONSOLE_URL=" + sim.url, "AIP_CONSOLE_API_KEY=" + simKey}
	run := startProc(t, bin, env, "run", wf, "--speed", "100", "--state-dir", state)
	jobs := run.waitRunning(t, "add_a", "add_b")
	if err := run.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if code := run.wait(t, 5*time.Second); code != -1 {
		t.Fatalf("exit %d, want killed\n%s", code, run.out)
	}
	id := runID(t, run.out.String())

	// The journal the killed process left has both jobs running.
	j, err := engine.Store{Dir: state}.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range j.Items[0].Steps {
		if guid, ok := jobs[s.ID]; ok && (s.State != engine.Running || s.JobGUID != guid) {
			t.Errorf("journal: %s %s with job %q, want running with %s",
				s.ID, s.State, s.JobGUID, guid)
		}
	}
	if out := runCLI(t, nil, "runs", "--state-dir", state); !hasField(out.stdout, id, "stopped") {
		t.Errorf("runs does not show the killed run stopped:\n%s", out.stdout)
	}

	resumed := startProc(t, bin, env, "resume", id, "--speed", "100", "--state-dir", state)
	if code := resumed.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("resume: exit %d, want 0\n%s", code, resumed.out)
	}
	out := resumed.out.String()
	for step, guid := range jobs {
		reattached := regexp.MustCompile(step + `\s+running\s+job ` + guid + `  \(re-attached\)`)
		if !reattached.MatchString(out) {
			t.Errorf("resume did not re-attach %s to job %s:\n%s", step, guid, out)
		}
	}
	for _, step := range []string{"find_a", "find_b", "add_a", "add_b", "backup_a", "backup_b"} {
		if !hasRow(out, step, "completed") {
			t.Errorf("no completed row for %s:\n%s", step, out)
		}
	}
	for _, name := range []string{"version_a", "version_b", "backup_a", "backup_b"} {
		set := regexp.MustCompile(`(?m)^  ` + name + `: \S+$`)
		if !set.MatchString(out) || strings.Contains(out, name+": -") {
			t.Errorf("output %s missing:\n%s", name, out)
		}
	}

	posts := jobPostsLogged(t, requests)
	want := map[string]int{"add_version sources:a": 1, "add_version sources:b": 1, "BACKUP": 2}
	if !maps.Equal(posts, want) {
		t.Errorf("the Console received POST /api/jobs %v, want %v: one per step", posts, want)
	}
	t.Logf("kill and resume took %v, build included", time.Since(begin).Round(time.Millisecond))
}

// jobPostsLogged counts the accepted POST /api/jobs of a --log-requests
// file, by job type and, for add_version, source path.
func jobPostsLogged(t *testing.T, file string) map[string]int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r loggedRequest
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		if r.Method != "POST" || r.Path != "/api/jobs" || r.Status >= 300 {
			continue
		}
		key := r.JobType
		if src := r.JobParameters["sourcePath"]; src != "" {
			key += " " + src
		}
		out[key]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
