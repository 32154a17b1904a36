package engine

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/aipflow/runner/schema"
)

// An InputError is a problem with the inputs given to a run, such as a
// missing required input or a value of the wrong type.
type InputError struct {
	Name string
	Err  error
}

func (e *InputError) Error() string { return fmt.Sprintf("input %q: %v", e.Name, e.Err) }

func (e *InputError) Unwrap() error { return e.Err }

// ResolveInputs checks the given input values (name to text, as from
// -i name=value) against the workflow's declarations and returns the typed
// values of every declared input: given, defaulted, or nil when optional
// and absent. All problems are returned at once.
func ResolveInputs(wf *schema.Workflow, given map[string]string) (map[string]any, error) {
	var errs []error
	declared := map[string]*schema.Input{}
	for _, in := range wf.Inputs {
		declared[in.Name] = in
	}
	var names []string
	for name := range given {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if declared[name] == nil {
			errs = append(errs, &InputError{name, fmt.Errorf("not declared by workflow %s%s",
				wf.Name, suggestInput(name, declared))})
		}
	}

	out := map[string]any{}
	for _, in := range wf.Inputs {
		text, ok := given[in.Name]
		if !ok && in.Default != nil {
			text, ok = in.Default.Text, true
		}
		if !ok {
			if in.Required {
				err := errors.New("required, pass -i " + in.Name + "=VALUE")
				errs = append(errs, &InputError{in.Name, err})
			}
			out[in.Name] = nil
			continue
		}
		if in.Required && text == "" {
			errs = append(errs, &InputError{in.Name, errors.New("required, must not be empty")})
			continue
		}
		v, err := convertInput(in, text)
		if err != nil {
			errs = append(errs, &InputError{in.Name, err})
			continue
		}
		out[in.Name] = v
	}
	return out, errors.Join(errs...)
}

func suggestInput(name string, declared map[string]*schema.Input) string {
	if s := schema.Suggest(name, keys(declared)); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// convertInput turns the text of an input into a value of its type.
func convertInput(in *schema.Input, text string) (any, error) {
	if len(in.Enum) > 0 && !contains(in.Enum, text) {
		return nil, fmt.Errorf("%q is not one of %v", text, in.Enum)
	}
	switch in.Type {
	case "boolean":
		switch text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean, write true or false", text)
	case "integer":
		n, err := strconv.ParseInt(text, 10, strconv.IntSize)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return nil, fmt.Errorf("%q is out of range for integer", text)
			}
			return nil, fmt.Errorf("%q is not an integer", text)
		}
		return int(n), nil
	case "number":
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is not a finite number", text)
		}
		return f, nil
	}
	return text, nil
}
