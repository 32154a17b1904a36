package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// do sends one API request and decodes a JSON answer into out (unless out
// is nil). in, when not nil, is sent as a JSON body. State-changing
// methods get an XSRF token first and are retried once after a 403 with a
// refreshed session.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("console: %s %s: encode request: %w", method, path, err)
		}
	}

	changes := method != http.MethodGet && method != http.MethodHead
	if changes {
		if err := c.ensureXSRF(ctx); err != nil {
			return err
		}
	}
	resp, err := c.send(ctx, method, path, body)
	if changes && errors.Is(err, ErrForbidden) {
		// The XSRF token may have expired with the session: start a new
		// session once and repeat the request once. A second 403 is final.
		c.log.DebugContext(ctx, "forbidden; refreshing session", "method", method, "path", path)
		if lerr := c.Login(ctx); lerr != nil {
			return lerr
		}
		resp, err = c.send(ctx, method, path, body)
	}
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return c.decode(method, path, resp, out)
}

// send performs one HTTP exchange. A status other than 200, 201, 202 or
// 204 is returned as a *StatusError, a transport failure as a
// *transportError, and a canceled context as its cause.
func (c *Client) send(ctx context.Context, method, path string, body []byte) (*response, error) {
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return nil, err
	}

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.log.DebugContext(ctx, "console request", "method", method, "path", path,
			"duration", time.Since(start), "err", err)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("console: %s %s: %w", method, path, context.Cause(ctx))
		}
		// url.Error repeats method and URL; keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &transportError{method: method, path: path, err: err}
	}
	data, rerr := readBody(resp)
	c.log.DebugContext(ctx, "console request", "method", method, "path", path,
		"status", resp.StatusCode, "duration", time.Since(start))
	if rerr != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("console: %s %s: %w", method, path, context.Cause(ctx))
		}
		rerr = fmt.Errorf("read body: %w", rerr)
		return nil, &transportError{method: method, path: path, err: rerr}
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
	return nil, &StatusError{
		Method:      method,
		Path:        path,
		Status:      r.status,
		ContentType: r.contentType,
		Body:        excerpt(r.contentType, data, string(c.auth.key)),
		RetryAfter:  retryAfter(resp.Header.Get("Retry-After"), time.Now()),
		credentials: c.auth.describe(),
	}
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
// without a token and a 403 triggers the session refresh in do.
func (c *Client) ensureXSRF(ctx context.Context) error {
	if c.xsrfToken(c.infoURL) != "" || c.xsrfProbed.Load() {
		return nil
	}
	_, err := c.send(ctx, http.MethodGet, "/api/", nil)
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
