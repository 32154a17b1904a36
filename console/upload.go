package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Chunk sizes of the chunked upload (console-api.md 2.8).
const (
	DefaultChunkSize = 10 << 20 // the official client's
	MaxChunkSize     = 50 << 20 // the largest chunk a Console accepts
)

// Upload statuses a ChunkedUpload reports, lower-case on the wire.
const (
	UploadCreated   = "created"
	UploadUploading = "uploading"
	UploadUploaded  = "uploaded"
	UploadFailed    = "upload_failed"
	UploadCompleted = "completed" // accepted as the end of an upload, as "uploaded"
)

// UploadRequest is the body of POST /api/applications/{guid}/upload.
type UploadRequest struct {
	FileName string `json:"fileName"`
	FileSize int64  `json:"fileSize"`
}

// ChunkMetadata is the metadata part of a chunk, PATCH
// /api/applications/{guid}/upload/{uploadGuid}.
type ChunkMetadata struct {
	ChunkSize int64 `json:"chunkSize"`
}

// ChunkedUpload is the Console's record of an upload (ChunkedUploadDto),
// the answer to each call of the upload API.
type ChunkedUpload struct {
	GUID              string `json:"guid"`
	FileName          string `json:"fileName,omitempty"`
	DestinationFolder string `json:"destinationFolder,omitempty"`
	ApplicationGUID   string `json:"applicationGuid,omitempty"`
	FileSize          int64  `json:"fileSize"`
	CurrentOffset     int64  `json:"currentOffset"`
	Resumable         bool   `json:"resumable"`
	Status            string `json:"status"`

	// ExpirationDate is a date, whose form the sources do not settle (a
	// Java Date read leniently: ISO-8601 text or epoch milliseconds); it
	// is kept as the Console wrote it.
	ExpirationDate json.RawMessage `json:"expirationDate,omitempty"`

	// TargetUploadFile is the server path of the file (Console 2.x).
	TargetUploadFile string `json:"targetUploadFile,omitempty"`
}

// Done reports whether the upload has received all its bytes: its status
// is "uploaded" or "completed", compared without regard to case.
func (u ChunkedUpload) Done() bool {
	return strings.EqualFold(u.Status, UploadUploaded) || strings.EqualFold(u.Status, UploadCompleted)
}

// UploadOptions configures Upload. The zero value uses the defaults.
type UploadOptions struct {
	// ChunkSize is the size of each chunk but the last; 0 means
	// DefaultChunkSize. It must not exceed MaxChunkSize.
	ChunkSize int64

	// FileName is the name the Console gives the file. "" means a random
	// UUID with the archive's extension, as the official client names it
	// for Console 1.x, so that two uploads never collide.
	FileName string
}

// archiveExts are the extensions of the archives the Console extracts,
// longest first (console-api.md 2.8, ALLOWED_ARCHIVE_EXTENSIONS).
var archiveExts = []string{".tar.gz", ".zip", ".tgz", ".gz"}

// ArchiveExt returns the extension of an archive name, lower-case and
// with its dot, or "" for a name the Console does not extract: .tar.gz,
// .zip, .tgz or .gz after at least one other character.
func ArchiveExt(name string) string {
	lower := strings.ToLower(name)
	for _, ext := range archiveExts {
		if strings.HasSuffix(lower, ext) && len(lower) > len(ext) {
			return ext
		}
	}
	return ""
}

// Upload sends the local archive at path to application appGUID with the
// chunked upload API: POST /api/applications/{guid}/upload creates the
// upload, then one PATCH per chunk sends the file, read one chunk at a
// time and never held whole in memory. It returns the Console's record of the
// finished upload, whose FileName is what a job's sourcePath names:
// upload:<application name>/<FileName>.
//
// On any failure after the upload was created, and when the Console does
// not report it "uploaded" (or "completed") after the last chunk, Upload
// deletes it with DELETE /api/applications/{guid}/upload/{uploadGuid}, a
// best effort that outlives ctx, and returns the error. A chunk is sent
// again only after a failure that proves the Console did not get it
// (RetryOptions): otherwise the Console's offset would be unknown.
//
// Known gap: Consoles 1.13 to 1.18 need the upload extracted with
// PUT .../extract before a job can use it; Upload does not do that, so on
// those versions the job's unzip_source step finds no sources.
func (c *Client) Upload(ctx context.Context, appGUID, path string,
	opts UploadOptions) (ChunkedUpload, error) {
	chunk := opts.ChunkSize
	if chunk == 0 {
		chunk = DefaultChunkSize
	}
	if chunk < 0 || chunk > MaxChunkSize {
		return ChunkedUpload{}, fmt.Errorf("console: upload: chunk size %d is not in 1..%d",
			chunk, int64(MaxChunkSize))
	}
	f, size, err := openArchive(path)
	if err != nil {
		return ChunkedUpload{}, err
	}
	defer f.Close()
	name := opts.FileName
	if name == "" {
		name = NewGUID() + ArchiveExt(path)
	}

	base := "/api/applications/" + url.PathEscape(appGUID) + "/upload"
	var up ChunkedUpload
	if err := c.do(ctx, http.MethodPost, base, UploadRequest{FileName: name, FileSize: size},
		&up); err != nil {
		return ChunkedUpload{}, err
	}
	if up.GUID == "" {
		return ChunkedUpload{}, fmt.Errorf("console: POST %s: the upload has no guid", base)
	}
	upPath := base + "/" + url.PathEscape(up.GUID)
	if up, err = c.sendChunks(ctx, upPath, f, size, chunk, up); err != nil {
		c.abortUpload(ctx, upPath)
		return ChunkedUpload{}, err
	}
	if up.FileName == "" {
		up.FileName = name
	}
	return up, nil
}

