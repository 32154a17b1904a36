package consolesim_test

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console/consolesim"
)

// setFaults sets the simulator's faults or fails the test.
func (e *env) setFaults(f consolesim.Faults) {
	e.t.Helper()
	if err := e.sim.SetFaults(f); err != nil {
		e.t.Fatal(err)
	}
}

// onlyJobs is a Faults.Match that picks POST /api/jobs.
func onlyJobs(method, path string) bool {
	return method == http.MethodPost && path == "/api/jobs"
}

func TestErrorRateRefusesBeforeTheConsole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.setFaults(consolesim.Faults{ErrorRate: 1, ErrorStatuses: []int{503}})

	// Even the login is refused, and no session opens.
	req := e.request(http.MethodGet, "/api/user", nil)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || len(resp.Cookies()) != 0 {
		t.Errorf("login: status %d cookies %v, want 503 and none", resp.StatusCode, resp.Cookies())
	}

	e.setFaults(consolesim.Faults{ErrorRate: 1, Match: onlyJobs})
	e.login()
	body := map[string]any{"jobType": "add_version",
		"jobParameters": addVersionParams(app, "v1", "deliver_version")}
	seen := map[int]bool{}
	for range 40 {
		status, _ := e.send(e.request(http.MethodPost, "/api/jobs", body))
		seen[status] = true
	}
	for status := range seen {
		if !slices.Contains([]int{500, 502, 503, 504}, status) {
			t.Errorf("status %d, want one of 500, 502, 503, 504", status)
		}
	}
	if len(seen) < 2 {
		t.Errorf("statuses %v, want a mix", seen)
	}
	st := e.sim.Stats()
	if len(e.sim.Jobs()) != 0 || st.Jobs["add_version"] != 0 || len(e.sim.Versions(app)) != 0 {
		t.Errorf("refused submissions created jobs %v or versions", st.Jobs)
	}
	if st.Faults[consolesim.FaultError] != 41 || st.Sessions != 1 {
		t.Errorf("stats %+v, want 41 error faults and 1 session", st)
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		retryAfter time.Duration
		want       string
	}{
		{retryAfter: 2 * time.Second, want: "2"},
		{retryAfter: 1400 * time.Millisecond, want: "1"},
		{retryAfter: 400 * time.Millisecond, want: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.retryAfter.String(), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, consolesim.Options{})
			e.setFaults(consolesim.Faults{ThrottleRate: 1, RetryAfter: tt.retryAfter})
			resp, err := e.client.Do(e.request(http.MethodGet, "/api/", nil))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != tt.want {
				t.Errorf("status %d Retry-After %q, want 429 %q",
					resp.StatusCode, resp.Header.Get("Retry-After"), tt.want)
			}
			reqs := e.sim.Requests()
			if reqs[0].Fault != consolesim.FaultThrottle || reqs[0].Status != 429 {
				t.Errorf("recorded %+v, want a throttle fault", reqs[0])
			}
		})
	}
}

// TestLostAnswerCreatesTheJob checks that a lost answer comes after the
// job was created: the client sees a 502 or 504, the Console has the job.
func TestLostAnswerCreatesTheJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.login()
	e.setFaults(consolesim.Faults{LostRate: 1})

	e.call(http.MethodGet, "/api/applications", nil, 200, nil) // safe methods keep their answers
	body := map[string]any{"jobType": "add_version",
		"jobParameters": addVersionParams(app, "v1", "deliver_version")}
	status, data := e.send(e.request(http.MethodPost, "/api/jobs", body))
	if status != 502 && status != 504 {
		t.Fatalf("status %d body %s, want 502 or 504", status, data)
	}
	jobs := e.sim.Jobs()
	if len(jobs) != 1 || jobs[0].JobType != "add_version" || e.sim.Stats().Jobs["add_version"] != 1 {
		t.Fatalf("jobs %v, want the add_version job", jobs)
	}
	if vs := e.sim.Versions(app); len(vs) != 1 || vs[0].Name != "v1" {
		t.Errorf("versions %v, want v1", vs)
	}

	// A refused request is not lost again: only successes are.
	bad := map[string]any{"jobType": "fly"}
	if status, _ := e.send(e.request(http.MethodPost, "/api/jobs", bad)); status != 400 {
		t.Errorf("bad job type: status %d, want 400", status)
	}
	reqs := e.sim.Requests()
	faults := []string{}
	for _, r := range reqs {
		faults = append(faults, r.Fault)
	}
	if want := []string{"", "", consolesim.FaultLost, ""}; !slices.Equal(faults, want) {
		t.Errorf("recorded faults %q, want %q", faults, want)
	}
}

