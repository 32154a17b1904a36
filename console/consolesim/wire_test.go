package consolesim_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// These tests read the answers as raw JSON and check them against the
// shapes of console-api.md, independently of the wire types both sides
// share: a field renamed in package console would pass every other test.

// consoleDate is the exact date form of section 5.3: UTC, three fraction
// digits, a literal Z.
var consoleDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// raw sends a request and decodes its JSON answer without a schema.
func (e *env) raw(method, path string, body any, want int) any {
	e.t.Helper()
	var v any
	e.call(method, path, body, want, &v)
	return v
}

// kind returns the JSON kind of a decoded value.
func kind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case nil:
		return "null"
	}
	return "?"
}

// object checks that v is an object whose fields have the given kinds,
// and returns it.
func object(t *testing.T, what string, v any, fields map[string]string) map[string]any {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: %s, want an object", what, kind(v))
	}
	for name, want := range fields {
		if got := kind(obj[name]); got != want {
			t.Errorf("%s: field %q is %s, want %s", what, name, got, want)
		}
	}
	return obj
}

// array checks that v is a non-empty JSON array and returns it.
func array(t *testing.T, what string, v any) []any {
	t.Helper()
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		t.Fatalf("%s: %s %v, want a non-empty array", what, kind(v), v)
	}
	return arr
}

func TestWireInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	info := object(t, "GET /api/", e.raw(http.MethodGet, "/api/", nil, 200), map[string]string{
		"apiVersion": "string", "castVersion": "string", "dependencyMatrix": "object",
		"dashboardIntegrated": "bool", "enableSnapshotValidation": "bool",
		"enableDownloadDmt": "bool", "enablePackagePathCheck": "bool", "imagingFlat": "bool",
		"acStudioAudienceCastsoftware": "bool",
	})
	// The client's SemVer must match the whole string, or every gate reads 0.0.0.
	semver := regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)
	if v, _ := info["apiVersion"].(string); !semver.MatchString(v) || v != "1.29.1" {
		t.Errorf("apiVersion %q, want 1.29.1, the last version the v1 client knows", v)
	}
	object(t, "GET /api/user", e.raw(http.MethodGet, "/api/user", nil, 200), nil)
}

func TestWireApplicationsVersionsNodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	consolesim.SeedDemo(e.sim)

	list := object(t, "applications", e.raw(http.MethodGet, "/api/applications", nil, 200),
		map[string]string{"applications": "array"})
	if len(list) != 1 {
		t.Errorf("applications wrapper %v, want only the applications field", list)
	}
	apps := array(t, "applications", list["applications"])
	app := object(t, "application", apps[0],
		map[string]string{"guid": "string", "name": "string", "inPlaceMode": "bool"})

	path := "/api/applications/" + app["guid"].(string) + "/versions"
	for i, v := range array(t, "versions", e.raw(http.MethodGet, path, nil, 200)) {
		ver := object(t, "version", v, map[string]string{
			"guid": "string", "name": "string", "title": "string", "status": "string",
			"versionDate": "string", "currentVersion": "bool", "configurationChanged": "bool",
		})
		if d := ver["versionDate"].(string); !consoleDate.MatchString(d) {
			t.Errorf("version %d: versionDate %q, want yyyy-MM-ddTHH:mm:ss.SSSZ", i, d)
		}
		if s := ver["status"].(string); !slices.Contains(console.VersionStatuses, s) {
			t.Errorf("version %d: status %q is not a Console 1.x status", i, s)
		}
	}

	for _, n := range array(t, "nodes", e.raw(http.MethodGet, "/api/nodes", nil, 200)) {
		object(t, "node", n, map[string]string{
			"guid": "string", "name": "string", "scheme": "string", "host": "string",
			"port": "number", "accessible": "bool", "numberOfApplications": "number",
		})
	}
}

// TestReleaseDateForms checks the release dates a Console accepts
// (section 3.5.2) and the one form versionDate is written in.
func TestReleaseDateForms(t *testing.T) {
	t.Parallel()
	tests := []struct{ release, want string }{
		{release: "2024-07-31T12:14:02.000Z", want: "2024-07-31T12:14:02.000Z"},
		{release: "2024-07-31T12:14:02Z", want: "2024-07-31T12:14:02.000Z"},
		{release: "2019-05-07T16:47:53+02:00", want: "2019-05-07T14:47:53.000Z"},
		{release: "2019-05-07T16:47:53.5+02:00", want: "2019-05-07T14:47:53.500Z"},
	}
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.login()
	for _, tt := range tests {
		t.Run(tt.release, func(t *testing.T) {
			p := addVersionParams(app, tt.release, "deliver_version")
			p["releaseDate"] = tt.release
			e.submit("add_version", p)
			if got := e.versionNamed(app, tt.release).VersionDate; got != tt.want {
				t.Errorf("versionDate %s, want %s", got, tt.want)
			}
		})
	}
}

func TestWireJobStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.sim.FailJob("add_version", "code_scanner")
	e.login()
	body := map[string]any{"jobType": "add_version",
		"jobParameters": addVersionParams(app, "v1", "deliver_version")}
	start := object(t, "POST /api/jobs", e.raw(http.MethodPost, "/api/jobs", body, 201),
		map[string]string{"appGuid": "string", "jobGuid": "string", "jobUrl": "string"})
	path := start["jobUrl"].(string)

	e.clock.Advance(step / 2)
	fields := map[string]string{
		"guid": "string", "url": "string", "jobType": "string", "jobParameters": "object",
		"appGuid": "string", "appName": "string", "state": "string",
		"progressStep": "string", "fullSteps": "array", "created": "string", "updated": "string",
	}
	running := object(t, "running job", e.raw(http.MethodGet, path, nil, 200), fields)
	for _, fs := range array(t, "fullSteps", running["fullSteps"]) {
		object(t, "fullSteps entry", fs, map[string]string{"step": "string", "duration": "number"})
	}

	e.clock.Advance(2 * step)
	fields["failureStep"] = "string"
	failed := object(t, "failed job", e.raw(http.MethodGet, path, nil, 200), fields)
	if failed["state"] != "failed" || failed["failureStep"] != "code_scanner" ||
		failed["progressStep"] != "code_scanner" {
		t.Errorf("failed job: state %v failureStep %v progressStep %v, want failed at code_scanner",
			failed["state"], failed["failureStep"], failed["progressStep"])
	}
	for _, f := range []string{"created", "updated"} {
		if d, _ := failed[f].(string); !consoleDate.MatchString(d) {
			t.Errorf("%s %q, want yyyy-MM-ddTHH:mm:ss.SSSZ", f, d)
		}
	}
}

func TestWireCancelAndResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.login()
	start := e.submit("add_version", addVersionParams(app, "v1", "deliver_version"))
	path := "/api/jobs/" + start.JobGUID

	// A Console up to 1.9 suspends new jobs and clients resume them; the
	// simulator's never wait, so resuming changes nothing.
	resumed := object(t, "PUT started", e.raw(http.MethodPut, path,
		map[string]string{"state": "started"}, 200), map[string]string{"state": "string"})
	if resumed["state"] != "started" {
		t.Errorf("after resume: state %v, want started", resumed["state"])
	}

	e.raw(http.MethodPut, path, map[string]string{"state": "canceled"}, 200)
	e.clock.Advance(step)
	got := object(t, "canceled job", e.raw(http.MethodGet, path, nil, 200), nil)
	if got["state"] != "canceled" {
		t.Errorf("state %v, want canceled with one L", got["state"])
	}
}

func TestWireLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.login()
	start := e.submit("add_version", addVersionParams(app, "v1", "deliver_version"))
	e.clock.Advance(step)

	base := "/api/jobs/" + start.JobGUID + "/steps/unzip_source/logs"
	logs := array(t, "logs", e.raw(http.MethodGet, base, nil, 200))
	d := object(t, "log descriptor", logs[0],
		map[string]string{"logName": "string", "logType": "string", "finished": "bool"})
	if d["logType"] != "MAIN_LOG" || d["finished"] != true {
		t.Errorf("descriptor %v, want a finished MAIN_LOG", d)
	}

	path := base + "/" + d["logName"].(string) + "?nbLines=3000&startOffset=0"
	page := object(t, "log page", e.raw(http.MethodGet, path, nil, 200), map[string]string{
		"startOffset": "number", "nbLines": "number", "endOfFile": "bool", "lines": "array",
	})
	lines := array(t, "lines", page["lines"])
	for _, l := range lines {
		object(t, "line", l, map[string]string{"content": "string"})
	}
	if page["nbLines"] != float64(len(lines)) || page["endOfFile"] != true {
		t.Errorf("page nbLines %v endOfFile %v, want %d true", page["nbLines"], page["endOfFile"],
			len(lines))
	}
}

// TestValidatedAndPreparingStatuses checks the two version statuses of
// section 4.6 the other tests do not reach.
func TestValidatedAndPreparingStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params map[string]any
		want   []string // version status in the middle of each step, then at the end
	}{
		{name: "no validation",
			params: map[string]any{"startStep": "snapshot", "endStep": "upload_application",
				"processImaging": "false"},
			want: []string{"snapshot_ongoing", "snapshot_taken", "snapshot_done"}},
		{name: "validation survives publishing",
			params: map[string]any{"startStep": "validate_snapshot",
				"endStep": "upload_application"},
			want: []string{"analysis_done", "validated"}},
		{name: "imaging",
			params: map[string]any{"startStep": "analyze", "endStep": "process_imaging",
				"processImaging": "true"},
			want: []string{"analysis_ongoing", "preparing_analysis_data", "processing_imaging",
				"imaging_processed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, consolesim.Options{})
			app := e.sim.AddApplication("webi")
			v := e.sim.AddVersion(app, "v1", "analysis_done")
			tt.params["appGuid"], tt.params["versionGuid"] = app, v
			e.login()
			start := e.submit("analyze", tt.params)
			var got []string
			for {
				e.clock.Advance(step / 2)
				got = append(got, e.versions(app)[0].Status)
				e.clock.Advance(step / 2)
				if e.job(start.JobGUID).State == console.StateCompleted {
					break
				}
			}
			got = slices.Compact(append(got, e.versions(app)[0].Status))
			if !slices.Equal(got, tt.want) {
				t.Errorf("statuses %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWireErrorBody checks the body of an error answer: JSON with a
// message, as every simulated error has.
func TestWireErrorBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	var got map[string]any
	status, body := e.send(e.request(http.MethodGet, "/api/jobs/nope", nil))
	if err := json.Unmarshal(body, &got); err != nil || status != 404 ||
		len(got) != 1 || got["message"] != "job not found" {
		t.Errorf("status %d body %s, want 404 {\"message\":\"job not found\"}", status, body)
	}
}
