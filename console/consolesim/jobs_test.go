package consolesim_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

func TestJobSteps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		jobType string
		params  map[string]any // appGuid and versionGuid are filled in
		want    []string
	}{
		{
			name:    "add_version deliver only",
			jobType: "add_version",
			params:  addVersionParams("", "v1", "deliver_version"),
			want: []string{"unzip_source", "code_scanner", "add_version", "create_package",
				"attach_package_to_version", "deliver_version"},
		},
		{
			name:    "clone_version deliver only",
			jobType: "clone_version",
			params:  addVersionParams("", "v1", "deliver_version"),
			want: []string{"unzip_source", "code_scanner", "copy_from_version", "create_package",
				"copy_and_attach_packages", "attach_package_to_version", "deliver_version"},
		},
		{
			name:    "optional steps switched on",
			jobType: "add_version",
			params: map[string]any{"sourcePath": "sources:a", "startStep": "code_scanner",
				"endStep": "setcurrent", "extensionAutoConfigEnabled": "true",
				"backupApplication": "true"},
			want: []string{"code_scanner", "install_extensions", "backup", "add_version",
				"create_package", "attach_package_to_version", "deliver_version", "accept",
				"setcurrent"},
		},
		{
			name:    "analyze a delivered version",
			jobType: "analyze",
			params:  map[string]any{"startStep": "accept", "endStep": "analyze"},
			want:    []string{"accept", "setcurrent", "analyze"},
		},
		{
			name:    "snapshot only, old final step name",
			jobType: "analyze",
			params:  map[string]any{"startStep": "snapshot", "endStep": "consolidate_snapshot"},
			want:    []string{"snapshot", "snapshot_indicator", "consolidate_snapshot"},
		},
		{
			name:    "analyze without steps runs its whole pipeline",
			jobType: "analyze",
			params:  map[string]any{},
			want: []string{"accept", "setcurrent", "analyze", "snapshot", "snapshot_indicator",
				"upload_application"},
		},
		{
			name:    "declare_application",
			jobType: "declare_application",
			params:  map[string]any{"appName": "fresh"},
			want: []string{"create_delivery_folder", "restore_triplet", "import_preferences",
				"manage_application"},
		},
		{
			name:    "upper-case single-step type",
			jobType: "BACKUP",
			params:  map[string]any{},
			want:    []string{"backup"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, consolesim.Options{})
			app := e.sim.AddApplication("webi")
			version := e.sim.AddVersion(app, "v0", "delivered")
			if tt.jobType != "declare_application" {
				tt.params["appGuid"] = app
			}
			if tt.jobType == "analyze" {
				tt.params["versionGuid"] = version
			}
			e.login()
			t0 := e.clock.Now()
			start := e.submit(tt.jobType, tt.params)
			if start.JobURL != "/api/jobs/"+start.JobGUID {
				t.Errorf("jobUrl %q, want /api/jobs/%s", start.JobURL, start.JobGUID)
			}
			checkRun(t, e, start.JobGUID, t0, tt.want)
		})
	}
}

// checkRun follows a job that started at t0 through its steps on the
// fake clock and checks every status on the way and at the end.
func checkRun(t *testing.T, e *env, guid string, t0 time.Time, want []string) {
	t.Helper()
	for i, name := range want {
		e.clock.Advance(step / 2)
		st := e.job(guid)
		if st.State != console.StateStarted || st.ProgressStep != name {
			t.Fatalf("step %d: state %s progressStep %q, want started %q",
				i, st.State, st.ProgressStep, name)
		}
		if got := stepNames(st.FullSteps); !slices.Equal(got, want[:i+1]) {
			t.Fatalf("step %d: fullSteps %v, want %v", i, got, want[:i+1])
		}
		if d := st.FullSteps[i].Duration; d != (step / 2).Milliseconds() {
			t.Errorf("step %d: running step duration %d ms, want %d",
				i, d, (step / 2).Milliseconds())
		}
		e.clock.Advance(step / 2)
	}

	st := e.job(guid)
	if st.State != console.StateCompleted || st.ProgressStep != want[len(want)-1] {
		t.Fatalf("end: state %s progressStep %q, want completed %q",
			st.State, st.ProgressStep, want[len(want)-1])
	}
	for _, fs := range st.FullSteps {
		if fs.Duration != step.Milliseconds() {
			t.Errorf("step %s: duration %d ms, want %d", fs.Step, fs.Duration, step.Milliseconds())
		}
	}
	if got := stepNames(st.FullSteps); !slices.Equal(got, want) {
		t.Errorf("fullSteps %v, want %v", got, want)
	}
	end := t0.Add(time.Duration(len(want)) * step)
	if st.Created != t0.Format(console.DateLayout) || st.Updated != end.Format(console.DateLayout) {
		t.Errorf("created %s updated %s, want %s and %s", st.Created, st.Updated,
			t0.Format(console.DateLayout), end.Format(console.DateLayout))
	}
}

