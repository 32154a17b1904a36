package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"gopkg.in/yaml.v3"
)

// MaxFileSize is the size of the largest workflow file Load reads: far
// more than any workflow needs, and little enough memory to hold.
const MaxFileSize = 4 << 20

// Load reads the workflow file at path and parses it with Parse, which
// names the file path in its errors. It reads only a regular file of at
// most MaxFileSize bytes: a directory, a named pipe or a device such as
// /dev/zero is refused before anything is read, and a file that grows past
// the limit while it is read is refused without holding more of it.
func Load(path string) (*Workflow, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// LoadPartial reads the workflow file at path as Load does and parses it
// with ParsePartial.
func LoadPartial(path string) (*Workflow, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePartial(path, data)
}

// readFile returns the content of the workflow file at path, with the
// checks Load describes.
func readFile(path string) ([]byte, error) {
	return ReadFile(path, "workflow file", MaxFileSize)
}

// ReadFile returns the content of the regular file at path, refusing
// anything else (a directory, a named pipe, a device) before reading it,
// and any file larger than limit bytes, named as what in the message. It
// reads at most limit+1 bytes, so a file that grows while it is read
// cannot exhaust memory. Its errors start with path and say what is
// wrong in words ("nope.yaml: no such file"), without the system call;
// errors.Is still finds the cause, such as fs.ErrNotExist.
func ReadFile(path, what string, limit int64) ([]byte, error) {
	data, _, err := ReadFileInfo(path, what, limit)
	return data, err
}

// ReadFileInfo is ReadFile that also returns the file's information, as
// the open file that was read reports it: its mode is that of the file
// the content came from, even if path has changed since.
func ReadFileInfo(path, what string, limit int64) ([]byte, fs.FileInfo, error) {
	// Stat by path first: opening a named pipe would block until a writer
	// comes.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fileError(path, err)
	}
	if err := checkFile(path, what, fi, limit); err != nil {
		return nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fileError(path, err)
	}
	defer f.Close()

	// Check again what was opened, in case path changed in between.
	if fi, err = f.Stat(); err != nil {
		return nil, nil, fileError(path, err)
	}
	if err := checkFile(path, what, fi, limit); err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, fileError(path, err)
	}
	if int64(len(data)) > limit {
		return nil, nil, tooLarge(path, what, limit)
	}
	return data, fi, nil
}

// fileError returns err, an error of the os package about path, as
// path: problem, where the os package would say "stat path: no such file
// or directory". It wraps the cause.
func fileError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return &missingError{path: path, err: err}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// missingError is a file that does not exist. It matches fs.ErrNotExist.
type missingError struct {
	path string
	err  error
}

func (e *missingError) Error() string { return e.path + ": no such file" }
func (e *missingError) Unwrap() error { return e.err }

// checkFile refuses what is not a regular file of at most limit bytes.
func checkFile(path, what string, fi os.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %s, not a regular file", path, fileKind(fi.Mode()))
	}
	if fi.Size() > limit {
		return tooLarge(path, what, limit)
	}
	return nil
}

func tooLarge(path, what string, limit int64) error {
	return fmt.Errorf("%s: %s is larger than %d MiB", path, what, limit>>20)
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

// Parse parses and checks the content of a workflow file; file names it
// in errors and in Workflow.File.
//
// On success the Workflow is schema-valid, its job types are in catalog
// spelling, and Warnings lists what does not stop a run. Otherwise the
// Workflow is nil and the error joins (errors.Join) one *PosError per
// problem, sorted by line and column; PosErrors lists them. Schema
// problems hide the checks that need a valid value at the same place, such
// as a step's parameters, until they are fixed.
//
// Parse never modifies data, is safe for concurrent use, and bounds its
// work on any input: alias expansion stops after a fixed number of values.
// The only files it looks at are the archives that steps name with
// source:, relative to the directory of file, which it opens to check
// without reading them.
func Parse(file string, data []byte) (*Workflow, error) {
	w, err := ParsePartial(file, data)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// ParsePartial is Parse for callers that report every problem of a file
// in one go, such as runner validate: it also returns the Workflow when
// the file has problems, so that the checks of later layers (the
// dependency graph, the expressions) can run on what the file declares.
//
// The error is the one Parse returns. The Workflow holds what the checks
// accepted: a value the schema or a catalog check rejected is left out,
// as if it were not written (a condition that is a list, a needs item
// that is not a string, an input default of the wrong type, a job type
// the catalog does not know). Declarations are kept, even when their body
// or name is rejected, so that references to them do not become errors of
// their own: a step that is not a mapping or has an invalid id is a step
// with that id and neither a job nor a query, and an input that is not a
// mapping is a string input. Of repeated keys, the first is kept.
//
// Such a Workflow is only fit for reporting more problems, never for a
// run. The Workflow is nil when the file cannot be read as a workflow at
// all: a YAML syntax error, a second document, an alias expansion over
// the limit or an alias that contains itself, or a document that is not a
// mapping.
func ParsePartial(file string, data []byte) (*Workflow, error) {
	doc, err := parseYAML(file, data)
	if err != nil {
		return nil, errors.Join(err)
	}
	errs := &errList{file: file}
	root, err := resolve(doc, errs)
	if err != nil {
		var ae aliasError
		if errors.As(err, &ae) {
			return nil, errors.Join(ae.PosError)
		}
		return nil, err
	}
	validate(root, errs)
	if !root.isMap() {
		return nil, errs.err()
	}
	f := &filler{errs: errs, warns: &errList{file: file}}
	w := f.workflow(root)
	w.Warnings = f.warns.sorted()
	return w, errs.err()
}

// parseYAML parses one YAML document into a node tree. yaml.v3 reports
// syntax errors; a second document is an error, since a workflow is one
// file holding one document.
func parseYAML(file string, data []byte) (doc *yaml.Node, err error) {
	// A panic in the parser must not take down the runner: it becomes an
	// error that names the file.
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, &PosError{File: file, Pos: Pos{Line: 1, Col: 1},
				Err: fmt.Errorf("yaml: parser failed: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	doc = &yaml.Node{}
	if err := dec.Decode(doc); err != nil && err != io.EOF {
		return nil, SyntaxError(file, data, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, SyntaxError(file, data, err)
	case len(next.Content) > 0:
		return nil, &PosError{File: file, Pos: posOf(next.Content[0]),
			Err: errors.New("a workflow file holds one yaml document; remove the second")}
	}
	return doc, nil
}
