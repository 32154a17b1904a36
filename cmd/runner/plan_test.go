package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/schema"
)

// planNow is the clock of plan tests, so that default names and dates
// are stable.
var planNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// planInputs gives a value to every required input of the shipped
// workflows; a new workflow with a new required input adds it here.
var planInputs = map[string]string{"app": "demo-app", "first": "demo-app", "second": "billing"}

// runPlan runs the command with the fixed clock and the given environment.
func runPlan(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	a := &app{
		getenv: func(k string) string { return env[k] },
		now:    func() time.Time { return planNow },
	}
	return runApp(t, a, args...)
}

// requiredInputs returns -i flags for the required inputs of a workflow.
func requiredInputs(t *testing.T, file string) []string {
	t.Helper()
	wf, err := schema.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, in := range wf.Inputs {
		if !in.Required {
			continue
		}
		v, ok := planInputs[in.Name]
		if !ok {
			t.Fatalf("required input %q of %s has no value in planInputs", in.Name, file)
		}
		args = append(args, "-i", in.Name+"="+v)
	}
	return args
}

func TestPlanGolden(t *testing.T) {
	seen := map[string]string{}
	for _, f := range workflowFiles(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if prev, dup := seen[name]; dup {
			t.Fatalf("%s and %s would share a golden file", prev, f)
		}
		seen[name] = f
		t.Run(name, func(t *testing.T) {
			for _, format := range []string{"text", "json"} {
				args := append([]string{"plan", f, "--format", format}, requiredInputs(t, f)...)
				res := runPlan(t, nil, args...)
				if res.code != 0 || res.stderr != "" {
					t.Fatalf("%s: exit %d, want 0 and nothing on stderr:\n%s", format, res.code, res.stderr)
				}
				ext := ".golden"
				if format == "json" {
					ext = ".json.golden"
					if !json.Valid([]byte(res.stdout)) {
						t.Errorf("--format json printed invalid JSON:\n%s", res.stdout)
					}
				}
				golden(t, filepath.Join("testdata", "plan", name+ext), res.stdout)
			}
		})
	}
}

func TestPlanSendsNothing(t *testing.T) {
	// No Console configured at all.
	res := runPlan(t, nil, "plan", mainWorkflow, "-i", "app=demo-app")
	if res.code != 0 {
		t.Fatalf("without AIP_CONSOLE_URL: exit %d, want 0\n%s", res.code, res.stderr)
	}

	// A Console configured, which must hear nothing.
	c := newConsole(t)
	res = runPlan(t, c.env(testKey), "plan", mainWorkflow, "-i", "app=demo-app", "--format", "json")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	if n := len(c.sim.Requests()); n != 0 {
		t.Errorf("the Console received %d requests, want none", n)
	}
}

// planStepDoc is what these tests read of a step of plan --format json.
type planStepDoc struct {
	ID        string
	Condition struct{ Outcome string }
	Request   *struct {
		JobType       string
		JobParameters map[string]string
	}
}

func planJSON(t *testing.T, args ...string) map[string]planStepDoc {
	t.Helper()
	res := runPlan(t, nil, append([]string{"plan", "--format", "json"}, args...)...)
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	var doc struct{ Steps []planStepDoc }
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	out := map[string]planStepDoc{}
	for _, s := range doc.Steps {
		out[s.ID] = s
	}
	return out
}

func TestPlanPredictsSkips(t *testing.T) {
	tests := []struct {
		backup, want string
	}{
		{"true", "run"},
		{"false", "skip"},
	}
	for _, tt := range tests {
		t.Run("backup="+tt.backup, func(t *testing.T) {
			steps := planJSON(t, mainWorkflow, "-i", "app=Webi", "-i", "backup="+tt.backup)
			if got := steps["backup"].Condition.Outcome; got != tt.want {
				t.Errorf("backup outcome %q, want %q", got, tt.want)
			}
			if got := steps["create"].Condition.Outcome; got != "runtime" {
				t.Errorf("create outcome %q, want runtime: it reads steps.find", got)
			}
		})
	}
	res := runPlan(t, nil, "plan", mainWorkflow, "-i", "app=Webi", "-i", "backup=false")
	if !strings.Contains(res.stdout, "skipped: condition false with these inputs") {
		t.Errorf("text plan does not say backup is skipped:\n%s", res.stdout)
	}
}

func TestPlanRequestBodies(t *testing.T) {
	steps := planJSON(t, mainWorkflow, "-i", "app=Webi", "-i", "source=sources:webi/010")
	deliver := steps["deliver"].Request
	if deliver == nil || deliver.JobType != "add_version" {
		t.Fatalf("deliver request %+v, want an add_version job", deliver)
	}
	tests := []struct{ name, want string }{
		{"appGuid", "<steps.find.outputs.appGuid ?? steps.create.outputs.appGuid>"},
		{"sourcePath", "sources:webi/010"},
		{"versionName", "v260102.030405"},
		{"releaseDate", "2026-01-02T03:04:05.000Z"},
		{"endStep", "deliver_version"},
	}
	for _, tt := range tests {
		if got := deliver.JobParameters[tt.name]; got != tt.want {
			t.Errorf("deliver %s = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPlanCommandLineErrorsExit2(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"plan", mainWorkflow}, `input "app": required`},
		{[]string{"plan", mainWorkflow, "-i", "app=x", "--format", "yaml"}, `--format "yaml"`},
		{[]string{"plan"}, "missing workflow file"},
		{[]string{"plan", mainWorkflow, "--inputs", "no-such-file.yaml"}, "no-such-file.yaml"},
		{[]string{"graph", mainWorkflow, "--format", "png"}, `--format "png"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			res := runPlan(t, nil, tt.args...)
			if res.code != exitInvalid {
				t.Errorf("exit %d, want %d\n%s", res.code, exitInvalid, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, res.stderr)
			}
		})
	}
}
