package consolesim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aipflow/runner/console"
)

// jobRequest is the body of POST /api/jobs as the simulator decodes it.
// Parameter values may be any JSON scalar: the v1 client sends strings
// only, but the aws scripts send a number (fileSize) and a null
// (domainName), and the Console accepts them.
type jobRequest struct {
	JobType       string         `json:"jobType"`
	JobParameters map[string]any `json:"jobParameters"`
}

// decodeJobRequest decodes a POST /api/jobs body and turns its parameter
// values into strings. A null parameter counts as absent.
func decodeJobRequest(body []byte) (string, map[string]string, error) {
	var req jobRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return "", nil, fmt.Errorf("decode job request: %v", err)
	}
	if req.JobType == "" {
		return "", nil, fmt.Errorf("decode job request: missing jobType")
	}
	params := make(map[string]string, len(req.JobParameters))
	for _, name := range slices.Sorted(maps.Keys(req.JobParameters)) {
		switch v := req.JobParameters[name].(type) {
		case nil:
		case string:
			params[name] = v
		case json.Number:
			params[name] = v.String()
		case bool:
			params[name] = strconv.FormatBool(v)
		default:
			return "", nil, fmt.Errorf(
				"job parameter %q: want a string, number, boolean or null", name)
		}
	}
	return req.JobType, params, nil
}

// postJob answers POST /api/jobs: it checks the request, creates the job
// (and the version of a job that delivers one) and queues it.
func (s *Server) postJob(c *call) response {
	jobType, params, err := decodeJobRequest(c.body)
	if err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	name := strings.ToLower(jobType)
	k, ok := kinds[name]
	if !ok {
		return errorf(http.StatusBadRequest, "unknown job type %q", jobType)
	}
	for _, p := range k.required {
		if params[p] == "" {
			return errorf(http.StatusBadRequest, "%s: missing job parameter %q", jobType, p)
		}
	}
	steps, err := k.plan(params)
	if err != nil {
		return errorf(http.StatusBadRequest, "%s: %v", jobType, err)
	}

	j := &job{
		guid:    console.NewGUID(),
		jobType: jobType,
		kind:    name,
		params:  params,
		steps:   steps,
		failAt:  s.fail.index(name, steps),
		state:   console.StateStarting,
		created: c.now,
		updated: c.now,
	}
	s.checkSource(j)
	if resp, ok := s.bind(j, k, c.now); !ok {
		return resp
	}
	s.jobs[j.guid] = j
	s.jobList = append(s.jobList, j)
	s.stats.Jobs[name]++
	s.log.Info("job submitted", keyJobID, j.guid, keyJobType, jobType, keyApp, j.appName)
	s.enqueue(j, c.now)
	return reply(http.StatusCreated, console.JobStart{
		AppGUID: j.appGUID,
		JobGUID: j.guid,
		JobURL:  jobURL(j.guid),
	})
}

// bind ties a new job to its application and version, and creates the
// version of a job that delivers one. It returns a 404 answer when the
// application or a given versionGuid is unknown; nothing changes then.
func (s *Server) bind(j *job, k kind, now time.Time) (response, bool) {
	if j.kind == "declare_application" {
		j.appName = j.params["appName"]
		j.appGUID = s.declaredGUID(j.appName)
		return response{}, true
	}

	a := s.app(j.params["appGuid"])
	if a == nil {
		return errorf(http.StatusNotFound, "application %q not found", j.params["appGuid"]), false
	}
	j.appGUID, j.appName = a.GUID, a.Name
	if g := j.params["versionGuid"]; g != "" {
		v := a.version(g)
		if v == nil {
			return errorf(http.StatusNotFound, "version %q not found", g), false
		}
		j.versionGUID = v.GUID
	}
	if k.newVersion {
		j.versionGUID = s.jobVersionFor(a, j.params, now).GUID
	}
	return response{}, true
}

// declaredGUID returns the GUID a declare_application job announces for an
// application name: the existing application's, the one a pending
// declaration of the same name announced, or a new one.
func (s *Server) declaredGUID(name string) string {
	if a := s.appNamed(name); a != nil {
		return a.GUID
	}
	for _, j := range s.jobs {
		if j.kind == "declare_application" && !j.terminal() && strings.EqualFold(j.appName, name) {
			return j.appGUID
		}
	}
	return console.NewGUID()
}

// jobVersionFor creates the version a delivering job works on, in status
// "delivering". Its name defaults to v<yyMMdd.HHmmss> of now in UTC, as the
// client's default but in UTC, and its date is the job's releaseDate when
// that parses, now otherwise. A name already taken makes a second version
// of that name: what the Console does then is not known.
func (s *Server) jobVersionFor(
	a *application, params map[string]string, now time.Time,
) *console.Version {
	name := params["versionName"]
	if name == "" {
		name = "v" + now.UTC().Format("060102.150405")
	}
	date := now
	if t, err := time.Parse(time.RFC3339, params["releaseDate"]); err == nil {
		date = t
	}
	var previous string
	if n := len(a.versions); n > 0 {
		previous = a.versions[n-1].GUID
	}
	v := s.addVersion(a, name, statusDelivering, date)
	v.PreviousVersion = previous
	return v
}

// getJob answers GET /api/jobs/{guid}.
func (s *Server) getJob(c *call) response {
	j := s.visibleJob(c.args[0])
	if j == nil {
		return errorf(http.StatusNotFound, "job not found")
	}
	return reply(http.StatusOK, j.status(c.now))
}

// putJob answers PUT /api/jobs/{guid}. The state "canceled" (or the doc's
// "cancelled") cancels the job. Canceling a job that has ended or is
// already canceling changes nothing and still answers 200 with its
// status: the Console's answer is not known, and this is the most
// tolerant one for a client that cancels on interrupt. The state
// "started" resumes a suspended job, which clients send to Consoles up to
// 1.9 (console-api.md, 2.7.1); simulated jobs are never suspended, so it
// changes nothing.
func (s *Server) putJob(c *call) response {
	j := s.visibleJob(c.args[0])
	if j == nil {
		return errorf(http.StatusNotFound, "job not found")
	}
	var change console.JobStateChange
	if err := json.Unmarshal(c.body, &change); err != nil {
		return errorf(http.StatusBadRequest, "decode job state: %v", err)
	}
	switch strings.ToLower(change.State) {
	case console.StateCanceled, "cancelled":
		s.cancel(j, c.now)
	case console.StateStarted:
		// Resuming: no simulated job is ever suspended.
	default:
		return errorf(http.StatusBadRequest, "unsupported job state %q: want %q or %q",
			change.State, console.StateCanceled, console.StateStarted)
	}
	return reply(http.StatusOK, j.status(c.now))
}
