package consolesim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// TestCurlSession replays the session of the Console's API documentation,
// on the real clock:
//
//	curl -c jar -b jar -H 'X-API-KEY: k' http://host/api/
//	curl -c jar -b jar -H 'X-API-KEY: k' -H "X-XSRF-TOKEN: <cookie>" \
//	     -H 'Content-Type: application/json' -d @add_version.json http://host/api/jobs
//	curl -c jar -b jar -H 'X-API-KEY: k' http://host<jobUrl>
func TestCurlSession(t *testing.T) {
	t.Parallel()
	sim := consolesim.New(consolesim.Options{APIKey: testKey, StepTime: 2 * time.Millisecond})
	e := serve(t, sim)
	app := sim.AddApplication("Webi")

	curl := func(method, path, xsrf, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-API-KEY", testKey)
		if xsrf != "" {
			req.Header.Set("X-XSRF-TOKEN", xsrf)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, data
	}

	if status, body := curl("GET", "/api/", "", ""); status != 200 {
		t.Fatalf("GET /api/: %d %s", status, body)
	}
	u, _ := url.Parse(e.srv.URL)
	var token string
	for _, c := range e.client.Jar.Cookies(u) {
		if c.Name == "XSRF-TOKEN" {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatal("no XSRF-TOKEN cookie in the jar")
	}

	payload := `{"jobType":"add_version","jobParameters":{"appGuid":"` + app + `",
		"versionName":"v240731.121402","sourcePath":"sources:webi/source_code",
		"startStep":"unzip_source","endStep":"consolidate_snapshot",
		"releaseDate":"2024-07-31T12:14:02.000Z","objectives":"global_risk,functional_points"}}`
	status, body := curl("POST", "/api/jobs", token, payload)
	if status != 201 {
		t.Fatalf("POST /api/jobs: %d %s", status, body)
	}
	var start console.JobStart
	err := json.Unmarshal(body, &start)
	if err != nil || start.JobURL == "" || start.AppGUID != app {
		t.Fatalf("POST answer %s (%v): want jobUrl and appGuid %s", body, err, app)
	}

	deadline := time.Now().Add(3 * time.Second)
	var st console.JobStatus
	for {
		status, body := curl("GET", start.JobURL, "", "")
		if status != 200 {
			t.Fatalf("GET %s: %d %s", start.JobURL, status, body)
		}
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		if st.State != console.StateStarting && st.State != console.StateStarted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s at %s", st.State, st.ProgressStep)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st.State != console.StateCompleted || st.ProgressStep != "consolidate_snapshot" {
		t.Fatalf("job %s at %s, want completed at consolidate_snapshot", st.State, st.ProgressStep)
	}
	v := sim.Versions(app)
	if len(v) != 1 || v[0].Status != "snapshot_done" ||
		v[0].VersionDate != "2024-07-31T12:14:02.000Z" {
		t.Errorf("versions %+v, want v240731.121402 snapshot_done dated by releaseDate", v)
	}
}

// TestConcurrentClients runs several sessions at once on the real clock,
// for the race detector: each declares its own application and delivers
// two versions to it, and every job must complete.
func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	sim := consolesim.New(consolesim.Options{APIKey: testKey, StepTime: time.Millisecond})
	t.Run("clients", func(t *testing.T) {
		for _, name := range []string{"a", "b", "c", "d"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				e := serve(t, sim)
				e.login()
				declared := e.submit("declare_application", map[string]any{"appName": name})
				e.wait(declared.JobGUID)
				var jobs []string
				for _, v := range []string{"v1", "v2"} {
					p := addVersionParams(declared.AppGUID, v, "deliver_version")
					jobs = append(jobs, e.submit("add_version", p).JobGUID)
				}
				for _, j := range jobs {
					e.wait(j)
				}
			})
		}
	})
	if apps := sim.Applications(); len(apps) != 4 {
		t.Errorf("applications %v, want 4", apps)
	}
}

// wait polls a job on the real clock until it ends and checks it completed.
func (e *env) wait(guid string) {
	e.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		st := e.job(guid)
		if st.State == console.StateCompleted {
			return
		}
		if st.State != console.StateStarting && st.State != console.StateStarted {
			e.t.Errorf("job %s ended %s at %s", guid, st.State, st.ProgressStep)
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	e.t.Errorf("job %s did not end in time", guid)
}
