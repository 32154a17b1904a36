package console_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aipflow/runner/console"
)

// sessionConsole is a fake Console whose session cookie stops being
// accepted when the test expires it: GET /api/user opens a new session,
// and any other request bearing an old session's cookie is refused with
// refuse (401 or 403).
type sessionConsole struct {
	rec    recorder
	refuse int

	mu      sync.Mutex
	session int // the session accepted, 0 for none
	logins  int
	always  bool // refuse even the current session
}

func (f *sessionConsole) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.rec.note(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/api/user" {
		f.logins++
		f.session = f.logins
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: fmt.Sprint(f.session), Path: "/"})
		reply(w, http.StatusOK, "application/json", `{"name":"admin"}`)
		return
	}
	ck, err := r.Cookie("JSESSIONID")
	if f.always || err != nil || ck.Value != fmt.Sprint(f.session) {
		reply(w, f.refuse, "application/json", `{"message":"session expired"}`)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/api/jobs/") {
		reply(w, http.StatusOK, "application/json", completed.body)
		return
	}
	reply(w, http.StatusOK, "application/json", `{"apiVersion":"1.29.1"}`)
}

// expire ends the current session; always makes every later request
// other than a login refused.
func (f *sessionConsole) expire(always bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.session, f.always = 0, always
}

// TestRefusedAfterLogin checks rule 2 of the client: after a successful
// login, a call refused with 401 or 403 logs in again once and is tried
// once more; a second refusal is final. Polls of Wait follow the same
// rule.
func TestRefusedAfterLogin(t *testing.T) {
	t.Parallel()
	poll := "GET /api/jobs/" + jobGUID
	info := func(c *console.Client) error { _, err := c.Info(context.Background()); return err }
	wait := func(c *console.Client) error {
		_, err := c.Wait(context.Background(), jobGUID, fastWait)
		return err
	}
	tests := []struct {
		name   string
		refuse int
		always bool
		call   func(*console.Client) error
		want   string // requests after the first login
		is     error
	}{
		{"401 cured", 401, false, info, "GET /api/, GET /api/user, GET /api/", nil},
		{"403 cured", 403, false, info, "GET /api/, GET /api/user, GET /api/", nil},
		{"401 twice", 401, true, info, "GET /api/, GET /api/user, GET /api/", console.ErrUnauthorized},
		{"403 twice", 403, true, info, "GET /api/, GET /api/user, GET /api/", console.ErrForbidden},
		{"poll 401 cured", 401, false, wait, poll + ", GET /api/user, " + poll, nil},
		{"poll 403 twice", 403, true, wait, poll + ", GET /api/user, " + poll, console.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &sessionConsole{refuse: tt.refuse}
			ts := httptest.NewServer(f)
			t.Cleanup(ts.Close)
			c := newClient(t, ts.URL, nil)
			if err := c.Login(context.Background()); err != nil {
				t.Fatalf("Login: %v", err)
			}
			f.expire(tt.always)

			err := tt.call(c)
			if (tt.is == nil && err != nil) || !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
			if got := strings.Join(f.rec.all()[1:], ", "); got != tt.want {
				t.Errorf("requests\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestRefusedBeforeLogin checks that without a successful login a refusal
// is final at once: a wrong key costs one request (C25 case 1), whether
// Login or another call meets it.
func TestRefusedBeforeLogin(t *testing.T) {
	t.Parallel()
	for _, status := range []int{401, 403} {
		for _, login := range []bool{true, false} {
			t.Run(fmt.Sprint(status, " login=", login), func(t *testing.T) {
				t.Parallel()
				var rec recorder
				ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					rec.note(r)
					reply(w, status, "application/json", `{"message":"no"}`)
				}))
				t.Cleanup(ts.Close)
				c := newClient(t, ts.URL, nil)

				var err error
				if login {
					err = c.Login(context.Background())
				} else {
					_, err = c.JobStatus(context.Background(), jobGUID)
				}
				var se *console.StatusError
				if !errors.As(err, &se) || se.Status != status {
					t.Errorf("error %v, want HTTP %d", err, status)
				}
				if got := rec.all(); len(got) != 1 {
					t.Errorf("requests %v, want exactly one", got)
				}
			})
		}
	}
}

// TestRefusalsShareOneLogin checks that callers refused together, when
// the session expires under a run of parallel polls, start one new
// session between them rather than one each.
func TestRefusalsShareOneLogin(t *testing.T) {
	t.Parallel()
	f := &sessionConsole{refuse: http.StatusUnauthorized}
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	c := newClient(t, ts.URL, nil)
	ctx := context.Background()
	if err := c.Login(ctx); err != nil {
		t.Fatalf("Login: %v", err)
	}
	f.expire(false)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := c.JobStatus(ctx, jobGUID); err != nil {
				t.Errorf("JobStatus: %v", err)
			}
		})
	}
	wg.Wait()
	if n := f.rec.count(http.MethodGet, "/api/user"); n != 2 {
		t.Errorf("%d logins, want the first and one more", n)
	}
}
