package schema

import (
	"encoding/json"
	"math"
	"math/big"
	"net/url"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file shows a node tree to the JSON Schema validator: as the JSON
// values it validates, and through the JSON pointers its errors use.

// data converts a node tree into the values encoding/json would produce,
// for the JSON Schema validator. Numbers become json.Number; text that
// JSON cannot hold as a number (.inf, .nan, malformed) stays a string.
// Integers are read as yaml.v3 reads them, so 0x1F and 010 are numbers.
func (n *node) data() any {
	switch n.src.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.pairs))
		for _, p := range n.pairs {
			m[p.key.Value] = p.val.data()
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.items))
		for i, item := range n.items {
			s[i] = item.data()
		}
		return s
	}
	return scalarData(n.src)
}

func scalarData(y *yaml.Node) any {
	v := y.Value
	switch y.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		// Only true and false are booleans here, as in with: values; True
		// stays text and fails where a boolean is due.
		switch v {
		case "true":
			return true
		case "false":
			return false
		}
	case "!!int":
		if i, ok := new(big.Int).SetString(v, 0); ok {
			return json.Number(i.String())
		}
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64)
		if err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
		}
	}
	return v
}

// lookup follows a JSON pointer, as the validator writes it, as far as the
// tree allows. It returns the node reached, the key node of the last
// mapping step (nil after a list index or at the root), and a dotted path
// for messages.
func (n *node) lookup(ptr string) (at *node, key *yaml.Node, path string) {
	at = n
	if ptr == "" {
		return at, nil, ""
	}
	for _, seg := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		seg = unescapePtr(seg)
		next, k := at.child(seg)
		switch {
		case next == nil:
			return at, key, path
		case k != nil:
			path = joinKey(path, seg)
		default:
			i, _ := strconv.Atoi(seg)
			path = joinIndex(path, i)
		}
		at, key = next, k
	}
	return at, key, path
}

// markBad marks the value at a JSON pointer, as the validator writes it,
// and every value above it as holding a problem the schema found.
func (n *node) markBad(ptr string) {
	at := n
	at.bad = true
	if ptr == "" {
		return
	}
	for _, seg := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if at, _ = at.child(unescapePtr(seg)); at == nil {
			return
		}
		at.bad = true
	}
}

// child returns the value under one segment of a JSON pointer: the value
// of a mapping key, with the key node, or a sequence item. It returns nil
// when there is none.
func (n *node) child(seg string) (*node, *yaml.Node) {
	switch {
	case n.isMap():
		if p := n.entry(seg); p != nil {
			return p.val, p.key
		}
	case n.isSeq():
		if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(n.items) {
			return n.items[i], nil
		}
	}
	return nil, nil
}

// escapePtr escapes a JSON pointer segment as the validator does.
func escapePtr(s string) string {
	s = strings.ReplaceAll(s, "~", "~0")
	s = strings.ReplaceAll(s, "/", "~1")
	return url.PathEscape(s)
}

func unescapePtr(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	s = strings.ReplaceAll(s, "~1", "/")
	return strings.ReplaceAll(s, "~0", "~")
}
