package engine

import (
	"fmt"
	"strings"

	"github.com/aipflow/runner/schema"
)

// A workflow with matrix: runs its whole DAG once per item, with item in
// expressions. Items start in file order, at most Matrix.MaxParallel at a
// time (Options.MaxParallel when it is 0); Options.MaxParallel still
// bounds the steps running at once over all items, and the locks of
// applications and concurrency: are shared by all items, so two items on
// one application take turns. An item's failure does not stop the other
// items, unless Options.FailFast stops the whole run.

// itemRun is one run of the DAG: one matrix item, or the whole run of a
// workflow without matrix:.
type itemRun struct {
	res     *ItemResult
	index   int     // in Result.Items
	tasks   []*task // by Node.index
	left    int     // steps not ended yet
	attach  int     // steps to re-attach to their jobs
	started bool
}

// ItemLabels returns how the items of the plan's matrix are shown in
// results and events, in file order; nil without matrix:.
func (p *Plan) ItemLabels() []string {
	m := p.Workflow.Matrix
	if m == nil {
		return nil
	}
	labels := make([]string, len(m.Items))
	for i, mi := range m.Items {
		labels[i] = itemLabel(i, mi)
	}
	return labels
}

// newItems returns the items of the run and how many may run at once.
func (r *runner) newItems() ([]*itemRun, int) {
	m := r.p.Workflow.Matrix
	if m == nil {
		return []*itemRun{r.newItem(0, "", nil)}, 1
	}
	items := make([]*itemRun, 0, len(m.Items))
	for i, label := range r.p.ItemLabels() {
		items = append(items, r.newItem(i, label, itemValue(m.Items[i])))
	}
	limit := m.MaxParallel
	if limit <= 0 {
		limit = r.opts.MaxParallel
	}
	return items, limit
}

func (r *runner) newItem(index int, label string, value any) *itemRun {
	it := &itemRun{res: &ItemResult{Label: label, Value: value}, index: index,
		left: len(r.p.Nodes)}
	for _, n := range r.p.Nodes {
		sr := &StepResult{ID: n.ID(), State: Pending, JobType: n.Step.Job}
		it.res.Steps = append(it.res.Steps, sr)
		it.tasks = append(it.tasks, &task{item: it, node: n, sr: sr, deps: len(n.Deps)})
	}
	return it
}

// itemValue is what expressions see as item: the value's text, or a map
// of the fields' texts.
func itemValue(mi *schema.MatrixItem) any {
	if mi.Value != nil {
		return mi.Value.Text
	}
	m := make(map[string]any, len(mi.Fields))
	for _, f := range mi.Fields {
		m[f.Name] = f.Value.Text
	}
	return m
}

// itemLabel is how an item is shown: its value, or name=value pairs in
// file order; #<n> for an empty value.
func itemLabel(i int, mi *schema.MatrixItem) string {
	if mi.Value != nil {
		if mi.Value.Text == "" {
			return fmt.Sprintf("#%d", i+1)
		}
		return mi.Value.Text
	}
	parts := make([]string, len(mi.Fields))
	for k, f := range mi.Fields {
		parts[k] = f.Name + "=" + f.Value.Text
	}
	return strings.Join(parts, ", ")
}

// suffix names the item in messages about one of its steps.
func (it *itemRun) suffix() string {
	if it.res.Label == "" {
		return ""
	}
	return " (item " + it.res.Label + ")"
}

// startItems starts items, in file order, while fewer than the limit run
// and the run has not stopped: their steps without dependencies are ready.
// Items with a step to re-attach start first, whatever the limit: their
// jobs run on the Console already.
func (r *runner) startItems() {
	for _, it := range r.items {
		if it.attach > 0 && !it.started {
			r.startItem(it)
		}
	}
	for r.stopped == "" && r.active < r.maxItems && r.next < len(r.items) {
		it := r.items[r.next]
		r.next++
		if !it.started {
			r.startItem(it)
		}
	}
}

// startItem makes the item's steps without pending dependencies ready,
// and queues its steps to re-attach.
func (r *runner) startItem(it *itemRun) {
	it.started = true
	r.active++
	for _, t := range it.tasks {
		switch {
		case t.attach:
			r.queued = append(r.queued, t)
			r.locks.enqueue(t)
		case t.deps == 0 && t.sr.State == Pending:
			r.ready = append(r.ready, t)
		}
	}
	if it.left == 0 {
		r.itemEnded(it)
	}
}

// itemEnded evaluates the workflow's outputs for an item whose steps have
// all ended, and starts the next item.
func (r *runner) itemEnded(it *itemRun) {
	it.res.Outputs = r.workflowOutputs(it)
	r.jr.setOutputs(it.index, it.res.Outputs)
	if it.started {
		r.active--
	}
	r.startItems()
}
