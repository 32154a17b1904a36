package schema

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"
)

// validate checks a document against the schema and records each problem
// at the YAML node it concerns. It marks bad the values at or above a
// problem, so that later checks can leave them out.
func validate(root *node, errs *errList) {
	cs, err := loadSchema()
	if err != nil {
		errs.add(Pos{}, "", "%v", err)
		return
	}
	t := translator{cs: cs, root: root, errs: errs}
	if verr := cs.schema.Validate(root.data()); verr != nil {
		ve, ok := verr.(*jsonschema.ValidationError)
		if !ok {
			errs.add(Pos{}, "", "validate: %v", verr)
			return
		}
		t.walk(ve)
	}
	t.checkStepKinds()
}

// checkStepKinds checks the rule of the schema's step oneOf, which the
// compiled copy leaves out: a step has a job or a query, not both.
func (t *translator) checkStepKinds() {
	steps := t.root.get("steps")
	if steps == nil || !steps.isMap() {
		return
	}
	for _, p := range steps.pairs {
		st := p.val
		if !st.isMap() {
			continue // the schema reported its type
		}
		job, query := st.entry("job"), st.entry("query")
		if (job != nil) == (query != nil) {
			// The step's kind is in doubt: its job and query are not usable.
			t.root.bad, steps.bad, st.bad = true, true, true
			if job != nil && query != nil {
				job.val.bad, query.val.bad = true, true
			}
			t.jobOrQuery(st, p.key, joinKey("steps", p.key.Value))
		}
	}
}

// translator turns the validator's errors into messages for people.
type translator struct {
	cs   *compiledSchema
	root *node
	errs *errList
}

// walk translates the leaves of an error tree. oneOf and anyOf are
// translated as a whole: their causes explain why each branch failed,
// which is not what the user needs to hear.
func (t *translator) walk(e *jsonschema.ValidationError) {
	kw := lastSegment(fragment(e.AbsoluteKeywordLocation))
	if len(e.Causes) > 0 && kw != "oneOf" && kw != "anyOf" {
		for _, c := range e.Causes {
			t.walk(c)
		}
		return
	}
	t.root.markBad(e.InstanceLocation)
	t.leaf(e, kw)
}

func (t *translator) leaf(e *jsonschema.ValidationError, kw string) {
	ptr := fragment(e.AbsoluteKeywordLocation)
	segs := pointerSegments(ptr)
	parent, _ := t.schemaAt(segs[:max(len(segs)-1, 0)]).(map[string]any)
	at, key, path := t.root.lookup(e.InstanceLocation)
	def := t.cs.defAt(ptr)
	if isPropertyName(e.KeywordLocation) {
		if p := emptyKey(at, key, parent); p != nil {
			t.propertyName(p.val, p.key, path, def, e.Message)
			return
		}
		t.propertyName(at, key, parentPath(path, key), def, e.Message)
		return
	}
	switch kw {
	case "additionalProperties":
		t.unknownKeys(at, path, parent)
	case "required":
		t.missingKeys(at, path, parent)
	case "type":
		if def == "duration" {
			t.errs.add(at.pos(), path, "%s", notDuration(at))
			return
		}
		t.errs.add(at.pos(), path, "%s", typeMessage(stringList(parent["type"]), at))
	case "enum":
		enum := stringList(parent["enum"])
		t.errs.add(at.pos(), path, "%s is not one of %s%s", describe(at),
			strings.Join(enum, ", "), didYouMean(at.text(), enum))
	case "const":
		t.errs.add(at.pos(), path, "must be %v, not %s", parent["const"], describe(at))
	case "minProperties", "minItems", "minLength":
		t.errs.add(at.pos(), path, "must not be empty")
	case "minimum":
		t.errs.add(at.pos(), path, "must be at least %v, not %s", parent["minimum"], describe(at))
	case "maximum":
		t.errs.add(at.pos(), path, "must be at most %v, not %s", parent["maximum"], describe(at))
	case "uniqueItems":
		t.duplicateItems(at, path)
	case "oneOf":
		t.errs.add(at.pos(), path, "does not match any of the allowed forms")
	default:
		t.errs.add(at.pos(), path, "%s", e.Message)
	}
}

// unknownKeys reports each key of a mapping that its schema does not
// list, with the closest known key.
func (t *translator) unknownKeys(at *node, path string, parent map[string]any) {
	props, _ := parent["properties"].(map[string]any)
	patterns, _ := parent["patternProperties"].(map[string]any)
	known := sortedKeys(props)
	for _, p := range at.pairs {
		name := p.key.Value
		if _, ok := props[name]; ok || matchesAny(patterns, name) {
			continue
		}
		t.errs.add(posOf(p.key), path, "unknown key %q%s", name, didYouMean(name, known))
	}
}

// matchesAny tells whether name matches one of the patterns of a
// patternProperties keyword.
func matchesAny(patterns map[string]any, name string) bool {
	for expr := range patterns {
		if re, err := regexp.Compile(expr); err == nil && re.MatchString(name) {
			return true
		}
	}
	return false
}

