package main

import (
	"regexp"
	"strings"
	"testing"
)

// appGUIDs returns the GUIDs of the simulator's demo applications, by name.
func (c *testConsole) appGUIDs() map[string]string {
	out := map[string]string{}
	for _, a := range c.sim.Applications() {
		out[a.Name] = a.GUID
	}
	return out
}

// acceptedPosts counts the jobs the simulator accepted.
func (c *testConsole) acceptedPosts() int {
	n := 0
	for _, r := range c.sim.Requests() {
		if r.Method == "POST" && r.Path == "/api/jobs" && r.Status < 300 {
			n++
		}
	}
	return n
}

// runFast runs the command against c's simulator, 1000 times faster than
// a Console, so that polls come every 15 ms.
func (c *testConsole) runFast(t *testing.T, args ...string) result {
	t.Helper()
	return runCLI(t, c.env(testKey), append(args, "--speed", "1000")...)
}

const threeApps = `version: 1
name: c18
inputs: {a: {type: string}, b: {type: string}, c: {type: string}}
steps:
  a:
    job: function_points
    with: {appGuid: "${{ inputs.a }}"}
  b:
    job: BACKUP
    with: {appGuid: "${{ inputs.b }}"}
  c:
    job: BACKUP
    with: {appGuid: "${{ inputs.c }}"}
`

func TestFailFastFlag(t *testing.T) {
	for _, tt := range []struct {
		flag  []string
		posts int
	}{{[]string{"--fail-fast"}, 1}, {nil, 3}} {
		t.Run(strings.Join(append([]string{"flags"}, tt.flag...), " "), func(t *testing.T) {
			c := newConsole(t)
			c.sim.FailJob("function_points", "function_points")
			apps := c.appGUIDs()
			args := append([]string{"run", writeFile(t, "c18.yaml", threeApps),
				"-i", "a=" + apps["demo-app"], "-i", "b=" + apps["billing"], "-i", "c=" + apps["webi"],
				"--max-parallel", "1"}, tt.flag...)
			res := c.runFast(t, args...)
			if res.code != exitFailed {
				t.Errorf("exit %d, want 1\n%s", res.code, res.stderr)
			}
			if got := c.acceptedPosts(); got != tt.posts {
				t.Errorf("%d jobs posted, want %d", got, tt.posts)
			}
			if tt.posts == 1 && !strings.Contains(res.stdout, "not started: run stopped after a failed") {
				t.Errorf("summary does not say why b and c did not start:\n%s", res.stdout)
			}
		})
	}
}

func TestSummaryNotesIgnoredFailureAndAttempts(t *testing.T) {
	c := newConsole(t)
	c.sim.FailJob("BACKUP", "backup")
	wf := writeFile(t, "coe.yaml", `version: 1
name: coe
inputs: {a: {type: string}}
steps:
  backup:
    job: BACKUP
    continue-on-error: true
    retry: {attempts: 2}
    with: {appGuid: "${{ inputs.a }}"}
  after:
    job: consolidate_snapshot
    needs: [backup]
    with: {appGuid: "${{ inputs.a }}"}
`)
	res := c.runFast(t, "run", wf, "-i", "a="+c.appGUIDs()["webi"])
	if res.code != exitOK {
		t.Fatalf("exit %d, want 0: the only failure is ignored\n%s", res.code, res.stderr)
	}
	want := "job failed at step backup; ignored: continue-on-error; 2 attempts"
	if !hasRow(res.stdout, "backup", "failed") || !strings.Contains(res.stdout, want) {
		t.Errorf("summary without a failed backup row noting %q:\n%s", want, res.stdout)
	}
	if !hasRow(res.stdout, "after", "completed") {
		t.Errorf("after did not complete:\n%s", res.stdout)
	}
}

func TestMatrixSummaryPerItem(t *testing.T) {
	c := newConsole(t)
	wf := writeFile(t, "fleet.yaml", `version: 1
name: fleet
matrix:
  items: [demo-app, billing, nowhere]
steps:
  find:
    query: application
    with: {name: "${{ item }}"}
  backup:
    job: BACKUP
    with: {appGuid: "${{ steps.find.outputs.appGuid }}"}
outputs:
  app: "${{ steps.find.outputs.appName }}"
`)
	res := c.runFast(t, "run", wf)
	if res.code != exitFailed {
		t.Errorf("exit %d, want 1: item nowhere failed\n%s", res.code, res.stderr)
	}
	for _, item := range []string{"ITEM demo-app\n", "ITEM billing\n", "ITEM nowhere\n"} {
		if !strings.Contains(res.stdout, item) {
			t.Errorf("no table headed %q:\n%s", item, res.stdout)
		}
	}
	if n := strings.Count(res.stdout, "STEP "); n != 3 {
		t.Errorf("%d tables, want 3:\n%s", n, res.stdout)
	}
	if !regexp.MustCompile(`\[billing\]\s+backup`).MatchString(res.stderr) {
		t.Errorf("progress lines do not name the item:\n%s", res.stderr)
	}
}
