package engine

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aipflow/runner/schema"
)

// Plan is the validated dependency graph of one workflow, with every
// expression compiled. A Plan is immutable after Build returns and may be
// shared by goroutines.
type Plan struct {
	Workflow *schema.Workflow
	Nodes    []*Node // in file order
	byID     map[string]*Node
	outputs  []namedTemplate // workflow outputs
}

// Node is one step of a Plan.
type Node struct {
	Step  *schema.Step
	Deps  []Edge // sorted by step id
	Wave  int    // 0 for steps without dependencies, else 1 + the deepest dependency
	cond  *program
	with  []namedTemplate
	outs  []namedTemplate
	lock  *template // concurrency: lock name; nil for none
	index int
}

// Edge is a dependency of a step on another.
type Edge struct {
	From     string // the step depended on
	Inferred bool   // true when it comes from a steps.<id> reference, not needs:
}

type namedTemplate struct {
	name string
	t    *template
}

// ID returns the step id.
func (n *Node) ID() string { return n.Step.ID }

// Node returns the node of a step id, or nil.
func (p *Plan) Node(id string) *Node { return p.byID[id] }

// Waves groups step ids by wave: the steps of one wave may run together
// once the waves before it have ended.
func (p *Plan) Waves() [][]string {
	var waves [][]string
	for _, n := range p.Nodes {
		for len(waves) <= n.Wave {
			waves = append(waves, nil)
		}
		waves[n.Wave] = append(waves[n.Wave], n.ID())
	}
	return waves
}

// Build compiles the expressions of a workflow and builds its dependency
// graph. It returns every problem at once, sorted by position: unknown or
// self dependencies, references to unknown steps, inputs or outputs,
// expressions that do not compile, and dependency cycles.
func Build(wf *schema.Workflow) (*Plan, error) {
	c := &compiler{file: wf.File, scope: newScope(wf)}
	c.scope.item = c.checkItems(wf.Matrix)
	p := &Plan{Workflow: wf, byID: map[string]*Node{}}
	for i, st := range wf.Steps {
		n := &Node{Step: st, index: i}
		p.Nodes = append(p.Nodes, n)
		p.byID[st.ID] = n
	}
	for _, n := range p.Nodes {
		c.node(n, p)
	}
	for _, o := range wf.Outputs {
		if t := c.template(o.Expr, "outputs."+o.Name); t != nil {
			p.outputs = append(p.outputs, namedTemplate{o.Name, t})
		}
	}
	// Edges exist only between known steps, so cycles can be looked for
	// even when other problems were found: every problem is reported.
	c.errs = append(c.errs, p.cycles()...)
	if len(c.errs) > 0 {
		return nil, joinSorted(c.errs)
	}
	p.layer()
	return p, nil
}

// node compiles the expressions of one step and records its edges.
func (c *compiler) node(n *Node, p *Plan) {
	st := n.Step
	deps := c.needs(st, p) // id -> declared
	for _, id := range c.expressions(n) {
		if id == st.ID {
			c.errorf(st.Pos, "step %q refers to its own outputs", st.ID)
			continue
		}
		if _, ok := deps[id]; !ok {
			deps[id] = false
		}
	}
	for id, declared := range deps {
		n.Deps = append(n.Deps, Edge{From: id, Inferred: !declared})
	}
	sort.Slice(n.Deps, func(i, j int) bool { return n.Deps[i].From < n.Deps[j].From })
}

// needs checks a step's declared dependencies and returns them, each
// mapped to true.
func (c *compiler) needs(st *schema.Step, p *Plan) map[string]bool {
	deps := map[string]bool{}
	for _, need := range st.Needs {
		switch {
		case need.Text == st.ID:
			c.errorf(need.Pos, "step %q needs itself", st.ID)
		case p.byID[need.Text] == nil:
			c.errorf(need.Pos, "step %q needs unknown step %s",
				st.ID, quoteSuggest(need.Text, keys(p.byID)))
		default:
			deps[need.Text] = true
		}
	}
	return deps
}

