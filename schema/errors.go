package schema

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// PosErrors returns the *PosError values that err holds, directly or
// joined with errors.Join, in order. Other errors are left out.
func PosErrors(err error) []*PosError {
	var out []*PosError
	var walk func(error)
	walk = func(err error) {
		if pe, ok := err.(*PosError); ok {
			out = append(out, pe)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

// SortErrors flattens errs (nil entries are dropped; errors with an
// Unwrap() []error method, such as those of errors.Join, are opened) and
// joins the result with errors.Join, ordered by file, line and column; nil
// when nothing is left. Errors at the same place keep their order, and
// errors without a *PosError go last, in their order. It lets a caller
// report the problems of several checks, such as ParsePartial and a later
// build of the workflow's graph, as one sorted list.
func SortErrors(errs []error) error {
	var flat []error
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if err != nil {
			flat = append(flat, err)
		}
	}
	for _, err := range errs {
		walk(err)
	}
	slices.SortStableFunc(flat, func(a, b error) int {
		var pa, pb *PosError
		aok, bok := errors.As(a, &pa), errors.As(b, &pb)
		if !aok || !bok {
			return cmp.Compare(boolRank(aok), boolRank(bok))
		}
		return cmp.Or(strings.Compare(pa.File, pb.File), cmp.Compare(pa.Line, pb.Line),
			cmp.Compare(pa.Col, pb.Col))
	})
	return errors.Join(flat...)
}

// boolRank orders true before false.
func boolRank(b bool) int {
	if b {
		return 0
	}
	return 1
}

// errList collects the problems found in one file.
type errList struct {
	file string
	errs []*PosError
}

// add records a problem at pos. A path, when not empty, heads the message
// as in "steps.add.with.x: ...".
func (l *errList) add(pos Pos, path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	l.errs = append(l.errs, &PosError{File: l.file, Pos: clampPos(pos), Err: errors.New(msg)})
}

// sorted returns the problems sorted by line, column and message, without
// repeats.
func (l *errList) sorted() []error {
	slices.SortStableFunc(l.errs, func(a, b *PosError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col),
			strings.Compare(a.Err.Error(), b.Err.Error()))
	})
	l.errs = slices.CompactFunc(l.errs, func(a, b *PosError) bool {
		return a.Pos == b.Pos && a.Err.Error() == b.Err.Error()
	})
	var out []error
	for _, e := range l.errs {
		out = append(out, e)
	}
	return out
}

// err returns the problems joined with errors.Join, or nil.
func (l *errList) err() error {
	return errors.Join(l.sorted()...)
}

// clampPos makes a position valid: every reported problem has a line and
// a column of at least 1.
func clampPos(p Pos) Pos {
	return Pos{Line: max(p.Line, 1), Col: max(p.Col, 1)}
}

func posOf(n *yaml.Node) Pos {
	return clampPos(Pos{Line: n.Line, Col: n.Column})
}

// yamlLine matches the position yaml.v3 puts in its syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parserProblems are the problems yaml.v3's parser (not its scanner)
// reports. For these yaml.v3 prints the 0-based line of the mark, so the
// line is one more than it says.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// SyntaxError turns an error of yaml.v3's parser or scanner about data,
// the content of file, into a *PosError: "yaml: problem" at the line
// where the problem is, which for some problems yaml.v3 gives one too
// low. An error without a line is placed at line 1.
//
// Known gap: yaml.v3 puts only a line in its syntax errors, and for some
// problems the line where the enclosing collection starts, so the column
// is always 1 and the line may be that of the opening bracket. A column
// would need yaml.v3 to expose its error marks, which it does not.
//
// A syntax error caused by an unquoted ${{ }} template inside { } or [ ]
// is reported at the template, with how to write it.
func SyntaxError(file string, data []byte, err error) *PosError {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		problem := msg[len(m[0]):]
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			line = n
			if parserProblems[problem] {
				line++
			}
		}
		msg = "yaml: " + problem
	}
	pos := Pos{Line: line, Col: 1}
	if t, ok := findFlowTemplate(data, line); ok {
		pos, msg = t.pos, msg+": "+t.hint()
	}
	return &PosError{File: file, Pos: clampPos(pos), Err: errors.New(msg)}
}

// describe names a value for a message: its text for a scalar, its kind
// otherwise. Text is quoted unless the scalar is a number or boolean.
func describe(n *node) string {
	switch n.src.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.src.ShortTag() {
	case "!!null":
		return "an empty value"
	case "!!int", "!!float", "!!bool":
		return shorten(n.src.Value)
	}
	return quote(n.src.Value)
}

// quote quotes s for a message, shortening long text.
func quote(s string) string {
	return strconv.Quote(shorten(s))
}

func shorten(s string) string {
	const limit = 60
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "..."
	}
	return s
}

// joinKey extends a dotted message path with a mapping key:
// steps.add.with.x, or inputs["a b"] for a key that is not a plain word.
func joinKey(path, key string) string {
	if !plainKey(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// joinIndex extends a dotted message path with a list index:
// steps.add.needs[0].
func joinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// plainKey tells whether a key can follow a dot in a path: letters,
// digits, _ and -.
func plainKey(key string) bool {
	for _, r := range key {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return key != ""
}
