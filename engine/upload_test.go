package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/engine"
)

// writeArchive writes a small archive in a new directory and returns its
// path.
func writeArchive(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte("PK\x03\x04 not much of an archive"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// deliverArchive is a workflow that delivers the archive at path; retry
// adds a retry: block to the delivery.
func deliverArchive(path, retry string) string {
	return `version: 1
name: upload
steps:
  find:
    query: application
    with: {name: webi}
  deliver:
    job: add_version
    source: ` + path + `
    with: {appGuid: "${{ steps.find.outputs.appGuid }}", endStep: deliver_version}
` + retry
}

// jobParams returns the parameters of the jobs the simulator accepted, in
// order.
func (w *world) jobParams(t *testing.T) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, r := range w.accepted() {
		var body console.JobRequest
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, body.JobParameters)
	}
	return out
}

var uploadSource = regexp.MustCompile(`^upload:webi/[0-9a-f-]{36}\.zip$`)

func TestSourceUploadedBeforeJob(t *testing.T) {
	w := newWorld(t, "webi")
	src := deliverArchive(writeArchive(t, "app.zip"), "")
	res, ev := w.run(t, context.Background(), src, nil)
	wantStates(t, res, map[string]string{"find": "completed", "deliver": "completed"})

	ups := w.sim.Uploads()
	if len(ups) != 1 || !ups[0].Done() || ups[0].ApplicationGUID != w.apps["webi"] {
		t.Fatalf("uploads %+v, want one complete upload for webi", ups)
	}
	params := w.jobParams(t)
	if len(params) != 1 {
		t.Fatalf("%d jobs posted, want 1", len(params))
	}
	path := params[0]["sourcePath"]
	if path != "upload:webi/"+ups[0].FileName || !uploadSource.MatchString(path) ||
		params[0]["sourceArchive"] != path {
		t.Errorf("sourcePath %q, sourceArchive %q; want both upload:webi/%s", path,
			params[0]["sourceArchive"], ups[0].FileName)
	}

	// The job comes after the last chunk, and the run said it uploads.
	var lastPatch, post int
	for i, r := range w.sim.Requests() {
		switch {
		case r.Method == "PATCH":
			lastPatch = i
		case r.Method == "POST" && r.Path == "/api/jobs":
			post = i
		}
	}
	if post < lastPatch {
		t.Errorf("the job was posted (request %d) before the upload ended (%d)", post, lastPatch)
	}
	seen := false
	for _, e := range ev.all {
		seen = seen || e.Step == "deliver" && strings.HasPrefix(e.Reason, "uploading ")
	}
	if !seen {
		t.Error("no event tells the upload")
	}
}

// Each submission of a retried job gets an upload of its own.
func TestSourceUploadedForEachAttempt(t *testing.T) {
	w := newWorld(t, "webi")
	w.sim.FailJob("add_version", "code_scanner")
	src := deliverArchive(writeArchive(t, "app.tar.gz"), "    retry: {attempts: 2}\n")
	res, _ := w.run(t, context.Background(), src, nil)
	wantStates(t, res, map[string]string{"deliver": "failed"})
	if got := res.Steps[1].Attempts; got != 2 {
		t.Errorf("%d attempts, want 2", got)
	}
	params := w.jobParams(t)
	if len(params) != 2 || params[0]["sourcePath"] == params[1]["sourcePath"] {
		t.Errorf("posted %v, want two jobs with their own uploads", params)
	}
	if n := len(w.sim.Uploads()); n != 2 {
		t.Errorf("%d uploads, want 2", n)
	}
}

// An upload the Console refuses fails the step before any job is posted.
func TestSourceUploadFailureFailsStep(t *testing.T) {
	w := newWorld(t, "webi")
	archive := writeArchive(t, "app.zip")
	src := deliverArchive(archive, "")
	p := mustBuild(t, src)
	if err := os.Remove(archive); err != nil { // gone after the load
		t.Fatal(err)
	}
	res, err := engine.Run(context.Background(), p, engine.Options{Jobs: w.jobs,
		Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	wantStates(t, res, map[string]string{"deliver": "failed: upload " + archive})
	if n := len(w.accepted()); n != 0 {
		t.Errorf("%d jobs posted, want none", n)
	}
}

// A resumed run re-attaches to the job the killed run submitted, and
// uploads nothing again.
func TestResumeDoesNotUploadAgain(t *testing.T) {
	w := newSlowWorld(t, 20*time.Millisecond, "webi")
	src := deliverArchive(writeArchive(t, "app.zip"), "")
	path := filepath.Join(t.TempDir(), "runs", "r1.json")
	killed := w.runKilled(t, src, nil, path, 1)
	res, _ := w.run(t, context.Background(), src, nil, func(o *engine.Options) {
		o.RunID, o.JournalPath, o.Resume = "r1", path, killed
	})
	wantStates(t, res, map[string]string{"deliver": "completed"})
	if n := len(w.sim.Uploads()); n != 1 {
		t.Errorf("%d uploads, want the first run's only", n)
	}
	if n := len(w.accepted()); n != 1 {
		t.Errorf("%d jobs posted, want 1", n)
	}
}

func TestDryRunShowsUpload(t *testing.T) {
	archive := writeArchive(t, "app.zip")
	p := mustBuild(t, deliverArchive(archive, ""))
	dr := p.DryRun(nil, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	st := dr.Steps[1]
	if st.Upload == nil || st.Upload.Path != archive || st.Upload.File != archive ||
		st.Upload.Size != 27 {
		t.Errorf("upload %+v, want %s of 27 bytes", st.Upload, archive)
	}
	if st.Params["sourcePath"] != engine.UploadPlaceholder ||
		st.Params["sourceArchive"] != engine.UploadPlaceholder || len(st.Problems) != 0 {
		t.Errorf("params %v, problems %v", st.Params, st.Problems)
	}
	if dr.Steps[0].Upload != nil {
		t.Errorf("a query shows an upload")
	}
}
