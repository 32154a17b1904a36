package engine

import (
	"context"
	"time"
)

// JobService is what the engine needs from the Console. Implementations
// must be safe for concurrent use.
type JobService interface {
	// SubmitJob schedules a job and returns its GUID. A non-nil error means
	// the engine must not assume the job exists.
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
