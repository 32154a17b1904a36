package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aipflow/runner/engine"
)

const archiveExample = "../../examples/deliver-archive.yaml"

var uploadPath = regexp.MustCompile(`^upload:webi/[0-9a-f-]{36}\.zip$`)

// A step with source: uploads the archive next to the workflow, then
// delivers it: the job's sourcePath names the upload.
func TestRunSourceUploadsArchive(t *testing.T) {
	c := newConsole(t)
	res := c.simulate(t, "run", archiveExample, "-i", "app=webi")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	fi, err := os.Stat("../../examples/archives/webi-sources.zip")
	if err != nil {
		t.Fatal(err)
	}
	ups := c.sim.Uploads()
	if len(ups) != 1 || !ups[0].Done() || ups[0].FileSize != fi.Size() {
		t.Fatalf("uploads %+v, want one complete upload of %d bytes", ups, fi.Size())
	}
	params := c.jobPosts(t)["add_version"]
	if p := params["sourcePath"]; !uploadPath.MatchString(p) || p != "upload:webi/"+ups[0].FileName ||
		params["sourceArchive"] != p {
		t.Errorf("sourcePath %q, sourceArchive %q; want upload:webi/%s", p,
			params["sourceArchive"], ups[0].FileName)
	}
	if !hasRow(res.stdout, "deliver", "completed") {
		t.Errorf("deliver did not complete:\n%s", res.stdout)
	}
	if !strings.Contains(res.stderr, "uploading archives/webi-sources.zip") {
		t.Errorf("stderr does not tell the upload:\n%s", res.stderr)
	}
}

// A missing archive is a problem of the workflow: exit 2, its position
// named, and nothing sent, not even a plan.
func TestMissingSourceExits2AndSendsNothing(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "wf.yaml")
	src := "version: 1\nname: gone\nsteps:\n  deliver:\n    job: add_version\n" +
		"    source: build/app.zip\n    with: {appGuid: 00000000-0000-0000-0000-000000000001}\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	want := file + ":6:13: steps.deliver.source: no such file: " + filepath.Join(dir, "build", "app.zip")
	for _, cmd := range []string{"validate", "plan", "run"} {
		res := runCLI(t, c.env(testKey), cmd, file)
		if res.code != exitInvalid || !strings.Contains(res.stderr, want) {
			t.Errorf("%s: exit %d, want %d and %q:\n%s", cmd, res.code, exitInvalid, want, res.stderr)
		}
	}
	if n := len(c.sim.Requests()); n != 0 {
		t.Errorf("the Console received %d requests, want none", n)
	}
}

// --follow-logs prints the main log of every Console step of the job, in
// order, each line after the step id.
func TestRunFollowLogs(t *testing.T) {
	c := newConsole(t)
	res := c.simulate(t, "run", archiveExample, "-i", "app=webi", "--follow-logs")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	var want []string
	for _, step := range []string{"unzip_source", "code_scanner", "install_extensions",
		"add_version", "create_package", "attach_package_to_version", "deliver_version"} {
		want = append(want, "deliver | INFO  step "+step+" started",
			"deliver | INFO  step "+step+" done in ")
	}
	at := 0
	for _, line := range strings.Split(res.stderr, "\n") {
		if at < len(want) && strings.HasPrefix(line, want[at]) {
			at++
		}
	}
	if at < len(want) {
		t.Errorf("stderr lacks %q (or has it out of order):\n%s", want[at], res.stderr)
	}
	if n := strings.Count(res.stderr, "deliver | "); n != 3*7 {
		t.Errorf("%d log lines, want 3 for each of the 7 Console steps:\n%s", n, res.stderr)
	}

	// Without the flag, no log is read.
	c = newConsole(t)
	res = c.simulate(t, "run", archiveExample, "-i", "app=webi")
	if strings.Contains(res.stderr, " | ") {
		t.Errorf("log lines without --follow-logs:\n%s", res.stderr)
	}
	for _, r := range c.sim.Requests() {
		if strings.Contains(r.Path, "/logs") {
			t.Fatalf("read %s without --follow-logs", r.Path)
		}
	}
}

func TestResumeHasFollowLogs(t *testing.T) {
	res := runCLI(t, nil, "resume", "--help")
	if !strings.Contains(res.stdout+res.stderr, "--follow-logs") {
		t.Errorf("resume --help does not list --follow-logs:\n%s", res.stdout)
	}
}

func TestLogLineText(t *testing.T) {
	var b bytes.Buffer
	writeLogLine(&b, engine.LogLine{Step: "deliver", Text: "INFO  step unzip_source started"})
	writeLogLine(&b, engine.LogLine{Item: "webi", Step: "analyze", Text: "two\r\nlines\n"})
	writeLogLine(&b, engine.LogLine{Step: "deliver", Text: "bell\a and \x1b[2J clear\tand tab"})
	want := "deliver | INFO  step unzip_source started\n" +
		"analyze [webi] | two\n" +
		"analyze [webi] | lines\n" +
		"deliver | bell\uFFFD and \uFFFD[2J clear\tand tab\n"
	if b.String() != want {
		t.Errorf("wrote\n%q\nwant\n%q", b.String(), want)
	}
}

// With --log-format json, --follow-logs writes each line of a job's log
// as a JSON object that names its step, job and Console step.
func TestRunFollowLogsJSON(t *testing.T) {
	c := newConsole(t)
	res := c.simulate(t, "run", archiveExample, "-i", "app=webi", "--follow-logs",
		"--log-format", "json")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	guid := ""
	var got []string
	for _, o := range jsonLines(t, res.stderr) {
		if msg, _ := o["msg"].(string); strings.Contains(msg, " | ") {
			t.Errorf("a log line as text in a JSON object: %v", o)
		}
		if o["msg"] != "console log" {
			continue
		}
		job, _ := o["job_id"].(string)
		if o["step"] != "deliver" || job == "" || (guid != "" && job != guid) {
			t.Errorf("line %v, want step deliver and one job", o)
		}
		guid = job
		line, _ := o["line"].(string)
		got = append(got, fmt.Sprint(o["console_step"], ": ", strings.Join(strings.Fields(line)[:3], " ")))
	}
	if len(got) != 3*7 || got[0] != "unzip_source: INFO step unzip_source" ||
		got[len(got)-1] != "deliver_version: INFO step deliver_version" {
		t.Errorf("%d lines, want 3 for each of the 7 Console steps:\n%s", len(got),
			strings.Join(got, "\n"))
	}
}
