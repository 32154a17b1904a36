package engine

import (
	"context"
	"errors"
	"time"
)

// ErrSubmitUnknown is what a JobService's SubmitJob error matches when
// the request may have reached the Console all the same (a timeout, a
// connection lost once the request was sent, a proxy's 502 or 504): the
// job may exist although its GUID is unknown. The step fails with
// StepResult.SubmitUnknown set, and a resumed run does not submit it
// again unless told to (Options.Resubmit).
var ErrSubmitUnknown = errors.New("the job may have been submitted")

// JobService is what the engine needs from the Console. Implementations
// must be safe for concurrent use.
type JobService interface {
	// SubmitJob schedules a job and returns its GUID. A non-nil error means
	// the engine must not assume the job exists; it matches
	// ErrSubmitUnknown when the job may exist all the same.
	SubmitJob(ctx context.Context, jobType string, params map[string]string) (JobStart, error)

	// WaitJob polls a job every interval until it ends and returns its
	// final status. progress, when not nil, is called on every change of
	// state or progress step.
	WaitJob(ctx context.Context, jobGUID string, interval time.Duration,
		progress func(JobStatus)) (JobStatus, error)

	// CancelJob asks the Console to cancel a job.
	CancelJob(ctx context.Context, jobGUID string) error

	// FindApplication looks an application up by name, ignoring case.
	FindApplication(ctx context.Context, name string) (Application, bool, error)

	// FindVersion looks a version of an application up by name, ignoring case.
	FindVersion(ctx context.Context, appGUID, name string) (Version, bool, error)

	// Nodes lists the Console's AIP nodes.
	Nodes(ctx context.Context) ([]AIPNode, error)

	// UploadSource uploads the local archive at path for the application
	// appGUID and returns where the Console keeps it. After a failure it
	// tries to leave nothing behind on the Console.
	UploadSource(ctx context.Context, appGUID, path string) (Upload, error)

	// ReadLog reads the main log of a step of a job from cur on, one page
	// at a time. A step without a log yet gives an empty page and cur back.
	ReadLog(ctx context.Context, jobGUID, step string, cur LogCursor) (LogPage, error)
}

// Upload is a source archive the Console holds for an application.
type Upload struct {
	AppName  string // the application's name, as the Console spells it
	FileName string // the name the Console gave the uploaded file
	Size     int64  // bytes sent
}

// SourcePath returns the sourcePath job parameter that names the upload,
// upload:<AppName>/<FileName> (console-api.md 3.5.1).
func (u Upload) SourcePath() string {
	return "upload:" + u.AppName + "/" + u.FileName
}

// LogCursor is where the reading of a step's log goes on from. The zero
// value starts at its first line.
type LogCursor struct {
	Name   string // the log's name, once the service has found it
	Offset int    // lines read so far
}

// LogPage is one read of a step's log.
type LogPage struct {
	Lines []string
	Next  LogCursor // where the next read goes on from
	EOF   bool      // the log is complete: no line will be added
}

// JobStart is what the Console answers when a job is scheduled.
type JobStart struct {
	JobGUID string
	AppGUID string // may be empty
}

// JobStatus is the state of a Console job.
type JobStatus struct {
	GUID         string
	State        string // lower-case; "canceled" for either spelling
	ProgressStep string
	FailureStep  string
	AppGUID      string
	AppName      string
	Doc          map[string]any // the whole status document, for step outputs
}

// Application is a Console application.
type Application struct {
	GUID, Name string
}

// Version is a version of a Console application.
type Version struct {
	GUID, Name, Status string
}

// AIPNode is an AIP node of the Console.
type AIPNode struct {
	GUID, Name   string
	Accessible   bool
	Applications int
}
