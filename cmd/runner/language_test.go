package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aipflow/runner/schema"
)

// languageDoc is the workflow language reference this file keeps honest.
const languageDoc = "../../docs/language.md"

// schemaKeys walks the JSON Schema of workflow files and returns, for
// every object that lists its keys, those keys, by path: "workflow" for
// the top level, then the keys on the way, with "*" for an entry of a
// mapping whose keys are names (steps.*, inputs.*). A pattern property
// such as ^x- is shown as x-*. The conditional parameter lists of job
// types (allOf) are the catalog's, which runner jobs documents, not keys
// of the language.
func schemaKeys(t *testing.T) map[string][]string {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(schema.JSONSchema(), &root); err != nil {
		t.Fatalf("parse the JSON Schema: %v", err)
	}
	defs, _ := root["$defs"].(map[string]any)
	out := map[string][]string{}
	var walk func(path string, node map[string]any, depth int)
	walk = func(path string, node map[string]any, depth int) {
		if depth > 10 {
			t.Fatalf("schema nests deeper than 10 at %s", path)
		}
		if ref, ok := node["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/$defs/")
			def, ok := defs[name].(map[string]any)
			if !ok {
				t.Fatalf("%s: $ref %s names no definition", path, ref)
			}
			node = def
		}
		props, _ := node["properties"].(map[string]any)
		patterns, _ := node["patternProperties"].(map[string]any)
		var keys []string
		for k, v := range props {
			keys = append(keys, k)
			if sub, ok := v.(map[string]any); ok {
				walk(path+"."+k, sub, depth+1)
			}
		}
		for p := range patterns {
			keys = append(keys, strings.TrimPrefix(p, "^")+"*")
		}
		if len(keys) > 0 {
			sort.Strings(keys)
			out[strings.TrimPrefix(path, "workflow.")] = keys
		}
		if sub, ok := node["additionalProperties"].(map[string]any); ok {
			walk(path+".*", sub, depth+1)
		}
		if sub, ok := node["items"].(map[string]any); ok {
			walk(path+"[]", sub, depth+1)
		}
	}
	walk("workflow", root, 0)
	return out
}

// keysMarker heads a table of keys in the reference: <!-- keys: PATH -->.
var keysMarker = regexp.MustCompile(`^<!-- keys: (\S+) -->$`)

// keyCell matches the first cell of a table row that documents a key.
var keyCell = regexp.MustCompile("^\\|\\s*`([^`]+)`\\s*\\|(.*)\\|\\s*$")

// docKeys returns the keys documented in the reference, by path: the
// first cells of the table under each keys marker. A row whose other
// cells are empty is reported.
func docKeys(t *testing.T, doc string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		m := keysMarker.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		path := m[1]
		if _, dup := out[path]; dup {
			t.Errorf("%s:%d: a second table of keys for %s", languageDoc, i+1, path)
		}
		out[path] = []string{}
		for j := i + 1; j < len(lines) && strings.HasPrefix(lines[j], "|"); j++ {
			row := keyCell.FindStringSubmatch(lines[j])
			if row == nil {
				continue // the header and the separator
			}
			if strings.Trim(row[2], " |") == "" {
				t.Errorf("%s:%d: key %s of %s has no description", languageDoc, j+1, row[1], path)
			}
			out[path] = append(out[path], row[1])
		}
		sort.Strings(out[path])
	}
	return out
}

// TestLanguageDocMatchesSchema fails when docs/language.md and the JSON
// Schema disagree on the keys of a workflow file: a key the schema has
// that the reference does not describe, or one the reference describes
// that the schema does not have.
func TestLanguageDocMatchesSchema(t *testing.T) {
	data, err := os.ReadFile(languageDoc)
	if err != nil {
		t.Fatal(err)
	}
	want, got := schemaKeys(t), docKeys(t, string(data))
	if len(want) < 5 {
		t.Fatalf("found keys of %d objects in the schema, want at least 5: %v", len(want), want)
	}
	for path, keys := range want {
		documented, ok := got[path]
		if !ok {
			t.Errorf("%s has no table of the keys of %s (<!-- keys: %s -->): %s",
				languageDoc, path, path, strings.Join(keys, ", "))
			continue
		}
		for _, k := range keys {
			if !slices.Contains(documented, k) {
				t.Errorf("%s does not document key %q of %s, which the schema has", languageDoc, k, path)
			}
		}
		for _, k := range documented {
			if !slices.Contains(keys, k) {
				t.Errorf("%s documents key %q of %s, which the schema does not have", languageDoc, k, path)
			}
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("%s has a table of keys for %s, which the schema does not have", languageDoc, path)
		}
	}
}

// sourceLine matches the source: key of a step in an example.
var sourceLine = regexp.MustCompile(`(?m)^\s+source:\s*(\S+)\s*$`)

// TestLanguageDocExamplesLoad validates every complete workflow of the
// reference (a yaml block that starts with version: 1 or the schema
// comment), with the archives its steps name.
func TestLanguageDocExamplesLoad(t *testing.T) {
	data, err := os.ReadFile(languageDoc)
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	n := 0
	for i, b := range blocks {
		text := b[1]
		if !strings.HasPrefix(text, "version: 1") && !strings.HasPrefix(text, "# yaml-language-server") {
			continue
		}
		n++
		dir := t.TempDir()
		for _, m := range sourceLine.FindAllStringSubmatch(text, -1) {
			archive := filepath.Join(dir, m[1])
			if err := os.MkdirAll(filepath.Dir(archive), 0o755); err != nil {
				t.Fatal(err)
			}
			writeIn(t, filepath.Dir(archive), filepath.Base(archive), "PK\x03\x04", 0o644)
		}
		file := writeIn(t, dir, "example.yaml", text, 0o644)
		res := runCLI(t, nil, "validate", file)
		if res.code != 0 {
			t.Errorf("yaml block %d of %s does not validate:\n%s", i+1, languageDoc, res.stderr)
		}
	}
	if n < 2 {
		t.Errorf("found %d complete workflows in %s, want at least 2", n, languageDoc)
	}
}