// sendChunks sends the file in chunks and checks that the Console has
// all of it at the end.
func (c *Client) sendChunks(ctx context.Context, upPath string, f *os.File, size, chunk int64,
	up ChunkedUpload) (ChunkedUpload, error) {
	k := &chunker{c: c, upPath: upPath, f: f}
	for off := int64(0); off < size; off += chunk {
		n := min(chunk, size-off)
		var err error
		if up, err = k.send(ctx, off, n); err != nil {
			return ChunkedUpload{}, err
		}
		if up.CurrentOffset != 0 && up.CurrentOffset != off+n {
			c.log.WarnContext(ctx, "upload offset differs", "path", upPath,
				"sent", off+n, "console", up.CurrentOffset)
		}
	}
	if !up.Done() {
		return ChunkedUpload{}, fmt.Errorf("console: PATCH %s: upload incomplete: status %q "+
			"after %d of %d bytes", upPath, up.Status, up.CurrentOffset, size)
	}
	return up, nil
}

// abortUpload deletes an upload that failed, within abortWait, even when
// ctx has ended; a failure is only logged, as the upload's own error is
// what the caller must hear.
func (c *Client) abortUpload(ctx context.Context, upPath string) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortWait)
	defer cancel()
	if err := c.do(dctx, http.MethodDelete, upPath, nil, nil); err != nil {
		c.log.WarnContext(ctx, "delete failed upload", "path", upPath, "err", err)
	}
}

// abortWait bounds the DELETE of a failed upload.
const abortWait = 30 * time.Second

// openArchive opens the regular, non-empty file at path whose extension
// the Console extracts, and returns it with its size.
func openArchive(path string) (*os.File, int64, error) {
	if ArchiveExt(path) == "" {
		return nil, 0, fmt.Errorf("console: upload %s: not a .zip, .tgz, .gz or .tar.gz archive",
			filepath.Base(path))
	}
	// Stat first: opening a named pipe would block.
	if fi, err := os.Stat(path); err != nil {
		return nil, 0, fmt.Errorf("console: upload: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("console: upload %s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("console: upload: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() == 0 {
		err = fmt.Errorf("console: upload %s: the file is empty", path)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// NewGUID returns a random version 4 UUID in its usual lower-case form,
// as the Console writes the GUIDs of its objects.
func NewGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// chunker sends a file in chunks. Each chunk is a multipart/mixed body,
// as the official client's HTTP library builds it, of a metadata part
// (JSON, {"chunkSize": n}) and a content part (the bytes, named
// "filechunk"). One buffer, the size of a chunk and its framing, is
// reused for every chunk: the file is read one chunk at a time, never
// held whole.
type chunker struct {
	c      *Client
	upPath string
	f      io.ReaderAt
	buf    []byte
}

// send sends the n bytes of the file from offset off as one chunk.
func (k *chunker) send(ctx context.Context, off, n int64) (ChunkedUpload, error) {
	head, tail, boundary, err := chunkFrame(n)
	if err != nil {
		return ChunkedUpload{}, fmt.Errorf("console: PATCH %s: %w", k.upPath, err)
	}
	size := len(head) + int(n) + len(tail)
	k.buf = append(slices.Grow(k.buf[:0], size), head...)
	k.buf = k.buf[:len(head)+int(n)]
	if _, err := k.f.ReadAt(k.buf[len(head):], off); err != nil {
		return ChunkedUpload{}, fmt.Errorf("console: upload: read at %d: %w", off, err)
	}
	k.buf = append(k.buf, tail...)
	var up ChunkedUpload
	err = k.c.doBody(ctx, http.MethodPatch, k.upPath, "multipart/mixed; boundary="+boundary,
		k.buf, &up)
	return up, err
}

// chunkFrame returns the bytes of a chunk's multipart body that come
// before and after the chunk's content, and the boundary between parts.
func chunkFrame(n int64) (head, tail []byte, boundary string, err error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	meta := textproto.MIMEHeader{}
	meta.Set("Content-Disposition", `form-data; name="metadata"`)
	meta.Set("Content-Type", "application/json")
	pw, err := mw.CreatePart(meta)
	if err != nil {
		return nil, nil, "", err
	}
	if err := json.NewEncoder(pw).Encode(ChunkMetadata{ChunkSize: n}); err != nil {
		return nil, nil, "", err
	}
	part := textproto.MIMEHeader{}
	part.Set("Content-Disposition", `form-data; name="content"; filename="filechunk"`)
	part.Set("Content-Type", "application/octet-stream")
	if _, err := mw.CreatePart(part); err != nil {
		return nil, nil, "", err
	}
	cut := buf.Len()
	if err := mw.Close(); err != nil {
		return nil, nil, "", err
	}
	all := buf.Bytes()
	return all[:cut:cut], all[cut:], mw.Boundary(), nil
}
