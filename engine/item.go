package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/expr-lang/expr/types"

	"github.com/aipflow/runner/schema"
)

// itemShape is what expressions may read of item in a matrix workflow:
// every item is a single value, or every item is a mapping with the same
// field names. A matrix mixing the two, or items with different fields,
// is an error, since an expression that reads a field one item lacks would
// only fail at run time.
type itemShape struct {
	scalar bool
	fields map[string]bool // field names when items are mappings
}

// checkItems works out the shape of a matrix's items and reports items
// that do not share it.
func (c *compiler) checkItems(m *schema.Matrix) *itemShape {
	if m == nil || len(m.Items) == 0 {
		return nil
	}
	first := m.Items[0]
	shape := &itemShape{scalar: first.Value != nil, fields: fieldSet(first)}
	seen := map[string]schema.Pos{itemKey(first): first.Pos}
	for _, it := range m.Items[1:] {
		if at, ok := seen[itemKey(it)]; ok {
			c.errorf(it.Pos, "matrix item repeats the item of line %d: it would run "+
				"every job of the workflow a second time", at.Line)
			continue
		}
		seen[itemKey(it)] = it.Pos
		switch {
		case (it.Value != nil) != shape.scalar:
			c.errorf(it.Pos, "matrix item: mixes single values and mappings; "+
				"the first item (line %d) sets the shape", first.Pos.Line)
		case !shape.scalar && !sameKeys(fieldSet(it), shape.fields):
			c.errorf(it.Pos, "matrix item has fields %s; the first item (line %d) has %s",
				names(fieldSet(it)), first.Pos.Line, names(shape.fields))
		}
	}
	return shape
}

// typ is the expr type of item.
func (s *itemShape) typ() types.Type {
	if s == nil || s.scalar {
		return types.String
	}
	m := types.Map{}
	for f := range s.fields {
		m[f] = types.String
	}
	return m
}

// resolve checks item.<field>, returning a message when the items have no
// such field, or "".
func (s *itemShape) resolve(path []string) string {
	switch {
	case s == nil || len(path) < 2:
		return ""
	case s.scalar:
		return fmt.Sprintf("item is a single value and has no field %q", path[1])
	case !s.fields[path[1]]:
		return "item has no field " + quoteSuggest(path[1], keys(s.fields))
	}
	return ""
}

// itemKey identifies an item by its value, or by its fields whatever
// their order.
func itemKey(it *schema.MatrixItem) string {
	if it.Value != nil {
		return it.Value.Text
	}
	parts := make([]string, len(it.Fields))
	for i, f := range it.Fields {
		parts[i] = f.Name + "=" + f.Value.Text
	}
	sort.Strings(parts)
	return "\x00" + strings.Join(parts, "\x00")
}

func fieldSet(it *schema.MatrixItem) map[string]bool {
	set := map[string]bool{}
	for _, f := range it.Fields {
		set[f.Name] = true
	}
	return set
}

func sameKeys(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func names(set map[string]bool) string {
	list := keys(set)
	sort.Strings(list)
	return "{" + strings.Join(list, ", ") + "}"
}
