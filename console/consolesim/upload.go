package consolesim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aipflow/runner/console"
)

// The chunked upload API (console-api.md 2.8): POST creates an upload,
// each PATCH adds one chunk at its current offset, DELETE drops it. The
// simulator keeps offsets and statuses, not the bytes. A job whose
// sourcePath is upload:<App>/<file> needs a complete upload of that file
// for the application of that name, or it fails at unzip_source, where a
// Console would find no archive to extract.

// uploadTTL is how long an upload stays valid, for its expirationDate.
const uploadTTL = 24 * time.Hour

// maxUploadBody bounds the body of a chunk: the largest chunk plus room
// for the multipart framing. A larger body is refused unread.
const maxUploadBody = console.MaxChunkSize + 64<<10

// upload is the simulator's record of one chunked upload.
type upload struct {
	console.ChunkedUpload
	created time.Time
	seq     int // creation order
}

// bodyLimit returns the largest body the simulator reads for r: a chunk
// of an upload may be far larger than any JSON body. Requests keeps the
// first maxBody bytes of a body (see recorded), so that the request log
// of a simulator that receives large archives stays small.
func bodyLimit(r *http.Request) int64 {
	segs := strings.Split(r.URL.Path, "/")
	if r.Method == http.MethodPatch && len(segs) == 6 && segs[3] != "" && segs[4] == "upload" {
		return maxUploadBody
	}
	return maxBody
}

// recorded returns what the request log keeps of a body: all of it, or a
// copy of its first maxBody bytes, so that the log holds no chunk whole.
func recorded(body []byte) []byte {
	if len(body) <= maxBody {
		return body
	}
	return bytes.Clone(body[:maxBody])
}

// Uploads returns every upload the simulator holds, in creation order.
func (s *Server) Uploads() []console.ChunkedUpload {
	s.mu.Lock()
	defer s.mu.Unlock()
	ups := s.sortedUploads()
	out := make([]console.ChunkedUpload, len(ups))
	for i, u := range ups {
		out[i] = u.ChunkedUpload
	}
	return out
}

func (s *Server) sortedUploads() []*upload {
	var ups []*upload
	for _, u := range s.uploads {
		ups = append(ups, u)
	}
	slices.SortFunc(ups, func(a, b *upload) int { return a.seq - b.seq })
	return ups
}

