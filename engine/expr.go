package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/checker"
	exprcompiler "github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/aipflow/runner/schema"
)

// statusFuncs are the functions a condition may call to look at the states
// of the step's dependencies. A condition that calls none of them is
// combined with success().
var statusFuncs = []string{"success", "failure", "always", "canceled"}

// program is one compiled expression and the step ids it reads.
type program struct {
	src     string
	prog    *vm.Program
	steps   []string // steps.<id> referenced, in order of first use
	callsFn bool     // calls one of statusFuncs
}

// template is a string with ${{ expr }} parts. A template that is exactly
// one ${{ }} yields the expression's value unchanged; others yield text.
type template struct {
	raw   schema.Value
	lits  []string   // len(lits) == len(progs)+1
	progs []*program // the ${{ }} parts
}

// single reports whether the template is one expression and nothing else.
func (t *template) single() bool {
	return len(t.progs) == 1 && t.lits[0] == "" && t.lits[1] == ""
}

// steps returns every step id the template reads.
func (t *template) steps() []string {
	var ids []string
	for _, p := range t.progs {
		ids = append(ids, p.steps...)
	}
	return ids
}

// splitTemplate cuts text into literal parts and ${{ }} sources.
func splitTemplate(text string) (lits, srcs []string, err error) {
	rest := text
	for {
		i := strings.Index(rest, "${{")
		if i < 0 {
			return append(lits, rest), srcs, nil
		}
		j := strings.Index(rest[i+3:], "}}")
		if j < 0 {
			return nil, nil, errors.New(`"${{" without a closing "}}"`)
		}
		src := strings.TrimSpace(rest[i+3 : i+3+j])
		if src == "" {
			return nil, nil, errors.New(`empty "${{ }}"`)
		}
		lits = append(lits, rest[:i])
		srcs = append(srcs, src)
		rest = rest[i+3+j+2:]
	}
}

// compiler compiles the expressions of one workflow against its scope and
// collects every problem as a position error.
type compiler struct {
	file  string
	scope *scope
	errs  []error

	// confs are the expr configurations of templates ([0]) and conditions
	// ([1]), made on first use and shared by every expression of the
	// workflow: making one per expression cost most of the time of Build.
	confs [2]*conf.Config
}

// config returns the expr configuration of the workflow's conditions
// (cond) or templates.
func (c *compiler) config(cond bool) *conf.Config {
	i := 0
	if cond {
		i = 1
	}
	if c.confs[i] == nil {
		opts := append([]expr.Option{expr.Env(c.scope.env())}, checkedArith...)
		opts = append(opts, nilSafeEquality...)
		if cond {
			opts = append(opts, expr.AsBool())
		}
		cfg := conf.CreateNew()
		for _, opt := range opts {
			opt(cfg)
		}
		cfg.Check()
		c.confs[i] = cfg
	}
	return c.confs[i]
}

func (c *compiler) errorf(pos schema.Pos, format string, args ...any) {
	c.errs = append(c.errs, schema.Errorf(c.file, pos, format, args...))
}

// template compiles a ${{ }} template; where names what holds it in
// messages, such as "with.appGuid".
func (c *compiler) template(v schema.Value, where string) *template {
	lits, srcs, err := splitTemplate(v.Text)
	if err != nil {
		c.errorf(v.Pos, "%s: %v", where, err)
		return nil
	}
	t := &template{raw: v, lits: lits}
	for _, src := range srcs {
		p := c.compile(src, v.Pos, where, false)
		if p == nil {
			return nil
		}
		t.progs = append(t.progs, p)
	}
	return t
}

// condition compiles a bare if: expression; where names it in messages.
func (c *compiler) condition(v schema.Value, where string) *program {
	src := strings.TrimSpace(v.Text)
	// A condition may also be written as ${{ expr }}, as in other tools.
	if strings.HasPrefix(src, "${{") && strings.HasSuffix(src, "}}") {
		src = strings.TrimSpace(src[3 : len(src)-2])
	}
	if src == "" {
		c.errorf(v.Pos, "%s: empty condition", where)
		return nil
	}
	if strings.Contains(src, "${{") {
		// Text such as "'${{ inputs.x }}' == 'y'" would compare the
		// literal text of the template: always false, never an error.
		c.errorf(v.Pos, "%s: ${{ }} inside a condition is not replaced; "+
			"write the expression bare, as in inputs.x == 'y'", where)
		return nil
	}
	return c.compile(src, v.Pos, where, true)
}

func (c *compiler) compile(src string, pos schema.Pos, where string, cond bool) (p *program) {
	defer func() {
		// expr's compiler has panicked on odd input in the past (#453);
		// a workflow file must never crash the runner.
		if r := recover(); r != nil {
			c.errorf(pos, "%s: cannot compile %q: %v", where, src, r)
			p = nil
		}
	}()
	cfg := c.config(cond)
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		msg := firstLine(err.Error())
		if m := wordOperator.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("%s is an operator, not a function: write a %s b", m[1], m[1])
		}
		c.errorf(pos, "%s: %s", where, msg)
		return nil
	}
	p = &program{src: src}
	n := len(c.errs)
	c.checkRefs(tree.Node, pos, where, p)
	if len(c.errs) > n {
		return nil
	}
	// What expr.Compile does, on the tree already parsed and with the
	// workflow's configuration.
	prog, err := compileTree(tree, cfg)
	if err != nil {
		c.errorf(pos, "%s: %s", where, firstLine(err.Error()))
		return nil
	}
	p.prog = prog
	return p
}

