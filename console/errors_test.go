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

// fixed answers every request with one response.
func fixed(status int, contentType, body string, header ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		reply(w, status, contentType, body)
	})
}

func TestStatusErrors(t *testing.T) {
	t.Parallel()
	const gatewayPage = `<!DOCTYPE html>
<html><head><title>504 Gateway
  Time-out</title><style>h1 { color: red }</style></head>
<body><h1>504 Gateway Time-out</h1></body></html>`

	tests := []struct {
		name    string
		handler http.Handler
		user    string
		want    string // the whole error message
		is      error
		ct      string
	}{
		{
			name:    "401 API key",
			handler: fixed(401, "application/json", `{"message":"Bad credentials"}`),
			want: "console: GET /api/: HTTP 401 Unauthorized: " +
				"Console rejected the API key: Bad credentials",
			is: console.ErrUnauthorized,
			ct: "application/json",
		},
		{
			name:    "401 basic auth, empty body",
			handler: fixed(401, "", ""),
			user:    "cast",
			want:    "console: GET /api/: HTTP 401 Unauthorized: Console rejected the user name and password",
			is:      console.ErrUnauthorized,
		},
		{
			name: "403 Spring error body",
			handler: fixed(403, "application/json;charset=UTF-8",
				`{"timestamp":"2024-07-31T10:14:02.123Z","status":403,"error":"Forbidden",`+
					`"message":"Access denied","path":"/api/"}`),
			want: "console: GET /api/: HTTP 403 Forbidden: Access denied",
			is:   console.ErrForbidden,
			ct:   "application/json",
		},
		{
			name:    "404 plain text",
			handler: fixed(404, "text/plain", "no such\n  thing\n"),
			want:    "console: GET /api/: HTTP 404 Not Found: no such thing",
			is:      console.ErrNotFound,
			ct:      "text/plain",
		},
		{
			name:    "504 HTML with title",
			handler: fixed(504, "text/html; charset=utf-8", gatewayPage),
			want: `console: GET /api/: HTTP 504 Gateway Timeout: HTML page "504 Gateway Time-out"` +
				" (after 6 attempts)",
			ct: "text/html",
		},
		{
			name:    "502 HTML without title or content type",
			handler: fixed(502, "", "<html>Gateway &amp;\n Time-out</html>"),
			want: "console: GET /api/: HTTP 502 Bad Gateway: HTML page: Gateway & Time-out" +
				" (after 6 attempts)",
		},
		{
			name:    "500 JSON without message",
			handler: fixed(500, "application/json", `{"error":"Internal Server Error"}`),
			want:    "console: GET /api/: HTTP 500 Internal Server Error: Internal Server Error (after 6 attempts)",
			ct:      "application/json",
		},
		{
			name:    "500 body echoing the key",
			handler: fixed(500, "text/plain", "bad header X-API-KEY: "+testKey),
			want: "console: GET /api/: HTTP 500 Internal Server Error: bad header X-API-KEY: [redacted]" +
				" (after 6 attempts)",
			ct: "text/plain",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(tt.handler)
			t.Cleanup(ts.Close)
			c, err := console.New(console.Options{
				BaseURL: ts.URL, APIKey: testKey, User: tt.user, Retry: fastRetry,
			})
			if err != nil {
				t.Fatal(err)
			}

			_, err = c.Info(context.Background())
			if err == nil {
				t.Fatal("Info succeeded, want an error")
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
			var se *console.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *StatusError", err)
			}
			if se.ContentType != tt.ct {
				t.Errorf("ContentType = %q, want %q", se.ContentType, tt.ct)
			}
			sentinels := []error{console.ErrUnauthorized, console.ErrForbidden, console.ErrNotFound}
			for _, target := range sentinels {
				if got := errors.Is(err, target); got != (target == tt.is) {
					t.Errorf("errors.Is(err, %v) = %v", target, got)
				}
			}
			if strings.Contains(err.Error(), testKey) {
				t.Error("the error shows the API key")
			}
		})
	}
}

