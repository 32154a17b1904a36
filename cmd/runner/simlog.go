package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// requestLog serves requests with h and appends one JSON line per request
// to a file: its time, method, path and status and, for POST /api/jobs,
// the job type and parameters. It is the hidden --log-requests of runner
// simulate, for tests that run the simulator as a process and count what
// it received. Headers, and with them the API key, are never written.
type requestLog struct {
	h  http.Handler
	mu sync.Mutex // serializes writes to f
	f  *os.File
}

// loggedRequest is one line of the log.
type loggedRequest struct {
	Time          time.Time         `json:"time"`
	Method        string            `json:"method"`
	Path          string            `json:"path"`
	Status        int               `json:"status"`
	JobType       string            `json:"jobType,omitempty"`
	JobParameters map[string]string `json:"jobParameters,omitempty"`
}

// openRequestLog opens file for appending and returns a handler that
// logs the requests h serves into it; close closes the file.
func openRequestLog(file string, h http.Handler) (http.Handler, func() error, error) {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	return &requestLog{h: h, f: f}, f.Close, nil
}

// maxJobRequest bounds the part of a POST /api/jobs body read to log it;
// the simulator reads no more than this either.
const maxJobRequest = 1 << 20

func (l *requestLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	line := loggedRequest{Time: time.Now().UTC(), Method: r.Method, Path: r.URL.Path}
	if r.Method == http.MethodPost && r.URL.Path == "/api/jobs" {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxJobRequest))
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		var req struct {
			JobType       string            `json:"jobType"`
			JobParameters map[string]string `json:"jobParameters"`
		}
		_ = json.Unmarshal(body, &req) // a bad body is the simulator's to refuse
		line.JobType, line.JobParameters = req.JobType, req.JobParameters
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	l.h.ServeHTTP(sw, r)
	line.Status = sw.status

	data, err := json.Marshal(line)
	if err != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.f.Write(append(data, '\n')) // a test reading the log sees a gap
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}
