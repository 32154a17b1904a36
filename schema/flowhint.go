package schema

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A ${{ }} template written without quotes inside a flow collection, as in
//
//	with: {appGuid: ${{ steps.a.outputs.appGuid }}}
//
// is a YAML syntax error: in { } and [ ] the braces of the template are
// brackets, so yaml.v3 reports "did not find expected ',' or '}'", often on
// the next line. flowTemplate finds such a template so that the error can
// point at it and say to quote it. Outside a flow collection the same
// template is plain text that YAML reads as written.

// flowTemplate is an unquoted template inside a flow collection.
type flowTemplate struct {
	pos      Pos
	text     string // the template as written, "${{ ... }}"
	open     byte   // the bracket of the collection it is in: '{' or '['
	openLine int    // the line of the outermost bracket of that collection
}

// hint says how to write the template.
func (t flowTemplate) hint() string {
	closing := map[byte]string{'{': "}", '[': "]"}[t.open]
	quoted := strconv.Quote(t.text)
	if strings.Contains(t.text, `"`) && !strings.Contains(t.text, "'") {
		quoted = "'" + t.text + "'"
	}
	return "a ${{ }} template inside " + string(t.open) + " " + closing +
		" must be quoted: write " + quoted
}

// findFlowTemplate returns the first unquoted template inside a flow
// collection that opens on or before line errLine, the line of a syntax
// error. It reads data as YAML lines well enough for that: quoted
// scalars, comments, block scalars (| and >) and nested brackets; ok is
// false when it finds none.
func findFlowTemplate(data []byte, errLine int) (t flowTemplate, ok bool) {
	s := &flowScan{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		s.line, s.n = string(bytes.TrimSuffix(line, []byte("\r"))), i+1
		if s.n > errLine && s.depth() == 0 {
			return flowTemplate{}, false
		}
		if t, ok := s.scanLine(); ok {
			return t, t.openLine <= errLine
		}
	}
	return flowTemplate{}, false
}

// flowScan is the state of findFlowTemplate between lines.
type flowScan struct {
	line     string
	n        int    // line number, from 1
	stack    []byte // open brackets
	openLine int    // of stack[0]
	quote    byte   // the quote of a quoted scalar that goes on; 0 when none
	inBlock  bool   // in a block scalar (| or >), of lines indented past block
	block    int    // indentation of the line that starts the block scalar
}

func (s *flowScan) depth() int { return len(s.stack) }

// scanLine scans s.line and returns the first unquoted template inside a
// flow collection in it.
func (s *flowScan) scanLine() (flowTemplate, bool) {
	indent := len(s.line) - len(strings.TrimLeft(s.line, " "))
	if s.inBlock {
		if strings.TrimSpace(s.line) == "" || indent > s.block {
			return flowTemplate{}, false
		}
		s.inBlock = false
	}
	i := 0
	if s.depth() == 0 && s.quote == 0 {
		if i = s.blockValue(indent); i < 0 {
			return flowTemplate{}, false
		}
	}
	return s.flow(i)
}

// blockValue returns where a flow collection starts on a line of block
// context, or -1 when none does. It notes a block scalar that starts.
func (s *flowScan) blockValue(indent int) int {
	i := indent
	for i < len(s.line) {
		rest := s.line[i:]
		switch {
		case rest == "-" || strings.HasPrefix(rest, "- "):
			i += 1 + len(rest[1:]) - len(strings.TrimLeft(rest[1:], " "))
		case rest[0] == '{' || rest[0] == '[':
			return i
		case rest[0] == '|' || rest[0] == '>':
			s.inBlock, s.block = true, indent
			return -1
		case rest[0] == '#':
			return -1
		default:
			// A key, quoted or plain, or a plain value: go on after the
			// next ": ", if any.
			k := strings.Index(rest, ": ")
			if k < 0 {
				return -1
			}
			i += k + 2
			for i < len(s.line) && s.line[i] == ' ' {
				i++
			}
		}
	}
	return -1
}

// flow scans s.line from i in flow context, or in a quoted scalar that
// goes on from an earlier line.
func (s *flowScan) flow(i int) (flowTemplate, bool) {
	start := true // at the start of a scalar, where a quote opens one
	for ; i < len(s.line); i++ {
		c := s.line[i]
		switch {
		case s.quote == '"' && c == '\\':
			i++
		case s.quote != 0 && c == s.quote:
			if s.quote == '\'' && i+1 < len(s.line) && s.line[i+1] == '\'' {
				i++ // '' is a quote inside single quotes
				continue
			}
			s.quote = 0
		case s.quote != 0:
		case c == '"' || c == '\'':
			if start {
				s.quote = c
			}
		case c == '{' || c == '[':
			if s.depth() == 0 {
				s.openLine = s.n
			}
			s.stack = append(s.stack, c)
			start = true
		case c == '}' || c == ']':
			if s.depth() > 0 {
				s.stack = s.stack[:s.depth()-1]
			}
			if s.depth() == 0 {
				return flowTemplate{}, false // block context again
			}
		case c == '#' && (i == 0 || s.line[i-1] == ' ' || s.line[i-1] == '\t'):
			return flowTemplate{}, false
		case strings.HasPrefix(s.line[i:], "${{") && s.depth() > 0:
			return s.template(i), true
		case c == ',' || c == ':':
			start = true
		case c != ' ' && c != '\t':
			start = false
		}
	}
	return flowTemplate{}, false
}

// template returns the template that starts at i.
func (s *flowScan) template(i int) flowTemplate {
	text := s.line[i:]
	if end := strings.Index(text, "}}"); end >= 0 {
		text = text[:end+2]
	}
	return flowTemplate{
		pos:      Pos{Line: s.n, Col: utf8.RuneCountInString(s.line[:i]) + 1},
		text:     strings.TrimSpace(text),
		open:     s.stack[s.depth()-1],
		openLine: s.openLine,
	}
}
