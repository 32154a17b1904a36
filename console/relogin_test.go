package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestTokenExpiredDuringPause checks that a POST whose XSRF token expired
// while it waited to be retried gets a new session and goes through, each
// time that happens: twice, the Console refuses it with 503, rotates its
// token meanwhile and refuses the retry with 403; the third try after a
// new login is taken. The job is created once.
func TestTokenExpiredDuringPause(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		token = "t1"
		log   []string
		posts int
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		log = append(log, r.Method+" "+r.URL.Path)
		switch {
		case r.Method == http.MethodGet:
			http.SetCookie(w, &http.Cookie{Name: "XSRF-TOKEN", Value: token, Path: "/"})
			reply(w, http.StatusOK, "application/json", `{"apiVersion":"1.29.1"}`)
		case r.Header.Get("X-XSRF-TOKEN") != token:
			reply(w, http.StatusForbidden, "application/json", `{"message":"Invalid CSRF token"}`)
		case posts < 2:
			posts++
			token += "'" // the session expires while the client waits
			reply(w, http.StatusServiceUnavailable, "text/html", "<html>busy</html>")
		default:
			posts++
			reply(w, http.StatusCreated, "application/json", submitted)
		}
	}))
	t.Cleanup(ts.Close)
	c := newClient(t, ts.URL, nil)

	js, err := c.SubmitJob(context.Background(), "analyze", map[string]string{"appGuid": "a"})
	if err != nil || js.JobGUID != jobGUID {
		t.Fatalf("SubmitJob: %+v, %v", js, err)
	}
	mu.Lock()
	defer mu.Unlock()
	refused := "POST /api/jobs, POST /api/jobs, GET /api/user, "
	want := "GET /api/, " + refused + refused + "POST /api/jobs"
	if got := strings.Join(log, ", "); got != want {
		t.Errorf("requests\n got %s\nwant %s", got, want)
	}
	if posts != 3 {
		t.Errorf("%d POSTs reached the Console's job creation, want 3 (two refused, one created)", posts)
	}
}
