package console_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// testKey has the shape of a real Console API key: 8 + "." + 32 characters.
const testKey = "Zk3pQ9aB.N7vX2mL5tR8wY1cD4fG6hJ0kS3qU9eI2"

// stepTime keeps simulated jobs to a few milliseconds per step.
const stepTime = 5 * time.Millisecond

// fastWait polls quickly enough for simulated jobs.
var fastWait = console.WaitOptions{Interval: 2 * time.Millisecond}

// fastRetry retries failed requests after a few milliseconds.
var fastRetry = console.RetryOptions{
	InitialInterval: time.Millisecond,
	MaxInterval:     4 * time.Millisecond,
}

// newSim starts a simulator over real HTTP. wrap, when not nil, sees every
// request first and may answer it instead of the simulator by returning
// true.
func newSim(t *testing.T, wrap func(w http.ResponseWriter, r *http.Request) bool) (
	*consolesim.Server, *httptest.Server,
) {
	t.Helper()
	s := consolesim.New(consolesim.Options{
		APIKey:   testKey,
		Users:    map[string]string{"admin": "secret-password"},
		StepTime: stepTime,
	})
	h := http.Handler(s)
	if wrap != nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !wrap(w, r) {
				s.ServeHTTP(w, r)
			}
		})
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return s, ts
}

// newClient returns a client for baseURL with testKey, logging to log
// when it is not nil.
func newClient(t *testing.T, baseURL string, log *logBuffer) *console.Client {
	t.Helper()
	opts := console.Options{BaseURL: baseURL, APIKey: testKey, Retry: fastRetry}
	if log != nil {
		opts.Logger = log.logger()
	}
	c, err := console.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// logBuffer collects log output; it is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// reply writes a response with a content type and a body.
func reply(w http.ResponseWriter, status int, contentType, body string) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	} else {
		w.Header()["Content-Type"] = nil // no sniffing: send none
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// requestsTo returns the simulator's requests with the given method and
// path.
func requestsTo(s *consolesim.Server, method, path string) []consolesim.Request {
	var out []consolesim.Request
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}
