package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/aipflow/runner/schema"
)

// DryRun is what a run of a plan would do with given inputs, worked out
// without sending anything: the order of the steps, whether their
// conditions hold, and the parameters each one would send.
type DryRun struct {
	Workflow string
	Inputs   map[string]any // as given to Plan.DryRun
	Waves    [][]string     // as Plan.Waves returns them
	Steps    []*DryStep     // in file order; nil for a matrix workflow
	Items    []*DryItem     // one per matrix item; nil without a matrix
}

// DryItem is the dry run of one matrix item.
type DryItem struct {
	Label string     // as a run shows the item
	Steps []*DryStep // in file order
}

// DryStep is one step of a DryRun.
type DryStep struct {
	ID      string
	Kind    string // catalog spelling of the job type, or "query <kind>"
	JobType string // "" for a query
	Wave    int    // 1 for the steps that depend on nothing, as plan prints it
	Deps    []Edge // as in Node.Deps
	If      DryCondition

	// Params are the parameters the step would send: for a job, the
	// jobParameters of POST /api/jobs with the catalog's defaults
	// applied; for a query, its lookup parameters. A value that only the
	// run can know is shown as the source of its expression in angle
	// brackets, such as <steps.find.outputs.appGuid>.
	Params map[string]string

	// Problems are what would fail the step at run time with these
	// inputs, such as a required parameter that resolves to nothing.
	Problems []string

	// Upload is the archive of the step's source:, which the run would
	// upload before it submits the job; nil without source:. Params then
	// show sourcePath as UploadPlaceholder.
	Upload *DryUpload
}

// DryCondition is a step's condition as a dry run sees it.
type DryCondition struct {
	Source      string     // the expression, or "success()" for a step without if:
	Default     bool       // the step has no if:
	WithSuccess bool       // the expression calls no status function, so success() must hold too
	Outcome     DryOutcome // what the inputs alone tell
}

// DryOutcome is what a dry run can tell of a condition before the run.
type DryOutcome string

// Outcomes of DryCondition.
const (
	WouldRun         DryOutcome = "run"     // no if:, or true with these inputs
	WouldSkip        DryOutcome = "skip"    // false with these inputs: the step would be skipped
	DecidedAtRunTime DryOutcome = "runtime" // reads step states, outputs or status functions
	WouldFail        DryOutcome = "fail"    // cannot be evaluated with these inputs; see Problems
)

// runIDPlaceholder stands for run.id, which a run draws when it starts.
const runIDPlaceholder = "<run.id>"

// DryRun works out what a run of the plan would do with inputs (as
// returned by ResolveInputs), at time now. It sends nothing and changes
// nothing. Expressions that read only inputs and run are evaluated;
// those that read step states or outputs, or env, are shown as
// placeholders (see DryStep.Params). Use DryRunEnv to evaluate env too.
// Like the Plan, DryRun may be used by several goroutines at once.
func (p *Plan) DryRun(inputs map[string]any, now time.Time) *DryRun {
	return p.DryRunEnv(inputs, nil, now)
}

// DryRunEnv is DryRun with env, what expressions see as env. With a nil
// env, expressions that read env are shown as placeholders.
//
// Known gap: a catalog default computed from another parameter sees that
// parameter's placeholder when only the run knows it. sourceArchive then
// shows the placeholder of sourcePath, which is right, but a default
// that tests a value, such as snapshotName on endStep, is worked out as
// if the placeholder were the value; the catalog has no way to say which
// parameters a default reads.
func (p *Plan) DryRunEnv(inputs map[string]any, env map[string]string, now time.Time) *DryRun {
	dr := &DryRun{Workflow: p.Workflow.Name, Inputs: inputs, Waves: p.Waves()}
	steps := func(item any, hasItem bool) []*DryStep {
		d := &dryRunner{p: p, hasEnv: env != nil, hasItem: hasItem, now: now}
		d.env = dryEnv(p, inputs, env, now)
		if hasItem {
			d.env["item"] = item
		}
		// Every condition first: a step's parameters may read a step
		// that comes later in the file and that the inputs skip.
		d.skipped = map[string]bool{}
		conds := make([]DryCondition, len(p.Nodes))
		problems := make([]string, len(p.Nodes))
		for i, n := range p.Nodes {
			conds[i], problems[i] = d.condition(n)
			if conds[i].Outcome == WouldSkip {
				d.skipped[n.ID()] = true
			}
		}
		out := make([]*DryStep, 0, len(p.Nodes))
		for i, n := range p.Nodes {
			out = append(out, d.step(n, conds[i], problems[i]))
		}
		return out
	}
	m := p.Workflow.Matrix
	if m == nil {
		dr.Steps = steps(nil, false)
		return dr
	}
	for i, mi := range m.Items {
		dr.Items = append(dr.Items, &DryItem{Label: itemLabel(i, mi), Steps: steps(itemValue(mi), true)})
	}
	return dr
}

// dryRunner holds what a dry run needs while it works through the steps.
type dryRunner struct {
	p       *Plan
	env     map[string]any
	hasEnv  bool
	hasItem bool // item is in env: a matrix item's dry run
	now     time.Time
	skipped map[string]bool // steps the inputs alone skip
}

// dryEnv is the expression environment of a dry run: no step has a state
// or outputs yet, and run.id is a placeholder.
func dryEnv(p *Plan, inputs map[string]any, env map[string]string, now time.Time) map[string]any {
	in := make(map[string]any, len(inputs))
	for k, v := range inputs {
		in[k] = v
	}
	e := make(map[string]any, len(env))
	for k, v := range env {
		e[k] = v
	}
	return map[string]any{
		"inputs": in,
		"steps":  map[string]any{},
		"run": map[string]any{
			"id": runIDPlaceholder, "name": p.Workflow.Name, "started": now.Format(time.RFC3339),
		},
		"env": e,
		"job": map[string]any{},
	}
}

