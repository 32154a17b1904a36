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

	// ErrCertificate reports that the Console's TLS certificate could not
	// be verified. Such an error also matches ErrUnreachable and wraps the
	// TLS error, such as an x509.UnknownAuthorityError for a certificate
	// signed by an authority that neither the system nor Options.CAFile
	// holds. Retrying does not help.
	ErrCertificate = errors.New("console certificate not trusted")

	// ErrCAFile reports that New could not use Options.CAFile: the file
	// cannot be read or holds no PEM certificate. Such an error is a
	// *CAFileError.
	ErrCAFile = errors.New("console CA file unusable")

	// ErrOutcomeUnknown reports that a request that is not safe to repeat,
	// such as POST /api/jobs, may have reached the Console although the
	// call failed: a timeout, a connection lost after the request was
	// sent, a proxy's 502 or 504. The Client does not send it again; the
	// job may exist on the Console. The error also wraps the failure.
	ErrOutcomeUnknown = errors.New("console may have carried out the request")

	// ErrRetryAfterTooLong reports that the Console (or a proxy) asked,
	// with a Retry-After header, for a pause longer than
	// RetryOptions.MaxRetryAfter. The call failed without waiting, and so
	// does every call until that pause is over.
	ErrRetryAfterTooLong = errors.New("console asked for too long a pause")
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

// errNoPEM is the cause of a CAFileError for a file without a
// certificate.
var errNoPEM = errors.New("no PEM certificate in it")

// CAFileError is the error of New for an Options.CAFile it cannot use. It
// matches ErrCAFile and Err.
type CAFileError struct {
	Path string // Options.CAFile
	Err  error  // why: the file system's error, or that it holds no PEM certificate
}

// Error returns a message such as
// `console: CA file "ca.pem": no PEM certificate in it`.
func (e *CAFileError) Error() string {
	return fmt.Sprintf("console: CA file %q: %v", e.Path, e.Err)
}

func (e *CAFileError) Unwrap() []error { return []error{ErrCAFile, e.Err} }

// transportError is a request that got no HTTP response. It matches
// ErrUnreachable and the transport's error, and ErrCertificate when the
// server's certificate was refused.
type transportError struct {
	method, path string
	err          error

	connected bool // a connection was made: the request may have been sent
	final     bool // retrying cannot help (TLS failure)
	cert      bool // the server's certificate was refused
}

func (e *transportError) Error() string {
	return fmt.Sprintf("console: %s %s: %v", e.method, e.path, e.err)
}

func (e *transportError) Unwrap() []error {
	if e.cert {
		return []error{ErrUnreachable, ErrCertificate, e.err}
	}
	return []error{ErrUnreachable, e.err}
}

// outcomeError is the failure of a request that is not safe to repeat
// and may have reached the Console. It matches ErrOutcomeUnknown and the
// failure.
type outcomeError struct {
	method, path string
	err          error
}

func (e *outcomeError) Error() string {
	if e.method == http.MethodPost && e.path == "/api/jobs" {
		return e.err.Error() + "; the job may have been submitted: check the Console " +
			"before submitting it again"
	}
	return e.err.Error() + "; the Console may have carried out the request"
}

func (e *outcomeError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.err} }

// retryAfterError refuses to wait for a Retry-After pause longer than
// the limit. err is the answer that asked for it, or nil when an earlier
// answer did.
type retryAfterError struct {
	method, path string
	wait, limit  time.Duration
	err          error
}

func (e *retryAfterError) Error() string {
	wait := e.wait.Round(time.Second)
	if e.err != nil {
		return fmt.Sprintf("%v: Retry-After asks for a pause of %v, more than the %v limit; try again later",
			e.err, wait, e.limit)
	}
	return fmt.Sprintf("console: %s %s: not sent: the Console asked (Retry-After) for a pause of "+
		"%v more, longer than the %v limit; try again later", e.method, e.path, wait, e.limit)
}

func (e *retryAfterError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrRetryAfterTooLong}
	}
	return []error{ErrRetryAfterTooLong, e.err}
}
