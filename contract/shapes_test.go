package contract

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

var (
	schemasMu sync.Mutex
	schemas   = map[string]*jsonschema.Schema{}
)

// conform fails t unless body is JSON that matches testdata/<shape>.schema.json.
func conform(t *testing.T, what, shape string, body []byte) any {
	t.Helper()
	schemasMu.Lock()
	sch, ok := schemas[shape]
	if !ok {
		var err error
		sch, err = jsonschema.Compile(filepath.Join("testdata", shape+".schema.json"))
		if err != nil {
			schemasMu.Unlock()
			t.Fatalf("schema %s: %v", shape, err)
		}
		schemas[shape] = sch
	}
	schemasMu.Unlock()

	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: not JSON: %v: %s", what, err, clip(body))
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s does not have the shape of console-api.md (%s.schema.json):\n%v\nbody: %s",
			what, shape, err, clip(body))
	}
	return v
}

// TestReadOnlyShapes sends every read-only call runner makes and checks the
// shape of each answer, and that the session and XSRF cookies are set.
func TestReadOnlyShapes(t *testing.T) {
	tg := newTarget(t)
	w := tg.wire(t)
	t.Logf("target: %s", tg.name)

	conform(t, "GET /api/", "info", w.get("/api/"))
	if status, _, body := w.call(http.MethodGet, "/api/user", nil, false); status != http.StatusOK {
		t.Fatalf("GET /api/user: HTTP %d, want 200: %s", status, clip(body))
	}
	if w.cookie("XSRF-TOKEN") == "" {
		t.Error("no XSRF-TOKEN cookie after GET /api/ and GET /api/user (console-api.md 1.4)")
	}

	apps := conform(t, "GET /api/applications", "applications", w.get("/api/applications"))
	list, _ := apps.(map[string]any)["applications"].([]any)
	for i, a := range list {
		if i == 3 {
			break // a few applications are enough; a portfolio may hold hundreds
		}
		guid, _ := a.(map[string]any)["guid"].(string)
		path := "/api/applications/" + guid + "/versions"
		conform(t, "GET "+path, "versions", w.get(path))
	}
	conform(t, "GET /api/nodes", "nodes", w.get("/api/nodes"))
}

// TestUnknownJob checks that the status of a job the Console does not know
// is a 404, which runner reads as a job the Console lost.
func TestUnknownJob(t *testing.T) {
	tg := newTarget(t)
	w := tg.wire(t)
	const path = "/api/jobs/00000000-0000-4000-8000-00000000c0de"
	if status, _, body := w.call(http.MethodGet, path, nil, false); status != http.StatusNotFound {
		t.Errorf("GET %s: HTTP %d, want 404: %s", path, status, clip(body))
	}
}

// TestWrongKey checks that a wrong API key is refused with 401, not 403:
// runner tells "who are you" from "not allowed" by that status.
func TestWrongKey(t *testing.T) {
	tg := newTarget(t)
	tg.key = "wrong" + strings.Repeat("0", 36)
	w := tg.wire(t)
	if status, _, body := w.call(http.MethodGet, "/api/", nil, false); status != http.StatusUnauthorized {
		t.Errorf("GET /api/ with a wrong key: HTTP %d, want 401: %s", status, clip(body))
	}
}
