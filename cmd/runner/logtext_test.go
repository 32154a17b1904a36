package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
)

// TestTextHandlerLines checks the lines of the text logger: warnings and
// errors as the runner's own, debug lines with their time and readable
// values, never a secret.
func TestTextHandlerLines(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name  string
		level slog.Level
		msg   string
		attrs []slog.Attr
		want  string
	}{
		{"warning", slog.LevelWarn, "session refresh failed",
			[]slog.Attr{slog.String("job_id", "g1"),
				slog.Any("err", errors.New("console: GET /api/jobs/g1: HTTP 502 Bad Gateway"))},
			"runner: warning: session refresh failed job_id=g1: " +
				"console: GET /api/jobs/g1: HTTP 502 Bad Gateway"},
		{"retry", slog.LevelWarn, console.RetryMessage,
			[]slog.Attr{slog.String("method", "POST"), slog.String("path", "/api/jobs"),
				slog.Int("attempt", 1), slog.Int("max_attempts", 4),
				slog.Duration("delay", 1234*time.Millisecond),
				slog.Any("err", errors.New("console: POST /api/jobs: HTTP 503 Service Unavailable: busy"))},
			"runner: warning: POST /api/jobs: HTTP 503 Service Unavailable: busy; " +
				"retrying in 1.2s (attempt 1 of 4)"},
		{"retry after a transport error", slog.LevelWarn, console.RetryMessage,
			[]slog.Attr{slog.String("method", "GET"), slog.String("path", "/api/info"),
				slog.Int("attempt", 2), slog.Int("max_attempts", 6),
				slog.Duration("delay", 30*time.Second),
				slog.Any("err", errors.New("dial tcp: connection refused"))},
			"runner: warning: GET /api/info: dial tcp: connection refused; " +
				"retrying in 30s (attempt 2 of 6)"},
		{"retry without its bound", slog.LevelWarn, console.RetryMessage,
			[]slog.Attr{slog.String("method", "GET"), slog.String("path", "/api/info"),
				slog.Int("attempt", 2), slog.Duration("delay", 30*time.Second),
				slog.Any("err", errors.New("dial tcp: connection refused"))},
			"runner: warning: console request failed; retrying method=GET path=/api/info " +
				"attempt=2 delay=30s: dial tcp: connection refused"},
		{"error", slog.LevelError, "journal not written: the run cannot be resumed from here",
			[]slog.Attr{slog.Any("err", errors.New("disk full"))},
			"runner: journal not written: the run cannot be resumed from here: disk full"},
		{"debug", slog.LevelDebug, "console request",
			[]slog.Attr{slog.String("method", "GET"), slog.String("path", "/api/info"),
				slog.Int("status", 200), slog.Duration("duration", 12345678*time.Nanosecond)},
			"03:04:05.000  debug: console request method=GET path=/api/info status=200 duration=12ms"},
		{"quoted values and a secret", slog.LevelInfo, "connecting",
			[]slog.Attr{slog.String("user", "a b"), slog.String("profile", ""),
				slog.Any("key", console.Secret("s3cr3t")),
				slog.Group("tls", slog.String("ca_file", "ca.pem"))},
			`03:04:05.000  info: connecting user="a b" key=[redacted] tls.ca_file=ca.pem`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			h := newTextHandler(&out, slog.LevelDebug)
			r := slog.NewRecord(when, tt.level, tt.msg, 0)
			r.AddAttrs(tt.attrs...)
			if err := h.Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(out.String(), "\n"); got != tt.want {
				t.Errorf("line:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestTextHandlerWithAttrsAndGroups(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	log := slog.New(newTextHandler(&out, slog.LevelWarn)).With("step", "a").WithGroup("job")
	log.Info("not shown")
	log.Warn("slow", "id", "g1")
	want := "runner: warning: slow step=a job.id=g1\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// TestRetryWarningIsPlain checks, on a run whose first job submission the
// Console answers 503, that the client's warning reads as the rest of
// stderr rather than as slog's time=… level=WARN msg=….
func TestRetryWarningIsPlain(t *testing.T) {
	c := newConsole(t)
	var refused atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && r.URL.Path == "/api/jobs" && refused.CompareAndSwap(false, true) {
			http.Error(w, `{"message":"busy"}`, http.StatusServiceUnavailable)
			return
		}
		c.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{envURL: srv.URL, envKey: testKey}
	res := runCLI(t, env, "run", mainWorkflow, "-i", "app=demo-app", "--speed", "1000")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	re := regexp.MustCompile(`(?m)^runner: warning: POST /api/jobs: HTTP 503 Service Unavailable: busy; ` +
		`retrying in \S+ \(attempt 1 of ` + strconv.Itoa(console.DefaultMaxAttempts) + `\)$`)
	if !re.MatchString(res.stderr) {
		t.Errorf("stderr has no line matching %s:\n%s", re, res.stderr)
	}
	for _, slogText := range []string{"level=", "msg=", "time="} {
		if strings.Contains(res.stderr, slogText) {
			t.Errorf("stderr holds slog's %s:\n%s", slogText, res.stderr)
		}
	}
}

// TestRetryWarningCountsClientAttempts checks that the warning of a
// retried request counts the attempts the client was given, not the
// default.
func TestRetryWarningCountsClientAttempts(t *testing.T) {
	t.Parallel()
	var refused atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refused.Add(1) == 1 {
			http.Error(w, `{"message":"busy"}`, http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"apiVersion":"1.29.1"}`))
	}))
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	c, err := console.New(console.Options{BaseURL: srv.URL, APIKey: testKey,
		Logger: slog.New(newTextHandler(&out, slog.LevelWarn)),
		Retry:  console.RetryOptions{MaxAttempts: 2, InitialInterval: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Info(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^runner: warning: GET /api/: HTTP 503 Service Unavailable: busy; ` +
		`retrying in \S+ \(attempt 1 of 2\)\n$`)
	if !want.MatchString(out.String()) {
		t.Errorf("log %q, want a line matching %s", out.String(), want)
	}
}

// TestLogFormatJSONDurationsInSeconds checks that every duration of
// --log-format json is a number of seconds under a key ending in _s,
// where slog writes nanoseconds without a unit.
func TestLogFormatJSONDurationsInSeconds(t *testing.T) {
	c := newConsole(t)
	res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--log-format", "json", "-v")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	seen := map[string]bool{}
	for _, o := range jsonLines(t, res.stderr) {
		for _, k := range []string{"elapsed", "duration", "delay"} {
			if v, ok := o[k]; ok {
				t.Errorf("%s: %v without a unit in %v", k, v, o)
			}
			v, ok := o[k+"_s"]
			if !ok {
				continue
			}
			if s, isNum := v.(float64); !isNum || s < 0 || s > 60 {
				t.Errorf("%s_s: %v, want seconds in %v", k, v, o)
			}
			seen[k] = true
		}
	}
	for _, k := range []string{"elapsed", "duration"} {
		if !seen[k] {
			t.Errorf("no %s_s in:\n%s", k, res.stderr)
		}
	}
}
