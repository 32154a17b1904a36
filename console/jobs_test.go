package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// TestSession runs a whole session against the simulator and checks what
// went over the wire: the key on every request and a valid XSRF token on
// every state-changing one.
func TestSession(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, nil)
	consolesim.SeedDemo(s)
	var log logBuffer
	c := newClient(t, ts.URL, &log)
	ctx := context.Background()

	if err := c.Login(ctx); err != nil {
		t.Fatalf("Login: %v", err)
	}
	info, err := c.Info(ctx)
	if err != nil || info.APIVersion == "" {
		t.Fatalf("Info = %+v, %v; want an API version", info, err)
	}
	nodes, err := c.Nodes(ctx)
	if err != nil || len(nodes) != 2 {
		t.Fatalf("Nodes = %v, %v; want the two demo nodes", nodes, err)
	}
	app, ok, err := c.FindApplication(ctx, "Demo-App")
	if err != nil || !ok {
		t.Fatalf("FindApplication(Demo-App) = %v, %v", ok, err)
	}

	start, err := c.SubmitJob(ctx, "add_version", map[string]string{
		"appGuid": app.GUID, "sourcePath": "sources:demo", "versionName": "v2",
	})
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	var steps []string
	opts := fastWait
	opts.OnProgress = func(st console.JobStatus) {
		steps = append(steps, st.State+"/"+st.ProgressStep)
	}
	st, err := c.Wait(ctx, start.JobGUID, opts)
	if err != nil || st.State != console.StateCompleted {
		t.Fatalf("Wait = %q, %v; want completed", st.State, err)
	}
	if len(steps) < 2 || !strings.HasPrefix(steps[len(steps)-1], "completed/") {
		t.Errorf("OnProgress saw %v, want several states ending with completed", steps)
	}

	second, err := c.SubmitJob(ctx, "add_version", map[string]string{
		"appGuid": app.GUID, "sourcePath": "sources:demo", "versionName": "v3",
	})
	if err != nil {
		t.Fatalf("second SubmitJob: %v", err)
	}
	if err := c.CancelJob(ctx, second.JobGUID); err != nil {
		t.Fatalf("CancelJob: %v", err)
	}

	reqs := s.Requests()
	if len(reqs) < 8 {
		t.Fatalf("simulator saw %d requests, want at least 8", len(reqs))
	}
	var changes int
	for i, r := range reqs {
		if r.APIKey != testKey {
			t.Errorf("request %d %s %s: X-API-KEY missing or wrong", i, r.Method, r.Path)
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut {
			changes++
			if !r.XSRFValid {
				t.Errorf("request %d %s %s: no valid X-XSRF-TOKEN", i, r.Method, r.Path)
			}
		}
		if r.Status >= 300 {
			t.Errorf("request %d %s %s: status %d", i, r.Method, r.Path, r.Status)
		}
	}
	if changes != 3 {
		t.Errorf("%d state-changing requests, want 3 (two POSTs, one PUT)", changes)
	}
	if strings.Contains(log.String(), testKey) {
		t.Error("the log shows the API key")
	}
	if !strings.Contains(log.String(), "path=/api/jobs") {
		t.Errorf("no debug line for POST /api/jobs in the log:\n%s", log.String())
	}
}

// TestXSRFFetchedBeforeFirstPost checks the documented way to get the token:
// GET /api/ before the first POST when no cookie is held yet.
func TestXSRFFetchedBeforeFirstPost(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, nil)
	appGUID := s.AddApplication("one")
	c := newClient(t, ts.URL, nil)

	if _, err := c.SubmitJob(context.Background(), "delete_application", map[string]string{
		"appGuid": appGUID,
	}); err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	var got []string
	for _, r := range s.Requests() {
		got = append(got, r.Method+" "+r.Path)
	}
	if want := "GET /api/, POST /api/jobs"; strings.Join(got, ", ") != want {
		t.Errorf("requests %v, want %s", got, want)
	}
}

// TestStaleXSRFToken is case 3 of C25: a POST with a token the Console no
// longer knows gets 403, one session refresh, and then succeeds.
func TestStaleXSRFToken(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, nil)
	appGUID := s.AddApplication("one")
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(ts.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "XSRF-TOKEN", Value: "stale", Path: "/"}})
	c, err := console.New(console.Options{
		BaseURL: ts.URL, APIKey: testKey, HTTPClient: &http.Client{Jar: jar},
	})
	if err != nil {
		t.Fatal(err)
	}

	start, err := c.SubmitJob(context.Background(), "delete_application", map[string]string{
		"appGuid": appGUID,
	})
	if err != nil || start.JobGUID == "" {
		t.Fatalf("SubmitJob = %+v, %v; want a job", start, err)
	}
	var got []string
	for _, r := range s.Requests() {
		outcome := "ok"
		if r.Status >= 300 {
			outcome = http.StatusText(r.Status)
		}
		got = append(got, r.Method+" "+r.Path+" "+outcome)
	}
	want := "POST /api/jobs Forbidden, GET /api/user ok, POST /api/jobs ok"
	if strings.Join(got, ", ") != want {
		t.Errorf("requests\n got %v\nwant %s", got, want)
	}
}

