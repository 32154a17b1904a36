package consolesim_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aipflow/runner/console/consolesim"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		apiKey   string // Options.APIKey; "" means testKey
		header   string // header name the key is sent in, "" for none
		key      string
		user     string // Basic auth user, "" for none
		password string
		want     int
		wantUser string
	}{
		{name: "right key", header: "X-API-KEY", key: testKey, want: 200, wantUser: "admin"},
		{name: "lower-case header", header: "x-api-key", key: testKey, want: 200,
			wantUser: "admin"},
		{name: "wrong key", header: "X-API-KEY", key: "nope", want: 401},
		{name: "no credentials", want: 401},
		{name: "basic user", user: "cast", password: "cast", want: 200, wantUser: "cast"},
		{name: "basic wrong password", user: "cast", password: "nope", want: 401},
		{name: "basic unknown user", user: "eve", password: "cast", want: 401},
		{name: "wrong key, good basic", header: "X-API-KEY", key: "nope", user: "cast",
			password: "cast", want: 200, wantUser: "cast"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, consolesim.Options{
				APIKey: tt.apiKey,
				Users:  map[string]string{"cast": "cast"},
			})
			req := e.request(http.MethodGet, "/api/user", nil)
			req.Header.Del("X-API-KEY")
			if tt.header != "" {
				req.Header[tt.header] = []string{tt.key}
			}
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.password)
			}
			status, body := e.send(req)
			if status != tt.want {
				t.Fatalf("status %d, want %d; body %s", status, tt.want, body)
			}
			var got map[string]string
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if tt.want == 401 {
				if got["message"] == "" {
					t.Errorf("401 body %s: want a message", body)
				}
				if tt.key != "" && strings.Contains(string(body), tt.key) {
					t.Errorf("401 body %s echoes the key", body)
				}
				if e.cookie("JSESSIONID") != "" {
					t.Errorf("401 answer opened a session")
				}
				return
			}
			if got["login"] != tt.wantUser {
				t.Errorf("login %q, want %q", got["login"], tt.wantUser)
			}
		})
	}
}

func TestAnyKeyWhenNoneConfigured(t *testing.T) {
	t.Parallel()
	e := serve(t, consolesim.New(consolesim.Options{}))
	tests := []struct {
		name string
		key  string
		want int
	}{
		{name: "any key", key: "whatever", want: 200},
		{name: "no key", key: "", want: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := e.request(http.MethodGet, "/api/", nil)
			req.Header.Set("X-API-KEY", tt.key)
			if status, body := e.send(req); status != tt.want {
				t.Errorf("status %d, want %d; body %s", status, tt.want, body)
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	job := map[string]any{"jobType": "declare_application",
		"jobParameters": map[string]any{"appName": "csrf"}}
	tests := []struct {
		name   string
		login  bool   // open a session first
		header string // X-XSRF-TOKEN: "cookie" for the jar's token, "" for none
		want   int
	}{
		{name: "no session, no token", want: 403},
		{name: "session, no token", login: true, want: 403},
		{name: "session, wrong token", login: true, header: "0000", want: 403},
		{name: "session, right token", login: true, header: "cookie", want: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, consolesim.Options{})
			if tt.login {
				e.login()
			}
			req := e.request(http.MethodPost, "/api/jobs", job)
			req.Header.Del("X-XSRF-TOKEN")
			switch tt.header {
			case "cookie":
				req.Header.Set("X-XSRF-TOKEN", e.cookie("XSRF-TOKEN"))
			case "":
			default:
				req.Header.Set("X-XSRF-TOKEN", tt.header)
			}
			status, body := e.send(req)
			if status != tt.want {
				t.Fatalf("status %d, want %d; body %s", status, tt.want, body)
			}
			if status == 403 && !strings.Contains(string(body), `"Invalid CSRF token"`) {
				t.Errorf("403 body %s, want the CSRF message", body)
			}
			reqs := e.sim.Requests()
			last := reqs[len(reqs)-1]
			if last.XSRFValid != (tt.want == 201) || last.Status != tt.want {
				t.Errorf("recorded XSRFValid %v status %d, want %v %d",
					last.XSRFValid, last.Status, tt.want == 201, tt.want)
			}
			if e.cookie("XSRF-TOKEN") == "" {
				t.Errorf("no XSRF-TOKEN cookie after an authenticated answer")
			}
		})
	}
}

func TestSessionCookies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	resp, err := e.client.Do(e.request(http.MethodGet, "/api/", nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	cookies := map[string]*http.Cookie{}
	for _, c := range resp.Cookies() {
		cookies[c.Name] = c
	}
	session, xsrf := cookies["JSESSIONID"], cookies["XSRF-TOKEN"]
	if session == nil || !session.HttpOnly || session.Path != "/" {
		t.Errorf("JSESSIONID cookie %v, want HttpOnly with Path=/", session)
	}
	if xsrf == nil || xsrf.HttpOnly || xsrf.Path != "/" || xsrf.Value == "" {
		t.Errorf("XSRF-TOKEN cookie %v, want a readable token with Path=/", xsrf)
	}

	// A request with the session cookie keeps the session: no new cookies.
	resp, err = e.client.Do(e.request(http.MethodGet, "/api/", nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Cookies(); len(got) != 0 {
		t.Errorf("second answer set cookies %v, want none", got)
	}
}

func TestKeyNeverLogged(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, consolesim.Options{Logger: logger})
	app := e.sim.AddApplication("a")
	e.login()
	e.submit("add_version", addVersionParams(app, "v1", "deliver_version"))
	e.clock.Advance(deliverSteps * step)
	e.call(http.MethodGet, "/api/applications", nil, http.StatusOK, nil)

	req := e.request(http.MethodGet, "/api/", nil)
	req.Header.Set("X-API-KEY", "wrong-"+testKey)
	e.send(req)

	out := buf.String()
	if !strings.Contains(out, "job ended") {
		t.Errorf("log has no job events:\n%s", out)
	}
	if strings.Contains(out, testKey) {
		t.Errorf("log contains the API key:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's and the test's
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
