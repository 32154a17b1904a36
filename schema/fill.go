package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// filler builds a Workflow from a resolved node tree. It reads only
// values of the kinds the schema asks for, leaves out values the schema
// rejected (validate marks them bad; they are reported already), and adds
// the checks a schema cannot express. What it builds from a document with
// problems is the partial Workflow of ParsePartial.
//
// Message paths such as steps.add.with.x are built only to report a
// problem: a large valid workflow costs no string building.
type filler struct {
	errs  *errList
	warns *errList
}

// usable tells whether n is present and the schema found no problem at
// or under it.
func usable(n *node) bool {
	return n != nil && !n.bad
}

func (f *filler) workflow(root *node) *Workflow {
	w := &Workflow{File: f.errs.file}
	if !root.isMap() {
		return w
	}
	w.Version = intOf(root.get("version"))
	w.Name = scalarText(root.get("name"))
	w.Description = scalarText(root.get("description"))
	w.Inputs = f.inputs(root.get("inputs"))
	if d := root.get("defaults"); d != nil && d.isMap() {
		w.Defaults.Timeout = f.duration(d.get("timeout"), "defaults", "timeout", false)
		w.Defaults.Poll = f.poll(d.get("poll"), "defaults")
	}
	w.Steps = f.steps(root.get("steps"))
	w.Outputs = outputs(root.get("outputs"))
	if e := root.entry("matrix"); e != nil && !e.val.bad {
		w.Matrix = matrix(posOf(e.key), e.val)
	}
	return w
}

func (f *filler) inputs(n *node) []*Input {
	if n == nil || !n.isMap() {
		return nil
	}
	out := make([]*Input, 0, len(n.pairs))
	for _, p := range n.pairs {
		if !p.val.isMap() {
			// Rejected by the schema; the name stays declared.
			out = append(out, &Input{Name: p.key.Value, Type: "string", Pos: posOf(p.key)})
			continue
		}
		out = append(out, f.input(p.key.Value, posOf(p.key), p.val))
	}
	return out
}

func (f *filler) input(name string, pos Pos, m *node) *Input {
	in := &Input{
		Name:        name,
		Type:        "string",
		Required:    isTrue(m.get("required")),
		Description: scalarText(m.get("description")),
		Pos:         pos,
	}
	path := joinKey("inputs", name)
	t := m.get("type")
	typeOK := t == nil || !t.bad
	if t != nil && typeOK {
		in.Type = t.text()
	}
	if e := m.get("enum"); e != nil && typeOK {
		for i, item := range e.items {
			if !item.bad && f.checkInputValue(in, joinIndex(joinKey(path, "enum"), i), item) {
				in.Enum = append(in.Enum, item.text())
			}
		}
	}
	if d := m.get("default"); usable(d) && typeOK {
		dpath := joinKey(path, "default")
		if !f.checkInputValue(in, dpath, d) {
			return in
		}
		if len(in.Enum) > 0 && !slices.Contains(in.Enum, d.text()) {
			f.errs.add(d.pos(), dpath, "%s is not one of %s", describe(d),
				strings.Join(in.Enum, ", "))
			return in
		}
		v := d.value()
		in.Default = &v
	}
	return in
}

// checkInputValue reports a default or enum value that does not fit the
// input's type. Text is kept as written; this only checks that a run
// could convert it.
func (f *filler) checkInputValue(in *Input, path string, n *node) bool {
	text := n.text()
	switch in.Type {
	case "boolean":
		if text != "true" && text != "false" {
			f.errs.add(n.pos(), path, "%s is not a boolean, write true or false", quote(text))
			return false
		}
	case "integer":
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				f.errs.add(n.pos(), path, "%s is out of range for integer", describe(n))
			} else {
				f.errs.add(n.pos(), path, "%s is not an integer", describe(n))
			}
			return false
		}
	case "number":
		if v, err := strconv.ParseFloat(text, 64); err != nil || math.IsInf(v, 0) ||
			math.IsNaN(v) {
			f.errs.add(n.pos(), path, "%s is not a number", describe(n))
			return false
		}
	}
	return true
}

