package consolesim

import (
	"slices"
	"strings"
	"time"
)

// Restart simulates a restart of the Console: every session, and with it
// every XSRF token, is forgotten, so the next request of each client opens
// a new session and a POST bearing an old token gets 403. Applications,
// versions and jobs are kept, and jobs go on running in the time model as
// if the restart took no time. It is safe to call while serving.
func (s *Server) Restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restart()
}

// RestartAt schedules a Restart at the given time of the server's clock
// (Options.Now). Like every change of the simulated world it happens
// lazily, before the first request handled at or after that time. Several
// restarts may be scheduled; one at or before the clock's present time
// happens before the next request.
func (s *Server) RestartAt(at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restartsDue = append(s.restartsDue, at)
}

func (s *Server) restart() {
	s.sessions.forget()
	s.stats.Restarts++
	s.log.Info("console restarted")
}

// restartBy makes the scheduled restarts due by now happen, once each.
func (s *Server) restartBy(now time.Time) {
	n := len(s.restartsDue)
	s.restartsDue = slices.DeleteFunc(s.restartsDue, func(at time.Time) bool {
		return !at.After(now)
	})
	for range n - len(s.restartsDue) {
		s.restart()
	}
}

// LoseJob makes the Console forget the status of a job: from now on GET
// and PUT /api/jobs/{guid} and the job's log endpoints answer 404 with
// {"message":"job not found"}, and Job reports no such job. The job itself
// goes on running, as a Console whose job record was lost still runs the
// job: its application's next jobs wait for it, and its version changes as
// it would. LoseJob reports whether there was such a job to lose.
func (s *Server) LoseJob(guid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.opts.Now())
	j := s.visibleJob(guid)
	if j == nil {
		return false
	}
	j.lost = true
	s.log.Info("job lost", keyJobID, j.guid)
	return true
}

// visibleJob returns the job with the given GUID (any case) as the API
// sees it: nil when there is none or it was lost.
func (s *Server) visibleJob(guid string) *job {
	j := s.jobs[strings.ToLower(guid)]
	if j == nil || j.lost {
		return nil
	}
	return j
}