// statuses sends n requests to a new simulator with the given faults, one
// at a time, and returns the statuses answered.
func statuses(t *testing.T, f consolesim.Faults, n int) []int {
	t.Helper()
	e := newEnv(t, consolesim.Options{})
	e.setFaults(f)
	var got []int
	for range n {
		status, _ := e.send(e.request(http.MethodGet, "/api/", nil))
		got = append(got, status)
	}
	return got
}

func TestFaultsAreReproducible(t *testing.T) {
	t.Parallel()
	f := consolesim.Faults{Seed: 42, ErrorRate: 0.2, ThrottleRate: 0.1}
	first, second := statuses(t, f, 200), statuses(t, f, 200)
	if !slices.Equal(first, second) {
		t.Fatalf("same seed, different answers:\n%v\n%v", first, second)
	}
	counts := map[int]int{}
	for _, s := range first {
		counts[s/100*100]++
	}
	// 200 draws at 20% and 10% of the rest: far from 0 and from 200.
	if counts[500] < 20 || counts[500] > 60 || counts[400] < 5 || counts[400] > 35 {
		t.Errorf("answers by class %v, want about 40 5xx and 16 429", counts)
	}
	f.Seed = 43
	if slices.Equal(first, statuses(t, f, 200)) {
		t.Error("seeds 42 and 43 gave the same answers")
	}
}

func TestSetFaultsRejectsBadValues(t *testing.T) {
	t.Parallel()
	sim := consolesim.New(consolesim.Options{})
	tests := []struct {
		name string
		f    consolesim.Faults
		want string
	}{
		{"rate above 1", consolesim.Faults{ErrorRate: 1.5}, "ErrorRate 1.5"},
		{"negative rate", consolesim.Faults{ThrottleRate: -0.1}, "ThrottleRate -0.1"},
		{"lost rate", consolesim.Faults{LostRate: 2}, "LostRate 2"},
		{"negative latency", consolesim.Faults{Latency: -time.Second}, "Latency -1s"},
		{"not a 5xx", consolesim.Faults{ErrorStatuses: []int{429}}, "429 is not a 5xx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sim.SetFaults(tt.f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("SetFaults: %v, want an error with %q", err, tt.want)
			}
		})
	}
	good := consolesim.Faults{Seed: 7, ErrorRate: 0.5, ErrorStatuses: []int{502}}
	if err := sim.SetFaults(good); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFaults(consolesim.Faults{ErrorRate: 3}); err == nil {
		t.Fatal("SetFaults accepted ErrorRate 3")
	}
	if got := sim.Faults(); got.Seed != 7 || got.ErrorRate != 0.5 ||
		!slices.Equal(got.ErrorStatuses, []int{502}) {
		t.Errorf("Faults() %+v after a refused change, want %+v", got, good)
	}
}

// TestLatencyDoesNotHoldTheLock sends requests that each wait 300 ms at
// once: they overlap, so together they take far less than 4 × 300 ms.
func TestLatencyDoesNotHoldTheLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	const latency = 300 * time.Millisecond
	e.setFaults(consolesim.Faults{Latency: latency, Jitter: 10 * time.Millisecond})

	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			req := e.request(http.MethodGet, "/api/", nil)
			if status, _ := e.send(req); status != 200 {
				t.Errorf("status %d, want 200", status)
			}
		})
	}
	wg.Wait()
	if d := time.Since(start); d < latency || d >= 4*latency {
		t.Errorf("4 requests with %v latency took %v, want about %v", latency, d, latency)
	}
}

