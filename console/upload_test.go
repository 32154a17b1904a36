package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aipflow/runner/console"
)

// archive writes a file of size bytes named name in a new directory and
// returns its path and content.
func archive(t *testing.T, name string, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, data
}

var uuidZip = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.zip$`)

// The file goes in chunks of the given size, each a multipart/mixed body
// of a JSON metadata part and a content part, which the simulator reads;
// the bytes it received, in order, are the file.
func TestUploadSendsFileInChunks(t *testing.T) {
	var mu sync.Mutex
	var types []string
	sim, ts := newSim(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch {
			mu.Lock()
			types = append(types, r.Header.Get("Content-Type"))
			mu.Unlock()
		}
		return false
	})
	app := sim.AddApplication("Webi")
	path, data := archive(t, "sources.ZIP", 2500)
	c := newClient(t, ts.URL, nil)

	up, err := c.Upload(context.Background(), app, path, console.UploadOptions{ChunkSize: 1000})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if !up.Done() || up.CurrentOffset != 2500 || up.FileSize != 2500 {
		t.Errorf("upload = %+v, want complete with 2500 bytes", up)
	}
	if !uuidZip.MatchString(up.FileName) {
		t.Errorf("file name %q, want a random UUID with .zip", up.FileName)
	}

	creates := requestsTo(sim, http.MethodPost, "/api/applications/"+app+"/upload")
	if len(creates) != 1 {
		t.Fatalf("%d POST .../upload, want 1", len(creates))
	}
	var req map[string]any
	if err := json.Unmarshal(creates[0].Body, &req); err != nil ||
		req["fileName"] != up.FileName || req["fileSize"] != 2500.0 {
		t.Errorf("create body %s, want fileName %s and fileSize 2500 as a number",
			creates[0].Body, up.FileName)
	}

	mu.Lock()
	defer mu.Unlock()
	patches := requestsTo(sim, http.MethodPatch, "/api/applications/"+app+"/upload/"+up.GUID)
	if len(patches) != 3 || len(types) != 3 {
		t.Fatalf("%d PATCH requests, want 3 chunks", len(patches))
	}
	var got []byte
	for i, p := range patches {
		mt, params, _ := mime.ParseMediaType(types[i])
		if mt != "multipart/mixed" {
			t.Errorf("chunk %d: Content-Type %q, want multipart/mixed", i, types[i])
		}
		meta, content := parts(t, p.Body, params["boundary"])
		want := min(1000, 2500-i*1000)
		if meta != `{"chunkSize":`+itoa(want)+`}` || len(content) != want {
			t.Errorf("chunk %d: metadata %s and %d bytes, want chunkSize %d", i, meta,
				len(content), want)
		}
		got = append(got, content...)
	}
	if !bytes.Equal(got, data) {
		t.Error("the chunks do not add up to the file")
	}
}

// parts returns the metadata and content parts of a chunk, checking their
// headers.
func parts(t *testing.T, body []byte, boundary string) (string, []byte) {
	t.Helper()
	var meta string
	var content []byte
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return meta, content
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(p)
		switch p.FormName() {
		case "metadata":
			if ct := p.Header.Get("Content-Type"); ct != "application/json" || p.FileName() != "" {
				t.Errorf("metadata part: Content-Type %q, filename %q", ct, p.FileName())
			}
			meta = strings.TrimSpace(string(data))
		case "content":
			if ct := p.Header.Get("Content-Type"); ct != "application/octet-stream" ||
				p.FileName() != "filechunk" {
				t.Errorf("content part: Content-Type %q, filename %q", ct, p.FileName())
			}
			content = data
		default:
			t.Errorf("unexpected part %q", p.FormName())
		}
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// A chunk the Console refuses ends the upload: the upload is deleted and
// the error says why.
func TestUploadDeletesUploadOnFailedChunk(t *testing.T) {
	var patches atomic.Int32
	sim, ts := newSim(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPatch {
			return false
		}
		if patches.Add(1) == 2 {
			reply(w, http.StatusInternalServerError, "application/json", `{"message":"disk full"}`)
			return true
		}
		return false
	})
	app := sim.AddApplication("Webi")
	path, _ := archive(t, "src.tar.gz", 2500)
	c := newClient(t, ts.URL, nil)

	_, err := c.Upload(context.Background(), app, path, console.UploadOptions{ChunkSize: 1000})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Upload error = %v, want the refusal of the second chunk", err)
	}
	if n := len(requestsTo(sim, http.MethodPost, "/api/applications/"+app+"/upload")); n != 1 {
		t.Fatalf("%d uploads created, want 1", n)
	}
	deletes := 0
	for _, r := range sim.Requests() {
		if r.Method == http.MethodDelete {
			deletes++
			if !strings.HasPrefix(r.Path, "/api/applications/"+app+"/upload/") || r.Status != 200 {
				t.Errorf("DELETE %s answered %d", r.Path, r.Status)
			}
		}
	}
	if deletes != 1 || patches.Load() != 2 {
		t.Errorf("%d DELETE after %d PATCH, want 1 after 2", deletes, patches.Load())
	}
	if ups := sim.Uploads(); len(ups) != 0 {
		t.Errorf("the Console still holds %+v", ups)
	}
}

// An upload the Console does not report complete after the last chunk
// fails and is deleted.
func TestUploadIncompleteIsDeleted(t *testing.T) {
	sim, ts := newSim(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/upload") {
			// The Console expects one byte more than the file has.
			var req console.UploadRequest
			_ = json.NewDecoder(r.Body).Decode(&req)
			req.FileSize++
			b, _ := json.Marshal(req)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}
		return false
	})
	app := sim.AddApplication("Webi")
	path, _ := archive(t, "src.tgz", 100)
	c := newClient(t, ts.URL, nil)

	_, err := c.Upload(context.Background(), app, path, console.UploadOptions{})
	if err == nil || !strings.Contains(err.Error(), `upload incomplete: status "uploading"`) {
		t.Fatalf("Upload error = %v, want an incomplete upload", err)
	}
	if ups := sim.Uploads(); len(ups) != 0 {
		t.Errorf("the incomplete upload was not deleted: %+v", ups)
	}
}

func TestUploadRefusesBadFiles(t *testing.T) {
	sim, ts := newSim(t, nil)
	app := sim.AddApplication("Webi")
	c := newClient(t, ts.URL, nil)
	empty, _ := archive(t, "empty.zip", 0)
	rar, _ := archive(t, "src.rar", 10)
	zip, _ := archive(t, "src.zip", 10)
	dir := filepath.Join(t.TempDir(), "d.zip")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		opts       console.UploadOptions
		want       string
	}{
		{"missing", filepath.Join(t.TempDir(), "no.zip"), console.UploadOptions{},
			"no such file"},
		{"directory", dir, console.UploadOptions{}, "not a regular file"},
		{"empty", empty, console.UploadOptions{}, "the file is empty"},
		{"not an archive", rar, console.UploadOptions{}, "not a .zip, .tgz, .gz or .tar.gz"},
		{"chunk too large", zip, console.UploadOptions{ChunkSize: console.MaxChunkSize + 1},
			"chunk size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Upload(context.Background(), app, tt.path, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Upload error = %v, want %q", err, tt.want)
			}
		})
	}
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("%d requests sent for files that cannot be uploaded", n)
	}
}

func TestUploadUnknownApplication(t *testing.T) {
	_, ts := newSim(t, nil)
	zip, _ := archive(t, "src.zip", 10)
	c := newClient(t, ts.URL, nil)
	_, err := c.Upload(context.Background(), "no-such-app", zip, console.UploadOptions{})
	if !errors.Is(err, console.ErrNotFound) {
		t.Errorf("Upload error = %v, want ErrNotFound", err)
	}
}
