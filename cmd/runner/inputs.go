package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
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
// that names it, with the line and column of a bad entry.
func readInputs(file string, flags []string) (map[string]string, error) {
	given, err := parseInputs(flags)
	if err != nil {
		return nil, err
	}
	if file == "" {
		return given, nil
	}
	fromFile, err := readInputsFile(file)
	if err != nil {
		return nil, err
	}
	for name, v := range given {
		fromFile[name] = v
	}
	return fromFile, nil
}

// maxInputsFile is the size of the largest inputs file readInputsFile
// reads: a file of names and short values needs far less.
const maxInputsFile = 1 << 20

// readInputsFile reads a mapping of input names to scalars.
func readInputsFile(file string) (map[string]string, error) {
	data, err := readInputsData(file)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("--inputs %s: %v", file, err)
	}
	out := map[string]string{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return out, nil // an empty file gives no inputs
	}
	m := resolveAlias(doc.Content[0])
	if m.Kind != yaml.MappingNode {
		if m.Kind == yaml.ScalarNode && m.Tag == "!!null" {
			return out, nil // a file holding only comments
		}
		return nil, inputsError(file, m, "want a mapping of input names to values")
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolveAlias(m.Content[i]), resolveAlias(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, inputsError(file, k, "an input name must be a single value")
		}
		if _, dup := out[k.Value]; dup {
			return nil, inputsError(file, k, "input %q given twice", k.Value)
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" && v.Value != "" {
			// An empty value is the empty text, as -i name= is; a written
			// null or ~ would otherwise be sent as that text.
			return nil, inputsError(file, v, "input %q: %s is no value; leave the input out "+
				"to use its default, or quote it", k.Value, v.Value)
		}
		if v.Kind != yaml.ScalarNode {
			return nil, inputsError(file, v, "input %q: want a single value, not a %s",
				k.Value, kindName(v.Kind))
		}
		out[k.Value] = v.Value
	}
	return out, nil
}

// readInputsData returns the content of an inputs file. As schema.Load
// does for workflow files, it reads only a regular file of at most
// maxInputsFile bytes: a named pipe, a device such as /dev/zero or a
// directory is refused before anything is read, and a file that grows past
// the limit while it is read is refused without holding more of it.
func readInputsData(file string) ([]byte, error) {
	// Stat by path first: opening a named pipe would block until a writer
	// comes.
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("--inputs: %w", err)
	}
	if err := checkInputsFile(file, fi); err != nil {
		return nil, err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("--inputs: %w", err)
	}
	defer f.Close()

	// Check again what was opened, in case the path changed in between.
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("--inputs: %w", err)
	}
	if err := checkInputsFile(file, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxInputsFile+1))
	if err != nil {
		return nil, fmt.Errorf("--inputs: %w", err)
	}
	if len(data) > maxInputsFile {
		return nil, inputsTooLarge(file)
	}
	return data, nil
}

// checkInputsFile refuses what is not a regular file of at most
// maxInputsFile bytes.
func checkInputsFile(file string, fi os.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("--inputs %s: %s, not a regular file", file, fileKind(fi.Mode()))
	}
	if fi.Size() > maxInputsFile {
		return inputsTooLarge(file)
	}
	return nil
}

func inputsTooLarge(file string) error {
	return fmt.Errorf("--inputs %s: inputs file is larger than %d MiB", file, maxInputsFile>>20)
}

// fileKind names the kind of file that mode describes, for an error.
func fileKind(mode os.FileMode) string {
	switch {
	case mode.IsDir():
		return "a directory"
	case mode&os.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&os.ModeSocket != 0:
		return "a socket"
	case mode&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
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