// step works out what the run would do of step n, whose condition is
// cond, or cannot be evaluated for condProblem.
func (d *dryRunner) step(n *Node, cond DryCondition, condProblem string) *DryStep {
	ds := &DryStep{
		ID: n.ID(), Kind: n.Step.Job, JobType: n.Step.Job, Wave: n.Wave + 1,
		Deps: append([]Edge(nil), n.Deps...),
	}
	if n.Step.Query != "" {
		ds.Kind = "query " + n.Step.Query
	}
	ds.If = cond
	params, problems := d.params(n)
	if ds.JobType != "" {
		if n.Step.Source != nil {
			ds.Upload, problems = dryUpload(n.Step.Source, params, problems)
		}
		params, problems = d.request(n, params, problems)
	}
	ds.Params = params
	switch ds.If.Outcome {
	case WouldFail:
		ds.Problems = []string{condProblem}
	case WouldSkip:
		// A skipped step's parameters are never evaluated.
	default:
		ds.Problems = problems
	}
	return ds
}

// condition tells what the inputs alone say of the step's condition, and
// why it cannot be evaluated when it cannot.
func (d *dryRunner) condition(n *Node) (DryCondition, string) {
	if n.cond == nil {
		return DryCondition{Source: "success()", Default: true, Outcome: WouldRun}, ""
	}
	c := DryCondition{Source: n.cond.src, WithSuccess: !n.cond.callsFn}
	if d.deferred(n.cond) {
		c.Outcome = DecidedAtRunTime
		return c, ""
	}
	v, err := n.cond.run(d.env)
	if err != nil {
		c.Outcome = WouldFail
		return c, schema.Errorf(d.p.Workflow.File, n.Step.If.Pos, "if: %v", err).Error()
	}
	c.Outcome = WouldSkip
	if ok, _ := v.(bool); ok {
		c.Outcome = WouldRun
	}
	return c, ""
}

// params renders the step's with: values as a run does, with
// placeholders for what only the run knows. As in a run, an optional
// parameter that resolves to nothing is left out.
func (d *dryRunner) params(n *Node) (map[string]string, []string) {
	out := make(map[string]string, len(n.with))
	var problems []string
	for _, w := range n.with {
		v, err := d.render(w.t)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("with.%s: %v", w.name, err))
		case v != nil:
			out[w.name] = text(v)
			if skipped := d.resolvesToNothing(w.t); skipped != nil && required(n.Step, w.name) {
				problems = append(problems, fmt.Sprintf("with.%s: %s is unavailable with these "+
					"inputs: %s would be skipped", w.name, strings.TrimSpace(w.t.raw.Text),
					stepList(skipped)))
			}
		case required(n.Step, w.name):
			problems = append(problems, fmt.Sprintf("with.%s: %s is unavailable with these inputs",
				w.name, strings.TrimSpace(w.t.raw.Text)))
		}
	}
	return out, problems
}

// request applies the job type's defaults, as the run does just before
// it sends the job.
func (d *dryRunner) request(n *Node, with map[string]string, problems []string) (
	map[string]string, []string) {
	jt, ok := schema.LookupJob(n.Step.Job)
	if !ok {
		return with, append(problems, fmt.Sprintf("unknown job type %q", n.Step.Job))
	}
	req := jt.Request(with, d.now)
	for _, p := range jt.Params {
		// A run that fails on a with: value never gets to this check.
		if len(problems) == 0 && p.Required && req[p.Name] == "" {
			problems = append(problems, fmt.Sprintf("job %s needs parameter %q", jt.Name, p.Name))
		}
	}
	return req, problems
}

// render renders a template as a run would, except that an expression
// that reads what only the run knows becomes its source in angle
// brackets. A template that is one expression yields its value, nil
// included; others yield text.
func (d *dryRunner) render(t *template) (any, error) {
	return t.renderEach(func(p *program) (any, error) {
		if d.deferred(p) {
			return p.placeholder(), nil
		}
		return p.run(d.env)
	})
}

// deferred reports whether an expression reads what only the run knows:
// the state or outputs of a step, the status functions, the job document,
// the matrix item, or env when the dry run was given none.
func (d *dryRunner) deferred(p *program) bool {
	if len(p.steps) > 0 || p.callsFn {
		return true
	}
	for _, root := range p.roots() {
		switch root {
		case "steps", "job":
			return true
		case "item":
			if !d.hasItem {
				return true
			}
		case "env":
			if !d.hasEnv {
				return true
			}
		}
	}
	return false
}

// placeholder is how a dry run shows the value of an expression that
// only the run can evaluate.
func (p *program) placeholder() string { return "<" + p.src + ">" }

// roots returns the first name of every identifier path the expression
// reads, such as "inputs" for inputs.app. An expression that does not
// parse again, which Build has ruled out, reads "steps" so that it is
// never evaluated.
func (p *program) roots() (names []string) {
	paths := p.paths()
	if paths == nil {
		return []string{"steps"}
	}
	for _, path := range paths {
		names = append(names, path[0])
	}
	return names
}

// paths returns every identifier path the expression reads, such as
// [steps find outputs appGuid], or nil when it does not parse again,
// which Build has ruled out.
func (p *program) paths() (paths [][]string) {
	defer func() {
		// ast.Walk panics on a node type it does not know.
		if recover() != nil {
			paths = nil
		}
	}()
	tree, err := parser.Parse(p.src)
	if err != nil {
		return nil
	}
	v := &refVisitor{}
	ast.Walk(&tree.Node, v)
	return v.paths
}
