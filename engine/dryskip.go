package engine

import (
	"strings"

	"github.com/expr-lang/expr/types"
)

// resolvesToNothing reports the steps whose skipping makes a template
// that reads step outputs resolve to nothing, as in a run with these
// inputs: it evaluates the template with the outputs of the steps the
// inputs skip left nil and those of every other step it reads set. It
// returns nil when the template would resolve to something, or when a dry
// run cannot tell (it reads step states, status functions or what only
// the run knows).
func (d *dryRunner) resolvesToNothing(t *template) []string {
	if !t.single() || len(d.skipped) == 0 {
		return nil
	}
	p := t.progs[0]
	if p.callsFn || len(p.steps) == 0 {
		return nil
	}
	var skipped []string
	for _, id := range p.steps {
		if d.skipped[id] {
			skipped = append(skipped, id)
		}
	}
	if skipped == nil {
		return nil
	}
	steps := map[string]any{}
	for _, path := range p.paths() {
		// The walk gives every prefix of a path too: steps, steps.x and
		// steps.x.outputs come with steps.x.outputs.y.
		switch {
		case path[0] == "steps" && len(path) == 4 && path[2] == "outputs":
		case path[0] == "steps" && (len(path) < 3 || len(path) == 3 && path[2] == "outputs"),
			path[0] == "inputs", path[0] == "run":
			continue
		default:
			return nil // a state, the item, env or job: only the run knows
		}
		id, name := path[1], path[3]
		if d.skipped[id] {
			steps[id] = map[string]any{"state": string(Skipped), "outputs": map[string]any{}}
			continue
		}
		st, _ := steps[id].(map[string]any)
		if st == nil {
			st = map[string]any{"state": string(Completed), "outputs": map[string]any{}}
			steps[id] = st
		}
		st["outputs"].(map[string]any)[name] = sampleOutput(id, name)
	}
	env := make(map[string]any, len(d.env))
	for k, v := range d.env {
		env[k] = v
	}
	env["steps"] = steps
	if v, err := p.run(env); err != nil || v != nil {
		return nil
	}
	return skipped
}

// sampleOutput is a value of the type of a step output, standing for the
// one the run will know.
func sampleOutput(id, name string) any {
	switch outputType(name) {
	case types.Bool:
		return true
	case types.String, types.Any:
		return "<steps." + id + ".outputs." + name + ">"
	}
	return map[string]any{}
}

// stepList names steps for a message: "step a", "steps a and b".
func stepList(ids []string) string {
	if len(ids) == 1 {
		return "step " + ids[0]
	}
	return "steps " + strings.Join(ids[:len(ids)-1], ", ") + " and " + ids[len(ids)-1]
}
