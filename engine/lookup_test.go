package engine_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aipflow/runner/engine"
)

// failedLookup is a job service whose version lookups fail, as when the
// Console stops answering right after a job completed.
type failedLookup struct{ engine.JobService }

func (failedLookup) FindVersion(context.Context, string, string) (engine.Version, bool, error) {
	return engine.Version{}, false, errors.New("HTTP 503 Service Unavailable")
}

// TestResumeLooksUpVersionOfCompletedJob checks that a delivery whose job
// completed but whose version could not be looked up is re-attached by a
// resumed run, which looks the version up again, rather than submitted a
// second time, which would deliver a second version.
func TestResumeLooksUpVersionOfCompletedJob(t *testing.T) {
	w := newWorld(t, "app1")
	path := filepath.Join(t.TempDir(), "runs", "r1.json")
	src := `version: 1
name: deliver
inputs: {app: {type: string}}
steps:
  deliver:
    job: add_version
    with:
      appGuid: "${{ inputs.app }}"
      sourcePath: "sources:x"
      versionName: v1
      endStep: deliver_version
`
	in := map[string]string{"app": w.apps["app1"]}
	first, _ := w.run(t, context.Background(), src, in, func(o *engine.Options) {
		o.Jobs, o.RunID, o.JournalPath = failedLookup{w.jobs}, "r1", path
	})
	if s := first.Steps[0]; s.State != engine.Failed || !strings.Contains(s.Reason, "find version") {
		t.Fatalf("first run: deliver %s (%s), want failed finding its version", s.State, s.Reason)
	}
	j, err := engine.LoadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := w.run(t, context.Background(), src, in, func(o *engine.Options) {
		o.RunID, o.JournalPath, o.Resume = "r1", path, j
	})
	s := res.Steps[0]
	if s.State != engine.Completed || s.JobGUID != first.Steps[0].JobGUID ||
		s.Outputs["versionGuid"] == nil {
		t.Errorf("resumed deliver %s, job %s (first %s), versionGuid %v; want completed, the same "+
			"job and its version", s.State, s.JobGUID, first.Steps[0].JobGUID, s.Outputs["versionGuid"])
	}
	if got := strings.Join(w.posts(t), ","); got != "add_version" {
		t.Errorf("the Console received %s, want one add_version", got)
	}
}