// expressions compiles the condition, parameters, concurrency lock and
// outputs of a step into n, and returns the step ids they read.
func (c *compiler) expressions(n *Node) []string {
	st := n.Step
	where := "steps." + st.ID + "."
	var refs []string
	if st.If != nil {
		if n.cond = c.condition(*st.If, where+"if"); n.cond != nil {
			refs = append(refs, n.cond.steps...)
		}
	}
	for _, prm := range st.With {
		if t := c.template(prm.Value, where+"with."+prm.Name); t != nil {
			n.with = append(n.with, namedTemplate{prm.Name, t})
			refs = append(refs, t.steps()...)
		}
	}
	if st.Concurrency != nil && strings.TrimSpace(st.Concurrency.Text) == "" {
		c.errorf(st.Concurrency.Pos, "%sconcurrency: empty lock name", where)
	} else if st.Concurrency != nil {
		if n.lock = c.template(*st.Concurrency, where+"concurrency"); n.lock != nil {
			refs = append(refs, n.lock.steps()...)
		}
	}
	for _, o := range st.Outputs {
		if t := c.template(o.Expr, where+"outputs."+o.Name); t != nil {
			n.outs = append(n.outs, namedTemplate{o.Name, t})
			refs = append(refs, t.steps()...)
		}
	}
	return refs
}

// cycles returns one error per dependency cycle, each named from its step
// that comes first in the file so the message is stable.
func (p *Plan) cycles() []error {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []*Node
	var errs []error
	var visit func(n *Node)
	visit = func(n *Node) {
		color[n.ID()] = grey
		stack = append(stack, n)
		for _, e := range n.Deps {
			d := p.byID[e.From]
			switch color[d.ID()] {
			case white:
				visit(d)
			case grey:
				errs = append(errs, p.cycleError(stack, d))
			}
		}
		stack = stack[:len(stack)-1]
		color[n.ID()] = black
	}
	for _, n := range p.Nodes {
		if color[n.ID()] == white {
			visit(n)
		}
	}
	return errs
}

// cycleError describes the cycle that closes at d on the visit stack, in
// the direction data flows: from a step to the steps that depend on it.
func (p *Plan) cycleError(stack []*Node, d *Node) error {
	i := len(stack) - 1
	for stack[i] != d {
		i--
	}
	cyc := append([]*Node(nil), stack[i:]...)
	// The stack runs from dependent to dependency; reverse it.
	for l, r := 0, len(cyc)-1; l < r; l, r = l+1, r-1 {
		cyc[l], cyc[r] = cyc[r], cyc[l]
	}
	first := 0
	for k, n := range cyc {
		if n.index < cyc[first].index {
			first = k
		}
	}
	cyc = append(cyc[first:], cyc[:first]...)
	names := make([]string, 0, len(cyc)+1)
	lines := make([]string, 0, len(cyc))
	for _, n := range cyc {
		names = append(names, n.ID())
		lines = append(lines, fmt.Sprint(n.Step.Pos.Line))
	}
	names = append(names, cyc[0].ID())
	return schema.Errorf(p.Workflow.File, cyc[0].Step.Pos, "dependency cycle: %s (lines %s)",
		strings.Join(names, " → "), strings.Join(lines, ", "))
}

// layer assigns waves; Build has ruled out cycles.
func (p *Plan) layer() {
	done := map[string]bool{}
	var wave func(n *Node) int
	wave = func(n *Node) int {
		if done[n.ID()] {
			return n.Wave
		}
		w := 0
		for _, e := range n.Deps {
			if dw := wave(p.byID[e.From]) + 1; dw > w {
				w = dw
			}
		}
		n.Wave, done[n.ID()] = w, true
		return w
	}
	for _, n := range p.Nodes {
		wave(n)
	}
}

// joinSorted joins errors sorted by file position; errors without one go
// last in their original order.
func joinSorted(errs []error) error {
	sort.SliceStable(errs, func(i, j int) bool {
		a, aok := asPos(errs[i])
		b, bok := asPos(errs[j])
		if !aok || !bok {
			return aok && !bok
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return errors.Join(errs...)
}

func asPos(err error) (*schema.PosError, bool) {
	var pe *schema.PosError
	ok := errors.As(err, &pe)
	return pe, ok
}
