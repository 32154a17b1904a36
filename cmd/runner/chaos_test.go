package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console/consolesim"
)

// chaosSpeed is how much faster than a Console the chaos simulator runs:
// a 20 s job step takes 200 ms, and the run's polls and retry pauses are
// divided likewise by --speed. Faster, the XSRF token would rotate every
// 30 ms, less than a login and a POST take under the race detector on a
// busy machine: a Console whose token outlives no request.
const chaosSpeed = 100

// TestChaos runs a 10-step workflow over three applications while the
// Console answers 20% of requests with a 5xx, rotates its XSRF token every
// 30 s, expires sessions every minute and restarts once (Console time).
// The run must complete with the right outputs, and no job may be
// submitted twice.
//
// Reads get 502, 503 or 504 from the simulator. POST /api/jobs gets 503
// from a wrapper in front of it, before the Console sees it: a 502 or 504
// to a POST cannot tell whether the job was created, and the client then
// rightly refuses to send it again (TestLostAnswerIsNotResubmitted).
func TestChaos(t *testing.T) {
	sim := consolesim.New(consolesim.Options{APIKey: testKey, StepTime: 20 * time.Second / chaosSpeed})
	consolesim.SeedDemo(sim)
	faults := consolesim.Faults{
		Seed:          7,
		ErrorRate:     0.2,
		ErrorStatuses: []int{502, 503, 504},
		Match:         func(method, _ string) bool { return method != http.MethodPost },
		SessionTTL:    time.Minute,
		XSRFRotate:    30 * time.Second,
	}
	if err := sim.SetFaults(faults.Scaled(chaosSpeed)); err != nil {
		t.Fatal(err)
	}
	var (
		mu             sync.Mutex
		rng            = rand.New(rand.NewPCG(7, 7))
		posts, refused int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			mu.Lock()
			refuse := rng.Float64() < 0.2
			if refuse {
				refused++
			}
			posts++
			if posts == 4 {
				// Halfway through the run, the Console restarts: every
				// session and XSRF token is forgotten, jobs go on.
				sim.Restart()
			}
			mu.Unlock()
			if refuse {
				http.Error(w, "<html><body>503 Service Unavailable</body></html>", http.StatusServiceUnavailable)
				return
			}
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	report := filepath.Join(t.TempDir(), "report.json")
	env := map[string]string{"AIP_CONSOLE_URL": srv.URL, "AIP_CONSOLE_API_KEY": testKey}
	r := runCLI(t, env, "run", "testdata/chaos/ten-steps.yaml", "--speed", fmt.Sprint(chaosSpeed),
		"--report", report)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}

	st := sim.Stats()
	t.Logf("%d requests, faults %v, %d POSTs refused, %d sessions, %d restarts",
		st.Requests, st.Faults, refused, st.Sessions, st.Restarts)
	if st.Faults[consolesim.FaultError] == 0 || refused == 0 {
		t.Fatalf("no 5xx was injected (reads %d, POSTs %d): the test tests nothing",
			st.Faults[consolesim.FaultError], refused)
	}
	if st.Restarts != 1 {
		t.Errorf("%d restarts during the run, want 1", st.Restarts)
	}
	if st.Sessions < 3 {
		t.Errorf("%d sessions, want several: sessions expire every minute of Console time", st.Sessions)
	}
	want := map[string]int{"declare_application": 1, "backup": 1, "add_version": 2, "analyze": 2,
		"consolidate_snapshot": 1}
	for typ, n := range want {
		if st.Jobs[typ] != n {
			t.Errorf("%d %s jobs created, want %d", st.Jobs[typ], typ, n)
		}
	}
	if len(st.Jobs) != len(want) {
		t.Errorf("jobs created %v, want %v", st.Jobs, want)
	}
	checkChaosOutputs(t, sim, report)
}

// checkChaosOutputs compares the run's outputs in its report with what the
// simulator holds.
func checkChaosOutputs(t *testing.T, sim *consolesim.Server, report string) {
	t.Helper()
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Items []struct {
			Outputs map[string]any
			Steps   []struct{ ID, State string }
		}
	}
	if err := json.Unmarshal(data, &rep); err != nil || len(rep.Items) != 1 {
		t.Fatalf("report: %v, %d items", err, len(rep.Items))
	}
	it := rep.Items[0]
	if len(it.Steps) != 10 {
		t.Errorf("%d steps in the report, want 10", len(it.Steps))
	}
	for _, s := range it.Steps {
		if s.State != "completed" {
			t.Errorf("step %s %s, want completed", s.ID, s.State)
		}
	}

	apps := map[string]string{}
	for _, a := range sim.Applications() {
		apps[strings.ToLower(a.Name)] = a.GUID
	}
	if got := it.Outputs["newApp"]; got != apps["chaos-new"] || got == "" {
		t.Errorf("outputs.newApp = %v, want the GUID of chaos-new, %q", got, apps["chaos-new"])
	}
	versionGUID := func(app, name string) string {
		for _, v := range sim.Versions(apps[app]) {
			if v.Name == name {
				return v.GUID
			}
		}
		return ""
	}
	for out, v := range map[string][2]string{
		"demoVersion": {"demo-app", "chaos-demo-1"}, "newVersion": {"chaos-new", "chaos-new-1"},
	} {
		if got, want := it.Outputs[out], versionGUID(v[0], v[1]); got != want || want == "" {
			t.Errorf("outputs.%s = %v, want the GUID of version %s, %q", out, got, v[1], want)
		}
	}
	if it.Outputs["sameVersion"] != true {
		t.Errorf("outputs.sameVersion = %v, want true", it.Outputs["sameVersion"])
	}
}
