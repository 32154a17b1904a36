package main

import (
	"strings"
	"time"

	"github.com/aipflow/runner/schema"
)

// The catalog gives a parameter's default as a function of the request
// time and the values before it. runner jobs describes each one by calling
// it: at Go's reference time, where a date shows its own layout, and at
// another time to tell a date from a constant.
var (
	refTime   = time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	otherTime = time.Date(2011, 11, 12, 13, 14, 16, 0, time.UTC)
)

// copyMarker stands for another parameter's value, to find defaults that
// copy it.
const copyMarker = "\x00copy"

// describeDefaults returns, by parameter name, how the default of every
// parameter of jt reads for people, such as "now as vyyMMdd.HHmmss",
// "same as sourcePath" or "true when processImaging is true"; "-" when
// there is none.
func describeDefaults(jt *schema.JobType) map[string]string {
	out := make(map[string]string, len(jt.Params))
	for i, p := range jt.Params {
		out[p.Name] = describeDefault(jt.Params, i)
	}
	return out
}

func describeDefault(params []schema.ParamSpec, i int) string {
	p := params[i]
	if p.Default == nil {
		return "-"
	}
	// before is the request as JobType.Request has built it when it comes
	// to p for a step that sets nothing, with the given values added.
	before := func(now time.Time, set map[string]string) map[string]string {
		req := map[string]string{}
		for k, v := range set {
			req[k] = v
		}
		for _, q := range params[:i] {
			if _, ok := req[q.Name]; !ok && q.Default != nil {
				if v := q.Default(now, req); v != "" {
					req[q.Name] = v
				}
			}
		}
		return req
	}
	for _, q := range params {
		set := map[string]string{q.Name: copyMarker}
		if q.Name != p.Name && p.Default(refTime, before(refTime, set)) == copyMarker {
			return "same as " + q.Name
		}
	}
	if v := describeValue(p, before, nil); v != "" {
		return v
	}
	for _, q := range params {
		if q.Name == p.Name || q.Type != schema.TypeBoolean {
			continue
		}
		set := map[string]string{q.Name: "true"}
		if v := describeValue(p, before, set); v != "" {
			return v + " when " + q.Name + " is true"
		}
	}
	return "computed from other parameters"
}

// describeValue returns the value of p's default, or, when it changes
// with the time, "now as" and its pattern, such as "now as
// vyyMMdd.HHmmss"; "" when there is none.
func describeValue(p schema.ParamSpec,
	before func(time.Time, map[string]string) map[string]string, set map[string]string) string {
	v := p.Default(refTime, before(refTime, set))
	if v == "" {
		return ""
	}
	if p.Default(otherTime, before(otherTime, set)) != v {
		return "now as " + timePattern.Replace(v)
	}
	return v
}

// timePattern turns a value made at refTime, where every date field shows
// Go's layout digits, into the date pattern people read.
var timePattern = strings.NewReplacer("2006", "yyyy", "06", "yy", "01", "MM", "02", "dd",
	"15", "HH", "04", "mm", "05", "ss", ".000", ".SSS")