func TestDeclareApplication(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	e.login()
	start := e.submit("declare_application",
		map[string]any{"appName": "Webi", "inPlaceMode": "false"})
	if start.AppGUID == "" {
		t.Fatal("POST answer has no appGuid")
	}
	if apps := e.sim.Applications(); len(apps) != 0 {
		t.Fatalf("applications before the job ends: %v, want none", apps)
	}

	e.clock.Advance(4 * step)
	st := e.job(start.JobGUID)
	if st.State != console.StateCompleted || st.AppGUID != start.AppGUID || st.AppName != "Webi" {
		t.Fatalf("status %s appGuid %s appName %s, want completed %s Webi",
			st.State, st.AppGUID, st.AppName, start.AppGUID)
	}
	var list console.ApplicationList
	e.call(http.MethodGet, "/api/applications", nil, http.StatusOK, &list)
	want := []console.Application{{GUID: start.AppGUID, Name: "Webi"}}
	if !slices.Equal(list.Applications, want) {
		t.Fatalf("applications %v, want %v", list.Applications, want)
	}

	// Declaring the same name again reuses the application.
	again := e.submit("declare_application", map[string]any{"appName": "webi"})
	e.clock.Advance(4 * step)
	st = e.job(again.JobGUID)
	if st.State != console.StateCompleted || st.AppGUID != start.AppGUID {
		t.Errorf("second declaration: %s appGuid %s, want completed %s",
			st.State, st.AppGUID, start.AppGUID)
	}
	if apps := e.sim.Applications(); len(apps) != 1 {
		t.Errorf("applications %v, want one", apps)
	}
}

func TestAddVersionStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endStep     string
		steps       int
		wantStatus  string
		wantCurrent bool
	}{
		{endStep: "deliver_version", steps: 6, wantStatus: "delivered"},
		{endStep: "setcurrent", steps: 8, wantStatus: "accepted", wantCurrent: true},
		{endStep: "analyze", steps: 9, wantStatus: "analysis_done", wantCurrent: true},
		{endStep: "consolidate_snapshot", steps: 12, wantStatus: "snapshot_done",
			wantCurrent: true},
		{endStep: "upload_application", steps: 12, wantStatus: "snapshot_done",
			wantCurrent: true},
	}
	for _, tt := range tests {
		t.Run(tt.endStep, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, consolesim.Options{})
			app := e.sim.AddApplication("webi")
			old := e.sim.AddVersion(app, "old", "snapshot_done")
			e.login()
			start := e.submit("add_version", addVersionParams(app, "release-42", tt.endStep))

			v := e.versionNamed(app, "release-42")
			if v.Status != "delivering" || v.PreviousVersion != old {
				t.Errorf("at submission: status %s previousVersion %s, want delivering %s",
					v.Status, v.PreviousVersion, old)
			}
			if _, err := time.Parse(console.DateLayout, v.VersionDate); err != nil {
				t.Errorf("versionDate: %v", err)
			}

			e.clock.Advance(time.Duration(tt.steps) * step)
			st := e.job(start.JobGUID)
			if st.State != console.StateCompleted || st.ProgressStep != tt.endStep {
				t.Fatalf("job %s at %s, want completed at %s",
					st.State, st.ProgressStep, tt.endStep)
			}
			v = e.versionNamed(app, "release-42")
			if v.Status != tt.wantStatus || v.CurrentVersion != tt.wantCurrent {
				t.Errorf("version %s current %v, want %s %v",
					v.Status, v.CurrentVersion, tt.wantStatus, tt.wantCurrent)
			}
			if e.versionNamed(app, "old").CurrentVersion == tt.wantCurrent {
				t.Errorf("old version current %v, want %v", !tt.wantCurrent, !tt.wantCurrent)
			}
		})
	}
}

func TestAnalyzeVersionStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	v := e.sim.AddVersion(app, "v1", "delivered")
	e.login()
	e.submit("analyze", map[string]any{"appGuid": app, "versionGuid": v,
		"startStep": "accept", "endStep": "upload_application"})

	// Sampled in the middle of each step, then at the end: analysis_done
	// lasts no time, since snapshot starts as analyze ends.
	var got []string
	for range 6 {
		e.clock.Advance(step / 2)
		got = append(got, e.versions(app)[0].Status)
		e.clock.Advance(step / 2)
	}
	got = slices.Compact(append(got, e.versions(app)[0].Status))
	want := []string{"delivered", "accepted", "analysis_ongoing", "snapshot_ongoing",
		"snapshot_taken", "snapshot_done"}
	if !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

func TestJobParameterTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.login()
	params := addVersionParams(app, "v1", "deliver_version")
	params["fileSize"] = 1234
	params["ignoreFileStructureCheck"] = true
	params["domainName"] = nil
	start := e.submit("add_version", params)

	got := e.job(start.JobGUID).JobParameters
	if got["fileSize"] != "1234" || got["ignoreFileStructureCheck"] != "true" {
		t.Errorf("jobParameters %v: want fileSize \"1234\", ignoreFileStructureCheck \"true\"", got)
	}
	if _, ok := got["domainName"]; ok {
		t.Errorf("jobParameters %v: a null parameter should be absent", got)
	}
}

func TestPostJobErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("webi")
	e.login()
	add := func(change map[string]any) map[string]any {
		p := addVersionParams(app, "v1", "deliver_version")
		for k, v := range change {
			p[k] = v
		}
		return map[string]any{"jobType": "add_version", "jobParameters": p}
	}
	tests := []struct {
		name string
		body any
		want int
		msg  string
	}{
		{"malformed body", "{", 400, "decode job request"},
		{"unknown job type", map[string]any{"jobType": "fly"}, 400, `unknown job type "fly"`},
		{"declare without appName", map[string]any{"jobType": "declare_application"},
			400, "appName"},
		{"add_version without sourcePath", add(map[string]any{"sourcePath": ""}),
			400, "sourcePath"},
		{"analyze without versionGuid", map[string]any{"jobType": "analyze",
			"jobParameters": map[string]any{"appGuid": app}}, 400, "versionGuid"},
		{"backup without appGuid", map[string]any{"jobType": "BACKUP"}, 400, "appGuid"},
		{"unknown application", add(map[string]any{"appGuid": "nope"}), 404, "not found"},
		{"unknown version", map[string]any{"jobType": "analyze", "jobParameters": map[string]any{
			"appGuid": app, "versionGuid": "nope"}}, 404, "not found"},
		{"unknown startStep", add(map[string]any{"startStep": "fly"}), 400, `startStep "fly"`},
		{"start after end", add(map[string]any{"startStep": "deliver_version",
			"endStep": "code_scanner"}), 400, "comes after"},
		{"object parameter", add(map[string]any{"objectives": []string{"a"}}), 400, "objectives"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := e.request(http.MethodPost, "/api/jobs", tt.body)
			status, body := e.send(req)
			var got struct{ Message string }
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
			if status != tt.want || !strings.Contains(got.Message, tt.msg) {
				t.Errorf("status %d message %q, want %d with %q",
					status, got.Message, tt.want, tt.msg)
			}
		})
	}
	if vs := e.sim.Versions(app); len(vs) != 0 {
		t.Errorf("rejected jobs left versions %v", vs)
	}
}

func TestGetUnknownJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	status, body := e.send(e.request(http.MethodGet, "/api/jobs/nope", nil))
	if status != http.StatusNotFound || !strings.Contains(string(body), `"job not found"`) {
		t.Errorf("status %d body %s, want 404 job not found", status, body)
	}
	if _, ok := e.sim.Job("nope"); ok {
		t.Error("Job(nope) found a job")
	}
}
