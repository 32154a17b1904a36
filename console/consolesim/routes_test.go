package consolesim_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

func TestRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	e.login()
	tests := []struct {
		method, path string
		want         int
		allow        string
	}{
		{method: "GET", path: "/api/", want: 200},
		{method: "GET", path: "/api/user", want: 200},
		{method: "GET", path: "/api/applications", want: 200},
		{method: "GET", path: "/api/nodes", want: 200},
		{method: "GET", path: "/api", want: 404},
		{method: "GET", path: "/", want: 404},
		{method: "GET", path: "/api/nope", want: 404},
		{method: "GET", path: "/api/applications/nope/versions", want: 404},
		{method: "GET", path: "/api/jobs//", want: 404},
		{method: "POST", path: "/api/user", want: 405, allow: "GET"},
		{method: "GET", path: "/api/jobs", want: 405, allow: "POST"},
		{method: "DELETE", path: "/api/jobs/x", want: 405, allow: "GET, PUT"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, err := e.client.Do(e.request(tt.method, tt.path, nil))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want || resp.Header.Get("Allow") != tt.allow {
				t.Errorf("status %d Allow %q, want %d %q",
					resp.StatusCode, resp.Header.Get("Allow"), tt.want, tt.allow)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
		})
	}
}

func TestInfo(t *testing.T) {
	t.Parallel()
	tests := []struct{ version, want string }{
		{version: "", want: "1.29.1"},
		{version: "1.19.0", want: "1.19.0"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, consolesim.Options{APIVersion: tt.version})
			var info console.APIInfo
			e.call(http.MethodGet, "/api/", nil, http.StatusOK, &info)
			if info.APIVersion != tt.want || info.DependencyMatrix == nil {
				t.Errorf("info %+v, want apiVersion %s and a dependencyMatrix", info, tt.want)
			}
		})
	}
}

func TestSeedDemo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	consolesim.SeedDemo(e.sim)

	var list console.ApplicationList
	e.call(http.MethodGet, "/api/applications", nil, http.StatusOK, &list)
	var names []string
	for _, a := range list.Applications {
		names = append(names, a.Name)
	}
	if want := []string{"demo-app", "billing", "webi"}; !slices.Equal(names, want) {
		t.Fatalf("applications %v, want %v", names, want)
	}
	if got := e.sim.Applications(); !slices.Equal(got, list.Applications) {
		t.Errorf("Applications() %v, want %v", got, list.Applications)
	}

	billing := list.Applications[1].GUID
	vs := e.versions(billing)
	if len(vs) != 2 || !slices.Equal(vs, e.sim.Versions(billing)) {
		t.Fatalf("billing versions %v, want two, the same as Versions()", vs)
	}
	for _, v := range vs {
		if _, err := time.Parse(console.DateLayout, v.VersionDate); err != nil {
			t.Errorf("version %s: %v", v.Name, err)
		}
		if !strings.HasSuffix(v.VersionDate, "Z") ||
			!slices.Contains(console.VersionStatuses, v.Status) {
			t.Errorf("version %s: date %s status %s", v.Name, v.VersionDate, v.Status)
		}
	}
	if !vs[0].CurrentVersion || vs[1].CurrentVersion || vs[1].Status != "delivered" {
		t.Errorf("billing versions %+v: want the analysed one current, the delivered one not", vs)
	}

	var nodes []console.Node
	e.call(http.MethodGet, "/api/nodes", nil, http.StatusOK, &nodes)
	if len(nodes) != 2 || nodes[0].Name != "node-1" || nodes[0].Port == 0 || !nodes[0].Accessible {
		t.Errorf("nodes %+v, want node-1 and node-2", nodes)
	}
}

func TestNodeApplicationCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	node := e.sim.AddNode("node-1")
	e.login()
	e.submit("declare_application", map[string]any{"appName": "a", "nodeGuid": node})
	e.clock.Advance(4 * step)
	var nodes []console.Node
	e.call(http.MethodGet, "/api/nodes", nil, http.StatusOK, &nodes)
	if len(nodes) != 1 || nodes[0].NumberOfApplications != 1 {
		t.Errorf("nodes %+v, want node-1 with one application", nodes)
	}
}

func TestRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	e.call(http.MethodGet, "/api/applications?x=1", nil, http.StatusOK, nil)
	body := map[string]any{"jobType": "fly"}
	e.call(http.MethodPost, "/api/jobs", body, http.StatusBadRequest, nil)

	reqs := e.sim.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests recorded, want 2", len(reqs))
	}
	get, post := reqs[0], reqs[1]
	if get.Method != "GET" || get.Path != "/api/applications" || get.Query != "x=1" ||
		get.APIKey != testKey || get.XSRFHeader != "" || get.Status != 200 {
		t.Errorf("first request %+v", get)
	}
	if post.Method != "POST" || !post.XSRFValid || post.XSRFHeader != e.cookie("XSRF-TOKEN") ||
		!bytes.Equal(post.Body, []byte(`{"jobType":"fly"}`)) || post.Status != 400 {
		t.Errorf("second request %+v, body %s", post, post.Body)
	}
	if !get.Time.Equal(e.clock.Now()) {
		t.Errorf("time %v, want %v", get.Time, e.clock.Now())
	}

	reqs[1].Body[0] = 'X'
	if e.sim.Requests()[1].Body[0] != '{' {
		t.Error("Requests shares its bodies with the server")
	}
}

func TestLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("a")
	e.login()
	start := e.submit("add_version", addVersionParams(app, "v1", "deliver_version"))
	base := "/api/jobs/" + start.JobGUID + "/steps/"

	type descriptor struct {
		LogName, LogType string
		Finished         bool
	}
	var logs []descriptor
	e.call(http.MethodGet, base+"code_scanner/logs", nil, http.StatusOK, &logs)
	if len(logs) != 0 {
		t.Errorf("logs of a step not started: %v, want none", logs)
	}
	e.call(http.MethodGet, base+"unzip_source/logs", nil, http.StatusOK, &logs)
	if len(logs) != 1 || logs[0].LogType != "MAIN_LOG" || logs[0].Finished {
		t.Fatalf("logs of the running step: %+v, want one unfinished MAIN_LOG", logs)
	}
	e.call(http.MethodGet, base+"fly/logs", nil, http.StatusNotFound, nil)

	e.clock.Advance(deliverSteps * step)
	type page struct {
		StartOffset, NbLines int
		EndOfFile            bool
		Lines                []struct{ Content string }
	}
	var p page
	path := base + "unzip_source/logs/" + logs[0].LogName
	e.call(http.MethodGet, path+"?nbLines=2&startOffset=1", nil, http.StatusOK, &p)
	if p.StartOffset != 1 || p.NbLines != 2 || len(p.Lines) != 2 || !p.EndOfFile ||
		!strings.Contains(p.Lines[1].Content, "done") {
		t.Errorf("page %+v, want the last two lines and the end of the file", p)
	}
	e.call(http.MethodGet, path+"?nbLines=-1", nil, http.StatusBadRequest, nil)
	e.call(http.MethodGet, base+"unzip_source/logs/other.log", nil, http.StatusNotFound, nil)
}
