package console

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultTimeout is the timeout of the HTTP client New builds when
// Options.HTTPClient is nil; it matches the official client's 90 s.
const DefaultTimeout = 90 * time.Second

// defaultUserAgent is sent when Options.UserAgent is empty.
const defaultUserAgent = "aipflow-runner"

// Options configures a Client.
type Options struct {
	// BaseURL is the Console's address, e.g. "http://console:8081". It is
	// normalised as the official client does: "http://" is prepended when
	// it has no scheme, and one trailing "/" is removed. A path prefix
	// ("http://host/console") is kept and every API path is appended to it.
	BaseURL string

	// APIKey is sent as X-API-KEY on every request. When User is set it is
	// the user's password instead.
	APIKey Secret

	// User, when set, switches to Basic auth with User and APIKey (Console
	// 1.9 and older, or a standalone Console); X-API-KEY is then not sent.
	User string

	// HTTPClient sends the requests. Nil means a client with DefaultTimeout
	// and its own cookie jar. A given client is copied, not modified: the
	// copy gets a cookie jar when it has none, and a CheckRedirect that
	// strips credentials on a redirect to another host before calling the
	// given one. A nil Transport in it means the transport New builds;
	// with CAFile, Insecure or Proxy set, its Transport must be nil or an
	// *http.Transport, which is cloned to apply them.
	HTTPClient *http.Client

	// CAFile is a PEM file of certificates to trust, besides the system's,
	// when verifying the Console's certificate (a company CA). New fails
	// with a *CAFileError when it cannot be read or holds no certificate.
	CAFile string

	// Insecure turns off verification of the Console's certificate. The
	// Client does not warn about it: the caller should.
	Insecure bool

	// Proxy chooses the proxy of each request, as http.Transport.Proxy
	// does. Nil means the proxy named by HTTPS_PROXY, HTTP_PROXY and
	// NO_PROXY when New is called. CAFile and Insecure keep it: every
	// request of the Client (login, jobs, polls, logs, cancel) goes
	// through the same transport.
	Proxy func(*http.Request) (*url.URL, error) `json:"-"`

	// Retry bounds the retries of failed requests and the honouring of
	// Retry-After headers; the zero value uses the defaults. See
	// RetryOptions for which failures are retried.
	Retry RetryOptions

	// Logger receives one Debug line per request (method, path, status,
	// duration) and Warn lines for retried requests, failed polls and
	// unknown job states. Nil discards. Headers and bodies are never
	// logged.
	Logger *slog.Logger

	// UserAgent is the User-Agent header; empty means "aipflow-runner".
	UserAgent string
}

// Client talks to one Console. It is safe for concurrent use by multiple
// goroutines; they share the session (cookies and XSRF token) and the
// pauses the Console asks for with Retry-After.
type Client struct {
	base      string       // normalised base URL, no trailing slash
	infoURL   *url.URL     // base + "/api/", where the XSRF cookie is looked up
	auth      *credentials // behind a pointer so that %+v of a Client shows no key
	hc        *http.Client
	log       *slog.Logger
	userAgent string
	retry     RetryOptions

	// xsrfProbed is set once GET /api/ has been tried for an XSRF cookie,
	// so that a Console that sets none (2.x) is not probed before every
	// state-changing request.
	xsrfProbed atomic.Bool

	// gate holds every request while a Retry-After pause runs.
	gate hostGate

	// sessions counts successful logins. A call refused with 401 or 403
	// logs in again only when no login succeeded since it was sent, so
	// that goroutines refused together start one new session.
	sessions atomic.Uint64

	// relogin lets one goroutine at a time start a new session.
	relogin chan struct{}
}

// credentials are what the Client authenticates with.
type credentials struct {
	user string // empty: X-API-KEY
	key  Secret
}

// describe names the credentials for a 401 message.
func (a *credentials) describe() string {
	if a.user != "" {
		return "user name and password"
	}
	return "API key"
}

// New returns a Client for the Console at opts.BaseURL. It fails when the
// base URL is empty or cannot be parsed, when APIKey is empty, or when
// opts.CAFile cannot be used. New sends no request; call Login to check
// the credentials.
func New(opts Options) (*Client, error) {
	base, err := NormalizeBaseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	if opts.APIKey == "" {
		if opts.User != "" {
			return nil, fmt.Errorf("console: no password for user %q (set APIKey)", opts.User)
		}
		return nil, errors.New("console: API key is missing")
	}

	c := &Client{
		base:      base,
		auth:      &credentials{user: opts.User, key: opts.APIKey},
		log:       opts.Logger,
		userAgent: opts.UserAgent,
		retry:     opts.Retry.withDefaults(),
		relogin:   make(chan struct{}, 1),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	if c.infoURL, err = url.Parse(base + "/api/"); err != nil {
		return nil, fmt.Errorf("console: invalid base URL: %v", err)
	}
	c.hc, err = c.httpClient(opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// BaseURL returns the normalised base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// NormalizeBaseURL returns the base URL that New makes of raw: without
// surrounding white space, with "http://" before an address that has no
// scheme and without one trailing "/", as the official client has it. It
// fails, as New does, unless the result is an absolute http or https URL
// without query or fragment. The official client tests for a leading
// "http" rather than for a scheme, which turns "httpd.local:8081" into an
// unusable URL; this one does not.
func NormalizeBaseURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("console: base URL is empty")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	s = strings.TrimSuffix(s, "/")

	u, err := url.Parse(s)
	if err != nil {
		// url.Error quotes the URL, which may hold user info; say less.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("console: invalid base URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("console: invalid base URL: scheme %q is not http or https", u.Scheme)
	}
	if u.Host == "" {
		return "", errors.New("console: invalid base URL: no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("console: invalid base URL: query and fragment are not allowed")
	}
	return s, nil
}

// Headers that carry credentials or session tokens.
const (
	headerAPIKey = "X-API-KEY"
	headerXSRF   = "X-XSRF-TOKEN"
	cookieXSRF   = "XSRF-TOKEN"
)

// redirectPolicy is the type of http.Client.CheckRedirect.
type redirectPolicy = func(req *http.Request, via []*http.Request) error

// checkRedirect wraps next (nil: the standard policy of at most 10
// redirects) so that a redirect to another scheme, host or port carries
// neither the API key, the Authorization header nor the XSRF token.
// net/http already drops Authorization for another domain, but it keeps
// custom headers such as X-API-KEY and ignores the port.
func (c *Client) checkRedirect(next redirectPolicy) redirectPolicy {
	return func(req *http.Request, via []*http.Request) error {
		orig := via[0].URL
		sameOrigin := strings.EqualFold(req.URL.Scheme, orig.Scheme) &&
			strings.EqualFold(req.URL.Host, orig.Host)
		if !sameOrigin {
			req.Header.Del(headerAPIKey)
			req.Header.Del("Authorization")
			req.Header.Del(headerXSRF)
			c.log.WarnContext(req.Context(), "redirect to another host; credentials not forwarded",
				"from", orig.Host, "to", req.URL.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}
