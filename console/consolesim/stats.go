package consolesim

import (
	"bytes"
	"maps"

	"github.com/aipflow/runner/console"
)

// Stats are counters of what a Server did since New. The maps count by
// key and have no entry for a zero count.
type Stats struct {
	// Requests is the number of requests received, as Requests lists them.
	Requests int
	// Faults counts the injected faults by kind: FaultError,
	// FaultThrottle, FaultLost and FaultAbandoned.
	Faults map[string]int
	// Sessions is the number of sessions opened.
	Sessions int
	// Restarts is the number of restarts, by Restart or RestartAt.
	Restarts int
	// Jobs counts the jobs created by lower-case job type, those whose
	// answer was lost (FaultLost) and those lost by LoseJob included.
	Jobs map[string]int
}

func newStats() Stats {
	return Stats{Faults: map[string]int{}, Jobs: map[string]int{}}
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.Requests = len(s.requests)
	out.Faults = maps.Clone(out.Faults)
	out.Jobs = maps.Clone(out.Jobs)
	return out
}

// Requests returns a copy of every request received so far, in the order
// the server handled them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// Jobs returns the status of every job created so far, in the order they
// were submitted: those whose answer was lost, and those lost by LoseJob,
// included. A test counts them to check that no job was submitted twice.
func (s *Server) Jobs() []console.JobStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advance(now)
	out := make([]console.JobStatus, 0, len(s.jobList))
	for _, j := range s.jobList {
		out = append(out, j.status(now))
	}
	return out
}

// record appends rec to the request log and counts its fault.
func (s *Server) record(rec Request) {
	s.requests = append(s.requests, rec)
	if rec.Fault != "" {
		s.stats.Faults[rec.Fault]++
	}
}
