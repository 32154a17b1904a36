package consolesim

import (
	"maps"
	"slices"
	"time"

	"github.com/aipflow/runner/console"
)

// A job is one submitted Console job. Its fields change only in advance
// and in the job handlers, with Server.mu held.
type job struct {
	guid        string
	jobType     string // as the request spelt it
	kind        string // lower-case job type, a key of kinds
	params      map[string]string
	appGUID     string
	appName     string
	versionGUID string   // version the job works on, "" if none
	steps       []string // steps the job runs, in order
	failAt      int      // index in steps of the injected failure, -1 if none

	state       string
	created     time.Time
	updated     time.Time
	started     bool
	next        int       // index in steps of the step in progress
	stepStart   time.Time // when the step in progress began
	progress    string    // progressStep
	failureStep string
	done        []console.FullStep // steps that ended, with their durations
	cancelEnd   time.Time          // when a canceling job becomes canceled
	lost        bool               // forgotten by LoseJob: the API no longer sees it
}

// terminal reports whether the job has ended.
func (j *job) terminal() bool {
	switch j.state {
	case console.StateCompleted, console.StateFailed, console.StateCanceled:
		return true
	}
	return false
}

// status returns the job's status document as of now. A step in progress
// is listed in fullSteps with the time it has run so far.
func (j *job) status(now time.Time) console.JobStatus {
	full := slices.Clone(j.done)
	if j.started && !j.terminal() {
		full = append(full, console.FullStep{
			Step:     j.steps[j.next],
			Duration: now.Sub(j.stepStart).Milliseconds(),
		})
	}
	return console.JobStatus{
		GUID:          j.guid,
		URL:           jobURL(j.guid),
		JobType:       j.jobType,
		JobParameters: maps.Clone(j.params),
		AppGUID:       j.appGUID,
		AppName:       j.appName,
		State:         j.state,
		ProgressStep:  j.progress,
		FailureStep:   j.failureStep,
		FullSteps:     full,
		Created:       formatTime(j.created),
		Updated:       formatTime(j.updated),
	}
}

func jobURL(guid string) string {
	return "/api/jobs/" + guid
}

func formatTime(t time.Time) string {
	return t.UTC().Format(console.DateLayout)
}

// Job returns the current status of the job with the given GUID, and
// whether there is such a job; a job lost by LoseJob is not found.
func (s *Server) Job(guid string) (console.JobStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advance(now)
	j := s.visibleJob(guid)
	if j == nil {
		return console.JobStatus{}, false
	}
	return j.status(now), true
}

// start makes j the running job of its application at the given time.
func (s *Server) start(j *job, at time.Time) {
	j.state = console.StateStarted
	j.started = true
	j.next = 0
	s.beginStep(j, at)
	s.log.Info("job started", keyJobID, j.guid, keyJobType, j.jobType)
}

// beginStep starts step j.next at the given time.
func (s *Server) beginStep(j *job, at time.Time) {
	j.stepStart = at
	j.updated = at
	j.progress = j.steps[j.next]
	s.stepStarted(j, j.progress)
}

// endStep ends the step in progress at the given time, with its effects,
// and starts the next one. It reports whether the job ended with it.
func (s *Server) endStep(j *job, at time.Time) bool {
	step := j.steps[j.next]
	j.done = append(j.done, console.FullStep{
		Step:     step,
		Duration: at.Sub(j.stepStart).Milliseconds(),
	})
	if j.next == j.failAt {
		j.failureStep = step
		s.finish(j, console.StateFailed, at)
		return true
	}
	s.stepEnded(j, step)
	j.next++
	if j.next == len(j.steps) {
		s.finish(j, console.StateCompleted, at)
		return true
	}
	s.beginStep(j, at)
	return false
}

// cancel moves a running or queued job to "canceling"; it becomes
// "canceled" one step time later. A queued job leaves its queue at once,
// so the jobs behind it do not wait for it.
func (s *Server) cancel(j *job, now time.Time) {
	if j.terminal() || j.state == console.StateCanceling {
		return
	}
	j.state = console.StateCanceling
	j.updated = now
	j.cancelEnd = now.Add(s.opts.StepTime)
	if !j.started {
		q := s.queues[j.appGUID]
		s.queues[j.appGUID] = slices.DeleteFunc(q, func(o *job) bool { return o == j })
		s.canceling = append(s.canceling, j)
	}
	s.log.Info("job canceling", keyJobID, j.guid)
}

// finish ends j in a terminal state at the given time.
func (s *Server) finish(j *job, state string, at time.Time) {
	if state == console.StateCanceled && j.started {
		// The step cut short is listed with the time it ran.
		j.done = append(j.done, console.FullStep{
			Step:     j.steps[j.next],
			Duration: at.Sub(j.stepStart).Milliseconds(),
		})
	}
	j.state = state
	j.updated = at
	s.jobEnded(j)
	s.log.Info("job ended", keyJobID, j.guid, keyJobType, j.jobType, keyState, state,
		keyStep, j.progress)
}
