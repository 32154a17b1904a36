package consolesim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// testKey has the shape of a Console API key: 8 characters, a dot, 32 more.
const testKey = "qZUfQfX3.G5Yx7ehS2HI9Va5k4h0uTM7jbF0YWT9R"

// step is the simulated step time of the tests that use a fake clock.
const step = 10 * time.Second

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 7, 31, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a simulator served over HTTP and a client session for it, with a
// cookie jar, as a Console client keeps one.
type env struct {
	t      *testing.T
	sim    *consolesim.Server
	srv    *httptest.Server
	client *http.Client
	clock  *fakeClock // nil when the simulator runs on the real clock
}

// newEnv starts a simulator that accepts testKey. Without opts.Now, it
// runs on a fake clock with steps of length step.
func newEnv(t *testing.T, opts consolesim.Options) *env {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	var clock *fakeClock
	if opts.Now == nil {
		clock = newFakeClock()
		opts.Now = clock.Now
		opts.StepTime = step
	}
	e := serve(t, consolesim.New(opts))
	e.clock = clock
	return e
}

// serve serves sim over HTTP until the test ends.
func serve(t *testing.T, sim *consolesim.Server) *env {
	t.Helper()
	e := &env{t: t, sim: sim, srv: httptest.NewServer(sim), client: newClient(t)}
	t.Cleanup(e.srv.Close)
	return e
}

func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 5 * time.Second}
}

// request builds a request with the API key and, when the jar holds one,
// the XSRF token. A non-nil body is sent as JSON.
func (e *env) request(method, path string, body any) *http.Request {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("X-API-KEY", testKey)
	req.Header.Set("Content-Type", "application/json")
	if tok := e.cookie("XSRF-TOKEN"); tok != "" {
		req.Header.Set("X-XSRF-TOKEN", tok)
	}
	return req
}

// send sends req and returns the status and body of the answer.
func (e *env) send(req *http.Request) (int, []byte) {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		e.t.Errorf("%s %s: Content-Type %q, want application/json", req.Method, req.URL.Path, ct)
	}
	return resp.StatusCode, data
}

// call sends a request, checks its status and decodes the answer into out
// unless out is nil.
func (e *env) call(method, path string, body any, want int, out any) {
	e.t.Helper()
	status, data := e.send(e.request(method, path, body))
	if status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}

// cookie returns the value of the named cookie in the jar, "" if none.
func (e *env) cookie(name string) string {
	u, err := url.Parse(e.srv.URL + "/api/")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range e.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// login starts a session, as the v1 client does with GET /api/user.
func (e *env) login() {
	e.t.Helper()
	e.call(http.MethodGet, "/api/user", nil, http.StatusOK, nil)
}

// submit posts a job and returns the answer; the session must be open.
func (e *env) submit(jobType string, params map[string]any) console.JobStart {
	e.t.Helper()
	var start console.JobStart
	body := map[string]any{"jobType": jobType, "jobParameters": params}
	e.call(http.MethodPost, "/api/jobs", body, http.StatusCreated, &start)
	return start
}

// job returns a job's status as GET /api/jobs/{guid} answers it.
func (e *env) job(guid string) console.JobStatus {
	e.t.Helper()
	var st console.JobStatus
	e.call(http.MethodGet, "/api/jobs/"+guid, nil, http.StatusOK, &st)
	return st
}

// versions returns an application's versions as the API lists them.
func (e *env) versions(appGUID string) []console.Version {
	e.t.Helper()
	var vs []console.Version
	e.call(http.MethodGet, "/api/applications/"+appGUID+"/versions", nil, http.StatusOK, &vs)
	return vs
}

// versionNamed returns the version of an application with the given name.
func (e *env) versionNamed(appGUID, name string) console.Version {
	e.t.Helper()
	for _, v := range e.versions(appGUID) {
		if v.Name == name {
			return v
		}
	}
	e.t.Fatalf("application %s has no version %q", appGUID, name)
	return console.Version{}
}

// addVersionParams returns the parameters of an add_version job as the v1
// client builds them.
func addVersionParams(appGUID, version, endStep string) map[string]any {
	return map[string]any{
		"appGuid":                    appGUID,
		"versionName":                version,
		"sourcePath":                 "sources:webi/source_code",
		"sourceArchive":              "sources:webi/source_code",
		"startStep":                  "unzip_source",
		"endStep":                    endStep,
		"ignoreFileStructureCheck":   "true",
		"objectives":                 "GLOBAL_RISK,FUNCTIONAL_POINTS",
		"extensionAutoConfigEnabled": "false",
		"processImaging":             "false",
	}
}

// stepNames returns the step names of a fullSteps list.
func stepNames(steps []console.FullStep) []string {
	names := []string{}
	for _, s := range steps {
		names = append(names, s.Step)
	}
	return names
}
