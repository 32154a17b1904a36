package schema

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// JobType describes one Console 1.x job type: what to send in
// POST /api/jobs and what a step of that type outputs. The values returned
// by LookupJob and Jobs are shared and must not be modified.
type JobType struct {
	Name    string // catalog spelling, sent on the wire as jobType
	Summary string
	Params  []ParamSpec // in the order defaults are applied

	// Outputs lists the outputs a step of this type has beyond
	// CommonOutputs, such as "versionGuid" for version-creating jobs.
	Outputs []string

	// CreatesVersion is true for jobs that make a new application version;
	// the runner finds the version by its name once the job has ended.
	CreatesVersion bool

	// ParamsKnown is false where the Console documentation gives no
	// parameter set (console-api.md section 8, question 6). Such a job is
	// accepted with appGuid, and parameters the catalog does not list give
	// no warning.
	ParamsKnown bool
}

// ParamSpec describes one job or query parameter.
type ParamSpec struct {
	Name     string
	Required bool
	Type     string // "string", "boolean", "guid", "date", "step" or "list"

	// Default computes the value sent when the step does not set the
	// parameter, from the time of the request and the request values so
	// far. Nil means no default; an empty result means the parameter is
	// not sent.
	Default func(now time.Time, with map[string]string) string

	Summary string
}

// Parameter types of ParamSpec.Type.
const (
	TypeString  = "string"
	TypeBoolean = "boolean"
	TypeGUID    = "guid"
	TypeDate    = "date"
	TypeStep    = "step" // a job step name such as "analyze"
	TypeList    = "list" // comma-separated, without spaces
)

// CommonOutputs are the outputs of every job step, taken from the final
// job status document.
var CommonOutputs = []string{
	"jobGuid", "state", "progressStep", "failureStep", "appGuid", "appName", "parameters",
}

// jobIndex maps the lower-case name of every catalog job type to it.
var jobIndex = func() map[string]*JobType {
	m := make(map[string]*JobType, len(catalog))
	for _, j := range catalog {
		m[strings.ToLower(j.Name)] = j
	}
	return m
}()

// LookupJob returns the job type with the given name, matched without
// regard to case.
func LookupJob(name string) (*JobType, bool) {
	j, ok := jobIndex[strings.ToLower(name)]
	return j, ok
}

// Jobs returns every job type of the catalog, sorted by name without
// regard to case. The slice is new on each call.
func Jobs() []*JobType {
	out := append([]*JobType(nil), catalog...)
	sort.Slice(out, func(i, k int) bool {
		return strings.ToLower(out[i].Name) < strings.ToLower(out[k].Name)
	})
	return out
}

// SuggestJob returns the catalog job type closest to name, or "" when
// none is close enough to be a likely typo. A name that only begins a job
// type, such as "consolidate" for consolidate_snapshot, gets that type
// when it is the only one it begins.
func SuggestJob(name string) string {
	names := jobNames()
	if s := Suggest(name, names); s != "" {
		return s
	}
	return onlyPrefixOf(name, names)
}

// onlyPrefixOf returns the one candidate that begins with name, without
// regard to case, or "" when none or several do. Names shorter than three
// characters begin too many words to mean one.
func onlyPrefixOf(name string, candidates []string) string {
	if len(name) < 3 {
		return ""
	}
	found := ""
	for _, c := range candidates {
		if len(c) > len(name) && strings.EqualFold(c[:len(name)], name) {
			if found != "" {
				return ""
			}
			found = c
		}
	}
	return found
}

func jobNames() []string {
	names := make([]string, len(catalog))
	for i, j := range catalog {
		names[i] = j.Name
	}
	return names
}

// JobSteps returns the names of the Console job steps, such as "analyze"
// and "snapshot": the values of parameters of type TypeStep, matched
// without regard to case. The slice is new on each call.
func JobSteps() []string {
	return slices.Clone(jobSteps)
}

// Param returns the parameter spec with the given name. Parameter names
// are case-sensitive, as the Console reads them.
func (j *JobType) Param(name string) (*ParamSpec, bool) {
	for i := range j.Params {
		if j.Params[i].Name == name {
			return &j.Params[i], true
		}
	}
	return nil, false
}

// Request returns the parameters to send for a job of this type: the
// step's resolved with-values, plus a default for every parameter the step
// does not set, as the official client applies them (console-api.md 3.3
// and 3.4). Defaults are applied in the order of Params and see the
// values before them. Names and dates use now's location: pass a local
// time to match the official client. Request never modifies with.
func (j *JobType) Request(with map[string]string, now time.Time) map[string]string {
	req := make(map[string]string, len(with)+len(j.Params))
	for k, v := range with {
		req[k] = v
	}
	for _, p := range j.Params {
		if _, ok := req[p.Name]; ok || p.Default == nil {
			continue
		}
		if v := p.Default(now, req); v != "" {
			req[p.Name] = v
		}
	}
	return req
}

// QueryOutputs returns the outputs of a query step of the given kind, or
// nil for an unknown kind. The slice is new on each call.
func QueryOutputs(kind string) []string {
	switch kind {
	case QueryApplication:
		return []string{"found", "appGuid", "appName"}
	case QueryVersion:
		return []string{"found", "versionGuid", "versionName", "status"}
	case QueryNode:
		return []string{"found", "nodeGuid", "nodeName"}
	}
	return nil
}

// QueryParams returns the parameters of a query step of the given kind,
// or nil for an unknown kind. The slice is new on each call.
func QueryParams(kind string) []ParamSpec {
	switch kind {
	case QueryApplication:
		return []ParamSpec{
			{Name: "name", Required: true, Type: TypeString, Summary: "application name"},
		}
	case QueryVersion:
		return []ParamSpec{
			{Name: "appGuid", Required: true, Type: TypeGUID, Summary: "application GUID"},
			{Name: "name", Required: true, Type: TypeString, Summary: "version name"},
		}
	case QueryNode:
		return []ParamSpec{
			{Name: "name", Type: TypeString,
				Summary: "node name; empty picks the accessible node with the fewest applications"},
		}
	}
	return nil
}
