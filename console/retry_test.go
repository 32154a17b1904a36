package console_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
)

// hit is one request a test server received.
type hit struct {
	method, path string
	at           time.Time
}

// recorder notes the requests of a test server; it is safe for
// concurrent use.
type recorder struct {
	mu   sync.Mutex
	hits []hit
}

func (rec *recorder) note(r *http.Request) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.hits = append(rec.hits, hit{r.Method, r.URL.Path, time.Now()})
	return len(rec.hits)
}

// count returns how many requests had method and path.
func (rec *recorder) count(method, path string) int {
	return len(rec.times(method, path))
}

// times returns when the requests with method and path arrived.
func (rec *recorder) times(method, path string) []time.Time {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []time.Time
	for _, h := range rec.hits {
		if h.method == method && h.path == path {
			out = append(out, h.at)
		}
	}
	return out
}

// all returns every request as "METHOD path".
func (rec *recorder) all() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, h := range rec.hits {
		out = append(out, h.method+" "+h.path)
	}
	return out
}

// xsrf answers GET /api/ with an XSRF cookie, as the Console does, and
// reports whether it did.
func xsrf(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet || r.URL.Path != "/api/" {
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: "XSRF-TOKEN", Value: "tok", Path: "/"})
	reply(w, http.StatusOK, "application/json", `{"apiVersion":"1.29.1"}`)
	return true
}

// submitted is the answer to a POST /api/jobs that created a job.
const submitted = `{"jobGuid":"` + jobGUID + `"}`

// TestRetryIdempotent checks that GET and the cancel PUT are retried on
// 429, 500, 502, 504 and transport errors, and then succeed.
func TestRetryIdempotent(t *testing.T) {
	t.Parallel()
	var rec recorder
	faults := []int{500, 502, 429, 504} // 503: TestPostRetriedWhenNotProcessed
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if xsrf(w, r) {
			return
		}
		n := len(rec.times(r.Method, r.URL.Path))
		rec.note(r)
		if n < len(faults) {
			reply(w, faults[n], "text/html", "<html><title>busy</title></html>")
			return
		}
		reply(w, http.StatusOK, "application/json", completed.body)
	}))
	t.Cleanup(ts.Close)
	c, err := console.New(console.Options{BaseURL: ts.URL, APIKey: testKey, Retry: console.RetryOptions{
		MaxAttempts: 5, InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond,
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	st, err := c.JobStatus(ctx, jobGUID)
	if err != nil || st.State != console.StateCompleted {
		t.Fatalf("JobStatus = %q, %v; want completed after the faults", st.State, err)
	}
	if err := c.CancelJob(ctx, jobGUID); err != nil {
		t.Fatalf("CancelJob: %v", err)
	}
	path := "/api/jobs/" + jobGUID
	for _, m := range []string{http.MethodGet, http.MethodPut} {
		if n := rec.count(m, path); n != 5 {
			t.Errorf("%d %s requests, want 4 refused and 1 good", n, m)
		}
	}
}

// TestRetryBounds checks that MaxAttempts and MaxElapsed bound the
// retries of a Console that keeps failing.
func TestRetryBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		retry console.RetryOptions
		want  int
		msg   string
	}{
		{"attempts", console.RetryOptions{MaxAttempts: 3, InitialInterval: time.Millisecond},
			3, "(after 3 attempts)"},
		{"default attempts", fastRetry, console.DefaultMaxAttempts, "(after 6 attempts)"},
		{"elapsed", console.RetryOptions{InitialInterval: time.Hour, MaxElapsed: time.Second},
			1, "HTTP 503 Service Unavailable: down"},
		{"off", console.RetryOptions{MaxAttempts: 1}, 1, "HTTP 503 Service Unavailable: down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rec recorder
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec.note(r)
				reply(w, http.StatusServiceUnavailable, "text/plain", "down")
			}))
			t.Cleanup(ts.Close)
			c, err := console.New(console.Options{BaseURL: ts.URL, APIKey: testKey, Retry: tt.retry})
			if err != nil {
				t.Fatal(err)
			}

			_, err = c.Info(context.Background())
			if err == nil || !strings.HasSuffix(err.Error(), tt.msg) {
				t.Errorf("Info error %v, want it to end with %q", err, tt.msg)
			}
			if n := rec.count(http.MethodGet, "/api/"); n != tt.want {
				t.Errorf("%d requests, want %d", n, tt.want)
			}
		})
	}
}

