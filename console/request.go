package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// maxBody bounds how much of a response body is read into memory.
const maxBody = 16 << 20

// response is a successful HTTP exchange with its body read.
type response struct {
	status      int
	contentType string // media type, lower-case, no parameters
	body        []byte
}

// call is one API call: its request and how to send it.
type call struct {
	method, path string
	body         []byte // nil: no body
	contentType  string // of body; empty means JSON
	once         bool   // one attempt only: the caller has its own retries
	login        bool   // the login itself: a 401 or 403 is final
}

// do sends one API call and decodes a JSON answer into out (unless out
// is nil). in, when not nil, is sent as a JSON body. Failed attempts are
// retried as RetryOptions says; state-changing methods get an XSRF token
// first; a refusal gets one new session and one more try (see exchange).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	cl := call{method: method, path: path}
	if in != nil {
		var err error
		if cl.body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("console: %s %s: encode request: %w", method, path, err)
		}
	}
	return c.doCall(ctx, cl, out)
}

// doBody is do for a body that is not JSON, such as a multipart upload
// chunk: body is sent as it is with the given Content-Type.
func (c *Client) doBody(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	return c.doCall(ctx, call{method: method, path: path, body: body, contentType: contentType}, out)
}

// doCall sends cl with exchange and decodes the answer into out.
func (c *Client) doCall(ctx context.Context, cl call, out any) error {
	r, err := c.exchange(ctx, cl)
	if err != nil || out == nil {
		return err
	}
	return c.decode(cl.method, cl.path, r, out)
}

// exchange sends cl with its retries. A state-changing call first gets an
// XSRF token when the session has none. A call refused with 401 or 403
// after a successful login, or a state-changing call refused with 403
// (an expired XSRF token), starts one new session with Login and is sent
// once more; a second refusal is final. The login itself is never
// repeated that way, so a wrong key costs one request.
func (c *Client) exchange(ctx context.Context, cl call) (*response, error) {
	changes := changesState(cl.method)
	if changes {
		if err := c.ensureXSRF(ctx); err != nil {
			return nil, err
		}
	}
	gen := c.sessions.Load()
	r, err := c.attempts(ctx, cl)
	if err == nil || !c.refreshes(cl, changes, err) {
		return r, err
	}
	c.log.DebugContext(ctx, "request refused; starting a new session",
		"method", cl.method, "path", cl.path)
	if err := c.newSession(ctx, gen); err != nil {
		return nil, err
	}
	return c.attempts(ctx, cl)
}

// changesState reports whether a request of this method may change the
// Console's state, and so needs an XSRF token.
func changesState(method string) bool {
	return method != http.MethodGet && method != http.MethodHead
}

// refreshes reports whether err, a refusal of cl, calls for a new
// session and one more try.
func (c *Client) refreshes(cl call, changes bool, err error) bool {
	if cl.login {
		return false
	}
	if changes && errors.Is(err, ErrForbidden) {
		return true
	}
	refused := errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden)
	return refused && c.sessions.Load() > 0
}

// newSession logs in again, unless another goroutine did since gen was
// read: callers refused together share one new session.
func (c *Client) newSession(ctx context.Context, gen uint64) error {
	select {
	case c.relogin <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("console: log in again: %w", context.Cause(ctx))
	}
	defer func() { <-c.relogin }()
	if c.sessions.Load() != gen {
		return nil
	}
	return c.Login(ctx)
}

// sendCall performs one HTTP exchange, once the host gate is open. A
// status other than 200, 201, 202 or 204 is returned as a *StatusError, a
// transport failure as a *transportError, and a canceled context as its
// cause. A 429 or 503 with Retry-After closes the host gate for that long.
func (c *Client) sendCall(ctx context.Context, cl call) (*response, error) {
	if err := c.waitGate(ctx, cl); err != nil {
		return nil, err
	}
	var connected atomic.Bool
	tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	})
	req, err := c.newRequest(tctx, cl.method, cl.path, cl.body)
	if err != nil {
		return nil, err
	}
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	}

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.log.DebugContext(ctx, "console request", "method", cl.method, "path", cl.path,
			"duration", time.Since(start), "err", err)
		return nil, transportFailure(ctx, cl, err, connected.Load())
	}
	data, rerr := readBody(resp)
	c.log.DebugContext(ctx, "console request", "method", cl.method, "path", cl.path,
		"status", resp.StatusCode, "duration", time.Since(start))
	if rerr != nil {
		return nil, transportFailure(ctx, cl, fmt.Errorf("read body: %w", rerr), true)
	}

	r := &response{
		status:      resp.StatusCode,
		contentType: mediaType(resp.Header.Get("Content-Type")),
		body:        data,
	}
	switch r.status {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent:
		return r, nil
	}
	se := &StatusError{
		Method:      cl.method,
		Path:        cl.path,
		Status:      r.status,
		ContentType: r.contentType,
		Body:        excerpt(r.contentType, data, string(c.auth.key)),
		RetryAfter:  retryAfter(resp.Header.Get("Retry-After"), time.Now()),
		credentials: c.auth.describe(),
	}
	return nil, c.pauseFor(cl, se)
}

