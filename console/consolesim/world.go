package consolesim

import (
	"slices"
	"strings"
	"time"

	"github.com/aipflow/runner/console"
)

// Version statuses the jobs set (section 4.6 of the fact sheet).
const (
	statusDelivering        = "delivering"
	statusDelivered         = "delivered"
	statusAccepted          = "accepted"
	statusAnalysisOngoing   = "analysis_ongoing"
	statusAnalysisDone      = "analysis_done"
	statusAnalysisFailed    = "analysis_failed"
	statusPreparingData     = "preparing_analysis_data"
	statusDataPrepared      = "analysis_data_prepared"
	statusProcessingImaging = "processing_imaging"
	statusImagingProcessed  = "imaging_processed"
	statusSnapshotOngoing   = "snapshot_ongoing"
	statusSnapshotTaken     = "snapshot_taken"
	statusSnapshotDone      = "snapshot_done"
	statusValidated         = "validated"
	statusPurged            = "purged"
)

// statusAtLeast reports whether status comes at or after floor in the
// Console's order of version statuses.
func statusAtLeast(status, floor string) bool {
	order := console.VersionStatuses
	return slices.Index(order, status) >= slices.Index(order, floor)
}

// advance brings the world up to now. Each application's queue is played
// forward on its own: the running job's steps that ended by now take
// effect in order, and when a job ends the next one in the queue starts at
// that very instant. Every job touches only its own application, so the
// order in which the queues are played does not matter.
//
// Restarts scheduled by RestartAt at or before now happen first: they
// touch only sessions, so their order with respect to jobs does not matter.
func (s *Server) advance(now time.Time) {
	s.restartBy(now)
	for key, q := range s.queues {
		q = s.advanceQueue(q, now)
		if len(q) == 0 {
			delete(s.queues, key)
			continue
		}
		s.queues[key] = q
	}
	s.canceling = slices.DeleteFunc(s.canceling, func(j *job) bool {
		if j.cancelEnd.After(now) {
			return false
		}
		s.finish(j, console.StateCanceled, j.cancelEnd)
		return true
	})
}

// advanceQueue plays one application's queue forward to now and returns
// the jobs still unfinished. The head of a non-empty queue is always the
// running (or canceling) job.
func (s *Server) advanceQueue(q []*job, now time.Time) []*job {
	for len(q) > 0 {
		end, ended := s.run(q[0], now)
		if !ended {
			return q
		}
		q = q[1:]
		if len(q) > 0 {
			// A job is always submitted before the one ahead of it ends:
			// the world was advanced to its submission time first.
			s.start(q[0], later(end, q[0].created))
		}
	}
	return q
}

// run applies the events of the running job j that happen by now, and
// reports whether it ended and when.
func (s *Server) run(j *job, now time.Time) (time.Time, bool) {
	for {
		if j.state == console.StateCanceling {
			if j.cancelEnd.After(now) {
				return time.Time{}, false
			}
			s.finish(j, console.StateCanceled, j.cancelEnd)
			return j.cancelEnd, true
		}
		end := j.stepStart.Add(s.opts.StepTime)
		if end.After(now) {
			return time.Time{}, false
		}
		if s.endStep(j, end) {
			return end, true
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// enqueue puts a new job in its application's queue and starts it at once
// if the application is idle.
func (s *Server) enqueue(j *job, now time.Time) {
	q := s.queues[j.appGUID]
	s.queues[j.appGUID] = append(q, j)
	if len(q) == 0 {
		s.start(j, now)
	}
}

// jobVersion returns the application and version a job works on; either
// may be nil, for instance after a delete_application job.
func (s *Server) jobVersion(j *job) (*application, *console.Version) {
	a := s.app(j.appGUID)
	if a == nil || j.versionGUID == "" {
		return a, nil
	}
	return a, a.version(j.versionGUID)
}

// stepStarted applies the effect of a step starting on the job's version.
func (s *Server) stepStarted(j *job, step string) {
	_, v := s.jobVersion(j)
	if v == nil {
		return
	}
	switch canonStep(step) {
	case "analyze":
		v.Status = statusAnalysisOngoing
	case "prepare_analysis_data":
		v.Status = statusPreparingData
	case "process_imaging":
		v.Status = statusProcessingImaging
	case "snapshot":
		v.Status = statusSnapshotOngoing
	}
}

// stepEnded applies the effect of a step ending well on the job's version.
func (s *Server) stepEnded(j *job, step string) {
	a, v := s.jobVersion(j)
	if v == nil {
		return
	}
	switch canonStep(step) {
	case "deliver_version":
		v.Status = statusDelivered
	case "accept", "setcurrent":
		v.Status = statusAccepted
		a.setCurrent(v)
	case "analyze":
		v.Status = statusAnalysisDone
	case "prepare_analysis_data":
		v.Status = statusDataPrepared
	case "process_imaging":
		v.Status = statusImagingProcessed
	case "snapshot":
		v.Status = statusSnapshotTaken
	case "validate_snapshot":
		v.Status = statusValidated
	case finalStep:
		// Publishing keeps a validation: validated comes after snapshot_done.
		if v.Status != statusValidated {
			v.Status = statusSnapshotDone
		}
	}
}

// jobEnded applies the effects of a job's end. A job that failed or was
// canceled leaves its version as its last finished step left it, except
// that a cut-short analysis is marked failed and a cut-short snapshot,
// data preparation or imaging falls back to the analysis it was built on.
func (s *Server) jobEnded(j *job) {
	a, v := s.jobVersion(j)
	if j.state != console.StateCompleted {
		if v != nil {
			switch v.Status {
			case statusAnalysisOngoing:
				v.Status = statusAnalysisFailed
			case statusSnapshotOngoing, statusPreparingData, statusProcessingImaging:
				v.Status = statusAnalysisDone
			}
		}
		return
	}

	switch j.kind {
	case "declare_application":
		s.declare(j)
	case "delete_application":
		if a != nil {
			delete(s.apps, strings.ToLower(a.GUID))
		}
	case "delete_version":
		if v != nil {
			a.versions = slices.DeleteFunc(a.versions,
				func(o *console.Version) bool { return o == v })
		}
	case "purge_version":
		if v != nil {
			v.Status = statusPurged
		}
	}
}

// declare creates the application of a completed declare_application job
// under the GUID announced when the job was submitted.
//
// How the Console treats a second declaration of an existing name is not
// known (console-api.md, section 8). The simulator makes the declaration
// idempotent by name, as the clients' get-or-create logic expects: the job
// was given the existing application's GUID when it was submitted, and
// completing it changes nothing.
func (s *Server) declare(j *job) {
	if s.app(j.appGUID) != nil {
		return
	}
	if a := s.appNamed(j.appName); a != nil {
		// Someone seeded the name while the job ran: report that one.
		j.appGUID = a.GUID
		return
	}
	s.addApplication(j.appGUID, j.appName, j.params["nodeGuid"], j.updated)
	s.log.Info("application declared", keyApp, j.appName)
}
