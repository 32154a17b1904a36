package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/engine"
)

// controlChars returns the control characters of out other than newline
// and tab, as a pipe must never receive them: no cursor moves, no colours.
func controlChars(out string) []byte {
	var bad []byte
	for i := 0; i < len(out); i++ {
		if c := out[i]; (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			bad = append(bad, c)
		}
	}
	return bad
}

func TestProgressPipeHasNoControlCharacters(t *testing.T) {
	c := newConsole(t)
	c.sim.FailJob("consolidate_snapshot", "consolidate_snapshot")
	res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "-v")
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", res.code, exitFailed, res.stderr)
	}
	for name, out := range map[string]string{"stdout": res.stdout, "stderr": res.stderr} {
		if bad := controlChars(out); len(bad) > 0 {
			t.Errorf("%s holds control characters %q:\n%s", name, bad, out)
		}
	}
	for _, want := range []string{"analyze      running  job ", "consolidate  failed"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr has no line %q:\n%s", want, res.stderr)
		}
	}
}

// jsonLines decodes every line of out as a JSON object.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Errorf("line %d is not a JSON object: %v\n%s", i+1, err, line)
			continue
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := obj[k]; !ok {
				t.Errorf("line %d has no %q: %s", i+1, k, line)
			}
		}
		objs = append(objs, obj)
	}
	return objs
}

func TestLogFormatJSONEveryLineParses(t *testing.T) {
	c := newConsole(t)
	res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--log-format", "json", "-v")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	objs := jsonLines(t, res.stderr)
	seen := map[string]bool{}
	for _, o := range objs {
		switch {
		case o["msg"] == "console step":
			guid, _ := o["job_id"].(string)
			step, _ := o["progress"].(string)
			if guid == "" || step == "" || o["step"] == nil || o["state"] != "running" {
				t.Errorf("console step without its job, step or state: %v", o)
			}
			seen["console step"] = true
		case o["msg"] == "step completed" && o["step"] == "consolidate" && o["state"] == "completed":
			seen["step completed"] = true
		case o["msg"] == "step skipped" && o["reason"] == "condition false":
			seen["step skipped"] = true
		case strings.HasPrefix(o["msg"].(string), "run ") && o["level"] == "INFO":
			seen["run started"] = true
		case o["level"] == "DEBUG":
			seen["debug"] = true // -v: an HTTP call
		}
	}
	for _, k := range []string{"console step", "step completed", "step skipped", "run started", "debug"} {
		if !seen[k] {
			t.Errorf("no %s line in:\n%s", k, res.stderr)
		}
	}
	if strings.Contains(res.stderr, testKey) {
		t.Error("the API key was logged")
	}
	if !hasRow(res.stdout, "consolidate", "completed") {
		t.Errorf("stdout has no summary:\n%s", res.stdout)
	}
}

// The errors of a command, which main prints, are JSON objects too.
func TestLogFormatJSONErrors(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"run", "missing.yaml", "--log-format", "json"},
		func(string) string { return "" }, &out, &errb, nil, nil)
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d\n%s", code, exitInvalid, errb.String())
	}
	objs := jsonLines(t, errb.String())
	if len(objs) == 0 || objs[len(objs)-1]["level"] != "ERROR" {
		t.Errorf("the last line is not an error:\n%s", errb.String())
	}
}

func TestLogFormatRejectsOthers(t *testing.T) {
	res := runCLI(t, nil, "validate", mainWorkflow, "--log-format", "yaml")
	if res.code != exitInvalid || !strings.Contains(res.stderr, `"yaml" is not a log format`) {
		t.Errorf("exit %d, want %d and a message\n%s", res.code, exitInvalid, res.stderr)
	}
}