// missingKeys reports each required key that a mapping lacks.
func (t *translator) missingKeys(at *node, path string, parent map[string]any) {
	for _, name := range stringList(parent["required"]) {
		if at.isMap() && at.entry(name) == nil {
			t.errs.add(at.pos(), path, "missing required key %q", name)
		}
	}
}

// nameRules explains the patterns of the schema's name definitions.
var nameRules = map[string]string{
	"stepId": "step id %q is not valid: start with a lower-case letter, " +
		"then use a-z, 0-9 and _",
	"name": "name %q is not valid: start with a letter or _, " +
		"then use letters, digits and _",
	"paramName": "parameter name %q is not valid: start with a letter, " +
		"then use letters, digits, _, - and .",
}

func (t *translator) propertyName(at *node, key *yaml.Node, path, def, msg string) {
	name, pos := at.text(), at.pos()
	if key != nil {
		name, pos = key.Value, posOf(key)
	}
	if rule, ok := nameRules[def]; ok {
		t.errs.add(pos, path, rule, name)
		return
	}
	t.errs.add(pos, path, "key %q is not valid: %s", name, msg)
}

// emptyKey returns the entry of an empty key that a property name error
// is about, or nil. The validator gives such a key no place of its own in
// the instance location, which then ends at the mapping holding the key:
// the error seems to be about that mapping's own key, though its name
// matches the pattern that failed.
func emptyKey(at *node, key *yaml.Node, parent map[string]any) *pair {
	pattern, ok := parent["pattern"].(string)
	if !ok || key == nil || !at.isMap() {
		return nil
	}
	if re, err := regexp.Compile(pattern); err != nil || !re.MatchString(key.Value) {
		return nil
	}
	return at.entry("")
}

func (t *translator) duplicateItems(at *node, path string) {
	seen := map[string]bool{}
	for i, item := range at.items {
		k := fmt.Sprint(item.data())
		if item.isScalar() && seen[k] {
			t.errs.add(item.pos(), joinIndex(path, i), "%s is listed twice", describe(item))
		}
		seen[k] = true
	}
}

// jobOrQuery explains why a step breaks its "exactly one of job or query"
// rule.
func (t *translator) jobOrQuery(at *node, key *yaml.Node, path string) {
	job, query := at.entry("job"), at.entry("query")
	if job != nil && query != nil {
		later := query.key
		if before(posOf(query.key), posOf(job.key)) {
			later = job.key
		}
		t.errs.add(posOf(later), path, "has both job and query; keep one")
		return
	}
	pos := at.pos()
	if key != nil {
		pos = posOf(key)
	}
	t.errs.add(pos, path, "needs a job or a query")
}

// before tells whether position a comes before b in the file.
func before(a, b Pos) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
}

// typeMessage says what was expected and what was found.
func typeMessage(want []string, got *node) string {
	if len(want) == 1 && want[0] == "boolean" && got.isScalar() {
		return quote(got.text()) + " is not a boolean, write true or false"
	}
	words := make([]string, len(want))
	for i, w := range want {
		words[i] = typeWords[w]
	}
	list := strings.Join(words, ", ")
	if n := len(words); n > 1 {
		list = strings.Join(words[:n-1], ", ") + " or " + words[n-1]
	}
	article := "a "
	if strings.HasPrefix(list, "integer") {
		article = "an "
	}
	return "expected " + article + list + ", got " + describe(got)
}

var typeWords = map[string]string{
	"object": "mapping", "array": "list", "string": "string", "integer": "integer",
	"number": "number", "boolean": "boolean", "null": "empty value",
}

// isPropertyName tells whether a keyword location lies under
// propertyNames: the error is then about a key, not its value.
func isPropertyName(loc string) bool {
	return slices.Contains(pointerSegments(loc), "propertyNames")
}

// parentPath drops the last element of a message path, for errors about a
// key, which are reported as "parent: key ...".
func parentPath(path string, key *yaml.Node) string {
	if key == nil {
		return path
	}
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// schemaAt returns the schema value at the given pointer segments.
func (t *translator) schemaAt(segs []string) any {
	v := t.cs.raw
	for _, s := range segs {
		switch x := v.(type) {
		case map[string]any:
			v = x[s]
		case []any:
			var i int
			if _, err := fmt.Sscan(s, &i); err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// fragment returns the part of a URL after '#'.
func fragment(loc string) string {
	if i := strings.IndexByte(loc, '#'); i >= 0 {
		return loc[i+1:]
	}
	return loc
}

func pointerSegments(ptr string) []string {
	ptr = strings.TrimPrefix(ptr, "/")
	if ptr == "" {
		return nil
	}
	segs := strings.Split(ptr, "/")
	for i, s := range segs {
		segs[i] = unescapePtr(s)
	}
	return segs
}

func lastSegment(ptr string) string {
	segs := pointerSegments(ptr)
	if len(segs) == 0 {
		return ""
	}
	return segs[len(segs)-1]
}

// stringList reads a schema keyword that holds a string or a list of
// values.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
