package engine_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolejobs"
	"github.com/aipflow/runner/console/consolesim"
	"github.com/aipflow/runner/engine"
)

// world is a simulated Console over real HTTP and a job service for it.
type world struct {
	sim  *consolesim.Server
	jobs engine.JobService
	apps map[string]string // name -> GUID
}

func newWorld(t *testing.T, apps ...string) *world {
	t.Helper()
	return newSlowWorld(t, 5*time.Millisecond, apps...)
}

// newSlowWorld is newWorld with each Console job step taking stepTime.
func newSlowWorld(t *testing.T, stepTime time.Duration, apps ...string) *world {
	t.Helper()
	sim := consolesim.New(consolesim.Options{APIKey: "k", StepTime: stepTime})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := console.New(console.Options{BaseURL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{sim: sim, jobs: &consolejobs.Service{Client: c}, apps: map[string]string{}}
	for _, a := range apps {
		w.apps[a] = sim.AddApplication(a)
	}
	return w
}

// events records what a run reported, safe for the engine's calls.
type events struct {
	mu  sync.Mutex
	all []engine.Event
}

func (e *events) add(ev engine.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// run builds and runs a workflow against the world; opts, when given,
// change the options of the run.
func (w *world) run(t *testing.T, ctx context.Context, src string, inputs map[string]string,
	opts ...func(*engine.Options)) (*engine.Result, *events) {
	t.Helper()
	p := mustBuild(t, src)
	in, err := engine.ResolveInputs(p.Workflow, inputs)
	if err != nil {
		t.Fatalf("inputs: %v", err)
	}
	ev := &events{}
	o := engine.Options{
		Jobs: w.jobs, Inputs: in, Poll: 5 * time.Millisecond, Observer: ev.add,
		CancelWait: 5 * time.Second,
	}
	for _, f := range opts {
		f(&o)
	}
	res, err := engine.Run(ctx, p, o)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res, ev
}

// accepted returns the POSTs of jobs the simulator accepted, in order.
// Others created no job: two first requests at once may have no session
// yet, and the one refused for its CSRF token is sent again.
func (w *world) accepted() []consolesim.Request {
	var out []consolesim.Request
	for _, r := range w.sim.Requests() {
		if r.Method == "POST" && r.Path == "/api/jobs" && r.Status < 300 {
			out = append(out, r)
		}
	}
	return out
}

// posts returns the job types of the jobs the simulator accepted, in
// order.
func (w *world) posts(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range w.accepted() {
		var body console.JobRequest
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, body.JobType)
	}
	return out
}

func states(res *engine.Result) map[string]string {
	out := map[string]string{}
	for _, s := range res.Steps {
		out[s.ID] = string(s.State)
		if s.Reason != "" {
			out[s.ID] += ": " + s.Reason
		}
	}
	return out
}

func wantStates(t *testing.T, res *engine.Result, want map[string]string) {
	t.Helper()
	got := states(res)
	for id, w := range want {
		if !strings.HasPrefix(got[id], w) {
			t.Errorf("step %s: got %q, want %q…", id, got[id], w)
		}
	}
}

func TestSkippedDependencyDoesNotBlock(t *testing.T) {
	w := newWorld(t, "app1")
	src := `version: 1
name: c13
inputs:
  app: {type: string}
  doBackup: {type: boolean, default: false}
  force: {type: boolean, default: true}
steps:
  backup:
    job: BACKUP
    if: inputs.doBackup
    with: {appGuid: "${{ inputs.app }}"}
  add:
    job: add_version
    needs: [backup]
    if: inputs.force
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x", endStep: deliver_version}
  report:
    job: consolidate_snapshot
    needs: [add]
    if: always()
    with: {appGuid: "${{ inputs.app }}"}
`
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]})
	wantStates(t, res, map[string]string{
		"backup": "skipped: condition false",
		"add":    "completed",
		"report": "completed",
	})
	if got := strings.Join(w.posts(t), ","); got != "add_version,consolidate_snapshot" {
		t.Errorf("posted %s, want add_version,consolidate_snapshot", got)
	}
	if res.Failed() {
		t.Error("run failed, want success")
	}

	res, _ = w.run(t, context.Background(), src,
		map[string]string{"app": w.apps["app1"], "force": "false"})
	wantStates(t, res, map[string]string{"add": "skipped: condition false", "report": "completed"})
}

