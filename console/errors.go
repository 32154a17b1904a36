package console

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Conditions callers branch on. A *StatusError matches the first three with
// errors.Is according to its status code; transport failures match
// ErrUnreachable.
var (
	// ErrUnauthorized reports HTTP 401: the Console refused the API key (or
	// the user name and password). Retrying does not help.
	ErrUnauthorized = errors.New("console rejected the credentials")

	// ErrForbidden reports HTTP 403: the credentials were accepted but the
	// user may not do this, or the session's XSRF token was refused again
	// after one refresh.
	ErrForbidden = errors.New("console refused the request (forbidden)")

	// ErrNotFound reports HTTP 404.
	ErrNotFound = errors.New("console resource not found")

	// ErrUnreachable reports that no HTTP response arrived: connection
	// refused, DNS failure, TLS failure, timeout. The error also wraps the
	// transport's own error.
	ErrUnreachable = errors.New("console unreachable")
)

// StatusError is returned when the Console answers with a status other than
// 200, 201, 202 or 204.
type StatusError struct {
	Method      string // HTTP method of the request
	Path        string // API path, e.g. "/api/jobs", without the base URL's prefix
	Status      int    // HTTP status code
	ContentType string // media type of the response body, e.g. "text/html"

	// Body is a short, single-line description of the response body, at
	// most 200 characters: the "message" of a JSON error body, the title
	// or text of an HTML page, or the start of any other text.
	Body string

	// RetryAfter is the delay the server asked for in a Retry-After
	// header (seconds or HTTP date), or 0 when there was none.
	RetryAfter time.Duration

	// credentials names what a 401 refused ("API key" or "user name and
	// password"); empty means "credentials".
	credentials string
}

// Error returns a message such as
// "console: POST /api/jobs: HTTP 403 Forbidden: Access denied".
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("console: %s %s: HTTP %d %s",
		e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Status == http.StatusUnauthorized {
		what := e.credentials
		if what == "" {
			what = "credentials"
		}
		msg += ": Console rejected the " + what
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Is reports whether e matches ErrUnauthorized (401), ErrForbidden (403)
// or ErrNotFound (404).
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	}
	return false
}

// transportError is a request that got no HTTP response. It matches
// ErrUnreachable and the transport's error.
type transportError struct {
	method, path string
	err          error
}

func (e *transportError) Error() string {
	return fmt.Sprintf("console: %s %s: %v", e.method, e.path, e.err)
}

func (e *transportError) Unwrap() []error { return []error{ErrUnreachable, e.err} }
