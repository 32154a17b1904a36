package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aipflow/runner/schema"
)

// scope is what expressions of one workflow may name: its inputs, its
// steps with the outputs each one produces, and the run.
type scope struct {
	inputs map[string]string          // name -> type
	steps  map[string]map[string]bool // id -> output names
	sample map[string]any
}

func newScope(wf *schema.Workflow) *scope {
	s := &scope{inputs: map[string]string{}, steps: map[string]map[string]bool{}}
	for _, in := range wf.Inputs {
		s.inputs[in.Name] = in.Type
	}
	for _, st := range wf.Steps {
		outs := map[string]bool{}
		for _, name := range stepOutputs(st) {
			outs[name] = true
		}
		s.steps[st.ID] = outs
	}
	return s
}

// stepOutputs lists the outputs a step produces: those of its query kind,
// or the common job outputs, those of its job type and its own.
func stepOutputs(st *schema.Step) []string {
	if st.Query != "" {
		return schema.QueryOutputs(st.Query)
	}
	names := append([]string(nil), schema.CommonOutputs...)
	if jt, ok := schema.LookupJob(st.Job); ok {
		names = append(names, jt.Outputs...)
	}
	for _, o := range st.Outputs {
		names = append(names, o.Name)
	}
	return names
}

// env returns a sample environment with the shape of the real one, for
// compiling expressions.
func (s *scope) env() map[string]any {
	if s.sample != nil {
		return s.sample
	}
	inputs := map[string]any{}
	for name, typ := range s.inputs {
		inputs[name] = zeroOf(typ)
	}
	steps := map[string]any{}
	for id, outs := range s.steps {
		o := map[string]any{}
		for name := range outs {
			o[name] = nil
		}
		steps[id] = map[string]any{"state": "", "outputs": o}
	}
	s.sample = map[string]any{
		"inputs": inputs,
		"steps":  steps,
		"run":    map[string]any{"id": "", "name": "", "started": ""},
		"env":    map[string]any{},
		"job":    map[string]any{},
	}
	for _, fn := range statusFuncs {
		s.sample[fn] = func() bool { return true }
	}
	return s.sample
}

func zeroOf(typ string) any {
	switch typ {
	case "boolean":
		return false
	case "integer":
		return int64(0)
	case "number":
		return float64(0)
	}
	return ""
}

// resolve checks an identifier path and returns a message for a path that
// names nothing, or "".
func (s *scope) resolve(path []string) string {
	if len(path) < 2 {
		return "" // single names are checked by expr itself
	}
	switch path[0] {
	case "inputs":
		if _, ok := s.inputs[path[1]]; !ok {
			return "unknown input " + quoteSuggest(path[1], keys(s.inputs))
		}
	case "steps":
		outs, ok := s.steps[path[1]]
		if !ok {
			return "unknown step " + quoteSuggest(path[1], keys(s.steps))
		}
		if len(path) < 3 {
			return ""
		}
		switch path[2] {
		case "state":
		case "outputs":
			if len(path) >= 4 && !outs[path[3]] {
				known := keys(outs)
				return fmt.Sprintf("step %q has no output %s (known: %s)",
					path[1], quoteSuggest(path[3], known), strings.Join(known, ", "))
			}
		default:
			return fmt.Sprintf("step %q has no field %q (known: outputs, state)", path[1], path[2])
		}
	}
	return ""
}

// quoteSuggest quotes name and adds a "did you mean" when a candidate is
// close to it.
func quoteSuggest(name string, candidates []string) string {
	if s := schema.Suggest(name, candidates); s != "" {
		return fmt.Sprintf("%q (did you mean %q?)", name, s)
	}
	return fmt.Sprintf("%q", name)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
