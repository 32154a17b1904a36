package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

const reportSchema = "../../docs/report.schema.json"

// mixed runs once per application: a lookup, a skipped step, a delivery,
// an analysis the simulator fails, and a consolidation that is then
// upstream_failed; its outputs read the delivery.
const mixed = `version: 1
name: mixed
matrix:
  items: [demo-app, billing]
steps:
  find:
    query: application
    with: {name: "${{ item }}"}
  skipme:
    job: BACKUP
    if: "false"
    with: {appGuid: "${{ steps.find.outputs.appGuid }}"}
  add:
    job: add_version
    with:
      appGuid: "${{ steps.find.outputs.appGuid }}"
      sourcePath: "sources:x"
      endStep: deliver_version
  snap:
    job: analyze
    with:
      appGuid: "${{ steps.add.outputs.appGuid }}"
      versionGuid: "${{ steps.add.outputs.versionGuid }}"
      startStep: accept
      endStep: snapshot
  after:
    job: consolidate_snapshot
    needs: [snap]
    with: {appGuid: "${{ steps.add.outputs.appGuid }}"}
outputs:
  version: "${{ steps.add.outputs.versionName }}"
`

// junitXML is what the test reads of a JUnit file: what Jenkins and
// GitLab read.
type junitXML struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestReports(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	wf := writeFile(t, "mixed.yaml", mixed)
	report, junit := filepath.Join(dir, "run.json"), filepath.Join(dir, "junit.xml")
	c.sim.FailJob("analyze", "snapshot")
	res := c.simulate(t, "run", wf, "--report", report, "--junit", junit)
	if res.code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.stderr)
	}

	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	validateReport(t, data)
	var rep struct {
		Run struct {
			ID, State string
		}
		Items []struct {
			Label   string
			Outputs map[string]any
			Steps   []struct {
				ID, State, Reason string
				JobGUID           *string
				Outputs           map[string]any
				ConsoleSteps      []struct{ Name string }
			}
		}
		Totals map[string]int
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Run.ID != runID(t, res.stderr) || rep.Run.State != "failed" || len(rep.Items) != 2 {
		t.Errorf("report run %+v with %d items", rep.Run, len(rep.Items))
	}
	want := map[string]int{"steps": 10, "completed": 4, "skipped": 2, "failed": 2,
		"upstream_failed": 2}
	for k, n := range want {
		if rep.Totals[k] != n {
			t.Errorf("totals %v, want %v", rep.Totals, want)
			break
		}
	}
	for _, it := range rep.Items {
		add, snap := it.Steps[2], it.Steps[3]
		if add.JobGUID == nil || add.Outputs["versionGuid"] == nil || len(add.ConsoleSteps) < 2 {
			t.Errorf("item %s: add %+v, want its job, outputs and Console steps", it.Label, add)
		}
		if snap.State != "failed" || snap.Reason != "job failed at step snapshot" {
			t.Errorf("item %s: snap %s (%s)", it.Label, snap.State, snap.Reason)
		}
		if it.Outputs["version"] != add.Outputs["versionName"] {
			t.Errorf("item %s: outputs %v", it.Label, it.Outputs)
		}
	}

	data, err = os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	checkJUnit(t, data)
}

func validateReport(t *testing.T, data []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	sch, err := c.Compile(reportSchema)
	if err != nil {
		t.Fatalf("compile %s: %v", reportSchema, err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(v); err != nil {
		t.Fatalf("the report does not validate against %s: %#v", reportSchema, err)
	}
	// The schema is strict enough to catch a report that went wrong.
	bad := bytes.Replace(data, []byte(`"state": "`), []byte(`"state": "x`), 1)
	if err := json.Unmarshal(bad, &v); err != nil {
		t.Fatal(err)
	}
	if sch.Validate(v) == nil {
		t.Errorf("a report with a bad state validates against %s", reportSchema)
	}
}

func checkJUnit(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("<?xml")) {
		t.Errorf("no XML declaration:\n%.80s", data)
	}
	var j junitXML
	if err := xml.Unmarshal(data, &j); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if j.Tests != 10 || j.Failures != 4 || j.Skipped != 2 || len(j.Suites) != 2 {
		t.Fatalf("testsuites: %d tests, %d failures, %d skipped, %d suites; want 10, 4, 2, 2",
			j.Tests, j.Failures, j.Skipped, len(j.Suites))
	}
	for i, s := range j.Suites {
		class := "mixed/" + []string{"demo-app", "billing"}[i]
		if s.Name != class || s.Tests != 5 || s.Failures != 2 || s.Skipped != 1 ||
			len(s.Cases) != 5 {
			t.Errorf("suite %q: %d tests, %d failures, %d skipped",
				s.Name, s.Tests, s.Failures, s.Skipped)
			continue
		}
		want := []struct{ name, failure, skipped string }{
			{"find", "", ""}, {"skipme", "", "condition false"}, {"add", "", ""},
			{"snap", "failed: job failed at step snapshot", ""},
			{"after", "upstream_failed: needs snap: failed", ""},
		}
		for k, c := range s.Cases {
			w := want[k]
			if c.Name != w.name || c.Classname != class {
				t.Errorf("case %d: %s of %s, want %s of %s", k, c.Name, c.Classname, w.name, class)
			}
			switch {
			case w.failure != "" && (c.Failure == nil || c.Failure.Message != w.failure):
				t.Errorf("%s: failure %+v, want %q", c.Name, c.Failure, w.failure)
			case w.failure == "" && c.Failure != nil:
				t.Errorf("%s: failure %+v, want none", c.Name, c.Failure)
			case w.skipped != "" && (c.Skipped == nil || c.Skipped.Message != w.skipped):
				t.Errorf("%s: skipped %+v, want %q", c.Name, c.Skipped, w.skipped)
			case w.skipped == "" && c.Skipped != nil:
				t.Errorf("%s: skipped, want not", c.Name)
			}
			if c.Name == "add" && !strings.Contains(c.SystemOut, "console step deliver_version") {
				t.Errorf("add: system-out %q does not list the Console steps", c.SystemOut)
			}
		}
	}
}

func TestReportOfResumedRun(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	c.sim.FailJob("analyze", "snapshot")
	run := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--state-dir", dir)
	c.sim.FailJob("", "")
	report := filepath.Join(dir, "run.json")
	res := c.simulate(t, "resume", runID(t, run.stderr), "--state-dir", dir, "--report", report)
	if res.code != 0 {
		t.Fatalf("resume: exit %d\n%s", res.code, res.stderr)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	validateReport(t, data)
	var rep struct {
		Run   struct{ Resumed int }
		Items []struct {
			Steps []struct {
				ID   string
				Kept bool
			}
		}
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, s := range rep.Items[0].Steps {
		if s.Kept {
			kept = append(kept, s.ID)
		}
	}
	if rep.Run.Resumed != 1 || strings.Join(kept, ",") != "find,node,create,backup,deliver" {
		t.Errorf("report: resumed %d, kept %v", rep.Run.Resumed, kept)
	}
}

func TestReportFlagsChecked(t *testing.T) {
	c := newConsole(t)
	for _, flag := range []string{"--report", "--junit"} {
		res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app",
			flag, filepath.Join(t.TempDir(), "missing", "out"))
		if res.code != exitInvalid || !strings.Contains(res.stderr, "no directory") {
			t.Errorf("%s in a missing directory: exit %d\n%s", flag, res.code, res.stderr)
		}
	}
	if n := len(c.sim.Requests()); n != 0 {
		t.Errorf("sent %d requests, want none", n)
	}
}
