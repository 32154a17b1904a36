package engine

import (
	"time"

	"github.com/aipflow/runner/schema"
)

// env is the expression environment of a step of an item as the run
// stands now: inputs, the state and outputs of the steps it depends on
// (the only ones its expressions may read), the run, the environment and,
// in a matrix, the item. With n nil it holds every step of the item, for
// the workflow's outputs. Only the loop calls it.
func (r *runner) env(it *itemRun, n *Node) map[string]any {
	var ids []string
	if n == nil {
		for _, m := range r.p.Nodes {
			ids = append(ids, m.ID())
		}
	} else {
		for _, e := range n.Deps {
			ids = append(ids, e.From)
		}
	}
	steps := make(map[string]any, len(ids))
	for _, id := range ids {
		sr := it.tasks[r.p.byID[id].index].sr
		outs := make(map[string]any, len(sr.Outputs))
		for k, v := range sr.Outputs {
			outs[k] = v
		}
		steps[id] = map[string]any{"state": string(sr.State), "outputs": outs}
	}
	env := make(map[string]any, len(r.opts.Env))
	for k, v := range r.opts.Env {
		env[k] = v
	}
	out := map[string]any{
		"inputs": r.opts.Inputs,
		"steps":  steps,
		"run": map[string]any{
			"id": r.opts.RunID, "name": r.p.Workflow.Name,
			"started": r.res.Started.Format(time.RFC3339),
		},
		"env": env,
		"job": map[string]any{},
	}
	if r.p.Workflow.Matrix != nil {
		out["item"] = it.res.Value
	}
	return out
}

// workflowOutputs evaluates the workflow's outputs for an item once every
// step of it has ended. An output that cannot be evaluated is nil and
// logged.
func (r *runner) workflowOutputs(it *itemRun) map[string]any {
	if len(r.p.outputs) == 0 {
		return nil
	}
	env := r.env(it, nil)
	out := map[string]any{}
	for _, o := range r.p.outputs {
		v, err := o.t.render(env)
		if err != nil {
			r.log.Warn("output not evaluated", "item", it.res.Label, "output", o.name, "err", err)
		}
		out[o.name] = jsonSafe(v)
	}
	return out
}

// posErr returns an error at a position of the workflow file.
func (r *runner) posErr(pos schema.Pos, format string, args ...any) error {
	return schema.Errorf(r.p.Workflow.File, pos, format, args...)
}