func TestStatusErrorLongBody(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(fixed(500, "text/plain", strings.Repeat("très  long\n", 100)))
	t.Cleanup(ts.Close)
	c := newClient(t, ts.URL, nil)

	_, err := c.Info(context.Background())
	var se *console.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("Info error %v, want a *StatusError", err)
	}
	if len(se.Body) > 200 || !strings.HasSuffix(se.Body, "...") || strings.Contains(se.Body, "  ") {
		t.Errorf("Body = %q (%d bytes), want at most 200 bytes, collapsed, ending in ...",
			se.Body, len(se.Body))
	}
}

func TestStatusErrorRetryAfter(t *testing.T) {
	t.Parallel()
	date := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name, value string
		min, max    time.Duration
	}{
		{"seconds", "7", 7 * time.Second, 7 * time.Second},
		{"date", date, 58 * time.Minute, time.Hour},
		{"garbage", "soon", 0, 0},
		{"none", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(fixed(503, "text/plain", "busy", "Retry-After", tt.value))
			t.Cleanup(ts.Close)
			c, err := console.New(console.Options{
				BaseURL: ts.URL, APIKey: testKey, Retry: console.RetryOptions{MaxAttempts: 1},
			})
			if err != nil {
				t.Fatal(err)
			}

			_, err = c.Info(context.Background())
			var se *console.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("Info error %v, want a *StatusError", err)
			}
			if se.RetryAfter < tt.min || se.RetryAfter > tt.max {
				t.Errorf("RetryAfter = %v, want between %v and %v", se.RetryAfter, tt.min, tt.max)
			}
		})
	}
}

// TestSuccessNotJSON checks that a 2xx page that is not JSON, as a login
// page or a proxy gives, is named by content type and never reported as a
// JSON syntax error.
func TestSuccessNotJSON(t *testing.T) {
	t.Parallel()
	const page = "<html><head><title>Sign in</title></head><body>…</body></html>"
	tests := []struct {
		name    string
		handler http.Handler
		want    string
	}{
		{
			name:    "HTML page",
			handler: fixed(200, "text/html;charset=UTF-8", page),
			want:    `console: GET /api/: HTTP 200 response is text/html, not JSON: HTML page "Sign in"`,
		},
		{
			name:    "HTML labelled JSON",
			handler: fixed(200, "application/json", page),
			want: "console: GET /api/: HTTP 200 response is application/json, not JSON: " +
				`HTML page "Sign in"`,
		},
		{
			name:    "empty",
			handler: fixed(204, "", ""),
			want:    "console: GET /api/: HTTP 204 with an empty body, want JSON",
		},
		{
			name:    "broken JSON",
			handler: fixed(200, "application/json", `{"apiVersion":`),
			want:    "console: GET /api/: decode response: unexpected end of JSON input",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(tt.handler)
			t.Cleanup(ts.Close)
			c := newClient(t, ts.URL, nil)

			_, err := c.Info(context.Background())
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestForbiddenRefreshOnce is case 2 of C25: a 403 that is not about the
// XSRF token gets one session refresh and one retry, then fails as
// forbidden, not as a credentials problem.
func TestForbiddenRefreshOnce(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		calls []string
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.Method == http.MethodPost {
			reply(w, 403, "application/json", `{"status":403,"message":"Access denied"}`)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "XSRF-TOKEN", Value: "t-" + r.URL.Path, Path: "/"})
		reply(w, 200, "application/json", `{}`)
	}))
	t.Cleanup(ts.Close)
	c := newClient(t, ts.URL, nil)

	_, err := c.SubmitJob(context.Background(), "add_version", map[string]string{"appGuid": "a"})
	want := "console: POST /api/jobs: HTTP 403 Forbidden: Access denied"
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
	if !errors.Is(err, console.ErrForbidden) || errors.Is(err, console.ErrUnauthorized) {
		t.Errorf("error %v: want ErrForbidden and not ErrUnauthorized", err)
	}
	mu.Lock()
	defer mu.Unlock()
	wantCalls := []string{"GET /api/", "POST /api/jobs", "GET /api/user", "POST /api/jobs"}
	if strings.Join(calls, ", ") != strings.Join(wantCalls, ", ") {
		t.Errorf("requests\n got %v\nwant %v", calls, wantCalls)
	}
}