func TestOutputOfSkippedStepFailsRequiredParameter(t *testing.T) {
	w := newWorld(t, "app1")
	src := `version: 1
name: c14
inputs: {app: {type: string}}
steps:
  backup:
    job: BACKUP
    if: "false"
    with: {appGuid: "${{ inputs.app }}"}
  add:
    job: add_version
    needs: [backup]
    if: always()
    with: {appGuid: "${{ steps.backup.outputs.appGuid }}", sourcePath: "sources:x"}
`
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]})
	wantStates(t, res, map[string]string{
		"add": "failed: with.appGuid: ${{ steps.backup.outputs.appGuid }} is unavailable " +
			"(step backup was skipped)",
	})
	if p := w.posts(t); len(p) != 0 {
		t.Errorf("posted %v, want nothing", p)
	}
}

func TestFailureStopsDependentsOnlyAndRunEnds(t *testing.T) {
	w := newWorld(t, "app1", "app2")
	w.sim.FailJob("add_version", "unzip_source")
	src := `version: 1
name: c16
inputs: {a: {type: string}, b: {type: string}}
steps:
  backup:
    job: BACKUP
    with: {appGuid: "${{ inputs.a }}"}
  add:
    job: add_version
    needs: [backup]
    with: {appGuid: "${{ inputs.a }}", sourcePath: "sources:x"}
  analyze:
    job: analyze
    with: {appGuid: "${{ inputs.a }}", versionGuid: "${{ steps.add.outputs.versionGuid }}"}
  snapshot:
    job: consolidate_snapshot
    needs: [analyze]
    with: {appGuid: "${{ inputs.a }}"}
  export:
    job: BACKUP
    needs: [backup]
    with: {appGuid: "${{ inputs.b }}"}
`
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, _ := w.run(t, ctx, src, map[string]string{"a": w.apps["app1"], "b": w.apps["app2"]})
	if ctx.Err() != nil {
		t.Fatal("the run did not end by itself")
	}
	wantStates(t, res, map[string]string{
		"backup":   "completed",
		"add":      "failed: job failed at step unzip_source",
		"analyze":  "upstream_failed: needs add: failed",
		"snapshot": "upstream_failed: needs analyze: upstream_failed",
		"export":   "completed",
	})
	for _, typ := range w.posts(t) {
		if typ == "analyze" || typ == "consolidate_snapshot" {
			t.Errorf("posted %s after its dependency failed", typ)
		}
	}
	if !res.Failed() {
		t.Error("Result.Failed() = false, want true")
	}
}

func TestConditionErrorFailsStepNotRun(t *testing.T) {
	w := newWorld(t, "app1")
	src := `version: 1
name: c10
inputs: {app: {type: string}}
steps:
  find:
    query: application
    with: {name: nothing-of-that-name}
  notify:
    job: BACKUP
    if: "len(steps.find.outputs.appGuid) > 0"
    with: {appGuid: "${{ inputs.app }}"}
  other:
    job: BACKUP
    with: {appGuid: "${{ inputs.app }}"}
`
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]})
	wantStates(t, res, map[string]string{
		"find":   "completed",
		"notify": "failed: wf.yaml:10:9: if: invalid argument for len (type <nil>)",
		"other":  "completed",
	})
}

func TestIndependentJobsRunTogether(t *testing.T) {
	w := newWorld(t, "app1", "app2")
	src := `version: 1
name: parallel
inputs: {a: {type: string}, b: {type: string}}
steps:
  one:
    job: add_version
    with: {appGuid: "${{ inputs.a }}", sourcePath: "sources:x", endStep: deliver_version}
  two:
    job: add_version
    with: {appGuid: "${{ inputs.b }}", sourcePath: "sources:y", endStep: deliver_version}
`
	res, _ := w.run(t, context.Background(), src,
		map[string]string{"a": w.apps["app1"], "b": w.apps["app2"]})
	wantStates(t, res, map[string]string{"one": "completed", "two": "completed"})
	a, b := res.Steps[0], res.Steps[1]
	if !(a.Started.Before(b.Ended) && b.Started.Before(a.Ended)) {
		t.Errorf("steps did not overlap: one %v–%v, two %v–%v",
			a.Started, a.Ended, b.Started, b.Ended)
	}
	for _, s := range res.Steps {
		if s.Outputs["versionGuid"] == nil || s.Outputs["versionName"] != s.Request["versionName"] {
			t.Errorf("step %s outputs %v: want the created version", s.ID, s.Outputs)
		}
	}
}