// compileTree checks, optimizes and compiles a parsed expression.
func compileTree(tree *parser.Tree, cfg *conf.Config) (*vm.Program, error) {
	if _, err := new(checker.Checker).PatchAndCheck(tree, cfg); err != nil {
		return nil, err
	}
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, fe.Bind(tree.Source)
		}
		return nil, err
	}
	return exprcompiler.Compile(tree, cfg)
}

// checkRefs resolves every identifier path of the expression against the
// scope. expr cannot do it: a missing map key is nil there, so a misspelt
// step id or output would silently make a condition false.
func (c *compiler) checkRefs(root ast.Node, pos schema.Pos, where string, p *program) {
	v := &refVisitor{}
	ast.Walk(&root, v)
	seen := map[string]bool{}
	for _, call := range v.calls {
		if slices.Contains(statusFuncs, call) {
			p.callsFn = true
		} else if !slices.Contains(functionNames, call) && !seen[call] {
			seen[call] = true
			c.errorf(pos, "%s: unknown function %s", where, quoteSuggest(call, functionNames))
		}
	}
	for _, path := range v.paths {
		msg := c.scope.resolve(path)
		if msg != "" && !seen[msg] {
			seen[msg] = true
			c.errorf(pos, "%s: %s", where, msg)
		}
		if len(path) >= 2 && path[0] == "steps" && c.scope.hasStep(path[1]) {
			if !contains(p.steps, path[1]) {
				p.steps = append(p.steps, path[1])
			}
		}
	}
}

// wordOperator matches expr's message for an operator written like a
// function call, as in startsWith(a, "x").
var wordOperator = regexp.MustCompile(
	`^unexpected token Operator\("(startsWith|endsWith|contains|matches)"\)`)

// functionNames are the functions an expression may call: the status
// functions and expr's built-ins.
var functionNames = func() []string {
	names := slices.Clone(statusFuncs)
	for _, f := range builtin.Builtins {
		names = append(names, f.Name)
	}
	return names
}()

// refVisitor collects identifier paths such as steps.find.outputs.appGuid
// and the names of called functions.
type refVisitor struct {
	paths [][]string
	calls []string
}

func (v *refVisitor) Visit(n *ast.Node) {
	switch n := (*n).(type) {
	case *ast.MemberNode:
		if path := memberPath(n); path != nil {
			v.paths = append(v.paths, path)
		}
	case *ast.IdentifierNode:
		v.paths = append(v.paths, []string{n.Value})
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok {
			v.calls = append(v.calls, id.Value)
		}
	}
}

// memberPath flattens a chain of constant member accesses, or returns nil.
func memberPath(n *ast.MemberNode) []string {
	prop, ok := n.Property.(*ast.StringNode)
	if !ok {
		return nil
	}
	var base []string
	switch b := n.Node.(type) {
	case *ast.IdentifierNode:
		base = []string{b.Value}
	case *ast.MemberNode:
		base = memberPath(b)
	}
	if base == nil {
		return nil
	}
	return append(base, prop.Value)
}

// firstLine returns the first line of an expr message, without the
// "(line:column)" within the expression that expr appends: the message
// already carries the position of the expression in the file.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return exprPos.ReplaceAllString(s, "")
}

var exprPos = regexp.MustCompile(` \(\d+:\d+\)$`)

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// run evaluates a compiled program. expr has panicked at run time on nil
// values in the past (#336); a panic becomes an error of the step.
func (p *program) run(env map[string]any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %v", p.src, r)
		}
	}()
	out, err = expr.Run(p.prog, env)
	if err != nil {
		// expr's message goes on with a snippet of the source over
		// several lines; a step's reason is one line.
		return nil, errors.New(firstLine(err.Error()))
	}
	return out, nil
}

// render evaluates a template. A single-expression template returns the
// value itself (nil included); others concatenate text.
func (t *template) render(env map[string]any) (any, error) {
	return t.renderEach(func(p *program) (any, error) { return p.run(env) })
}

// renderEach is render with eval giving the value of each expression. A
// nil value of an expression within text makes the whole template nil.
func (t *template) renderEach(eval func(*program) (any, error)) (any, error) {
	if t.single() {
		return eval(t.progs[0])
	}
	var b strings.Builder
	for i, p := range t.progs {
		b.WriteString(t.lits[i])
		v, err := eval(p)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		b.WriteString(text(v))
	}
	b.WriteString(t.lits[len(t.lits)-1])
	return b.String(), nil
}

// text formats a value as the Console receives parameters: strings as
// they are, numbers in plain decimal, booleans as true/false.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case fmt.Stringer:
		return v.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