// TestWrongKey is case 1 of C25: one request, a 401 that names the key
// as the problem, and no key in the message.
func TestWrongKey(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, nil)
	const wrong = "wrongKey.0123456789abcdef0123456789abcdef"
	var log logBuffer
	c, err := console.New(console.Options{BaseURL: ts.URL, APIKey: wrong, Logger: log.logger()})
	if err != nil {
		t.Fatal(err)
	}

	_, err = c.Info(context.Background())
	if !errors.Is(err, console.ErrUnauthorized) || errors.Is(err, console.ErrForbidden) {
		t.Fatalf("Info error %v, want ErrUnauthorized only", err)
	}
	if !strings.Contains(err.Error(), "Console rejected the API key") {
		t.Errorf("error %q does not say the key was rejected", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(log.String(), wrong) {
		t.Error("the error or the log shows the key")
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests, want exactly 1", n)
	}

	_, err = c.SubmitJob(context.Background(), "add_version", nil)
	if !errors.Is(err, console.ErrUnauthorized) {
		t.Errorf("SubmitJob error %v, want ErrUnauthorized", err)
	}
	if n := len(s.Requests()); n != 2 {
		t.Errorf("%d requests after SubmitJob, want 2 (the XSRF probe got 401; no POST)", n)
	}
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, nil)
	consolesim.SeedDemo(s)
	c, err := console.New(console.Options{
		BaseURL: ts.URL, User: "admin", APIKey: "secret-password",
	})
	if err != nil {
		t.Fatal(err)
	}

	if err := c.Login(context.Background()); err != nil {
		t.Fatalf("Login: %v", err)
	}
	apps, err := c.Applications(context.Background())
	if err != nil || len(apps) != 3 {
		t.Fatalf("Applications = %v, %v; want the 3 demo applications", apps, err)
	}
	for _, r := range s.Requests() {
		if r.APIKey != "" {
			t.Errorf("%s %s carried X-API-KEY with Basic auth", r.Method, r.Path)
		}
	}
}

func TestCancelJob(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, nil)
	consolesim.SeedDemo(s)
	c := newClient(t, ts.URL, nil)
	ctx := context.Background()
	app, _, err := c.FindApplication(ctx, "billing")
	if err != nil {
		t.Fatal(err)
	}

	start, err := c.SubmitJob(ctx, "add_version", map[string]string{
		"appGuid": app.GUID, "sourcePath": "sources:billing",
	})
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	if err := c.CancelJob(ctx, start.JobGUID); err != nil {
		t.Fatalf("CancelJob: %v", err)
	}
	st, err := c.Wait(ctx, start.JobGUID, fastWait)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	// Wait stops at "canceling", as the official client does.
	if st.State != console.StateCanceling && st.State != console.StateCanceled {
		t.Errorf("state %q, want canceling or canceled", st.State)
	}

	puts := requestsTo(s, http.MethodPut, "/api/jobs/"+start.JobGUID)
	if len(puts) != 1 || !puts[0].XSRFValid || string(puts[0].Body) != `{"state":"canceled"}` {
		t.Errorf("PUT requests %+v, want one with a valid token and the canceled state", puts)
	}
}

func TestFailedJob(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, nil)
	s.FailJob("declare_application", "import_preferences")
	c := newClient(t, ts.URL, nil)
	ctx := context.Background()

	start, err := c.SubmitJob(ctx, "declare_application", map[string]string{"appName": "new"})
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	st, err := c.Wait(ctx, start.JobGUID, fastWait)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if st.State != console.StateFailed || st.FailureStep != "import_preferences" {
		t.Errorf("Wait = %s at %q, want failed at import_preferences", st.State, st.FailureStep)
	}
}

func TestFindApplication(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, nil)
	consolesim.SeedDemo(s)
	c := newClient(t, ts.URL, nil)

	tests := []struct {
		name, find string
		ok         bool
	}{
		{"exact", "webi", true},
		{"upper case", "WEBI", true},
		{"mixed case", "Demo-App", true},
		{"absent", "payroll", false},
		{"prefix only", "web", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, ok, err := c.FindApplication(context.Background(), tt.find)
			if err != nil {
				t.Fatal(err)
			}
			match := !ok || (strings.EqualFold(app.Name, tt.find) && app.GUID != "")
			if ok != tt.ok || !match {
				t.Errorf("FindApplication(%q) = %+v, %v; want found=%v", tt.find, app, ok, tt.ok)
			}
		})
	}
}

// TestFindVersion looks up the version an add_version job created.
func TestFindVersion(t *testing.T) {
	t.Parallel()
	s, ts := newSim(t, nil)
	appGUID := s.AddApplication("payroll")
	c := newClient(t, ts.URL, nil)
	ctx := context.Background()

	start, err := c.SubmitJob(ctx, "add_version", map[string]string{
		"appGuid": appGUID, "sourcePath": "sources:payroll", "versionName": "Release-7",
	})
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	st, err := c.Wait(ctx, start.JobGUID, fastWait)
	if err != nil || st.State != console.StateCompleted {
		t.Fatalf("Wait = %q, %v; want completed", st.State, err)
	}

	v, ok, err := c.FindVersion(ctx, appGUID, "release-7")
	if err != nil || !ok {
		t.Fatalf("FindVersion(release-7) = %v, %v", ok, err)
	}
	if v.Name != "Release-7" || v.GUID == "" {
		t.Errorf("version %+v, want Release-7 with a GUID", v)
	}
	if _, ok, err := c.FindVersion(ctx, appGUID, "release-8"); ok || err != nil {
		t.Errorf("FindVersion(release-8) = %v, %v; want not found", ok, err)
	}
	if _, _, err := c.FindVersion(ctx, "no-such-app", "x"); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("FindVersion on an unknown application: %v, want ErrNotFound", err)
	}
}
