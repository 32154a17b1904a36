package schema

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// maxAliasNodes bounds the number of nodes that alias expansion (aliases
// and merge keys) may add to a document. yaml.v3 does not limit expansion
// when it decodes into a yaml.Node, so a few hundred bytes of nested
// aliases ("billion laughs") would otherwise expand into billions of
// values. Real workflows reuse a few small anchors and stay far below it.
const maxAliasNodes = 100_000

var errExpansion = fmt.Sprintf("alias expansion limit exceeded: aliases expand to more "+
	"than %d values", maxAliasNodes)

// node is a YAML value with aliases and merge keys resolved: the form the
// loader reads. Every node keeps the yaml.Node it was written as, for its
// text and position.
type node struct {
	src   *yaml.Node // a scalar, mapping or sequence; never an alias
	pairs []pair     // mapping entries in order, merge keys resolved
	items []*node    // sequence items
	bad   bool       // the schema found a problem at or under this value
}

// pair is one mapping entry.
type pair struct {
	key *yaml.Node // scalar key, where it was written
	val *node
}

func (n *node) isMap() bool    { return n.src.Kind == yaml.MappingNode }
func (n *node) isSeq() bool    { return n.src.Kind == yaml.SequenceNode }
func (n *node) isScalar() bool { return n.src.Kind == yaml.ScalarNode }
func (n *node) text() string   { return n.src.Value }
func (n *node) pos() Pos       { return posOf(n.src) }

// value returns the scalar text and position as a Value.
func (n *node) value() Value { return Value{Text: n.src.Value, Pos: n.pos()} }

// get returns the value of a mapping key, or nil.
func (n *node) get(key string) *node {
	if p := n.entry(key); p != nil {
		return p.val
	}
	return nil
}

// entry returns the mapping entry with the given key, or nil.
func (n *node) entry(key string) *pair {
	if i := n.index(key); i >= 0 {
		return &n.pairs[i]
	}
	return nil
}

// index returns the index in pairs of the entry with the given key, or -1.
func (n *node) index(key string) int {
	for i := range n.pairs {
		if n.pairs[i].key.Value == key {
			return i
		}
	}
	return -1
}

// aliasError is a problem that stops the conversion of a document: the
// expansion limit or an alias that contains itself.
type aliasError struct{ *PosError }

// builder resolves a yaml.Node tree into nodes.
type builder struct {
	errs     *errList
	steps    *yaml.Node          // the mapping under steps:, for its messages
	depth    int                 // > 0 while inside an alias
	expanded int                 // nodes built inside aliases
	active   map[*yaml.Node]bool // alias targets being expanded
}

// resolve converts a document into a node tree. Problems that leave the
// tree usable, such as duplicate keys, go to errs; a too large expansion
// or an alias that contains itself is returned as an error.
func resolve(doc *yaml.Node, errs *errList) (*node, error) {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind == yaml.DocumentNode || root.Kind == 0 {
		// An empty file is an empty mapping: the schema then names the
		// keys a workflow needs.
		root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
	}
	b := &builder{errs: errs, active: map[*yaml.Node]bool{}}
	if root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "steps" {
				b.steps = root.Content[i+1]
			}
		}
	}
	return b.build(root)
}

func (b *builder) build(y *yaml.Node) (*node, error) {
	if b.depth > 0 {
		b.expanded++
		if b.expanded > maxAliasNodes {
			return nil, b.fatal(y, "%s", errExpansion)
		}
	}
	switch y.Kind {
	case yaml.AliasNode:
		return b.alias(y)
	case yaml.MappingNode:
		return b.mapping(y)
	case yaml.SequenceNode:
		n := &node{src: y, items: make([]*node, 0, len(y.Content))}
		for _, c := range y.Content {
			item, err := b.build(c)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, item)
		}
		return n, nil
	case yaml.ScalarNode:
		return &node{src: y}, nil
	}
	return nil, b.fatal(y, "unexpected yaml node kind %d", y.Kind)
}

func (b *builder) alias(y *yaml.Node) (*node, error) {
	t := y.Alias
	if t == nil {
		return nil, b.fatal(y, "alias *%s has no anchor", y.Value)
	}
	if b.active[t] {
		return nil, b.fatal(y, "alias *%s refers to a value that contains it", y.Value)
	}
	b.active[t] = true
	b.depth++
	n, err := b.build(t)
	b.depth--
	delete(b.active, t)
	return n, err
}

