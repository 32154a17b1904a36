package schema

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// paramSet is what a step's with: entries are checked against: the
// parameters of a job type or of a query kind.
type paramSet struct {
	what  string // "job analyze" or "query version", for messages
	owner string // "analyze" or "query version", for near-miss errors
	specs []ParamSpec
	known bool // the set is complete: other names are checked
	sent  bool // the values are sent to the Console

	uploaded bool // the step has a source:, whose upload sets sourcePath
}

func jobParams(jt *JobType) paramSet {
	return paramSet{what: "job " + jt.Name, owner: jt.Name, specs: jt.Params,
		known: jt.ParamsKnown, sent: true}
}

func queryParams(kind string) paramSet {
	return paramSet{what: "query " + kind, owner: "query " + kind, specs: QueryParams(kind),
		known: true}
}

func (ps paramSet) spec(name string) *ParamSpec {
	for i := range ps.specs {
		if ps.specs[i].Name == name {
			return &ps.specs[i]
		}
	}
	return nil
}

func (ps paramSet) names() []string {
	names := make([]string, len(ps.specs))
	for i, s := range ps.specs {
		names[i] = s.Name
	}
	return names
}

// checkParams checks a step's with: entries against its parameter set.
// Values holding an expression are checked when the run resolves them.
func (f *filler) checkParams(st *Step, path string, with *node, ps paramSet) {
	if with != nil {
		for _, p := range with.pairs {
			f.checkParam(path, p, ps)
		}
	}

	// A required parameter may be set by an expression that yields nothing,
	// which only the run can tell; one that is not written at all is a
	// mistake now.
	for _, s := range ps.specs {
		if s.Name == "sourcePath" && ps.uploaded {
			continue // the upload of source: sets it
		}
		if s.Required && s.Default == nil && st.Param(s.Name) == nil {
			f.errs.add(st.Pos, "", "step %q: %s needs parameter %q", st.ID, ps.what, s.Name)
		}
	}
}

// checkParam checks one with: entry of the step at stepPath.
func (f *filler) checkParam(stepPath string, p pair, ps paramSet) {
	v := p.val
	path := func() string { return joinKey(joinKey(stepPath, "with"), p.key.Value) }
	spec := ps.spec(p.key.Value)
	if spec == nil {
		if ps.known {
			f.unknownParam(path(), p, ps)
		}
		if looksLikeYAML11Bool(v.src) {
			f.warns.add(v.pos(), path(), "%q is kept as text, though YAML 1.1 reads it as a "+
				"boolean; write true or false for a boolean, or quote the text", v.text())
		}
		return
	}
	if isExpr(v.text()) {
		return
	}
	switch spec.Type {
	case TypeBoolean:
		if t := v.text(); t != "true" && t != "false" {
			f.errs.add(v.pos(), path(), "%s is not a boolean, write true or false", quote(t))
		}
	case TypeStep:
		f.checkJobStep(path(), v)
	case TypeGUID:
		f.checkGUID(path(), v)
	}
}

// checkGUID checks a literal value of a parameter that holds a GUID: a
// Console would refuse anything else, or worse, the step would fail hours
// into a run. An empty value is refused too: leaving the parameter out is
// how a step does without it.
func (f *filler) checkGUID(path string, v *node) {
	switch t := v.text(); {
	case t == "":
		f.errs.add(v.pos(), path, "empty; want a GUID such as %s, or leave the parameter out",
			exampleGUID)
	case !isGUID(t):
		f.errs.add(v.pos(), path, "%s is not a GUID: want 32 hex digits such as %s, "+
			"or a ${{ }} template", quote(t), exampleGUID)
	}
}

// exampleGUID shows the form of a GUID in messages.
const exampleGUID = "00000000-0000-0000-0000-000000000000"

// isGUID tells whether s is a GUID as the Console writes them: 8, 4, 4,
// 4 and 12 hex digits joined by hyphens, in either case.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			hex := c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
			if !hex {
				return false
			}
		}
	}
	return true
}

// unknownParam reports a with: entry that a complete parameter set does
// not list. A near miss of a known name (the same name in another case, or
// one Suggest finds) is an error: the step would otherwise run with the
// default of the parameter meant, such as an endStep far beyond the one
// asked for. A name nothing is close to stays a warning, since a newer
// Console may know a parameter the catalog does not.
func (f *filler) unknownParam(path string, p pair, ps paramSet) {
	name := p.key.Value
	if s := Suggest(name, ps.names()); s != "" {
		f.errs.add(posOf(p.key), path, "unknown parameter of %s (did you mean %q?)", ps.owner, s)
		return
	}
	use := "not used"
	if ps.sent {
		use = "sent as written"
	}
	f.warns.add(posOf(p.key), path, "unknown parameter of %s, %s", ps.what, use)
}

// checkJobStep checks the value of a parameter that names a job step,
// such as startStep or endStep, with the rule of unknownParam: a near
// miss of a known step is an error, any other unknown name a warning.
func (f *filler) checkJobStep(path string, v *node) {
	name := v.text()
	if knownJobStep(name) {
		return
	}
	if s := Suggest(name, jobSteps); s != "" {
		f.errs.add(v.pos(), path, "unknown job step %q (did you mean %q?)", name, s)
		return
	}
	f.warns.add(v.pos(), path, "unknown job step %q", name)
}

// looksLikeYAML11Bool tells whether a scalar is plain text that YAML 1.1
// reads as a boolean, while YAML 1.2 and yaml.v3 keep it as text.
func looksLikeYAML11Bool(y *yaml.Node) bool {
	if y.Kind != yaml.ScalarNode || y.ShortTag() != "!!str" {
		return false
	}
	if y.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|
		yaml.FoldedStyle) != 0 {
		return false
	}
	switch strings.ToLower(y.Value) {
	case "yes", "no", "on", "off", "y", "n":
		return true
	}
	return false
}

// isExpr tells whether a value holds an expression, resolved at run time.
func isExpr(s string) bool {
	return strings.Contains(s, "${{")
}

func knownJobStep(name string) bool {
	for _, s := range jobSteps {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}
