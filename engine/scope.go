package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/expr-lang/expr/types"

	"github.com/aipflow/runner/schema"
)

// scope is what expressions of one workflow may name: its inputs, its
// steps with the outputs each one produces, and the run.
type scope struct {
	inputs map[string]string          // name -> type
	steps  map[string]map[string]bool // id -> output names; nil: unknown, any name goes
	item   *itemShape                 // nil without a matrix
	base   types.Map                  // everything but steps, made once
}

func newScope(wf *schema.Workflow) *scope {
	s := &scope{inputs: map[string]string{}, steps: map[string]map[string]bool{}}
	for _, in := range wf.Inputs {
		s.inputs[in.Name] = in.Type
	}
	for _, st := range wf.Steps {
		s.steps[st.ID] = nil
		if !knownKind(st) {
			continue // the loader has reported the step; do not pile errors on it
		}
		outs := map[string]bool{}
		for _, name := range stepOutputs(st) {
			outs[name] = true
		}
		s.steps[st.ID] = outs
	}
	return s
}

// hasStep reports whether the workflow has a step of that id.
func (s *scope) hasStep(id string) bool {
	_, ok := s.steps[id]
	return ok
}

// knownKind reports whether the step's job type or query kind is known,
// and with it the outputs the step produces.
func knownKind(st *schema.Step) bool {
	if st.Query != "" {
		return true
	}
	_, ok := schema.LookupJob(st.Job)
	return ok
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

// env describes the environment to expr, strictly: a name it does not
// list fails to compile, and so does an operation on the wrong types, such
// as a string compared with a number or an if: that is not boolean. It is
// made once per workflow: expr walks the whole description when a
// configuration is made, and a workflow may have thousands of steps.
func (s *scope) env() types.Map {
	if s.base == nil {
		inputs := types.Map{}
		for name, typ := range s.inputs {
			inputs[name] = inputType(typ)
		}
		s.base = types.Map{
			"inputs": inputs,
			"run":    types.Map{"id": types.String, "name": types.String, "started": types.String},
			"env":    types.Map{types.Extra: types.String},
			"job":    types.Map{types.Extra: types.Any},
		}
		for _, fn := range statusFuncs {
			s.base[fn] = types.TypeOf(func() bool { return true })
		}
		if s.item != nil {
			s.base["item"] = s.item.typ()
		}
	}
	env := make(types.Map, len(s.base)+1)
	for k, v := range s.base {
		env[k] = v
	}
	steps := types.Map{}
	for id := range s.steps {
		o := types.Map{}
		for name := range s.steps[id] {
			o[name] = outputType(name)
		}
		if s.steps[id] == nil {
			o[types.Extra] = types.Any
		}
		steps[id] = types.Map{"state": types.String, "outputs": o}
	}
	env["steps"] = steps
	return env
}

// inputType is the expr type of an input; values of integer inputs are
// ints so that the checked arithmetic of expr.go applies to them.
func inputType(typ string) types.Type {
	switch typ {
	case "boolean":
		return types.Bool
	case "integer":
		return types.Int
	case "number":
		return types.Float64
	}
	return types.String
}

// outputType is the expr type of a step output. Outputs a job may not
// produce are strings that may be nil; outputs declared by the step are
// whatever their expression yields.
func outputType(name string) types.Type {
	switch name {
	case "found":
		return types.Bool
	case "parameters":
		return types.Map{types.Extra: types.String}
	case "jobGuid", "state", "progressStep", "failureStep", "appGuid", "appName",
		"versionGuid", "versionName", "backupName", "snapshotName", "status",
		"nodeGuid", "nodeName":
		return types.String
	}
	return types.Any
}

// resolve checks an identifier path and returns a message for a path that
// names nothing, or "".
func (s *scope) resolve(path []string) string {
	if len(path) < 2 {
		return "" // single names are checked by expr itself
	}
	switch path[0] {
	case "item":
		return s.item.resolve(path)
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
			if len(path) >= 4 && outs != nil && !outs[path[3]] {
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
