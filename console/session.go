package console

import (
	"context"
	"net/http"
)

// Login starts a session with GET /api/user, as the official client does
// right after start-up and every 10 minutes while polling. Any success
// status means the credentials were accepted; the body is ignored. The
// session and XSRF cookies the Console sets are kept for later requests.
// A wrong key gives an error matching ErrUnauthorized after one request:
// a refused login is never retried.
//
// Once a login succeeded, a later call refused with 401 or 403 logs in
// again by itself and is tried once more.
func (c *Client) Login(ctx context.Context) error {
	_, err := c.exchange(ctx, call{method: http.MethodGet, path: "/api/user", login: true})
	if err == nil {
		c.sessions.Add(1)
	}
	return err
}

// Info returns the Console's API information from GET /api/, notably
// APIVersion (e.g. "1.29.1"). Unlike the official client, which goes on
// with empty information when this call fails, Info returns the error.
func (c *Client) Info(ctx context.Context) (APIInfo, error) {
	var info APIInfo
	err := c.do(ctx, http.MethodGet, "/api/", nil, &info)
	return info, err
}
