package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
)

// signal is a slog.Handler that closes C at the first record with the
// message msg; it is how a test learns that the client has read an answer.
type signal struct {
	msg  string
	C    chan struct{}
	once *sync.Once
}

func newSignal(msg string) signal {
	return signal{msg: msg, C: make(chan struct{}), once: new(sync.Once)}
}

func (s signal) Enabled(context.Context, slog.Level) bool { return true }
func (s signal) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s signal) WithGroup(string) slog.Handler            { return s }

func (s signal) Handle(_ context.Context, r slog.Record) error {
	if r.Message == s.msg {
		s.once.Do(func() { close(s.C) })
	}
	return nil
}

// TestRetryAfterHostWide is C24: four steps submit a job each, and the
// first POST of each gets 429 with Retry-After: 1. No request reaches the
// Console until the pause is over, not even from a caller that was not
// refused; the retried POSTs are spread by jitter; exactly four jobs are
// created.
func TestRetryAfterHostWide(t *testing.T) {
	t.Parallel()
	const steps = 4
	var (
		rec     recorder
		mu      sync.Mutex
		posts   = map[string]int{} // POSTs per application
		jobs    int
		refused time.Time // when the first 429 was sent
	)
	allIn := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if xsrf(w, r) {
			return
		}
		rec.note(r)
		if r.Method != http.MethodPost {
			reply(w, http.StatusOK, "application/json", completed.body)
			return
		}
		var req console.JobRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		app := req.JobParameters["appGuid"]
		mu.Lock()
		posts[app]++
		first := posts[app] == 1
		if first && len(posts) == steps {
			close(allIn)
		}
		mu.Unlock()
		if first {
			// Refuse the four first POSTs together, once all have arrived.
			select {
			case <-allIn:
			case <-time.After(10 * time.Second):
			}
			mu.Lock()
			if refused.IsZero() {
				refused = time.Now()
			}
			mu.Unlock()
			w.Header().Set("Retry-After", "1")
			reply(w, http.StatusTooManyRequests, "application/json", `{"message":"slow down"}`)
			return
		}
		mu.Lock()
		jobs++
		guid := fmt.Sprintf("00000000-0000-0000-0000-0000000000%02d", jobs)
		mu.Unlock()
		reply(w, http.StatusCreated, "application/json", `{"jobGuid":"`+guid+`"}`)
	}))
	t.Cleanup(ts.Close)
	sig := newSignal("console request failed; retrying")
	c, err := console.New(console.Options{
		BaseURL: ts.URL, APIKey: testKey, Logger: slog.New(sig),
		Retry: console.RetryOptions{InitialInterval: 500 * time.Millisecond, MaxInterval: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	var wg sync.WaitGroup
	guids := make([]string, steps)
	for i := range steps {
		wg.Go(func() {
			js, err := c.SubmitJob(ctx, "add_version", map[string]string{"appGuid": fmt.Sprint("app-", i)})
			if err != nil {
				t.Errorf("step %d: SubmitJob: %v", i, err)
			}
			guids[i] = js.JobGUID
		})
	}
	// A fifth caller, not refused itself, starts once the client has read
	// a 429; it must wait for the pause too.
	wg.Go(func() {
		<-sig.C
		if _, err := c.JobStatus(ctx, jobGUID); err != nil {
			t.Errorf("JobStatus: %v", err)
		}
	})
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	retried := rec.times(http.MethodPost, "/api/jobs")[steps:]
	polls := rec.times(http.MethodGet, "/api/jobs/"+jobGUID)
	if len(polls) != 1 {
		t.Errorf("%d status reads, want 1", len(polls))
	}
	later := append(slices.Clone(retried), polls...)
	for _, at := range later {
		if wait := at.Sub(refused); wait < time.Second {
			t.Errorf("a request reached the Console %v after the 429, want at least 1s", wait)
		}
	}
	if spread := slices.MaxFunc(retried, time.Time.Compare).Sub(slices.MinFunc(retried,
		time.Time.Compare)); spread < 20*time.Millisecond {
		t.Errorf("the %d retried POSTs arrived within %v, want them spread by jitter", len(retried), spread)
	}
	slices.Sort(guids)
	if jobs != steps || len(slices.Compact(guids)) != steps || len(posts) != steps {
		t.Errorf("%d jobs created (GUIDs %v), want %d distinct", jobs, guids, steps)
	}
	for app, n := range posts {
		if n != 2 {
			t.Errorf("%s: %d POSTs, want 2", app, n)
		}
	}
}

// TestRetryAfterDate checks the HTTP-date form of Retry-After on a status
// read (C24, second variant): the retry waits until that date.
func TestRetryAfterDate(t *testing.T) {
	t.Parallel()
	var (
		rec  recorder
		mu   sync.Mutex
		date time.Time
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec.note(r) == 1 {
			mu.Lock()
			date = time.Now().Add(2 * time.Second).Truncate(time.Second)
			w.Header().Set("Retry-After", date.UTC().Format(http.TimeFormat))
			mu.Unlock()
			reply(w, http.StatusServiceUnavailable, "text/html", "<html>maintenance</html>")
			return
		}
		reply(w, http.StatusOK, "application/json", completed.body)
	}))
	t.Cleanup(ts.Close)
	c := newClient(t, ts.URL, nil)

	st, err := c.JobStatus(context.Background(), jobGUID)
	if err != nil || st.State != console.StateCompleted {
		t.Fatalf("JobStatus = %q, %v; want completed", st.State, err)
	}
	times := rec.times(http.MethodGet, "/api/jobs/"+jobGUID)
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 || times[1].Before(date) {
		t.Errorf("requests at %v, want the second one after %v", times, date)
	}
}

