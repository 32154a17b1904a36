package engine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/engine"
)

// journalHelperEnv, set to a journal path, makes the test binary write a
// new journal there and stop for good between the write of the temporary
// file and its rename, for the parent test to kill it there.
const journalHelperEnv = "ENGINE_TEST_JOURNAL_HELPER"

func journalHelper(path string) {
	engine.SetAfterTempWrite(func() {
		fmt.Println("temp written")
		time.Sleep(time.Hour) // until killed
	})
	data := sampleJournal(engine.RunCompleted)
	if err := engine.WriteFileAtomic(path, data); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("renamed") // the test fails if it gets here
}

// sampleJournal returns a small valid journal of run r1 in state.
func sampleJournal(state engine.RunState) []byte {
	j := engine.Journal{
		Version: engine.JournalVersion, RunID: "r1", Workflow: "wf", File: "/wf.yaml",
		FileHash: engine.FileHash([]byte("x")), State: state,
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Items: []engine.JournalItem{{Steps: []engine.JournalStep{
			{ID: "add", JobType: "add_version", State: engine.Running, JobGUID: "g1", Attempts: 1},
		}}},
	}
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		panic(err)
	}
	return data
}

func TestJournalNeverPartial(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "r1.json")
	if err := engine.WriteFileAtomic(path, sampleJournal(engine.RunRunning)); err != nil {
		t.Fatal(err)
	}

	// A process writes the next journal and is killed after writing the
	// temporary file, before renaming it.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), journalHelperEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "temp written\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper said %q (%v), want temp written", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	j, err := engine.LoadJournal(path)
	if err != nil {
		t.Fatalf("the journal does not load after the kill: %v", err)
	}
	if j.State != engine.RunRunning {
		t.Errorf("journal state %s, want the previous journal's running", j.State)
	}
	temps, _ := filepath.Glob(filepath.Join(dir, ".r1.json.tmp-*"))
	if len(temps) != 1 {
		t.Fatalf("temporary files %v, want the one the killed process left", temps)
	}
	if data, _ := os.ReadFile(temps[0]); !json.Valid(data) {
		t.Errorf("the temporary file is not complete: the kill came too early")
	}
	ids, err := (engine.Store{Dir: filepath.Dir(dir)}).IDs()
	if err != nil || strings.Join(ids, ",") != "r1" {
		t.Errorf("IDs() = %v, %v; want [r1] and no temporary file", ids, err)
	}
}

func TestLoadJournalRejectsBadFiles(t *testing.T) {
	valid := sampleJournal(engine.RunRunning)
	newer := strings.Replace(string(valid), `"version": 1`, `"version": 2`, 1)
	tests := []struct {
		name, content, want string
	}{
		{"empty", "", "corrupt or truncated"},
		{"truncated", string(valid[:len(valid)/2]), "corrupt or truncated"},
		{"garbage", "\x00\x01PK", "corrupt or truncated"},
		{"not a journal", `{"hello": "world"}`, "not a runner journal"},
		{"newer", newer, "format version 2, written by a newer runner"},
		{"bad state", strings.Replace(string(valid), `"running"`, `"dancing"`, 1),
			`run state "dancing"`},
		{"bad run id", strings.Replace(string(valid), `"r1"`, `"../x"`, 1), `run id "../x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r1.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := engine.LoadJournal(path)
			var je *engine.JournalError
			if !errors.As(err, &je) || je.Path != path {
				t.Fatalf("got %v, want a *JournalError naming %s", err, path)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("got %q, want it to name the file and say %q", err, tt.want)
			}
			if tt.name == "newer" && !errors.Is(err, engine.ErrNewerJournal) {
				t.Errorf("got %v, want ErrNewerJournal", err)
			}
		})
	}
}

func TestLoadJournalEveryTruncation(t *testing.T) {
	valid := sampleJournal(engine.RunRunning)
	for n := range len(valid) - 1 {
		if _, err := engine.ParseJournal(valid[:n]); err == nil {
			t.Fatalf("the first %d bytes of a journal parse without error", n)
		}
	}
}

func FuzzParseJournal(f *testing.F) {
	f.Add(sampleJournal(engine.RunRunning))
	f.Add([]byte(`{"version": 1, "items": [{"steps": [{}]}]}`))
	f.Add([]byte(`{"version": 1e400}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = engine.ParseJournal(data) // may be refused; must not panic
	})
}

