package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/aipflow/runner/console/consolesim"
)

// lockedBuffer is a bytes.Buffer safe for concurrent use, for the output of
// a command that serves while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startSimulate runs "runner simulate" with args on a free loopback port
// until the test ends, and returns its URL.
func startSimulate(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	a := &app{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	cmd := newRoot(a)
	cmd.SetArgs(append([]string{"simulate", "--addr", "127.0.0.1:0", "--speed", "1000"}, args...))
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	done := make(chan int, 1)
	go func() { done <- report(&out, cmd.ExecuteContext(ctx)) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("simulate exit %d, want 0\n%s", code, out.String())
		}
	})
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("simulate exit %d before listening\n%s", code, out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("simulate not listening after 5s\n%s", out.String())
	return ""
}

func TestSimulateFlagErrorsExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"all interfaces", []string{"--addr", "0.0.0.0:8081"},
			"--addr 0.0.0.0:8081: the simulator serves loopback only"},
		{"no host", []string{"--addr", ":8081"},
			"--addr :8081: the simulator serves loopback only"},
		{"IPv6 any", []string{"--addr", "[::]:8081"},
			"--addr [::]:8081: the simulator serves loopback only"},
		{"host name", []string{"--addr", "example.com:8081"},
			"--addr example.com:8081: the simulator serves loopback only"},
		{"no port", []string{"--addr", "127.0.0.1"}, "--addr 127.0.0.1: want host:port"},
		{"speed NaN", []string{"--speed", "NaN"}, "--speed NaN: must be a number of at least 1"},
		{"speed Inf", []string{"--speed", "Inf"}, "--speed +Inf: must be a number of at least 1"},
		{"speed 0", []string{"--speed", "0"}, "--speed 0: must be a number of at least 1"},
		{"fail without step", []string{"--fail", "analyze"},
			`--fail "analyze": write JOBTYPE:STEP`},
		{"fail unknown job type", []string{"--fail", "analyse:snapshot"},
			`--fail analyse:snapshot: unknown job type "analyse" (did you mean "analyze"?)`},
		{"fail unknown step", []string{"--fail", "analyze:snapshots"},
			`--fail analyze:snapshots: unknown job step "snapshots" (did you mean "snapshot"?)`},
		{"fail twice", []string{"--fail", "analyze:snapshot", "--fail", "ANALYZE:analyze"},
			"--fail ANALYZE:analyze: job type analyze given twice"},
		{"key with a space", []string{"--api-key", "a b"},
			"API key holds characters an HTTP header cannot carry"},
		{"error rate above 1", []string{"--error-rate", "1.5"},
			"--error-rate 1.5: must be a fraction from 0 to 1"},
		{"negative throttle rate", []string{"--throttle-rate", "-0.1"},
			"--throttle-rate -0.1: must be a fraction from 0 to 1"},
		{"lost rate NaN", []string{"--lost-answer-rate", "NaN"},
			"--lost-answer-rate NaN: must be a fraction from 0 to 1"},
		{"negative latency", []string{"--latency", "-50ms"},
			"--latency -50ms: must not be negative"},
		{"negative session TTL", []string{"--session-ttl", "-1m"},
			"--session-ttl -1m0s: must not be negative"},
		{"negative restart", []string{"--restart-after", "1m,-5s"},
			"--restart-after -5s: must not be negative"},
		{"rate not a number", []string{"--error-rate", "lots"}, `invalid argument "lots"`},
		{"restart not a duration", []string{"--restart-after", "5m,soon"},
			`invalid argument "5m,soon" for "--restart-after"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"simulate", "--api-key", "k"}, tt.args...)...)
			if res.code != exitInvalid {
				t.Errorf("exit %d, want %d\n%s", res.code, exitInvalid, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, res.stderr)
			}
		})
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, addr := range []string{
		"127.0.0.1:8081", "127.1.2.3:0", "[::1]:8081", "localhost:8081", "LOCALHOST:1",
		"[::ffff:127.0.0.1]:8081",
	} {
		if err := checkLoopback(addr); err != nil {
			t.Errorf("checkLoopback(%s) = %v, want nil", addr, err)
		}
	}
}

// TestSimulateUserAndFailures runs a workflow against "runner simulate"
// with Basic auth and two injected failures, which the simulator holds one
// at a time.
func TestSimulateUserAndFailures(t *testing.T) {
	url := startSimulate(t, "--api-key", "demo-pass", "--user", "ci",
		"--fail", "BACKUP:backup", "--fail", "consolidate_snapshot:consolidate_snapshot")
	file := filepath.Join(t.TempDir(), "wf.yaml")
	wf := `version: 1
name: failures
steps:
  demo:
    query: application
    with: {name: demo-app}
  billing:
    query: application
    with: {name: billing}
  webi:
    query: application
    with: {name: webi}
  backup:
    job: BACKUP
    with: {appGuid: "${{ steps.demo.outputs.appGuid }}"}
  consolidate:
    job: consolidate_snapshot
    with: {appGuid: "${{ steps.billing.outputs.appGuid }}"}
  points:
    job: function_points
    with: {appGuid: "${{ steps.webi.outputs.appGuid }}"}
`
	if err := os.WriteFile(file, []byte(wf), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"AIP_CONSOLE_URL": url, "AIP_CONSOLE_API_KEY": "demo-pass", "AIP_CONSOLE_USER": "ci",
	}
	res := runCLI(t, env, "run", file, "--speed", "1000")
	if res.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", res.code, exitFailed, res.stdout, res.stderr)
	}
	for step, state := range map[string]string{
		"backup": "failed", "consolidate": "failed", "points": "completed",
	} {
		if !hasRow(res.stdout, step, state) {
			t.Errorf("summary has no %s row for %s:\n%s", state, step, res.stdout)
		}
	}

	env["AIP_CONSOLE_USER"] = "someone"
	if res := runCLI(t, env, "run", file, "--speed", "1000"); res.code != exitConsole {
		t.Errorf("unknown user: exit %d, want %d\n%s", res.code, exitConsole, res.stderr)
	}
}

func TestSimFaultsScaleWithSpeed(t *testing.T) {
	var f simFaults
	fs := pflag.NewFlagSet("simulate", pflag.ContinueOnError)
	f.register(fs)
	err := fs.Parse([]string{"--error-rate", "0.2", "--throttle-rate", "0.05",
		"--retry-after", "2s", "--lost-answer-rate", "0.1", "--latency", "50ms", "--jitter", "10ms",
		"--session-ttl", "1m", "--xsrf-rotate", "30s", "--restart-after", "5m",
		"--restart-after", "10m", "--seed", "7"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.faults(100)
	if err != nil {
		t.Fatal(err)
	}
	want := consolesim.Faults{
		Seed: 7, ErrorRate: 0.2, ThrottleRate: 0.05, RetryAfter: 20 * time.Millisecond,
		LostRate: 0.1, Latency: 500 * time.Microsecond, Jitter: 100 * time.Microsecond,
		SessionTTL: 600 * time.Millisecond, XSRFRotate: 300 * time.Millisecond,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("faults at speed 100:\n got %+v\nwant %+v", got, want)
	}
	start := time.Date(2024, 7, 31, 10, 0, 0, 0, time.UTC)
	restarts := f.restarts(start, 100)
	if len(restarts) != 2 || !restarts[0].Equal(start.Add(3*time.Second)) ||
		!restarts[1].Equal(start.Add(6*time.Second)) {
		t.Errorf("restarts %v, want 3 s and 6 s after %v", restarts, start)
	}
}

// simClient is a Console client reduced to its cookie jar, for tests
// that watch the faults of "runner simulate" request by request.
type simClient struct {
	t        *testing.T
	url, key string
	http     *http.Client
}

func newSimClient(t *testing.T, url, key string) *simClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &simClient{t: t, url: url, key: key, http: &http.Client{Jar: jar, Timeout: 5 * time.Second}}
}

// do sends a request with the API key and the jar's XSRF token, and
// returns the answer's status and Retry-After header.
func (c *simClient) do(method, path, body string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("X-API-KEY", c.key)
	req.Header.Set("Content-Type", "application/json")
	for _, ck := range c.http.Jar.Cookies(req.URL) {
		if ck.Name == "XSRF-TOKEN" {
			req.Header.Set("X-XSRF-TOKEN", ck.Value)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

const declareDemo = `{"jobType":"declare_application","jobParameters":{"appName":"x"}}`

func TestSimulateFaultFlags(t *testing.T) {
	t.Run("throttle", func(t *testing.T) {
		url := startSimulate(t, "--api-key", "k", "--speed", "1", "--throttle-rate", "1",
			"--retry-after", "3s")
		status, retry := newSimClient(t, url, "k").do(http.MethodGet, "/api/", "")
		if status != 429 || retry != "3" {
			t.Errorf("status %d Retry-After %q, want 429 3", status, retry)
		}
	})
	t.Run("errors", func(t *testing.T) {
		url := startSimulate(t, "--api-key", "k", "--error-rate", "1")
		if status, _ := newSimClient(t, url, "k").do(http.MethodGet, "/api/", ""); status < 500 {
			t.Errorf("status %d, want a 5xx", status)
		}
	})
	// At --speed 1000, five minutes of Console time are 300 ms: the
	// session of the login ends during the pause, the next one lasts
	// long enough for the second POST.
	for _, flag := range []string{"--session-ttl", "--restart-after"} {
		t.Run(flag, func(t *testing.T) {
			t.Parallel()
			url := startSimulate(t, "--api-key", "k", flag, "5m")
			c := newSimClient(t, url, "k")
			if status, _ := c.do(http.MethodGet, "/api/user", ""); status != 200 {
				t.Fatalf("login: status %d", status)
			}
			time.Sleep(350 * time.Millisecond)
			if status, _ := c.do(http.MethodPost, "/api/jobs", declareDemo); status != 403 {
				t.Errorf("POST after the session ended: status %d, want 403", status)
			}
			if status, _ := c.do(http.MethodPost, "/api/jobs", declareDemo); status != 201 {
				t.Errorf("POST with the new session: status %d, want 201", status)
			}
		})
	}
}