func (f *filler) steps(n *node) []*Step {
	if n == nil || !n.isMap() {
		return nil
	}
	out := make([]*Step, 0, len(n.pairs))
	for _, p := range n.pairs {
		if !p.val.isMap() {
			// Rejected by the schema; the id stays declared.
			out = append(out, &Step{ID: p.key.Value, Pos: posOf(p.key)})
			continue
		}
		out = append(out, f.step(p.key.Value, posOf(p.key), p.val))
	}
	return out
}

func (f *filler) step(id string, pos Pos, m *node) *Step {
	st := &Step{ID: id, Pos: pos}
	path := joinKey("steps", id)
	var jt *JobType
	if j := m.get("job"); usable(j) {
		var ok bool
		if jt, ok = LookupJob(j.text()); ok {
			st.Job = jt.Name
		} else {
			f.errs.add(j.pos(), joinKey(path, "job"), "unknown job type %q%s", j.text(),
				suggestion(SuggestJob(j.text())))
		}
	}
	if q := m.get("query"); usable(q) {
		st.Query = q.text()
	}
	with := m.get("with")
	if with != nil {
		st.With = make([]*Param, 0, len(with.pairs))
		for _, p := range with.pairs {
			if p.val.isScalar() && !p.val.bad {
				st.With = append(st.With, &Param{Name: p.key.Value, Value: p.val.value(),
					Pos: posOf(p.key)})
			}
		}
	}
	if needs := m.get("needs"); needs != nil {
		st.Needs = make([]Value, 0, len(needs.items))
		for _, item := range needs.items {
			if item.isScalar() && !item.bad {
				st.Needs = append(st.Needs, item.value())
			}
		}
	}
	st.If = optionalValue(m.get("if"))
	st.Concurrency = optionalValue(m.get("concurrency"))
	st.Outputs = outputs(m.get("outputs"))
	st.Timeout = f.duration(m.get("timeout"), path, "timeout", false)
	st.Poll = f.poll(m.get("poll"), path)
	st.ContinueOnError = isTrue(m.get("continue-on-error"))
	if r := m.entry("retry"); r != nil && r.val.isMap() {
		st.Retry = f.retry(posOf(r.key), r.val, joinKey(path, "retry"))
	}
	if src := m.get("source"); usable(src) {
		st.Source = f.source(st, path, src, jt, with)
	}
	if with != nil && with.bad {
		return st
	}
	switch {
	case jt != nil:
		ps := jobParams(jt)
		ps.uploaded = m.get("source") != nil
		f.checkParams(st, path, with, ps)
	case st.Query != "":
		f.checkParams(st, path, with, queryParams(st.Query))
	}
	return st
}

func (f *filler) retry(pos Pos, m *node, path string) *Retry {
	r := &Retry{Backoff: 1, On: []string{"failed"}, Pos: pos}
	r.Attempts = intOf(m.get("attempts"))
	r.Delay = f.duration(m.get("delay"), path, "delay", true)
	if b := m.get("backoff"); usable(b) {
		r.Backoff = floatOf(b)
	}
	if on := m.get("on"); usable(on) {
		r.On = nil
		for _, item := range on.items {
			r.On = append(r.On, item.text())
		}
	}
	return r
}

// duration reads the duration n, written under key in the mapping at
// path; zero when n is nil or rejected by the schema. A bad duration, or
// zero where zero is not allowed, is reported at its position.
func (f *filler) duration(n *node, path, key string, zeroOK bool) time.Duration {
	if n == nil || !n.isScalar() || n.bad {
		return 0
	}
	d, err := ParseDuration(n.text())
	switch {
	case err != nil:
		f.errs.add(n.pos(), joinKey(path, key), "%s", notDuration(n))
	case d < 0:
		f.errs.add(n.pos(), joinKey(path, key), "%s must not be negative", describe(n))
	case d == 0 && !zeroOK:
		f.errs.add(n.pos(), joinKey(path, key), "%s must be more than zero", describe(n))
	}
	return d
}

