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
// SubmitJob never repeats the POST after a transport error, because the
// Console may have created the job already; it repeats it once after a
// 403, which the Console gives before doing anything.
//
// Known gap: after a transport error (ErrUnreachable) the caller cannot
// tell whether the job was created, because Console 1.x has no job list
// endpoint to look it up; the job, if it exists, runs unobserved.
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

// JobStatus returns the status of job jobGUID from GET /api/jobs/{guid}.
// Its State is normalised with NormalizeState. A status without a state
// is an error, since it cannot tell whether the job still runs.
func (c *Client) JobStatus(ctx context.Context, jobGUID string) (JobStatus, error) {
	var st JobStatus
	path := jobPath(jobGUID)
	if err := c.do(ctx, http.MethodGet, path, nil, &st); err != nil {
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
// "canceling" to "canceled"; use Wait or JobStatus to see it end.
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

// Terminal reports whether polling should stop at state: true for every
// state other than "starting" and "started", including "canceling" and
// unknown states, as the official client does. Only "completed" means the
// job succeeded.
func Terminal(state string) bool {
	s := NormalizeState(state)
	return s != StateStarting && s != StateStarted
}
