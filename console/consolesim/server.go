package consolesim

import (
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
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
	// LogLines is how many progress lines the main log of each job step
	// holds besides its start, job and end lines, so that a test can read
	// a log of many pages; 0 means none.
	LogLines int
}

// Request is one request the server received, as Requests reports it.
type Request struct {
	Method, Path string
	Query        string
	APIKey       string // X-API-KEY header as received, "" if none
	XSRFHeader   string // X-XSRF-TOKEN header as received
	XSRFValid    bool   // XSRFHeader equals the token of the request's session
	Body         []byte // the body as received, cut after its first MiB
	Status       int    // status the simulator answered, 0 if none
	Fault        string // kind of injected fault (FaultError, ...), "" if none
	Time         time.Time
}

// Server is a simulated Console 1.x. It implements http.Handler, is safe
// for concurrent use, and starts no goroutine, so it needs no closing.
// Create one with New.
type Server struct {
	opts   Options
	log    *slog.Logger
	routes []route

	mu          sync.Mutex
	apps        map[string]*application // by lower-case GUID
	appSeq      int
	nodes       []console.Node
	jobs        map[string]*job   // by GUID
	queues      map[string][]*job // unfinished jobs per application GUID, FIFO
	canceling   []*job            // queued jobs canceled before they started
	jobList     []*job            // every job, in submission order
	sessions    sessions
	fail        failRules
	faults      Faults
	rng         *rand.Rand  // draws of faults, seeded with faults.Seed
	restartsDue []time.Time // restarts scheduled by RestartAt
	requests    []Request
	stats       Stats
	uploads     map[string]*upload // by GUID; see upload.go
	uploadSeq   int
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
		rng:      newRand(0),
		stats:    newStats(),
	}
}

// ServeHTTP answers one request of the Console API. Every answer is JSON.
// The injected latency is spent before the lock is taken.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	limit := bodyLimit(r)
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))

	s.mu.Lock()
	v := s.judge(r.Method, r.URL.Path)
	s.mu.Unlock()
	arrived := pause(r.Context(), v.delay)

	s.mu.Lock()
	now := s.opts.Now()
	s.advance(now)
	rec := Request{
		Method:     r.Method,
		Path:       r.URL.Path,
		Query:      r.URL.RawQuery,
		APIKey:     r.Header.Get(headerAPIKey),
		XSRFHeader: r.Header.Get(headerXSRF),
		Body:       recorded(body),
		Time:       now,
	}
	var resp response
	switch {
	case !arrived:
		rec.Fault = FaultAbandoned
	case v.fault != "":
		resp, rec.Fault = v.refuse, v.fault
	case err != nil:
		resp = errorf(http.StatusBadRequest, "read request body: %v", err)
	case int64(len(body)) > limit:
		resp = errorf(http.StatusRequestEntityTooLarge, "request body over %d bytes", limit)
	default:
		resp = s.handle(r, body, now, &rec)
		if v.lose != 0 && resp.status >= 200 && resp.status < 300 {
			resp, rec.Fault = lost(v.lose), FaultLost
		}
	}
	rec.Status = resp.status
	s.record(rec)
	s.mu.Unlock()

	if !arrived {
		return
	}
	resp.write(w)
	s.log.Debug("request", keyMethod, r.Method, keyPath, r.URL.Path, keyStatus, resp.status)
}

// handle authenticates r, checks its CSRF token and routes it. It runs with
// s.mu held and fills in the session fields of rec.
func (s *Server) handle(r *http.Request, body []byte, now time.Time, rec *Request) response {
	if r.URL.Path != "/api" && !strings.HasPrefix(r.URL.Path, "/api/") {
		return errorf(http.StatusNotFound, "no such endpoint: %s", r.URL.Path)
	}
	user, ok := s.authenticate(r)
	if !ok {
		return errorf(http.StatusUnauthorized, "missing or invalid credentials")
	}

	se := s.sessions.lookup(r, now, s.faults.SessionTTL, s.faults.XSRFRotate)
	rec.XSRFValid = se != nil && rec.XSRFHeader != "" && rec.XSRFHeader == se.token
	var cookies []*http.Cookie
	switch {
	case se == nil:
		se = s.sessions.create(now, s.faults.SessionTTL)
		s.stats.Sessions++
		cookies = se.cookies()
	case se.staleToken(r):
		cookies = []*http.Cookie{se.xsrfCookie()}
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

// A response is an answer prepared under the lock and written after it.
type response struct {
	status  int
	data    []byte // JSON body
	allow   string // Allow header of a 405
	cookies []*http.Cookie
	// retryAfter is the Retry-After header of a 429, "" for none.
	retryAfter string
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
	if r.retryAfter != "" {
		h.Set("Retry-After", r.retryAfter)
	}
	for _, c := range r.cookies {
		http.SetCookie(w, c)
	}
	w.WriteHeader(r.status)
	w.Write(append(r.data, '\n'))
}