// pauseFor closes the host gate for the Retry-After of a 429 or 503 and
// returns the error of that answer: se, or an error matching
// ErrRetryAfterTooLong when the pause is longer than the limit.
func (c *Client) pauseFor(cl call, se *StatusError) error {
	if se.RetryAfter <= 0 ||
		(se.Status != http.StatusTooManyRequests && se.Status != http.StatusServiceUnavailable) {
		return se
	}
	c.gate.hold(time.Now().Add(se.RetryAfter))
	if se.RetryAfter > c.retry.MaxRetryAfter {
		return &retryAfterError{method: cl.method, path: cl.path, wait: se.RetryAfter,
			limit: c.retry.MaxRetryAfter, err: se}
	}
	return se
}

// transportFailure returns the error of a request that got no complete
// answer. connected tells whether a connection was made, after which the
// request may have reached the Console.
func transportFailure(ctx context.Context, cl call, err error, connected bool) error {
	if ctx.Err() != nil {
		err = fmt.Errorf("console: %s %s: %w", cl.method, cl.path, context.Cause(ctx))
		if connected && !idempotent(cl.method) {
			return &outcomeError{method: cl.method, path: cl.path, err: err}
		}
		return err
	}
	// url.Error repeats method and URL; keep only the cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	te := &transportError{method: cl.method, path: cl.path, err: err, connected: connected}
	classifyTLS(te)
	return te
}

// newRequest builds a request for path with credentials, the XSRF token
// held in the cookie jar (cookies themselves are added by the jar), and a
// JSON body when body is not nil.
func (c *Client) newRequest(
	ctx context.Context, method, path string, body []byte,
) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("console: %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if c.auth.user != "" {
		req.SetBasicAuth(c.auth.user, string(c.auth.key))
	} else {
		req.Header.Set(headerAPIKey, string(c.auth.key))
	}
	if tok := c.xsrfToken(req.URL); tok != "" {
		req.Header.Set(headerXSRF, tok)
	}
	return req, nil
}

// readBody reads at most maxBody bytes, then drains a little more so the
// connection can be reused, and closes the body.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return data, err
}

// decode unmarshals a success body into out. A body that is not JSON,
// such as a proxy's or login page's HTML, is reported by content type
// rather than as a JSON syntax error.
func (c *Client) decode(method, path string, r *response, out any) error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return fmt.Errorf("console: %s %s: HTTP %d with an empty body, want JSON",
			method, path, r.status)
	}
	if !isJSON(r.contentType, r.body) {
		ct := r.contentType
		if ct == "" {
			ct = "untyped"
		}
		return fmt.Errorf("console: %s %s: HTTP %d response is %s, not JSON: %s",
			method, path, r.status, ct, excerpt(r.contentType, r.body, string(c.auth.key)))
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		return fmt.Errorf("console: %s %s: decode response: %w", method, path, err)
	}
	return nil
}

// xsrfToken returns the XSRF-TOKEN cookie the jar holds for u, or "".
// The name is matched case-insensitively, as the official client does.
func (c *Client) xsrfToken(u *url.URL) string {
	for _, ck := range c.hc.Jar.Cookies(u) {
		if strings.EqualFold(ck.Name, cookieXSRF) {
			return ck.Value
		}
	}
	return ""
}

// ensureXSRF obtains an XSRF cookie with GET /api/ (the documented way)
// when the jar has none and none was asked for yet. A failure other than
// 401 or an unreachable Console is not fatal: the request then goes
// without a token and a 403 triggers the session refresh in exchange.
func (c *Client) ensureXSRF(ctx context.Context) error {
	if c.xsrfToken(c.infoURL) != "" || c.xsrfProbed.Load() {
		return nil
	}
	_, err := c.attempts(ctx, call{method: http.MethodGet, path: "/api/"})
	var se *StatusError
	if err != nil && (!errors.As(err, &se) || se.Status == http.StatusUnauthorized) {
		return err
	}
	c.xsrfProbed.Store(true)
	return nil
}

// maxRetryAfterSeconds bounds a parsed Retry-After (one day) so that an
// absurd value cannot overflow a time.Duration.
const maxRetryAfterSeconds = 24 * 60 * 60

// retryAfter parses a Retry-After header value, in seconds or as an HTTP
// date, into a delay from now; it returns 0 when there is none.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(min(max(s, 0), maxRetryAfterSeconds)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
