package schema

import (
	"fmt"
	"time"
)

// Pos is a 1-based line and column in a workflow file.
type Pos struct {
	Line, Col int
}

// Workflow is a loaded workflow file. Every element remembers where it
// was written so that later checks can report file:line:col. Parse returns
// only schema-valid workflows; ParsePartial also returns what it could
// read of a file with problems, fit only for reporting more problems.
type Workflow struct {
	File        string // path as given to Load
	Version     int
	Name        string
	Description string
	Inputs      []*Input // in file order
	Defaults    Defaults
	Steps       []*Step   // in file order; the order is for display only
	Outputs     []*Output // in file order
	Matrix      *Matrix   // nil when the workflow runs once

	// Warnings are *PosError values for problems that do not stop a run,
	// such as an unknown parameter of a job type, sorted by position.
	Warnings []error
}

// Input declares one workflow input.
type Input struct {
	Name        string
	Type        string // "string", "boolean", "integer" or "number"
	Default     *Value // nil when the input has no default
	Required    bool
	Description string
	Enum        []string
	Pos         Pos
}

// Defaults apply to every step that does not set its own value.
type Defaults struct {
	Timeout time.Duration // 0 means none
	Poll    time.Duration // 0 means the runner's default
}

// Query kinds: read-only lookups that send no Console job.
const (
	QueryApplication = "application"
	QueryVersion     = "version"
	QueryNode        = "node"
)

// Step is one node of the workflow's DAG: a Console job or a query.
type Step struct {
	ID              string
	Pos             Pos      // position of the step's key under steps:
	Job             string   // catalog spelling of the job type; "" for a query
	Query           string   // one of the Query constants; "" for a job
	With            []*Param // in file order, merge keys resolved
	Needs           []Value  // declared dependencies
	If              *Value   // condition as written; nil means success()
	Timeout         time.Duration
	Poll            time.Duration
	ContinueOnError bool
	Outputs         []*Output // extra outputs, expressions over job
	Retry           *Retry    // nil: a failed job is not submitted again
	Concurrency     *Value    // lock name expression; nil: none
	Source          *Source   // archive to upload before the job; nil: none
}

// Source is a local archive that a step uploads before it submits its
// job; the job's sourcePath then names the upload.
type Source struct {
	Path string // as written in the file
	File string // Path resolved against the directory of the workflow file
	Pos  Pos    // position of the value
}

// Retry says when and how often a job is submitted again.
type Retry struct {
	Attempts int           // submissions in all, the first included; at least 1
	Delay    time.Duration // wait before the second submission; 0: none
	Backoff  float64       // factor applied to the delay after each attempt; at least 1
	On       []string      // job end states that lead to a retry: "failed", "stopped"
	Pos      Pos           // position of the retry key
}

// Matrix runs the whole workflow once per item.
type Matrix struct {
	Items       []*MatrixItem // in file order
	MaxParallel int           // items run at the same time; 0: the runner's default
	Pos         Pos           // position of the matrix key
}

// MatrixItem is one item of a matrix: a single value, or a mapping of
// names to single values. Expressions see it as item.
type MatrixItem struct {
	Value  *Value   // a single value; nil for a mapping
	Fields []*Param // a mapping's entries, in file order
	Pos    Pos
}

// Param is one entry of a step's with: mapping. Value holds the scalar text
// exactly as written in the file, never a re-encoded decoded value.
type Param struct {
	Name  string
	Value Value
	Pos   Pos // position of the key
}

// Output is a named expression: a workflow output or a step's extra output.
type Output struct {
	Name string
	Expr Value
	Pos  Pos // position of the key
}

// Value is scalar text from the file and where it was written.
type Value struct {
	Text string
	Pos  Pos
}

// Param returns the with: entry with the given name, or nil.
func (s *Step) Param(name string) *Param {
	for _, p := range s.With {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Step returns the step with the given id, or nil.
func (w *Workflow) Step(id string) *Step {
	for _, s := range w.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// A PosError is a problem at a position in a workflow file.
type PosError struct {
	File string
	Pos
	Err error
}

// Error returns the problem as file:line:col: message.
func (e *PosError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Col, e.Err)
}

func (e *PosError) Unwrap() error { return e.Err }

// Errorf returns a *PosError for file at pos.
func Errorf(file string, pos Pos, format string, args ...any) error {
	return &PosError{File: file, Pos: pos, Err: fmt.Errorf(format, args...)}
}
