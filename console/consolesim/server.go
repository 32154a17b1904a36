package consolesim

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aipflow/runner/console"
)

// Defaults of Options.
const (
	DefaultAPIVersion = "1.29.1"
	DefaultStepTime   = 2 * time.Second
)

// maxBody is the largest request body the simulator reads; the Console API
// has no larger JSON body than a few kilobytes.
const maxBody = 1 << 20

// Log keys, defined once.
const (
	keyJobID   = "job_id"
	keyJobType = "job_type"
	keyStep    = "step"
	keyState   = "state"
	keyApp     = "app"
	keyMethod  = "method"
	keyPath    = "path"
	keyStatus  = "status"
)

// Options configures a Server. The zero value is usable: any non-empty API
// key is accepted and every job step takes DefaultStepTime.
type Options struct {
	// APIKey is the only X-API-KEY accepted; "" accepts any non-empty key.
	APIKey string
	// Users maps Basic auth user names to passwords; they are accepted too.
	Users map[string]string
	// APIVersion is the apiVersion of GET /api/; "" means DefaultAPIVersion.
	APIVersion string
	// StepTime is the simulated duration of each job step; zero or less
	// means DefaultStepTime. Tests use a few milliseconds or a fake clock.
	StepTime time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives request and job events; nil discards them. The API
	// key and request bodies are never logged.
	Logger *slog.Logger
}

// Request is one request the server received, as Requests reports it.
type Request struct {
	Method, Path string
	Query        string
	APIKey       string // X-API-KEY header as received, "" if none
	XSRFHeader   string // X-XSRF-TOKEN header as received
	XSRFValid    bool   // XSRFHeader equals the token of the request's session
	Body         []byte
	Status       int // status the simulator answered
	Time         time.Time
}

// Server is a simulated Console 1.x. It implements http.Handler, is safe
// for concurrent use, and starts no goroutine, so it needs no closing.
// Create one with New.
type Server struct {
	opts   Options
	log    *slog.Logger
	routes []route

	mu        sync.Mutex
	apps      map[string]*application // by lower-case GUID
	appSeq    int
	nodes     []console.Node
	jobs      map[string]*job   // by GUID
	queues    map[string][]*job // unfinished jobs per application GUID, FIFO
	canceling []*job            // queued jobs canceled before they started
	sessions  sessions
	fail      failRules
	requests  []Request
}

// New returns a server with no applications, nodes or jobs.
func New(opts Options) *Server {
	if opts.APIVersion == "" {
		opts.APIVersion = DefaultAPIVersion
	}
	if opts.StepTime <= 0 {
		opts.StepTime = DefaultStepTime
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{
		opts:     opts,
		log:      log,
		routes:   apiRoutes(),
		apps:     make(map[string]*application),
		jobs:     make(map[string]*job),
		queues:   make(map[string][]*job),
		sessions: newSessions(),
	}
}

// ServeHTTP answers one request of the Console API. Every answer is JSON.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))

	s.mu.Lock()
	now := s.opts.Now()
	s.advance(now)
	rec := Request{
		Method:     r.Method,
		Path:       r.URL.Path,
		Query:      r.URL.RawQuery,
		APIKey:     r.Header.Get(headerAPIKey),
		XSRFHeader: r.Header.Get(headerXSRF),
		Body:       body,
		Time:       now,
	}
	var resp response
	switch {
	case err != nil:
		resp = errorf(http.StatusBadRequest, "read request body: %v", err)
	case len(body) > maxBody:
		rec.Body = body[:maxBody]
		resp = errorf(http.StatusRequestEntityTooLarge, "request body over %d bytes", maxBody)
	default:
		resp = s.handle(r, body, now, &rec)
	}
	rec.Status = resp.status
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	resp.write(w)
	s.log.Debug("request", keyMethod, r.Method, keyPath, r.URL.Path, keyStatus, resp.status)
}

// handle authenticates r, checks its CSRF token and routes it. It runs with
// s.mu held and fills in the session fields of rec.
func (s *Server) handle(r *http.Request, body []byte, now time.Time, rec *Request) response {
	token, hasSession := s.sessions.token(r)
	rec.XSRFValid = hasSession && rec.XSRFHeader != "" && rec.XSRFHeader == token

	if r.URL.Path != "/api" && !strings.HasPrefix(r.URL.Path, "/api/") {
		return errorf(http.StatusNotFound, "no such endpoint: %s", r.URL.Path)
	}
	user, ok := s.authenticate(r)
	if !ok {
		return errorf(http.StatusUnauthorized, "missing or invalid credentials")
	}

	var cookies []*http.Cookie
	if !hasSession {
		cookies = s.sessions.create()
	}
	var resp response
	if unsafeMethod(r.Method) && !rec.XSRFValid {
		resp = errorf(http.StatusForbidden, "Invalid CSRF token")
	} else {
		resp = s.route(&call{req: r, body: body, now: now, user: user})
	}
	resp.cookies = cookies
	return resp
}

// Requests returns a copy of every request received so far, in the order
// the server handled them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// A response is an answer prepared under the lock and written after it.
type response struct {
	status  int
	data    []byte // JSON body
	allow   string // Allow header of a 405
	cookies []*http.Cookie
}

// reply returns a response with v encoded as JSON.
func reply(status int, v any) response {
	data, err := json.Marshal(v)
	if err != nil {
		// Every value encoded here is a plain struct, map or slice.
		panic("consolesim: encode response: " + err.Error())
	}
	return response{status: status, data: data}
}

// message is the body of every error answer.
type message struct {
	Message string `json:"message"`
}

func (r response) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if r.allow != "" {
		h.Set("Allow", r.allow)
	}
	for _, c := range r.cookies {
		http.SetCookie(w, c)
	}
	w.WriteHeader(r.status)
	w.Write(append(r.data, '\n'))
}