func TestQuietPrintsOnlyErrorsAndTheResult(t *testing.T) {
	c := newConsole(t)
	res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "-q")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	if res.stderr != "" {
		t.Errorf("stderr of a quiet run that succeeded, want nothing:\n%s", res.stderr)
	}
	if !hasRow(res.stdout, "consolidate", "completed") {
		t.Errorf("stdout has no summary:\n%s", res.stdout)
	}

	c.sim.FailJob("analyze", "analyze")
	res = c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--quiet")
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", res.code, exitFailed, res.stderr)
	}
	lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "runner: run ") {
		t.Errorf("stderr of a quiet run that failed, want only its error:\n%s", res.stderr)
	}
	if !hasRow(res.stdout, "analyze", "failed") {
		t.Errorf("stdout has no summary:\n%s", res.stdout)
	}
}

func TestQuietWithVerboseIsAUsageError(t *testing.T) {
	c := newConsole(t)
	res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "-q", "-v")
	if res.code != exitInvalid {
		t.Errorf("exit %d, want %d", res.code, exitInvalid)
	}
	if !strings.Contains(res.stderr, "-q/--quiet and -v/--verbose exclude each other") {
		t.Errorf("stderr does not say why:\n%s", res.stderr)
	}
	if n := len(c.sim.Requests()); n != 0 {
		t.Errorf("the Console received %d requests, want none", n)
	}
}

// -v logs every HTTP call, and never the API key.
func TestLogVerboseHidesTheKey(t *testing.T) {
	c := newConsole(t)
	res := runCLI(t, c.env(testKey), "run", mainWorkflow, "-i", "app=demo-app", "--speed", "1000", "-v")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "/api/jobs") {
		t.Errorf("-v logged no HTTP call:\n%s", res.stderr)
	}
	for _, part := range []string{testKey, testKey[:8], testKey[len(testKey)-12:]} {
		if strings.Contains(res.stdout+res.stderr, part) {
			t.Errorf("the output holds %q of the API key", part)
		}
	}
}

func TestLogStreamConvertsLinesToJSON(t *testing.T) {
	var out bytes.Buffer
	s := &stderrStream{out: &out, json: true, now: func() time.Time { return t0 }}
	writes := []string{"runner: warning: slow", "\nwarning: old\nrunner: bad", " thing\nplain\n"}
	for _, w := range writes {
		if _, err := s.Write([]byte(w)); err != nil {
			t.Fatal(err)
		}
	}
	want := []struct{ level, msg string }{
		{"WARN", "slow"}, {"WARN", "old"}, {"ERROR", "bad thing"}, {"INFO", "plain"},
	}
	objs := jsonLines(t, out.String())
	if len(objs) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(objs), len(want), out.String())
	}
	for i, w := range want {
		if objs[i]["level"] != w.level || objs[i]["msg"] != w.msg {
			t.Errorf("line %d = %v, want level %s, msg %q", i+1, objs[i], w.level, w.msg)
		}
	}
}

func TestLogLinesOfConsoleJobs(t *testing.T) {
	l := engine.LogLine{Item: "a", Step: "analyze", JobGUID: "g1", ConsoleStep: "analyze",
		Text: "Analysis started\n"}
	for _, format := range []logFormat{logText, logJSON} {
		var out bytes.Buffer
		a := &app{stderr: &out, getenv: func(string) string { return "" }, logFormat: format}
		if err := a.setupOutput(); err != nil {
			t.Fatal(err)
		}
		a.logLines()(l)
		if format == logText {
			if got := out.String(); got != "analyze [a] | Analysis started\n" {
				t.Errorf("text: %q", got)
			}
			continue
		}
		objs := jsonLines(t, out.String())
		want := map[string]any{"msg": "console log", "line": "Analysis started", "job_id": "g1",
			"console_step": "analyze", "item": "a", "step": "analyze"}
		if len(objs) != 1 {
			t.Fatalf("json: %d lines, want 1: %s", len(objs), out.String())
		}
		for k, v := range want {
			if objs[0][k] != v {
				t.Errorf("json: %s is %v, want %v", k, objs[0][k], v)
			}
		}
	}
}
