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

func TestNewBaseURL(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		path string
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		path = r.URL.Path
		mu.Unlock()
		reply(w, http.StatusOK, "application/json", `{"apiVersion":"1.29.1"}`)
	}))
	t.Cleanup(ts.Close)
	addr := ts.Listener.Addr().String()

	tests := []struct {
		name, in, wantBase, wantPath string
	}{
		{"no scheme", addr, "http://" + addr, "/api/"},
		{"plain", ts.URL, ts.URL, "/api/"},
		{"one trailing slash removed", ts.URL + "/", ts.URL, "/api/"},
		{"only one trailing slash removed", ts.URL + "//", ts.URL + "/", "//api/"},
		{"path prefix kept", ts.URL + "/console", ts.URL + "/console", "/console/api/"},
		{"path prefix with slash", ts.URL + "/console/", ts.URL + "/console", "/console/api/"},
		{"upper-case scheme", "HTTP://" + addr, "HTTP://" + addr, "/api/"},
		{"surrounding space", " " + ts.URL + " ", ts.URL, "/api/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.in, nil)
			if got := c.BaseURL(); got != tt.wantBase {
				t.Errorf("BaseURL() = %q, want %q", got, tt.wantBase)
			}
			info, err := c.Info(context.Background())
			if err != nil {
				t.Fatalf("Info: %v", err)
			}
			if info.APIVersion != "1.29.1" {
				t.Errorf("APIVersion = %q, want 1.29.1", info.APIVersion)
			}
			mu.Lock()
			defer mu.Unlock()
			if path != tt.wantPath {
				t.Errorf("server saw path %q, want %q", path, tt.wantPath)
			}
		})
	}
}

func TestNewInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts console.Options
		want string
	}{
		{"empty URL", console.Options{APIKey: testKey}, "base URL is empty"},
		{"blank URL", console.Options{BaseURL: "  ", APIKey: testKey}, "base URL is empty"},
		{"no host", console.Options{BaseURL: "http://", APIKey: testKey}, "no host"},
		{"other scheme", console.Options{BaseURL: "ftp://host", APIKey: testKey}, `scheme "ftp"`},
		{"bad port", console.Options{BaseURL: "http://host:port", APIKey: testKey}, "invalid port"},
		{"query", console.Options{BaseURL: "http://host/?a=b", APIKey: testKey}, "query"},
		{"no key", console.Options{BaseURL: "http://host"}, "API key is missing"},
		{"no password", console.Options{BaseURL: "http://host", User: "cast"}, "no password for user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := console.New(tt.opts)
			if err == nil {
				t.Fatalf("New(%+v) = %v, want an error", tt.opts, c)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "console: ") {
				t.Errorf("error %q, want it to start with \"console: \" and contain %q", err, tt.want)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there any more

	c := newClient(t, url, nil)
	err := c.Login(context.Background())
	if !errors.Is(err, console.ErrUnreachable) {
		t.Fatalf("Login error %v, want ErrUnreachable", err)
	}
	if want := "console: GET /api/user: dial tcp"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
}

func TestTimeoutIsUnreachable(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) })

	c, err := console.New(console.Options{
		BaseURL:    ts.URL,
		APIKey:     testKey,
		HTTPClient: &http.Client{Timeout: 20 * time.Millisecond},
		Retry:      fastRetry,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Login(context.Background())
	if !errors.Is(err, console.ErrUnreachable) {
		t.Fatalf("Login error %v, want ErrUnreachable", err)
	}
}

func TestContextCanceled(t *testing.T) {
	t.Parallel()
	_, ts := newSim(t, nil)
	c := newClient(t, ts.URL, nil)
	errStop := errors.New("stopped by test")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errStop)

	err := c.Login(ctx)
	if !errors.Is(err, errStop) {
		t.Errorf("Login error %v, want the context's cause", err)
	}
	if errors.Is(err, console.ErrUnreachable) {
		t.Errorf("Login error %v matches ErrUnreachable, want only the cause", err)
	}
}

// TestRedirectToOtherHost checks that credentials stay with the Console's
// host when it redirects elsewhere (another port counts as another host).
func TestRedirectToOtherHost(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []http.Header
	)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		reply(w, http.StatusOK, "application/json", `{}`)
	}))
	t.Cleanup(other.Close)
	consoleSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "XSRF-TOKEN", Value: "tok", Path: "/"})
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(consoleSrv.Close)

	for _, opts := range []console.Options{
		{BaseURL: consoleSrv.URL, APIKey: testKey},
		{BaseURL: consoleSrv.URL, APIKey: testKey, User: "cast"},
	} {
		c, err := console.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := c.Login(ctx); err != nil {
			t.Fatalf("Login (user %q): %v", opts.User, err)
		}
		if _, err := c.SubmitJob(ctx, "add_version", nil); err == nil {
			t.Fatalf("SubmitJob succeeded against an empty answer")
		}
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("the other host got no request")
	}
	for i, h := range seen {
		for _, name := range []string{"X-Api-Key", "Authorization", "X-Xsrf-Token"} {
			if v := h.Get(name); v != "" {
				t.Errorf("request %d to the other host carried %s", i, name)
			}
		}
	}
}

// TestRedirectSameHost checks that a redirect within the Console keeps
// the key.
func TestRedirectSameHost(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/old/api/user" {
			http.Redirect(w, r, "/api/user", http.StatusFound)
			return true
		}
		return false
	})
	c := newClient(t, ts.URL+"/old", nil)
	if err := c.Login(context.Background()); err != nil {
		t.Fatalf("Login through a redirect: %v", err)
	}
	got := requestsTo(s, http.MethodGet, "/api/user")
	if len(got) != 1 || got[0].APIKey != testKey {
		t.Errorf("GET /api/user after redirect: %+v, want one request with the key", got)
	}
}
