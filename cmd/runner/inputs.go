package main

import (
	"fmt"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/aipflow/runner/schema"
)

// registerInputsFile adds --inputs to a command that takes workflow
// inputs; the value lands in a.inputsFile.
func (a *app) registerInputsFile(fs *pflag.FlagSet) {
	fs.StringVar(&a.inputsFile, "inputs", "",
		"read workflow inputs from a YAML or JSON file of name: value; -i overrides them")
}

// readInputs returns the workflow inputs given by an inputs file, when
// file is not "", and by -i name=value flags, which override the file.
// Values of the file are scalars taken as written, as with: values are:
// 010 stays 010 and 1.20 stays 1.20. A problem with the file is an error
// that names it, with the line and column of a bad entry. where gives,
// for each input the file sets and no flag overrides, "--inputs
// FILE:LINE:COL", so that a later complaint about it can point there.
func readInputs(file string, flags []string) (values, where map[string]string, err error) {
	given, err := parseInputs(flags)
	if err != nil {
		return nil, nil, err
	}
	if file == "" {
		return given, nil, nil
	}
	fromFile, where, err := readInputsFile(file)
	if err != nil {
		return nil, nil, err
	}
	for name, v := range given {
		fromFile[name] = v
		delete(where, name)
	}
	return fromFile, where, nil
}

// maxInputsFile is the size of the largest inputs file readInputsFile
// reads: a file of names and short values needs far less.
const maxInputsFile = 1 << 20

// readInputsFile reads a mapping of input names to scalars, and where in
// the file each name is.
func readInputsFile(file string) (out, where map[string]string, err error) {
	data, err := readInputsData(file)
	if err != nil {
		return nil, nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("--inputs %s: %v", file, err)
	}
	out, where = map[string]string{}, map[string]string{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return out, where, nil // an empty file gives no inputs
	}
	m := resolveAlias(doc.Content[0])
	if m.Kind != yaml.MappingNode {
		if m.Kind == yaml.ScalarNode && m.Tag == "!!null" {
			return out, where, nil // a file holding only comments
		}
		return nil, nil, inputsError(file, m, "want a mapping of input names to values")
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolveAlias(m.Content[i]), resolveAlias(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, nil, inputsError(file, k, "an input name must be a single value")
		}
		if _, dup := out[k.Value]; dup {
			return nil, nil, inputsError(file, k, "input %q given twice", k.Value)
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" && v.Value != "" {
			// An empty value is the empty text, as -i name= is; a written
			// null or ~ would otherwise be sent as that text.
			return nil, nil, inputsError(file, v, "input %q: %s is no value; leave the input out "+
				"to use its default, or quote it", k.Value, v.Value)
		}
		if v.Kind != yaml.ScalarNode {
			return nil, nil, inputsError(file, v, "input %q: want a single value, not a %s",
				k.Value, kindName(v.Kind))
		}
		out[k.Value] = v.Value
		where[k.Value] = fmt.Sprintf("--inputs %s:%d:%d", file, k.Line, k.Column)
	}
	return out, where, nil
}

// readInputsData returns the content of an inputs file: only a regular
// file of at most maxInputsFile bytes, as for workflow files.
func readInputsData(file string) ([]byte, error) {
	data, err := schema.ReadFile(file, "inputs file", maxInputsFile)
	if err != nil {
		return nil, fmt.Errorf("--inputs %w", err)
	}
	return data, nil
}

// resolveAlias returns the node an alias (*name) stands for.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func inputsError(file string, n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("--inputs %s:%d:%d: %s", file, n.Line, n.Column, fmt.Sprintf(format, args...))
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}
