package consolesim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// declare is the body of a small job submission.
var declare = map[string]any{"jobType": "declare_application",
	"jobParameters": map[string]any{"appName": "a"}}

// post submits declare with the jar's session and token, and returns the
// status and the names of the cookies the answer set.
func (e *env) post() (int, []string) {
	e.t.Helper()
	resp, err := e.client.Do(e.request(http.MethodPost, "/api/jobs", declare))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	var names []string
	for _, c := range resp.Cookies() {
		names = append(names, c.Name)
	}
	return resp.StatusCode, names
}

// expect checks a post's status and the cookies its answer set.
func (e *env) expect(what string, wantStatus int, wantCookies string) {
	e.t.Helper()
	status, cookies := e.post()
	got := strings.Join(cookies, " ")
	if status != wantStatus || got != wantCookies {
		e.t.Errorf("%s: status %d cookies %q, want %d %q", what, status, got, wantStatus, wantCookies)
	}
}

func TestSessionTTL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	e.setFaults(consolesim.Faults{SessionTTL: time.Minute})
	e.login()

	e.clock.Advance(59 * time.Second)
	e.expect("before expiry", 201, "")
	e.clock.Advance(time.Second)
	e.expect("at expiry", 403, "JSESSIONID XSRF-TOKEN")
	e.expect("with the new session", 201, "")
	if st := e.sim.Stats(); st.Sessions != 2 {
		t.Errorf("%d sessions opened, want 2", st.Sessions)
	}
}

func TestXSRFRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	e.setFaults(consolesim.Faults{XSRFRotate: 30 * time.Second})
	e.login()
	first := e.cookie("XSRF-TOKEN")

	e.clock.Advance(29 * time.Second)
	e.expect("before rotation", 201, "")
	e.clock.Advance(time.Second)
	e.expect("at rotation", 403, "XSRF-TOKEN")
	second := e.cookie("XSRF-TOKEN")
	e.expect("with the new token", 201, "")
	e.clock.Advance(15 * time.Second)
	e.expect("between rotations", 201, "")

	// A GET after a rotation passes and hands the new token out.
	e.clock.Advance(15 * time.Second)
	e.login()
	third := e.cookie("XSRF-TOKEN")
	e.expect("after a GET", 201, "")
	if first == second || second == third {
		t.Errorf("tokens %s, %s, %s: want three different ones", first, second, third)
	}
	if st := e.sim.Stats(); st.Sessions != 1 {
		t.Errorf("%d sessions opened, want 1: rotation keeps the session", st.Sessions)
	}
}

func TestRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.login()
	start := e.submit("add_version", addVersionParams(app, "v1", "deliver_version"))
	e.clock.Advance(step)

	e.sim.Restart()
	e.expect("after a restart", 403, "JSESSIONID XSRF-TOKEN")
	e.expect("with the new session", 201, "")

	e.clock.Advance(deliverSteps * step)
	if st := e.job(start.JobGUID); st.State != console.StateCompleted {
		t.Errorf("job %s after the restart, want completed", st.State)
	}
	if st := e.sim.Stats(); st.Restarts != 1 || st.Sessions != 2 {
		t.Errorf("stats %+v, want 1 restart and 2 sessions", st)
	}
}

func TestRestartAt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	e.login()
	t0 := e.clock.Now()
	e.sim.RestartAt(t0.Add(time.Minute))
	e.sim.RestartAt(t0.Add(2 * time.Minute))

	e.clock.Advance(time.Minute - time.Millisecond)
	e.expect("just before", 201, "")
	e.clock.Advance(time.Millisecond)
	e.expect("at the restart", 403, "JSESSIONID XSRF-TOKEN")
	e.expect("after it", 201, "")

	e.clock.Advance(5 * time.Minute) // the second restart happens once
	e.expect("at the second", 403, "JSESSIONID XSRF-TOKEN")
	e.expect("after the second", 201, "")
	if st := e.sim.Stats(); st.Restarts != 2 {
		t.Errorf("%d restarts, want 2", st.Restarts)
	}
}

func TestLoseJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.login()
	first := e.submit("add_version", addVersionParams(app, "v1", "deliver_version"))
	second := e.submit("add_version", addVersionParams(app, "v2", "deliver_version"))
	e.clock.Advance(step)

	if !e.sim.LoseJob(first.JobGUID) {
		t.Fatal("LoseJob found no job")
	}
	if e.sim.LoseJob(first.JobGUID) || e.sim.LoseJob("nope") {
		t.Error("LoseJob lost a job twice, or one that does not exist")
	}
	path := "/api/jobs/" + first.JobGUID
	for _, p := range []string{path, path + "/steps/unzip_source/logs"} {
		status, body := e.send(e.request(http.MethodGet, p, nil))
		if status != 404 || string(body) != "{\"message\":\"job not found\"}\n" {
			t.Errorf("GET %s: %d %s, want 404 job not found", p, status, body)
		}
	}
	e.call(http.MethodPut, path, console.JobStateChange{State: "canceled"}, 404, nil)
	if _, ok := e.sim.Job(first.JobGUID); ok {
		t.Error("Job found the lost job")
	}

	// The lost job still runs: its version is delivered, and the job
	// queued behind it starts when it ends.
	e.clock.Advance(deliverSteps * step)
	if v := e.versionNamed(app, "v1"); v.Status != "delivered" {
		t.Errorf("lost job's version %s, want delivered", v.Status)
	}
	if st := e.job(second.JobGUID); st.State != console.StateStarted {
		t.Errorf("next job %s, want started", st.State)
	}
	if jobs := e.sim.Jobs(); len(jobs) != 2 || jobs[0].GUID != first.JobGUID {
		t.Errorf("Jobs() %v, want both jobs, the lost one first", jobs)
	}
}

// TestStatsCountJobsByType is the check a chaos test makes: how many jobs
// of each type the Console created, whatever the client saw.
func TestStatsCountJobsByType(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.login()
	e.submit("add_version", addVersionParams(app, "v1", "deliver_version"))
	e.submit("ADD_VERSION", addVersionParams(app, "v2", "deliver_version"))
	e.submit("declare_application", map[string]any{"appName": "b"})
	e.setFaults(consolesim.Faults{LostRate: 1, Match: onlyJobs})
	if status, cookies := e.post(); (status != 502 && status != 504) || len(cookies) != 0 {
		t.Errorf("lost answer: status %d cookies %v, want 502 or 504 and none", status, cookies)
	}

	st := e.sim.Stats()
	if st.Jobs["add_version"] != 2 || st.Jobs["declare_application"] != 2 || len(st.Jobs) != 2 {
		t.Errorf("jobs by type %v, want 2 add_version and 2 declare_application", st.Jobs)
	}
	if st.Requests != 5 || st.Faults[consolesim.FaultLost] != 1 {
		t.Errorf("stats %+v, want 5 requests and 1 lost answer", st)
	}
}
