package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
)

// contractAppName is the name of the application the job test declares.
func contractAppName() string {
	return fmt.Sprintf("runner-contract-%d", time.Now().Unix())
}

// TestDeclareApplication schedules a declare_application job as runner does,
// checks that a POST without the XSRF token is refused, polls the job to its
// end checking every status document, and reads the logs of its steps.
func TestDeclareApplication(t *testing.T) {
	tg := newTarget(t)
	tg.needWrite(t)
	w := tg.wire(t)
	name := contractAppName()
	req := map[string]any{"jobType": "declare_application", "jobParameters": map[string]string{"appName": name}}

	w.get("/api/") // the documented way to get the XSRF cookie
	if status, _, body := w.call(http.MethodPost, "/api/jobs", req, false); status != http.StatusForbidden {
		t.Fatalf("POST /api/jobs without X-XSRF-TOKEN: HTTP %d, want 403: %s", status, clip(body))
	}
	status, _, body := w.call(http.MethodPost, "/api/jobs", req, true)
	if status < 200 || status > 204 {
		t.Fatalf("POST /api/jobs: HTTP %d, want 2xx: %s", status, clip(body))
	}
	start := conform(t, "POST /api/jobs", "jobstart", body).(map[string]any)
	guid, _ := start["jobGuid"].(string)

	final := pollJob(t, w, guid, tg.jobWithin)
	if final["state"] != "completed" {
		t.Fatalf("declare_application ended %v (failureStep %v), want completed",
			final["state"], final["failureStep"])
	}
	appGUID, _ := final["appGuid"].(string)
	if appGUID == "" {
		t.Fatal("the completed declare_application status has no appGuid (console-api.md 2.3)")
	}
	apps := conform(t, "GET /api/applications", "applications", w.get("/api/applications"))
	found := false
	for _, a := range apps.(map[string]any)["applications"].([]any) {
		if m := a.(map[string]any); m["guid"] == appGUID && strings.EqualFold(fmt.Sprint(m["name"]), name) {
			found = true
		}
	}
	if !found {
		t.Errorf("application %s (%s) is not in GET /api/applications after its declaration", name, appGUID)
	}

	steps, _ := final["fullSteps"].([]any)
	for _, s := range steps {
		step, _ := s.(map[string]any)["step"].(string)
		readLogs(t, w, guid, step)
	}
}

// pollJob polls a job's status until it leaves starting and started, checking
// the shape of every answer, and returns the last one.
func pollJob(t *testing.T, w *wire, guid string, within time.Duration) map[string]any {
	t.Helper()
	path := "/api/jobs/" + url.PathEscape(guid)
	interval := 15 * time.Second
	if !w.tg.live {
		interval = 5 * time.Millisecond
	}
	deadline := time.Now().Add(within)
	for {
		st := conform(t, "GET "+path, "jobstatus", w.get(path)).(map[string]any)
		if s := st["state"]; s != "starting" && s != "started" {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %v after %v", guid, st["state"], within)
		}
		time.Sleep(interval)
	}
}

// readLogs reads the log descriptors of one step and the first page of its
// MAIN_LOG, as runner --follow-logs does.
func readLogs(t *testing.T, w *wire, guid, step string) {
	t.Helper()
	path := "/api/jobs/" + url.PathEscape(guid) + "/steps/" + url.PathEscape(step) + "/logs"
	var descs []struct{ LogName, LogType string }
	data := w.get(path)
	conform(t, "GET "+path, "logs", data)
	if err := json.Unmarshal(data, &descs); err != nil {
		t.Fatal(err)
	}
	for _, d := range descs {
		if strings.EqualFold(d.LogType, "MAIN_LOG") {
			lp := path + "/" + url.PathEscape(d.LogName) + "?nbLines=3000&startOffset=0"
			conform(t, "GET "+lp, "loglines", w.get(lp))
			return
		}
	}
	t.Errorf("GET %s: no MAIN_LOG among %d log descriptors", path, len(descs))
}

// TestClientCalls makes the calls through runner's own client, so that the
// client's reading of each answer is checked against the target too.
func TestClientCalls(t *testing.T) {
	tg := newTarget(t)
	c := tg.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), tg.jobWithin+time.Minute)
	defer cancel()

	if err := c.Login(ctx); err != nil {
		t.Fatalf("Login: %v", err)
	}
	info, err := c.Info(ctx)
	if err != nil || !strings.HasPrefix(info.APIVersion, "1.") {
		t.Fatalf("Info: apiVersion %q, %v; want a Console 1.x", info.APIVersion, err)
	}
	apps, err := c.Applications(ctx)
	if err != nil {
		t.Fatalf("Applications: %v", err)
	}
	for i, a := range apps {
		if i == 3 {
			break
		}
		if _, err := c.Versions(ctx, a.GUID); err != nil {
			t.Errorf("Versions of %s: %v", a.Name, err)
		}
	}
	if _, err := c.Nodes(ctx); err != nil {
		t.Errorf("Nodes: %v", err)
	}
	if _, err := c.JobStatus(ctx, "00000000-0000-4000-8000-00000000c0de"); !errors.Is(err, console.ErrNotFound) {
		t.Errorf("JobStatus of an unknown job: %v, want an error matching ErrNotFound", err)
	}

	if !tg.write {
		return
	}
	start, err := c.SubmitJob(ctx, "declare_application", map[string]string{"appName": contractAppName()})
	if err != nil {
		t.Fatalf("SubmitJob: %v", err)
	}
	interval := console.DefaultPollInterval
	if !tg.live {
		interval = 5 * time.Millisecond
	}
	st, err := c.Wait(ctx, start.JobGUID, console.WaitOptions{Interval: interval})
	if err != nil || st.State != console.StateCompleted || st.AppGUID == "" {
		t.Fatalf("Wait: state %q, appGuid %q, %v; want completed with an appGuid", st.State, st.AppGUID, err)
	}
}
