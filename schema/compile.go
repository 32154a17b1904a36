package schema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

//go:embed workflow.schema.json
var schemaJSON []byte

// JSONSchema returns the JSON Schema (draft 2020-12) of workflow files,
// for editors and `runner schema`. The slice is new on each call.
func JSONSchema() []byte {
	return bytes.Clone(schemaJSON)
}

// compiledSchema is the embedded schema, compiled for validation and
// decoded for reading keywords when translating errors.
type compiledSchema struct {
	schema *jsonschema.Schema
	raw    any               // the compiled copy, as validation errors locate keywords in it
	defs   map[string]string // JSON pointer -> name of the definition found there
}

const schemaURL = "workflow.schema.json"

// loadSchema compiles the embedded schema once, from a copy made cheaper
// to validate with. With checkStepKinds, the copy accepts and rejects the
// same documents as the embedded schema, with the same messages:
//
//   - The step's allOf holds only annotations (the parameters of each job
//     type, for editors); it is left out because it never fails and would
//     triple the cost of validating a step.
//   - The step's oneOf, "a job or a query, not both", is left out and
//     checked by checkStepKinds: the validator would check every step
//     against both branches and build an error for the one that fails:
//     a quarter of its time on a workflow of many steps.
//   - Every $ref to a definition is replaced by the definition itself.
//     The validator checks a value against the schema holding a $ref and
//     then again against its target, listing the keys of every mapping at
//     each of the two levels; a step, its id and each with: entry went
//     through such a pair.
var loadSchema = sync.OnceValues(func() (*compiledSchema, error) {
	dec := json.NewDecoder(bytes.NewReader(schemaJSON))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	defs, _ := raw["$defs"].(map[string]any)
	if step, ok := defs["step"].(map[string]any); ok {
		delete(step, "allOf")
		delete(step, "oneOf")
	}
	in := inliner{defs: defs, at: map[string]string{}, active: map[string]bool{}}
	for name := range defs {
		in.at["/$defs/"+escapePtr(name)] = name
	}
	compiled := in.inline(raw, "")
	doc, err := json.Marshal(compiled)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource(schemaURL, bytes.NewReader(doc)); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return &compiledSchema{schema: s, raw: compiled, defs: in.at}, nil
})

// defAt returns the name of the innermost definition that holds the
// keyword at ptr, a JSON pointer into the compiled copy, or "".
func (cs *compiledSchema) defAt(ptr string) string {
	for {
		if name, ok := cs.defs[ptr]; ok {
			return name
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return ""
		}
		ptr = ptr[:i]
	}
}

// inliner replaces references to definitions with copies of them.
type inliner struct {
	defs   map[string]any
	at     map[string]string // JSON pointer -> name of the definition copied there
	active map[string]bool   // definitions being copied, to leave a recursive $ref alone
}

// annotations are the keywords that may stand next to a $ref that is
// inlined: they describe, and never fail.
var annotations = map[string]bool{
	"$ref": true, "description": true, "title": true, "examples": true, "default": true,
}

// inline returns a copy of the schema value v found at ptr, with each
// {"$ref": "#/$defs/name"} replaced by the definition, the annotations
// next to the $ref kept.
func (in *inliner) inline(v any, ptr string) any {
	switch x := v.(type) {
	case map[string]any:
		if name, def, ok := in.target(x); ok {
			in.at[ptr] = name
			in.active[name] = true
			out := in.inline(def, ptr).(map[string]any)
			delete(in.active, name)
			for k, a := range x {
				if k != "$ref" {
					out[k] = a
				}
			}
			return out
		}
		out := make(map[string]any, len(x))
		for k, sub := range x {
			out[k] = in.inline(sub, ptr+"/"+escapePtr(k))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, sub := range x {
			out[i] = in.inline(sub, fmt.Sprintf("%s/%d", ptr, i))
		}
		return out
	}
	return v
}

// target returns the definition a schema refers to when the schema can be
// replaced by it: a local $ref, next to annotations only, that does not
// refer back to a definition being copied.
func (in *inliner) target(x map[string]any) (string, map[string]any, bool) {
	ref, _ := x["$ref"].(string)
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok || in.active[name] {
		return "", nil, false
	}
	def, ok := in.defs[name].(map[string]any)
	if !ok {
		return "", nil, false
	}
	for k := range x {
		if !annotations[k] {
			return "", nil, false
		}
	}
	return name, def, true
}