// mapping builds a mapping. Explicit keys win over merged ones whatever
// their order, and among merged mappings the first wins, as the YAML merge
// key type says. Each key sits where it first appears; the node of the
// winning definition gives its value and position.
func (b *builder) mapping(y *yaml.Node) (*node, error) {
	explicit := b.explicitKeys(y)
	n := &node{src: y, pairs: make([]pair, 0, len(y.Content)/2)}
	var at map[string]int // key -> index in n.pairs, once there are many
	place := func(p pair) {
		i := -1
		if at != nil {
			if j, ok := at[p.key.Value]; ok {
				i = j
			}
		} else {
			i = n.index(p.key.Value)
		}
		if i >= 0 {
			if n.pairs[i].val == nil {
				n.pairs[i] = p
			}
			return
		}
		n.pairs = append(n.pairs, p)
		switch {
		case at != nil:
			at[p.key.Value] = len(n.pairs) - 1
		case len(n.pairs) > fewKeys:
			at = make(map[string]int, len(y.Content)/2)
			for j, q := range n.pairs {
				at[q.key.Value] = j
			}
		}
	}
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := keyNode(y.Content[i]), y.Content[i+1]
		if isMerge(k) {
			merged, err := b.merge(v)
			if err != nil {
				return nil, err
			}
			// Copying merged entries costs as much as building them: a chain
			// of anchors that each merge the previous one grows quadratically.
			b.expanded += len(merged)
			if b.expanded > maxAliasNodes {
				return nil, b.fatal(v, "%s", errExpansion)
			}
			for _, p := range merged {
				if explicit.first(p.key.Value) != nil {
					p = pair{key: p.key} // keep the place; the explicit value fills it
				}
				place(p)
			}
			continue
		}
		val, err := b.build(v)
		if err != nil {
			return nil, err
		}
		// A repeated or non-scalar key, reported by explicitKeys, is left
		// out; its value was still built to report the problems inside.
		if k.Kind == yaml.ScalarNode && explicit.first(k.Value) == k {
			place(pair{key: k, val: val})
		}
	}
	return n, nil
}

// fewKeys is the number of keys up to which the keys of a mapping are
// found by a scan rather than through a Go map: a step has a handful of
// keys, and a map costs more to build than such a scan.
const fewKeys = 8

// keys finds the first node of each explicit key of a mapping.
type keys struct {
	y *yaml.Node
	m map[string]*yaml.Node // for a mapping of more than fewKeys keys
}

// first returns the first node of the explicit key name, or nil.
func (ks keys) first(name string) *yaml.Node {
	if ks.m != nil {
		return ks.m[name]
	}
	for i := 0; i+1 < len(ks.y.Content); i += 2 {
		k := keyNode(ks.y.Content[i])
		if k.Kind == yaml.ScalarNode && k.Value == name && !isMerge(k) {
			return k
		}
	}
	return nil
}

// explicitKeys returns the first node of every explicit scalar key of a
// mapping, and reports keys that are not scalars or are repeated.
func (b *builder) explicitKeys(y *yaml.Node) keys {
	ks := keys{y: y}
	if len(y.Content) > 2*fewKeys {
		ks.m = make(map[string]*yaml.Node, len(y.Content)/2)
	}
	var merge *yaml.Node
	for i := 0; i+1 < len(y.Content); i += 2 {
		k := keyNode(y.Content[i])
		if isMerge(k) {
			if merge != nil {
				b.report(k, "merge key << already used at line %d; merge a list "+
					"instead: <<: [*a, *b]", merge.Line)
			}
			merge = k
			continue
		}
		if k.Kind != yaml.ScalarNode {
			b.report(k, "mapping keys must be plain values, not a %s", kindName(k))
			continue
		}
		first := ks.first(k.Value)
		if first == nil && ks.m != nil {
			ks.m[k.Value] = k
		}
		if first == nil || first == k {
			continue
		}
		switch {
		case y == b.steps:
			b.report(k, "duplicate step id %q (first defined at line %d)", k.Value, first.Line)
		case first.Line == k.Line:
			b.report(k, "key %q already defined on the same line", k.Value)
		default:
			b.report(k, "key %q already defined at line %d", k.Value, first.Line)
		}
	}
	return ks
}

// merge returns the entries a merge key brings in: those of a mapping, or
// of a list of mappings, earlier ones first.
func (b *builder) merge(v *yaml.Node) ([]pair, error) {
	val, err := b.build(v)
	if err != nil {
		return nil, err
	}
	if val.isMap() {
		return val.pairs, nil
	}
	var out []pair
	if val.isSeq() {
		for _, item := range val.items {
			if !item.isMap() {
				b.report(item.src, "merge key << needs a mapping or a list of mappings")
				continue
			}
			out = append(out, item.pairs...)
		}
		return out, nil
	}
	b.report(v, "merge key << needs a mapping or a list of mappings")
	return nil, nil
}

// report records a problem that leaves the tree usable. Only problems seen
// outside aliases are recorded: every node is also built where it was
// written, so a problem inside an anchor is reported once.
func (b *builder) report(y *yaml.Node, format string, args ...any) {
	if b.depth == 0 {
		b.errs.add(posOf(y), "", format, args...)
	}
}

func (b *builder) fatal(y *yaml.Node, format string, args ...any) error {
	return aliasError{&PosError{File: b.errs.file, Pos: posOf(y),
		Err: fmt.Errorf(format, args...)}}
}

// keyNode follows an alias used as a mapping key.
func keyNode(k *yaml.Node) *yaml.Node {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		return k.Alias
	}
	return k
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

func kindName(y *yaml.Node) string {
	switch y.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}