// MinPoll is the shortest poll interval a workflow may set: polling a
// Console faster only loads it, as the official client's 15 s suggests.
const MinPoll = time.Second

// poll reads a poll interval, at least MinPoll.
func (f *filler) poll(n *node, path string) time.Duration {
	d := f.duration(n, path, "poll", false)
	if d > 0 && d < MinPoll {
		f.errs.add(n.pos(), joinKey(path, "poll"), "%s is below the minimum of %s", describe(n), MinPoll)
	}
	return d
}

// notDuration explains a value that is not a duration.
func notDuration(n *node) string {
	if _, err := strconv.ParseFloat(n.text(), 64); err == nil && n.isScalar() {
		return fmt.Sprintf("%s has no unit, write for example %ss", describe(n), n.text())
	}
	return describe(n) + " is not a duration, write for example 30s, 15m or 6h"
}

// ParseDuration is time.ParseDuration with days, as workflow files write
// durations: a leading "<n>d", as in "1d" or "1d12h", counts 24 hours.
func ParseDuration(s string) (time.Duration, error) {
	i := strings.IndexByte(s, 'd')
	if i < 0 {
		return time.ParseDuration(s)
	}
	days, err := strconv.ParseUint(s[:i], 10, 16)
	if err != nil {
		return time.ParseDuration(s) // for its error message
	}
	d := time.Duration(days) * 24 * time.Hour
	if rest := s[i+1:]; rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil || r < 0 || r > math.MaxInt64-d {
			return 0, &time.ParseError{Value: s, Message: ": invalid duration"}
		}
		d += r
	}
	return d, nil
}

// outputs reads a mapping of output names to expressions.
func outputs(n *node) []*Output {
	if n == nil || !n.isMap() {
		return nil
	}
	out := make([]*Output, 0, len(n.pairs))
	for _, p := range n.pairs {
		if p.val.isScalar() && !p.val.bad {
			out = append(out, &Output{Name: p.key.Value, Expr: p.val.value(),
				Pos: posOf(p.key)})
		}
	}
	return out
}

func matrix(pos Pos, n *node) *Matrix {
	if !n.isMap() {
		return nil
	}
	m := &Matrix{Pos: pos}
	m.MaxParallel = intOf(n.get("max-parallel"))
	items := n.get("items")
	if items == nil {
		return m
	}
	for _, it := range items.items {
		mi := &MatrixItem{Pos: it.pos()}
		if it.isMap() {
			for _, p := range it.pairs {
				mi.Fields = append(mi.Fields, &Param{Name: p.key.Value, Value: p.val.value(),
					Pos: posOf(p.key)})
			}
		} else {
			v := it.value()
			mi.Value = &v
		}
		m.Items = append(m.Items, mi)
	}
	return m
}

// optionalValue reads a scalar that may be absent; nil when it is, or
// when the schema rejected it.
func optionalValue(n *node) *Value {
	if n == nil || !n.isScalar() || n.bad {
		return nil
	}
	v := n.value()
	return &v
}

// scalarText returns a scalar's text, or "" for nil or a non-scalar.
func scalarText(n *node) string {
	if n == nil || !n.isScalar() {
		return ""
	}
	return n.text()
}

// isTrue reads a schema-checked boolean.
func isTrue(n *node) bool {
	return scalarText(n) == "true"
}

// intOf reads a schema-checked integer as the validator saw it; 0 when n
// is nil or out of range.
func intOf(n *node) int {
	if n == nil || !n.isScalar() {
		return 0
	}
	num, _ := scalarData(n.src).(json.Number)
	i, err := num.Int64()
	if err != nil || i != int64(int(i)) {
		return 0
	}
	return int(i)
}

// floatOf reads a schema-checked number as the validator saw it.
func floatOf(n *node) float64 {
	num, _ := scalarData(n.src).(json.Number)
	f, _ := num.Float64()
	return f
}
