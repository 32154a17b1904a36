package consolesim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// chunk builds the body of an upload PATCH: a multipart body of the given
// subtype ("mixed" or "form-data") with a metadata part holding meta, when
// it is not "", and a content part holding content, when it is not nil.
func chunk(t *testing.T, subtype, meta string, content []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	add := func(name, filename, contentType string, data []byte) {
		h := textproto.MIMEHeader{}
		disp := `form-data; name="` + name + `"`
		if filename != "" {
			disp += `; filename="` + filename + `"`
		}
		h.Set("Content-Disposition", disp)
		h.Set("Content-Type", contentType)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if meta != "" {
		add("metadata", "", "application/json", []byte(meta))
	}
	if content != nil {
		add("content", "filechunk", "application/octet-stream", content)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return "multipart/" + subtype + "; boundary=" + mw.Boundary(), buf.Bytes()
}

// patch sends one chunk and returns the status and the upload as answered.
func (e *env) patch(path, contentType string, body []byte) (int, console.ChunkedUpload) {
	e.t.Helper()
	req := e.request(http.MethodPatch, path, nil)
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", contentType)
	status, data := e.send(req)
	var up console.ChunkedUpload
	if status == http.StatusOK {
		e.decode(data, &up)
	}
	return status, up
}

// createUpload creates an upload of size bytes named name for app.
func (e *env) createUpload(app, name string, size int64) console.ChunkedUpload {
	e.t.Helper()
	var up console.ChunkedUpload
	body := console.UploadRequest{FileName: name, FileSize: size}
	e.call(http.MethodPost, "/api/applications/"+app+"/upload", body, http.StatusCreated, &up)
	return up
}

func (e *env) decode(data []byte, out any) {
	e.t.Helper()
	if err := json.Unmarshal(data, out); err != nil {
		e.t.Fatalf("decode %s: %v", data, err)
	}
}

func TestUploadTracksOffsetAcrossChunks(t *testing.T) {
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("Webi")
	e.login()

	up := e.createUpload(app, "src.zip", 10)
	if up.GUID == "" || up.Status != console.UploadCreated || up.CurrentOffset != 0 ||
		up.FileName != "src.zip" || up.ApplicationGUID != app || len(up.ExpirationDate) == 0 {
		t.Fatalf("created upload = %+v", up)
	}
	path := "/api/applications/" + app + "/upload/" + up.GUID

	// The official client sends multipart/mixed; form-data is accepted too.
	ct, body := chunk(t, "form-data", `{"chunkSize":6}`, []byte("PK\x03\x04ab"))
	status, got := e.patch(path, ct, body)
	if status != http.StatusOK || got.CurrentOffset != 6 || got.Status != console.UploadUploading {
		t.Fatalf("first chunk: status %d, upload %+v", status, got)
	}
	ct, body = chunk(t, "mixed", `{"chunkSize":4}`, []byte("cdef"))
	status, got = e.patch(path, ct, body)
	if status != http.StatusOK || got.CurrentOffset != 10 || !got.Done() {
		t.Fatalf("last chunk: status %d, upload %+v", status, got)
	}
	if status, _ := e.patch(path, ct, body); status != http.StatusConflict {
		t.Errorf("chunk after the end: status %d, want 409", status)
	}
	if ups := e.sim.Uploads(); len(ups) != 1 || ups[0].CurrentOffset != 10 {
		t.Errorf("Uploads() = %+v, want the one upload, complete", ups)
	}

	e.call(http.MethodDelete, path, nil, http.StatusOK, nil)
	if ups := e.sim.Uploads(); len(ups) != 0 {
		t.Errorf("Uploads() after DELETE = %+v, want none", ups)
	}
	e.call(http.MethodDelete, path, nil, http.StatusNotFound, nil)
}

func TestUploadRefusesBadChunks(t *testing.T) {
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("Webi")
	other := e.sim.AddApplication("Billing")
	e.login()
	up := e.createUpload(app, "src.tar.gz", 8)
	path := "/api/applications/" + app + "/upload/" + up.GUID

	type body struct {
		contentType string
		data        []byte
	}
	mk := func(subtype, meta string, content []byte) body {
		ct, data := chunk(t, subtype, meta, content)
		return body{ct, data}
	}
	tests := []struct {
		name string
		path string
		body body
		want int
	}{
		{"json body", path, body{"application/json", []byte(`{"chunkSize":1}`)},
			http.StatusUnsupportedMediaType},
		{"no boundary", path, body{"multipart/mixed", []byte("x")}, http.StatusBadRequest},
		{"no metadata", path, mk("mixed", "", []byte("ab")), http.StatusBadRequest},
		{"no content", path, mk("mixed", `{"chunkSize":2}`, nil), http.StatusBadRequest},
		{"bad metadata", path, mk("mixed", `{"chunkSize":"2"}`, []byte("ab")), http.StatusBadRequest},
		{"size differs", path, mk("mixed", `{"chunkSize":3}`, []byte("ab")), http.StatusBadRequest},
		{"past the end", path, mk("mixed", `{"chunkSize":9}`, bytes.Repeat([]byte("a"), 9)),
			http.StatusBadRequest},
		{"over 50 MiB", path, mk("mixed", `{"chunkSize":52428801}`, []byte("ab")),
			http.StatusRequestEntityTooLarge},
		{"unknown upload", path + "x", mk("mixed", `{"chunkSize":2}`, []byte("ab")),
			http.StatusNotFound},
		{"other application", "/api/applications/" + other + "/upload/" + up.GUID,
			mk("mixed", `{"chunkSize":2}`, []byte("ab")), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, _ := e.patch(tt.path, tt.body.contentType, tt.body.data); status != tt.want {
				t.Errorf("status %d, want %d", status, tt.want)
			}
		})
	}
	if ups := e.sim.Uploads(); len(ups) != 1 || ups[0].CurrentOffset != 0 {
		t.Errorf("a refused chunk changed the upload: %+v", ups)
	}
}

// A body over the largest chunk is refused without being read whole.
func TestUploadRefusesBodyOver50MiB(t *testing.T) {
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("Webi")
	e.login()
	up := e.createUpload(app, "big.zip", 60<<20)
	ct, body := chunk(t, "mixed", `{"chunkSize":52428801}`, make([]byte, console.MaxChunkSize+1))
	path := "/api/applications/" + app + "/upload/" + up.GUID
	if status, _ := e.patch(path, ct, body); status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", status)
	}
	// The largest chunk itself goes through.
	ct, body = chunk(t, "mixed", `{"chunkSize":52428800}`, make([]byte, console.MaxChunkSize))
	if status, got := e.patch(path, ct, body); status != http.StatusOK ||
		got.CurrentOffset != console.MaxChunkSize {
		t.Errorf("50 MiB chunk: status %d, offset %d", status, got.CurrentOffset)
	}
}

