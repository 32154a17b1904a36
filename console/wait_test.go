package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
)

const jobGUID = "00000000-0000-0000-0000-000000000011"

// answer is one scripted HTTP response.
type answer struct {
	status      int
	contentType string
	body        string
}

var (
	started   = answer{200, "application/json", `{"guid":"` + jobGUID + `","state":"started"}`}
	completed = answer{200, "application/json", `{"guid":"` + jobGUID + `","state":"completed"}`}
	lost      = answer{404, "application/json", `{"message":"job not found"}`}
	boom      = answer{500, "text/plain", "boom"}
)

// scripted is a fake Console whose job status answers follow a script;
// the last answer repeats. Other paths answer 200 {}.
type scripted struct {
	mu      sync.Mutex
	script  []answer
	polls   int
	headers []http.Header
}

func newScripted(t *testing.T, script ...answer) (*scripted, *httptest.Server) {
	t.Helper()
	f := &scripted{script: script}
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	return f, ts
}

func (f *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/api/jobs/") {
		reply(w, http.StatusOK, "application/json", `{}`)
		return
	}
	f.mu.Lock()
	a := f.script[min(f.polls, len(f.script)-1)]
	f.polls++
	f.mu.Unlock()
	reply(w, a.status, a.contentType, a.body)
}

func (f *scripted) pollCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls
}

// TestWaitToleratesFailedPolls is C22 input A: a fresh job answers 404,
// then a plain-text 500, then a proxy's HTML 504, and then runs to its
// end. Each failure is logged with its status and content type.
func TestWaitToleratesFailedPolls(t *testing.T) {
	t.Parallel()
	faults := []answer{
		lost,
		{500, "text/plain", "Internal error"},
		{504, "text/html", "<html>Gateway Time-out</html>"},
	}
	var (
		mu    sync.Mutex
		polls int
	)
	s, ts := newSim(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/api/jobs/") {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		polls++
		if polls > len(faults) {
			return false
		}
		a := faults[polls-1]
		reply(w, a.status, a.contentType, a.body)
		return true
	})
	appGUID := s.AddApplication("demo")
	var log logBuffer
	c := newClient(t, ts.URL, &log)
	ctx := context.Background()

	start, err := c.SubmitJob(ctx, "add_version", map[string]string{
		"appGuid": appGUID, "sourcePath": "sources:demo",
	})
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	var states []string
	opts := fastWait
	opts.OnProgress = func(st console.JobStatus) { states = append(states, st.State) }
	st, err := c.Wait(ctx, start.JobGUID, opts)
	if err != nil || st.State != console.StateCompleted {
		t.Fatalf("Wait = %q, %v; want completed", st.State, err)
	}
	if len(states) == 0 || states[len(states)-1] != console.StateCompleted {
		t.Errorf("OnProgress states %v, want them to end with completed", states)
	}

	out := log.String()
	for _, want := range []string{
		"status=404 content_type=application/json",
		"status=500 content_type=text/plain",
		"status=504 content_type=text/html",
		"HTML page: Gateway Time-out",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "invalid character") {
		t.Errorf("log reports a JSON syntax error:\n%s", out)
	}
	if n := len(requestsTo(s, http.MethodPost, "/api/jobs")); n != 1 {
		t.Errorf("%d POST /api/jobs, want 1", n)
	}
}

// TestWaitJobLost is C22 input B: the Console restarted and lost the job.
// Wait gives up after the default 20 failed polls with an error that says
// so, and nothing is posted again.
func TestWaitJobLost(t *testing.T) {
	t.Parallel()
	f, ts := newScripted(t, started, lost)
	c := newClient(t, ts.URL, nil)

	opts := console.WaitOptions{Interval: time.Millisecond}
	st, err := c.Wait(context.Background(), jobGUID, opts)
	want := "job " + jobGUID + " is no longer known to Console (HTTP 404 on 20 consecutive polls)"
	if err == nil || err.Error() != want {
		t.Fatalf("Wait error\n got %v\nwant %s", err, want)
	}
	if !errors.Is(err, console.ErrNotFound) {
		t.Errorf("error %v does not match ErrNotFound", err)
	}
	if st.State != console.StateStarted {
		t.Errorf("returned status %q, want the last one read (started)", st.State)
	}
	if n := f.pollCount(); n != 21 {
		t.Errorf("%d polls, want 1 good + 20 failed", n)
	}
}