func TestRunKeepsJournal(t *testing.T) {
	w := newWorld(t, "app1")
	src := `version: 1
name: journal
inputs: {app: {type: string}, n: {type: integer, default: 7}}
steps:
  find:
    query: application
    with: {name: "${{ inputs.app }}"}
  add:
    job: add_version
    with: {appGuid: "${{ steps.find.outputs.appGuid }}", sourcePath: "sources:x"}
outputs:
  version: "${{ steps.add.outputs.versionName }}"
`
	path := filepath.Join(t.TempDir(), "runs", "r1.json")
	jobs := &journalCheck{JobService: w.jobs, path: path}
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": "app1"},
		func(o *engine.Options) {
			o.Jobs, o.RunID, o.JournalPath = jobs, "r1", path
			o.Source = engine.Source{File: "/w/journal.yaml", Hash: engine.FileHash([]byte("y"))}
		})
	if res.State != engine.RunCompleted || res.JournalErr != nil {
		t.Fatalf("run %s, journal error %v", res.State, res.JournalErr)
	}
	if jobs.checked != 1 {
		t.Errorf("%d polls checked the journal, want 1", jobs.checked)
	}
	j, err := engine.LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != engine.RunCompleted || j.Ended.IsZero() || j.File != "/w/journal.yaml" {
		t.Errorf("journal: state %s, ended %v, file %s", j.State, j.Ended, j.File)
	}
	if j.Inputs["app"] != "app1" || j.Inputs["n"] != "7" {
		t.Errorf("journal inputs %v, want app1 and 7 as text", j.Inputs)
	}
	p := mustBuild(t, src)
	if j.StepHashes["add"] != p.StepHash("add") || j.StepHashes["add"] == j.StepHashes["find"] {
		t.Errorf("step hashes %v", j.StepHashes)
	}
	add := j.Items[0].Steps[1]
	if add.State != engine.Completed || add.JobGUID != res.Steps[1].JobGUID ||
		add.Attempts != 1 || add.Outputs["versionGuid"] == nil ||
		add.Request["sourcePath"] != "sources:x" {
		t.Errorf("journal of add: %+v", add)
	}
	if len(add.ConsoleSteps) == 0 || add.ConsoleSteps[0].Attempt != 1 {
		t.Errorf("journal of add: Console steps %v", add.ConsoleSteps)
	}
	if j.Items[0].Outputs["version"] != res.Outputs["version"] {
		t.Errorf("journal outputs %v, want %v", j.Items[0].Outputs, res.Outputs)
	}
}

// journalCheck is a job service that, at the first poll of each job,
// checks that the journal holds the job's GUID already.
type journalCheck struct {
	engine.JobService
	path    string
	mu      sync.Mutex
	checked int
	err     error
}

func (c *journalCheck) WaitJob(ctx context.Context, guid string, interval time.Duration,
	progress func(engine.JobStatus)) (engine.JobStatus, error) {
	j, err := engine.LoadJournal(c.path)
	if err != nil {
		return engine.JobStatus{}, err
	}
	found := false
	for _, it := range j.Items {
		for _, s := range it.Steps {
			found = found || s.JobGUID == guid && s.State == engine.Running
		}
	}
	if !found {
		return engine.JobStatus{}, fmt.Errorf("job %s polled before the journal had it", guid)
	}
	c.mu.Lock()
	c.checked++
	c.mu.Unlock()
	return c.JobService.WaitJob(ctx, guid, interval, progress)
}

func TestRunRefusesUnwritableJournal(t *testing.T) {
	w := newWorld(t, "app1")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p := mustBuild(t, `version: 1
name: nowhere
steps:
  add:
    job: BACKUP
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
`)
	_, err := engine.Run(context.Background(), p, engine.Options{
		Jobs: w.jobs, RunID: "r1", JournalPath: filepath.Join(file, "runs", "r1.json"),
	})
	var je *engine.JournalError
	if !errors.As(err, &je) {
		t.Fatalf("got %v, want a *JournalError", err)
	}
	if n := len(w.sim.Requests()); n != 0 {
		t.Errorf("sent %d requests, want none", n)
	}
}