func TestIntegerOverflowFailsConditionNeverSkips(t *testing.T) {
	w := newWorld(t, "app1")
	src := `version: 1
name: c11
inputs:
  app: {type: string}
  maxLines: {type: integer, default: 10000000}
steps:
  analyze:
    job: BACKUP
    if: "inputs.maxLines * 1000000000000 > 0"
    with: {appGuid: "${{ inputs.app }}"}
  small:
    job: BACKUP
    if: "inputs.maxLines * 1000 > 0"
    with: {appGuid: "${{ inputs.app }}"}
`
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]})
	wantStates(t, res, map[string]string{
		"analyze": "failed: wf.yaml:9:9: if: integer overflow",
		"small":   "completed",
	})

	p := mustBuild(t, src)
	_, err := engine.ResolveInputs(p.Workflow,
		map[string]string{"app": "a", "maxLines": "99999999999999999999"})
	if err == nil || !strings.Contains(err.Error(), "out of range for integer") {
		t.Errorf("ResolveInputs: %v, want out of range for integer", err)
	}
}

func TestFailedStepOutputsReachFailureHandler(t *testing.T) {
	w := newWorld(t, "app1")
	w.sim.FailJob("add_version", "code_scanner")
	src := `version: 1
name: handler
inputs: {app: {type: string}}
steps:
  add:
    job: add_version
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x"}
  report:
    job: BACKUP
    if: failure()
    with:
      appGuid: "${{ inputs.app }}"
      backupName: "after-${{ steps.add.outputs.failureStep }}-${{ steps.add.outputs.state }}"
`
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]})
	wantStates(t, res, map[string]string{"add": "failed", "report": "completed"})
	if got := res.Steps[1].Request["backupName"]; got != "after-code_scanner-failed" {
		t.Errorf("backupName %q, want after-code_scanner-failed", got)
	}
}

func TestNamedNodeMissingFailsLookup(t *testing.T) {
	w := newWorld(t)
	w.sim.AddNode("node-a")
	src := `version: 1
name: nodes
steps:
  node:
    query: node
    with: {name: node-b}
`
	res, _ := w.run(t, context.Background(), src, nil)
	wantStates(t, res, map[string]string{"node": `failed: node query: no AIP node named "node-b"`})
}

func TestFallbackOverSkippedOutput(t *testing.T) {
	w := newWorld(t, "app1")
	src := `version: 1
name: fallback
inputs: {app: {type: string}}
steps:
  backup:
    job: BACKUP
    if: "false"
    with: {appGuid: "${{ inputs.app }}"}
  add:
    job: BACKUP
    needs: [backup]
    with: {appGuid: "${{ steps.backup.outputs.appGuid ?? inputs.app }}"}
  never:
    job: BACKUP
    if: "false"
    with: {appGuid: "${{ steps.backup.outputs.appGuid }}"}
`
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]})
	wantStates(t, res, map[string]string{
		"backup": "skipped", "add": "completed",
		// Its parameters are not evaluated: the condition comes first.
		"never": "skipped: condition false",
	})
	if got := find(t, res, "add").Request["appGuid"]; got != w.apps["app1"] {
		t.Errorf("add sent appGuid %q, want the fallback %q", got, w.apps["app1"])
	}
}

func TestRunTimeoutCancelsJobsAndFailsSteps(t *testing.T) {
	w := newSlowWorld(t, 20*time.Millisecond, "app1")
	src := `version: 1
name: run-timeout
inputs: {app: {type: string}}
steps:
  add:
    job: add_version
    with: {appGuid: "${{ inputs.app }}", sourcePath: "sources:x"}
  after:
    job: BACKUP
    needs: [add]
    with: {appGuid: "${{ inputs.app }}"}
`
	res, _ := w.run(t, context.Background(), src, map[string]string{"app": w.apps["app1"]},
		func(o *engine.Options) { o.Timeout = 80 * time.Millisecond })
	wantStates(t, res, map[string]string{
		"add":   "failed: run timed out after 80ms; job canceled on the Console",
		"after": "canceled: not started: run timed out after 80ms",
	})
	if st, _ := w.sim.Job(res.Steps[0].JobGUID); st.State != console.StateCanceled {
		t.Errorf("Console job %s, want canceled", st.State)
	}
	if !res.Failed() {
		t.Error("Result.Failed() = false, want true")
	}
}