// TestNoRetryOnOtherStatuses checks that 4xx answers are final, for reads
// and for job submissions.
func TestNoRetryOnOtherStatuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 404, 409, 422} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			var rec recorder
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if xsrf(w, r) {
					return
				}
				rec.note(r)
				reply(w, status, "application/json", `{"message":"no"}`)
			}))
			t.Cleanup(ts.Close)
			c := newClient(t, ts.URL, nil)
			ctx := context.Background()

			if _, err := c.JobStatus(ctx, jobGUID); err == nil {
				t.Error("JobStatus succeeded")
			}
			_, err := c.SubmitJob(ctx, "add_version", nil)
			var se *console.StatusError
			if !errors.As(err, &se) || se.Status != status || errors.Is(err, console.ErrOutcomeUnknown) {
				t.Errorf("SubmitJob error %v, want HTTP %d and no doubt about the job", err, status)
			}
			if got := rec.all(); len(got) != 2 {
				t.Errorf("requests %v, want one GET and one POST", got)
			}
		})
	}
}

// TestPostRetriedWhenNotProcessed checks that a POST refused with 429 or
// 503, which the Console did not act on, is sent again, and that exactly
// one job results.
func TestPostRetriedWhenNotProcessed(t *testing.T) {
	t.Parallel()
	var (
		rec  recorder
		jobs atomic.Int32
	)
	faults := []int{429, 503}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if xsrf(w, r) {
			return
		}
		if n := rec.note(r); n <= len(faults) {
			reply(w, faults[n-1], "text/plain", "busy")
			return
		}
		jobs.Add(1)
		reply(w, http.StatusCreated, "application/json", submitted)
	}))
	t.Cleanup(ts.Close)
	c := newClient(t, ts.URL, nil)

	js, err := c.SubmitJob(context.Background(), "add_version", nil)
	if err != nil || js.JobGUID != jobGUID {
		t.Fatalf("SubmitJob = %+v, %v; want the job", js, err)
	}
	if n := rec.count(http.MethodPost, "/api/jobs"); n != 3 || jobs.Load() != 1 {
		t.Errorf("%d POSTs and %d jobs, want 3 POSTs and 1 job", n, jobs.Load())
	}
}

// TestPostRetriedAfterDialError checks that a POST whose connection could
// not be made, so that nothing was sent, is sent again.
func TestPostRetriedAfterDialError(t *testing.T) {
	t.Parallel()
	var rec recorder
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.note(r)
		reply(w, http.StatusCreated, "application/json", submitted)
	}))
	t.Cleanup(ts.Close)
	var dials atomic.Int32
	var d net.Dialer
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
		}
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(ts.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "XSRF-TOKEN", Value: "tok", Path: "/"}})
	c, err := console.New(console.Options{
		BaseURL: ts.URL, APIKey: testKey, Retry: fastRetry,
		HTTPClient: &http.Client{Transport: tr, Jar: jar},
	})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := c.SubmitJob(context.Background(), "add_version", nil); err != nil {
		t.Fatalf("SubmitJob after a refused connection: %v", err)
	}
	if n := dials.Load(); n != 2 {
		t.Errorf("%d dials, want 2", n)
	}
	if n := rec.count(http.MethodPost, "/api/jobs"); n != 1 {
		t.Errorf("%d POSTs reached the Console, want 1", n)
	}
}

// TestPostNotResent checks that a POST that may have reached the Console
// is never sent again: the connection closed after the request was
// written, a timeout, or a proxy's 502 or 504. The error says the job
// may have been submitted and names the request.
func TestPostNotResent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answer  func(w http.ResponseWriter, r *http.Request)
		timeout time.Duration
		is      error
		detail  string
	}{
		{"connection closed after write", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, 0, console.ErrUnreachable, "EOF"},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // the client gave up and closed the connection
		}, 50 * time.Millisecond, console.ErrUnreachable, "Client.Timeout"},
		{"502 HTML", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 502, "text/html", "<html><title>502 Bad Gateway</title></html>")
		}, 0, nil, `HTTP 502 Bad Gateway: HTML page "502 Bad Gateway"`},
		{"504", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 504, "text/plain", "upstream timed out")
		}, 0, nil, "HTTP 504 Gateway Timeout: upstream timed out"},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 500, "application/json", `{"message":"NullPointerException"}`)
		}, 0, nil, "HTTP 500 Internal Server Error: NullPointerException"},
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
				_, _ = io.ReadAll(r.Body)
				tt.answer(w, r)
			}))
			t.Cleanup(ts.Close)
			c, err := console.New(console.Options{
				BaseURL: ts.URL, APIKey: testKey, Retry: fastRetry,
				HTTPClient: &http.Client{Timeout: tt.timeout},
			})
			if err != nil {
				t.Fatal(err)
			}

			_, err = c.SubmitJob(context.Background(), "add_version", map[string]string{"appGuid": "a"})
			if !errors.Is(err, console.ErrOutcomeUnknown) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("SubmitJob error %v, want ErrOutcomeUnknown (and %v)", err, tt.is)
			}
			msg := err.Error()
			for _, want := range []string{"console: POST /api/jobs: ", tt.detail,
				"the job may have been submitted: check the Console before submitting it again"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if n := rec.count(http.MethodPost, "/api/jobs"); n != 1 {
				t.Errorf("%d POSTs, want 1", n)
			}
		})
	}
}