func TestWaitGivesUp(t *testing.T) {
	t.Parallel()
	f, ts := newScripted(t, boom)
	c := newClient(t, ts.URL, nil)

	_, err := c.Wait(context.Background(), jobGUID, console.WaitOptions{
		Interval: time.Millisecond, MaxErrors: 3,
	})
	want := "job " + jobGUID + ": status unavailable after 3 consecutive failed polls: " +
		"console: GET /api/jobs/" + jobGUID + ": HTTP 500 Internal Server Error: boom"
	if err == nil || err.Error() != want {
		t.Fatalf("Wait error\n got %v\nwant %s", err, want)
	}
	if n := f.pollCount(); n != 3 {
		t.Errorf("%d polls, want 3", n)
	}
}

// TestWaitCountsConsecutiveFailures checks that a good poll resets the
// count of failures.
func TestWaitCountsConsecutiveFailures(t *testing.T) {
	t.Parallel()
	_, ts := newScripted(t, boom, boom, started, boom, boom, started, boom, boom, completed)
	c := newClient(t, ts.URL, nil)

	st, err := c.Wait(context.Background(), jobGUID, console.WaitOptions{
		Interval: time.Millisecond, MaxErrors: 3,
	})
	if err != nil || st.State != console.StateCompleted {
		t.Errorf("Wait = %q, %v; want completed", st.State, err)
	}
}

func TestWaitUnauthorizedStopsAtOnce(t *testing.T) {
	t.Parallel()
	f, ts := newScripted(t, started, answer{401, "application/json", `{"message":"expired"}`})
	c := newClient(t, ts.URL, nil)

	_, err := c.Wait(context.Background(), jobGUID, console.WaitOptions{Interval: time.Millisecond})
	if !errors.Is(err, console.ErrUnauthorized) {
		t.Fatalf("Wait error %v, want ErrUnauthorized", err)
	}
	want := "job " + jobGUID + ": console: GET /api/jobs/"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
	if n := f.pollCount(); n != 2 {
		t.Errorf("%d polls, want 2 (no retry after 401)", n)
	}
}

func TestWaitStates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want string
	}{
		{"British spelling", `{"state":"CANCELLED"}`, console.StateCanceled},
		{"British spelling, lower case", `{"state":"cancelled"}`, console.StateCanceled},
		{"canceling stops polling", `{"state":"canceling"}`, console.StateCanceling},
		{"stopped", `{"state":"stopped"}`, console.StateStopped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, ts := newScripted(t, started, answer{200, "application/json", tt.body})
			c := newClient(t, ts.URL, nil)

			st, err := c.Wait(context.Background(), jobGUID, fastWait)
			if err != nil || st.State != tt.want {
				t.Errorf("Wait = %q, %v; want %q", st.State, err, tt.want)
			}
		})
	}
}

// TestWaitNoState checks that a status without a state counts as a failed
// poll rather than as a terminal state.
func TestWaitNoState(t *testing.T) {
	t.Parallel()
	_, ts := newScripted(t, answer{200, "application/json", `{"guid":"x"}`}, completed)
	c := newClient(t, ts.URL, nil)

	st, err := c.Wait(context.Background(), jobGUID, fastWait)
	if err != nil || st.State != console.StateCompleted {
		t.Errorf("Wait = %q, %v; want completed", st.State, err)
	}
}

func TestWaitContextCause(t *testing.T) {
	t.Parallel()
	_, ts := newScripted(t, started)
	c := newClient(t, ts.URL, nil)
	errStop := errors.New("step timed out")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)

	begin := time.Now()
	_, err := c.Wait(ctx, jobGUID, console.WaitOptions{
		Interval:   time.Hour,
		OnProgress: func(console.JobStatus) { cancel(errStop) },
	})
	if !errors.Is(err, errStop) {
		t.Errorf("Wait error %v, want the context's cause", err)
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("Wait took %v after cancellation", d)
	}
}

// TestWaitRefreshesSession checks the periodic GET /api/user during a
// long wait.
func TestWaitRefreshesSession(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, nil)
	appGUID := s.AddApplication("demo")
	c := newClient(t, ts.URL, nil)
	ctx := context.Background()

	start, err := c.SubmitJob(ctx, "add_version", map[string]string{
		"appGuid": appGUID, "sourcePath": "sources:demo",
	})
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	opts := fastWait
	opts.SessionRefresh = 10 * time.Millisecond
	if _, err := c.Wait(ctx, start.JobGUID, opts); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	logins := requestsTo(s, http.MethodGet, "/api/user")
	if len(logins) == 0 {
		t.Fatal("no GET /api/user while polling")
	}
	for _, r := range logins {
		if r.Status != http.StatusOK {
			t.Errorf("GET /api/user answered %d", r.Status)
		}
	}
}

func TestWaitHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		times []time.Time
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		n := len(times)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			reply(w, http.StatusServiceUnavailable, "text/plain", "busy")
			return
		}
		reply(w, completed.status, completed.contentType, completed.body)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, nil)

	if _, err := c.Wait(context.Background(), jobGUID, fastWait); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 || times[1].Sub(times[0]) < 900*time.Millisecond {
		t.Errorf("polls at %v, want two about 1 s apart", times)
	}
}

func TestTerminal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state, norm string
		terminal    bool
	}{
		{"starting", "starting", false},
		{"started", "started", false},
		{" STARTED ", "started", false},
		{"canceling", "canceling", true},
		{"Cancelling", "canceling", true},
		{"canceled", "canceled", true},
		{"cancelled", "canceled", true},
		{"completed", "completed", true},
		{"failed", "failed", true},
		{"stopped", "stopped", true},
		{"paused", "paused", false},
	}
	for _, tt := range tests {
		if got := console.NormalizeState(tt.state); got != tt.norm {
			t.Errorf("NormalizeState(%q) = %q, want %q", tt.state, got, tt.norm)
		}
		if got := console.Terminal(tt.state); got != tt.terminal {
			t.Errorf("Terminal(%q) = %v, want %v", tt.state, got, tt.terminal)
		}
	}
}

// TestWaitUnknownState checks that a state Console 1.x does not have is
// polled on, with one warning per job, and that Wait gives up after
// MaxErrors such polls in a row with an error naming the state.
func TestWaitUnknownState(t *testing.T) {
	t.Parallel()
	paused := answer{200, "application/json", `{"state":"Paused"}`}
	tests := []struct {
		name   string
		script []answer
		polls  int
		want   string // the error, or "" for success
	}{
		{"gives up", []answer{started, paused}, 4,
			"job " + jobGUID + `: unknown state "paused" on 3 consecutive polls; check the job on Console`},
		{"passes", []answer{started, paused, paused, started, paused, paused, completed}, 7, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, ts := newScripted(t, tt.script...)
			var log logBuffer
			c := newClient(t, ts.URL, &log)

			st, err := c.Wait(context.Background(), jobGUID, console.WaitOptions{
				Interval: time.Millisecond, MaxErrors: 3,
			})
			switch {
			case tt.want == "" && (err != nil || st.State != console.StateCompleted):
				t.Errorf("Wait = %q, %v; want completed", st.State, err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("Wait error\n got %v\nwant %s", err, tt.want)
			case tt.want != "" && st.State != "paused":
				t.Errorf("Wait returned state %q, want the last one read", st.State)
			}
			if n := f.pollCount(); n != tt.polls {
				t.Errorf("%d polls, want %d", n, tt.polls)
			}
			if n := strings.Count(log.String(), "level=WARN"); n != 1 ||
				!strings.Contains(log.String(), `msg="unknown job state; polling on"`) {
				t.Errorf("want one warning about the unknown state, got:\n%s", log.String())
			}
		})
	}
}

// TestWaitOnePollPerInterval checks that the client's retries do not
// apply to the polls of Wait: a job's status is asked once per interval
// even when polls fail with retryable statuses.
func TestWaitOnePollPerInterval(t *testing.T) {
	t.Parallel()
	busy := answer{503, "text/plain", "busy"}
	f := &scripted{script: []answer{busy, {502, "text/html", "<html>bad gateway</html>"},
		busy, started, busy, completed}}
	var (
		mu    sync.Mutex
		times []time.Time
	)
	wrapped := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(wrapped.Close)
	c := newClient(t, wrapped.URL, nil)

	const interval = 20 * time.Millisecond
	st, err := c.Wait(context.Background(), jobGUID, console.WaitOptions{Interval: interval})
	if err != nil || st.State != console.StateCompleted {
		t.Fatalf("Wait = %q, %v; want completed", st.State, err)
	}
	if n := f.pollCount(); n != 6 {
		t.Errorf("%d polls, want 6: one per interval", n)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < interval*9/10 {
			t.Errorf("poll %d came %v after the previous one, want at least %v", i+1, gap, interval*9/10)
		}
	}
}
