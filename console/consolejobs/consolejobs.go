// Package consolejobs lets the engine run jobs on a Console: it adapts a
// *console.Client to engine.JobService. It is the only package that knows
// both, so the engine stays free of HTTP and the client free of workflows.
package consolejobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/engine"
)

// Service is an engine.JobService backed by a Console client. It is safe
// for concurrent use; set its fields before the first call, and do not
// copy it after.
type Service struct {
	Client *console.Client

	// ChunkSize is the size of the chunks of source uploads; 0 means
	// console.DefaultChunkSize.
	ChunkSize int64

	// LogLines is how many lines one read of a step's log asks for; 0
	// means console.DefaultLogLines.
	LogLines int

	mu      sync.Mutex
	apps    map[string]console.Application // by lower-case GUID; see application
	listing chan struct{}                  // closed when the listing in progress ends
}

var _ engine.JobService = (*Service)(nil)

// SubmitJob schedules a job with POST /api/jobs. An error that says the
// job may have been submitted (console.ErrOutcomeUnknown) also matches
// engine.ErrSubmitUnknown.
func (s *Service) SubmitJob(ctx context.Context, jobType string,
	params map[string]string) (engine.JobStart, error) {
	js, err := s.Client.SubmitJob(ctx, jobType, params)
	if errors.Is(err, console.ErrOutcomeUnknown) {
		err = submitUnknown{err}
	}
	return engine.JobStart{JobGUID: js.JobGUID, AppGUID: js.AppGUID}, err
}

// submitUnknown is a submission error after which the job may exist: it
// reads as the client's error and matches engine.ErrSubmitUnknown too.
type submitUnknown struct{ err error }

func (e submitUnknown) Error() string { return e.err.Error() }

func (e submitUnknown) Unwrap() []error { return []error{engine.ErrSubmitUnknown, e.err} }

// WaitJob polls a job until it ends.
func (s *Service) WaitJob(ctx context.Context, jobGUID string, interval time.Duration,
	progress func(engine.JobStatus)) (engine.JobStatus, error) {
	opts := console.WaitOptions{Interval: interval}
	if progress != nil {
		opts.OnProgress = func(st console.JobStatus) { progress(status(st)) }
	}
	st, err := s.Client.Wait(ctx, jobGUID, opts)
	if err != nil {
		return engine.JobStatus{}, err
	}
	return status(st), nil
}

// CancelJob asks the Console to cancel a job.
func (s *Service) CancelJob(ctx context.Context, jobGUID string) error {
	return s.Client.CancelJob(ctx, jobGUID)
}

// FindApplication looks an application up by name.
func (s *Service) FindApplication(ctx context.Context,
	name string) (engine.Application, bool, error) {
	a, ok, err := s.Client.FindApplication(ctx, name)
	return engine.Application{GUID: a.GUID, Name: a.Name}, ok, err
}

// FindVersion looks a version up by name.
func (s *Service) FindVersion(ctx context.Context,
	appGUID, name string) (engine.Version, bool, error) {
	v, ok, err := s.Client.FindVersion(ctx, appGUID, name)
	return engine.Version{GUID: v.GUID, Name: v.Name, Status: v.Status}, ok, err
}

// Nodes lists the Console's AIP nodes.
func (s *Service) Nodes(ctx context.Context) ([]engine.AIPNode, error) {
	nodes, err := s.Client.Nodes(ctx)
	out := make([]engine.AIPNode, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, engine.AIPNode{GUID: n.GUID, Name: n.Name,
			Accessible: n.Accessible, Applications: n.NumberOfApplications})
	}
	return out, err
}

// UploadSource uploads a local archive for an application, looked up by
// its GUID for the name that the job's sourcePath needs.
func (s *Service) UploadSource(ctx context.Context, appGUID, path string) (engine.Upload, error) {
	app, err := s.application(ctx, appGUID)
	if err != nil {
		return engine.Upload{}, err
	}
	up, err := s.Client.Upload(ctx, app.GUID, path, console.UploadOptions{ChunkSize: s.ChunkSize})
	if err != nil {
		return engine.Upload{}, err
	}
	return engine.Upload{AppName: app.Name, FileName: up.FileName, Size: up.FileSize}, nil
}

// application returns the application of a GUID. The Console lists
// applications only all at once, so the list is kept: the uploads of a
// run, and their retries, list them once, and again only for a GUID the
// list did not hold. Calls that need a list while one is being made wait
// for it.
func (s *Service) application(ctx context.Context, guid string) (console.Application, error) {
	key := strings.ToLower(guid)
	for {
		s.mu.Lock()
		app, ok := s.apps[key]
		listing := s.listing
		if !ok && listing == nil {
			listing = make(chan struct{})
			s.listing = listing
			s.mu.Unlock()
			return s.list(ctx, guid, listing)
		}
		s.mu.Unlock()
		if ok {
			return app, nil
		}
		// Another call is listing: its list may hold guid. If not, or if
		// it failed, this call lists them itself.
		select {
		case <-listing:
		case <-ctx.Done():
			return console.Application{}, context.Cause(ctx)
		}
	}
}

// list lists the applications, keeps them, closes listing and returns
// the application of guid.
func (s *Service) list(ctx context.Context, guid string,
	listing chan struct{}) (console.Application, error) {
	list, err := s.Client.Applications(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listing = nil
	close(listing)
	if err != nil {
		return console.Application{}, err
	}
	if s.apps == nil {
		s.apps = make(map[string]console.Application, len(list))
	}
	for _, a := range list {
		s.apps[strings.ToLower(a.GUID)] = a
	}
	app, ok := s.apps[strings.ToLower(guid)]
	if !ok {
		return console.Application{}, fmt.Errorf("application %s not found on the Console", guid)
	}
	return app, nil
}

// ReadLog reads one page of the main log of a job's step. The first read
// of a step looks its MAIN_LOG up; until the step has one, the page is
// empty.
func (s *Service) ReadLog(ctx context.Context, jobGUID, step string,
	cur engine.LogCursor) (engine.LogPage, error) {
	if cur.Name == "" {
		l, ok, err := s.Client.FindMainLog(ctx, jobGUID, step)
		if err != nil || !ok {
			return engine.LogPage{Next: cur}, err
		}
		cur = engine.LogCursor{Name: l.LogName}
	}
	content, err := s.Client.ReadLog(ctx, jobGUID, step, cur.Name, cur.Offset, s.LogLines)
	if err != nil {
		return engine.LogPage{Next: cur}, err
	}
	page := engine.LogPage{EOF: content.EndOfFile,
		Next: engine.LogCursor{Name: cur.Name, Offset: content.Next()}}
	for _, l := range content.Lines {
		page.Lines = append(page.Lines, l.Content)
	}
	return page, nil
}

// status converts the Console's status document for the engine; Doc holds
// the document as generic JSON so that step outputs can read any field.
func status(st console.JobStatus) engine.JobStatus {
	var doc map[string]any
	if b, err := json.Marshal(st); err == nil {
		_ = json.Unmarshal(b, &doc) // a document we just encoded decodes
	}
	return engine.JobStatus{
		GUID: st.GUID, State: console.NormalizeState(st.State),
		ProgressStep: st.ProgressStep, FailureStep: st.FailureStep,
		AppGUID: st.AppGUID, AppName: st.AppName, Doc: doc,
	}
}
