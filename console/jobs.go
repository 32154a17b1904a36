package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// SubmitJob schedules a job with POST /api/jobs. jobType is a Console job
// type such as "add_version"; params are its job parameters, all strings.
// The returned JobStart always has a JobGUID.
//
// SubmitJob repeats the POST only when the failure proves the Console did
// not act on it: 429 or 503 (after the Retry-After pause, if any), a
// connection that could not be made, or a 403 that a new session cures.
// After a timeout, a connection lost once the request was sent, or a
// proxy's 502 or 504 it fails with an error matching ErrOutcomeUnknown
// that says the job may have been submitted, and does not send it again.
//
// Known gap: after such an error the caller cannot tell whether the job
// was created, because Console 1.x has no job list endpoint to look it
// up; the job, if it exists, runs unobserved.
//
// Known gap: Console 1.9 and older create jobs suspended in "starting"
// and expect the client to resume them with {"state":"started"}; this
// client does not, so on those versions Wait polls "starting" until ctx
// ends. The official client resumes only when apiVersion is below 1.10.
func (c *Client) SubmitJob(ctx context.Context, jobType string, params map[string]string) (JobStart, error) {
	if jobType == "" {
		return JobStart{}, errors.New("console: POST /api/jobs: job type is empty")
	}
	if params == nil {
		params = map[string]string{}
	}
	var js JobStart
	req := JobRequest{JobType: jobType, JobParameters: params}
	if err := c.do(ctx, http.MethodPost, "/api/jobs", req, &js); err != nil {
		return JobStart{}, err
	}
	if js.JobGUID == "" {
		return JobStart{}, errors.New("console: POST /api/jobs: response has no jobGuid")
	}
	return js, nil
}

// JobStatus returns the status of job jobGUID from GET /api/jobs/{guid},
// retrying failed reads as Options.Retry says. Its State is normalised
// with NormalizeState. A status without a state is an error, since it
// cannot tell whether the job still runs.
func (c *Client) JobStatus(ctx context.Context, jobGUID string) (JobStatus, error) {
	return c.jobStatus(ctx, jobGUID, false)
}

// jobStatus is JobStatus; once sends a single request, for Wait.
func (c *Client) jobStatus(ctx context.Context, jobGUID string, once bool) (JobStatus, error) {
	var st JobStatus
	path := jobPath(jobGUID)
	if err := c.doCall(ctx, call{method: http.MethodGet, path: path, once: once}, &st); err != nil {
		return JobStatus{}, err
	}
	st.State = NormalizeState(st.State)
	if st.State == "" {
		return JobStatus{}, fmt.Errorf("console: GET %s: job status has no state", path)
	}
	return st, nil
}

// CancelJob asks the Console to cancel job jobGUID with
// PUT /api/jobs/{guid} {"state":"canceled"}. The job passes through
// "canceling" to "canceled"; use Wait or JobStatus to see it end. The
// request is idempotent and retried as Options.Retry says.
func (c *Client) CancelJob(ctx context.Context, jobGUID string) error {
	return c.do(ctx, http.MethodPut, jobPath(jobGUID), JobStateChange{State: StateCanceled}, nil)
}

// jobPath returns the status path of a job; the official client builds it
// the same way and ignores the jobUrl of JobStart.
func jobPath(jobGUID string) string {
	return "/api/jobs/" + url.PathEscape(jobGUID)
}

// NormalizeState returns a job state in the Console's spelling: trimmed,
// lower-case, and with the British "cancelled"/"cancelling" (used by the
// Console's API documentation) mapped to "canceled"/"canceling".
func NormalizeState(state string) string {
	s := strings.ToLower(strings.TrimSpace(state))
	switch s {
	case "cancelled":
		return StateCanceled
	case "cancelling":
		return StateCanceling
	}
	return s
}

// KnownState reports whether state, once normalised, is one of the seven
// states of Console 1.x: starting, started, canceling, canceled,
// completed, failed, stopped.
func KnownState(state string) bool {
	switch NormalizeState(state) {
	case StateStarting, StateStarted, StateCanceling, StateCanceled,
		StateCompleted, StateFailed, StateStopped:
		return true
	}
	return false
}

// Terminal reports whether polling should stop at state: true for the
// known states other than "starting" and "started", "canceling" included
// as the official client does. It is false for an unknown state, which
// Wait polls on for a bounded time (see Wait). Only "completed" means the
// job succeeded.
func Terminal(state string) bool {
	s := NormalizeState(state)
	return KnownState(s) && s != StateStarting && s != StateStarted
}