// TestAbandonedDuringLatency checks that a request whose client gives up
// while it waits is never handled: the job it carried is not created.
func TestAbandonedDuringLatency(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.login()
	e.setFaults(consolesim.Faults{Latency: 5 * time.Second})

	e.client.Timeout = 50 * time.Millisecond
	body := map[string]any{"jobType": "add_version",
		"jobParameters": addVersionParams(app, "v1", "deliver_version")}
	if _, err := e.client.Do(e.request(http.MethodPost, "/api/jobs", body)); err == nil {
		t.Fatal("request answered despite the latency")
	}
	deadline := time.Now().Add(3 * time.Second)
	for e.sim.Stats().Faults[consolesim.FaultAbandoned] == 0 {
		if time.Now().After(deadline) {
			t.Fatal("abandoned request not recorded")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if jobs := e.sim.Jobs(); len(jobs) != 0 {
		t.Errorf("jobs %v, want none", jobs)
	}
	last := e.sim.Requests()[1]
	if last.Status != 0 || last.Path != "/api/jobs" {
		t.Errorf("recorded %+v, want the POST with status 0", last)
	}
}

// TestFaultsWhileServing changes faults, restarts and loses jobs while
// clients hammer the simulator, for the race detector, and checks that
// the counters agree with the request log.
func TestFaultsWhileServing(t *testing.T) {
	t.Parallel()
	sim := consolesim.New(consolesim.Options{APIKey: testKey, StepTime: time.Millisecond})
	app := sim.AddApplication("webi")
	var wg sync.WaitGroup
	for i := range 4 {
		e := serve(t, sim)
		wg.Go(func() {
			for n := range 30 {
				e.send(e.request(http.MethodGet, "/api/user", nil))
				p := addVersionParams(app, fmt.Sprint(i, ".", n), "deliver_version")
				body := map[string]any{"jobType": "add_version", "jobParameters": p}
				e.send(e.request(http.MethodPost, "/api/jobs", body))
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			_ = sim.SetFaults(consolesim.Faults{
				Seed: uint64(i), ErrorRate: 0.2, ThrottleRate: 0.1, LostRate: 0.2,
				SessionTTL: 3 * time.Millisecond, XSRFRotate: time.Millisecond,
			})
			sim.Restart()
			if jobs := sim.Jobs(); len(jobs) > 0 {
				sim.LoseJob(jobs[len(jobs)-1].GUID)
			}
			time.Sleep(time.Millisecond)
		}
	})
	wg.Wait()

	st, reqs, jobs := sim.Stats(), sim.Requests(), sim.Jobs()
	faults := map[string]int{}
	for _, r := range reqs {
		if r.Fault != "" {
			faults[r.Fault]++
		}
	}
	if st.Requests != len(reqs) || st.Requests != 4*60 || !maps.Equal(st.Faults, faults) {
		t.Errorf("stats %+v, want %d requests and faults %v", st, len(reqs), faults)
	}
	if st.Jobs["add_version"] != len(jobs) || st.Restarts != 20 {
		t.Errorf("stats %+v, want %d jobs and 20 restarts", st, len(jobs))
	}
}

func TestFaultsScaled(t *testing.T) {
	t.Parallel()
	f := consolesim.Faults{Seed: 1, ErrorRate: 0.2, ErrorStatuses: []int{503},
		RetryAfter: 2 * time.Second, Latency: 50 * time.Millisecond, Jitter: 10 * time.Millisecond,
		SessionTTL: time.Minute, XSRFRotate: 30 * time.Second}
	got := f.Scaled(100)
	want := consolesim.Faults{Seed: 1, ErrorRate: 0.2, ErrorStatuses: []int{503},
		RetryAfter: 20 * time.Millisecond, Latency: 500 * time.Microsecond,
		Jitter: 100 * time.Microsecond, SessionTTL: 600 * time.Millisecond,
		XSRFRotate: 300 * time.Millisecond}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Scaled(100):\n got %+v\nwant %+v", got, want)
	}
	got.ErrorStatuses[0] = 500
	if f.ErrorStatuses[0] != 503 {
		t.Error("Scaled shares ErrorStatuses with its receiver")
	}
	if same := f.Scaled(0); !reflect.DeepEqual(same, f) {
		t.Errorf("Scaled(0) = %+v, want f unchanged", same)
	}
}