// TestRetryAfterTooLong checks that a Retry-After over the limit fails
// the call at once with a clear message, in both forms, and that later
// calls fail without a request until the pause is over.
func TestRetryAfterTooLong(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value, want string
	}{
		{"seconds", "7200",
			"Retry-After asks for a pause of 2h0m0s, more than the 10m0s limit; try again later"},
		{"date", time.Now().Add(3 * time.Hour).UTC().Format(http.TimeFormat), "more than the 10m0s limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rec recorder
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if xsrf(w, r) {
					return
				}
				rec.note(r)
				w.Header().Set("Retry-After", tt.value)
				reply(w, http.StatusTooManyRequests, "text/plain", "quota exhausted")
			}))
			t.Cleanup(ts.Close)
			c := newClient(t, ts.URL, nil)
			ctx := context.Background()

			begin := time.Now()
			_, err := c.SubmitJob(ctx, "add_version", nil)
			if !errors.Is(err, console.ErrRetryAfterTooLong) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SubmitJob error %v, want ErrRetryAfterTooLong saying %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "console: POST /api/jobs: HTTP 429 Too Many Requests") {
				t.Errorf("error %q does not name the request and its status", err)
			}
			_, err = c.Wait(ctx, jobGUID, fastWait)
			if !errors.Is(err, console.ErrRetryAfterTooLong) || !strings.Contains(err.Error(), "not sent") {
				t.Errorf("Wait error %v, want ErrRetryAfterTooLong without a request", err)
			}
			if d := time.Since(begin); d > 5*time.Second {
				t.Errorf("the calls took %v, want them to fail at once", d)
			}
			if got := rec.all(); len(got) != 1 {
				t.Errorf("requests %v, want only the first POST", got)
			}
		})
	}
}

// TestWaitRetryAfterTooLong checks that Wait ends at once when a poll is
// answered with a Retry-After over the limit.
func TestWaitRetryAfterTooLong(t *testing.T) {
	t.Parallel()
	f := &scripted{script: []answer{started, {429, "text/plain", "later"}}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600") // heeded on the 429 only
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	c := newClient(t, ts.URL, nil)

	_, err := c.Wait(context.Background(), jobGUID, fastWait)
	if !errors.Is(err, console.ErrRetryAfterTooLong) {
		t.Fatalf("Wait error %v, want ErrRetryAfterTooLong", err)
	}
	if n := f.pollCount(); n != 2 {
		t.Errorf("%d polls, want 2", n)
	}
}