// postUpload answers POST /api/applications/{guid}/upload: it creates an
// upload of fileName, fileSize bytes, for the application.
func (s *Server) postUpload(c *call) response {
	a := s.app(c.args[0])
	if a == nil {
		return errorf(http.StatusNotFound, "application not found")
	}
	var req console.UploadRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		return errorf(http.StatusBadRequest, "decode upload request: %v", err)
	}
	switch {
	case req.FileName == "" || strings.ContainsAny(req.FileName, `/\`) || req.FileName == "..":
		return errorf(http.StatusBadRequest, "fileName %q is not a file name", req.FileName)
	case console.ArchiveExt(req.FileName) == "":
		return errorf(http.StatusBadRequest, "fileName %q: unsupported archive type", req.FileName)
	case req.FileSize <= 0:
		return errorf(http.StatusBadRequest, "fileSize %d: must be positive", req.FileSize)
	}
	if s.uploads == nil {
		s.uploads = map[string]*upload{}
	}
	s.uploadSeq++
	u := &upload{created: c.now, seq: s.uploadSeq, ChunkedUpload: console.ChunkedUpload{
		GUID:              console.NewGUID(),
		FileName:          req.FileName,
		DestinationFolder: a.Name,
		ApplicationGUID:   a.GUID,
		FileSize:          req.FileSize,
		Resumable:         true,
		Status:            console.UploadCreated,
		ExpirationDate:    json.RawMessage(`"` + formatTime(c.now.Add(uploadTTL)) + `"`),
	}}
	s.uploads[u.GUID] = u
	s.log.Info("upload created", keyApp, a.Name, "file", u.FileName, "size", u.FileSize)
	return reply(http.StatusCreated, u.ChunkedUpload)
}

// uploadOf returns the upload of a call's path, {app}/upload/{guid}, or
// a 404 answer.
func (s *Server) uploadOf(c *call) (*upload, response, bool) {
	u := s.uploads[strings.ToLower(c.args[1])]
	if u == nil || !strings.EqualFold(u.ApplicationGUID, c.args[0]) {
		return nil, errorf(http.StatusNotFound, "upload not found"), false
	}
	return u, response{}, true
}

// patchUpload answers PATCH /api/applications/{guid}/upload/{uploadGuid}:
// a multipart body (mixed, as the official client sends it, or
// form-data) of a JSON metadata part, {"chunkSize": n}, and a content
// part of n bytes, appended at the upload's current offset. A bad chunk
// changes nothing.
func (s *Server) patchUpload(c *call) response {
	u, resp, ok := s.uploadOf(c)
	if !ok {
		return resp
	}
	if u.Done() {
		return errorf(http.StatusConflict, "upload %s is complete", u.GUID)
	}
	meta, content, status, err := readChunk(c.req.Header.Get("Content-Type"), c.body)
	if err != nil {
		return errorf(status, "%v", err)
	}
	switch n := int64(len(content)); {
	case meta.ChunkSize > console.MaxChunkSize || n > console.MaxChunkSize:
		return errorf(http.StatusRequestEntityTooLarge, "chunk of %d bytes: over the maximum of %d",
			max(n, meta.ChunkSize), int64(console.MaxChunkSize))
	case meta.ChunkSize != n:
		return errorf(http.StatusBadRequest, "chunkSize %d, but the content has %d bytes",
			meta.ChunkSize, n)
	case n == 0:
		return errorf(http.StatusBadRequest, "empty chunk")
	case u.CurrentOffset+n > u.FileSize:
		return errorf(http.StatusBadRequest, "chunk of %d bytes at offset %d: over fileSize %d",
			n, u.CurrentOffset, u.FileSize)
	}
	u.CurrentOffset += int64(len(content))
	u.Status = console.UploadUploading
	if u.CurrentOffset == u.FileSize {
		u.Status = console.UploadUploaded
		s.log.Info("upload complete", "file", u.FileName, "size", u.FileSize)
	}
	return reply(http.StatusOK, u.ChunkedUpload)
}

// deleteUpload answers DELETE /api/applications/{guid}/upload/{uploadGuid}
// with the upload as it was, and drops it.
func (s *Server) deleteUpload(c *call) response {
	u, resp, ok := s.uploadOf(c)
	if !ok {
		return resp
	}
	delete(s.uploads, strings.ToLower(u.GUID))
	s.log.Info("upload deleted", "file", u.FileName)
	return reply(http.StatusOK, u.ChunkedUpload)
}

// readChunk reads the parts of a chunk's multipart body. It returns the
// HTTP status of the problem with an error.
func readChunk(contentType string, body []byte) (console.ChunkMetadata, []byte, int, error) {
	var meta console.ChunkMetadata
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || (mt != "multipart/mixed" && mt != "multipart/form-data") {
		return meta, nil, http.StatusUnsupportedMediaType,
			fmt.Errorf("content type %q: want multipart/mixed or multipart/form-data", contentType)
	}
	if params["boundary"] == "" {
		return meta, nil, http.StatusBadRequest, errors.New("multipart body without a boundary")
	}
	var content []byte
	var hasMeta, hasContent bool
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return meta, nil, http.StatusBadRequest, fmt.Errorf("multipart body: %v", err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return meta, nil, http.StatusBadRequest, fmt.Errorf("multipart body: %v", err)
		}
		switch partName(p) {
		case "metadata":
			if err := json.Unmarshal(data, &meta); err != nil {
				return meta, nil, http.StatusBadRequest, fmt.Errorf("metadata part: %v", err)
			}
			hasMeta = true
		case "content":
			content, hasContent = data, true
		}
	}
	switch {
	case !hasMeta:
		return meta, nil, http.StatusBadRequest, errors.New(`no "metadata" part`)
	case !hasContent:
		return meta, nil, http.StatusBadRequest, errors.New(`no "content" part`)
	}
	return meta, content, http.StatusOK, nil
}

// partName returns the name parameter of a part's Content-Disposition,
// whatever its disposition type: in multipart/mixed it need not be
// form-data.
func partName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["name"]
}

// checkSource makes a new job that delivers an uploaded archive fail at
// unzip_source (or, when it starts later, at its first step) unless its
// sourcePath, upload:<App>/<file>, names a complete upload of an
// application of that name. The Console finds out when the step runs;
// the simulator checks when the job is submitted.
func (s *Server) checkSource(j *job) {
	rest, ok := cutPrefixFold(j.params["sourcePath"], "upload:")
	if !ok || s.uploaded(rest) || len(j.steps) == 0 {
		return
	}
	if at := max(indexStep(j.steps, "unzip_source"), 0); j.failAt < 0 || at < j.failAt {
		j.failAt = at
	}
	s.log.Info("job source not uploaded", keyJobID, j.guid, "source", j.params["sourcePath"])
}

// uploaded tells whether app/file names a complete upload.
func (s *Server) uploaded(appFile string) bool {
	app, file, ok := strings.Cut(appFile, "/")
	if !ok {
		return false
	}
	for _, u := range s.uploads {
		a := s.app(u.ApplicationGUID)
		if a != nil && strings.EqualFold(a.Name, app) && u.FileName == file && u.Done() {
			return true
		}
	}
	return false
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