func TestUploadCreateChecksRequest(t *testing.T) {
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("Webi")
	e.login()
	tests := []struct {
		name string
		app  string
		body any
		want int
	}{
		{"unknown application", "nope", console.UploadRequest{FileName: "a.zip", FileSize: 1},
			http.StatusNotFound},
		{"path in name", app, console.UploadRequest{FileName: "../a.zip", FileSize: 1},
			http.StatusBadRequest},
		{"not an archive", app, console.UploadRequest{FileName: "a.rar", FileSize: 1},
			http.StatusBadRequest},
		{"no size", app, console.UploadRequest{FileName: "a.zip"}, http.StatusBadRequest},
		{"not JSON", app, "a.zip", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.call(http.MethodPost, "/api/applications/"+tt.app+"/upload", tt.body, tt.want, nil)
		})
	}
}

// A job that delivers upload:<App>/<file> fails at unzip_source unless
// the upload is complete; a complete one lets it run.
func TestJobNeedsCompleteUpload(t *testing.T) {
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("Webi")
	e.login()
	part := e.createUpload(app, "part.zip", 10)
	full := e.createUpload(app, "full.zip", 2)
	ct, body := chunk(t, "mixed", `{"chunkSize":2}`, []byte("PK"))
	e.patch("/api/applications/"+app+"/upload/"+part.GUID, ct, body)
	e.patch("/api/applications/"+app+"/upload/"+full.GUID, ct, body)

	tests := []struct {
		source, want, failure string
	}{
		{"upload:Webi/missing.zip", console.StateFailed, "unzip_source"},
		{"upload:Webi/part.zip", console.StateFailed, "unzip_source"},
		{"upload:Billing/full.zip", console.StateFailed, "unzip_source"},
		{"upload:webi/full.zip", console.StateCompleted, ""},
		{"sources:webi/source_code", console.StateCompleted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			params := addVersionParams(app, "v-"+strings.ReplaceAll(tt.source, "/", "-"),
				"deliver_version")
			params["sourcePath"], params["sourceArchive"] = tt.source, tt.source
			start := e.submit("add_version", params)
			e.clock.Advance(20 * step)
			st := e.job(start.JobGUID)
			if st.State != tt.want || st.FailureStep != tt.failure {
				t.Errorf("job ended %s at %q, want %s at %q", st.State, st.FailureStep,
					tt.want, tt.failure)
			}
		})
	}
}
