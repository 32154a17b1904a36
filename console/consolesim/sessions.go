package consolesim

import (
	"net/http"
	"strings"
	"time"

	"github.com/aipflow/runner/console"
)

// maxSessions bounds the session table: a client without a cookie jar opens
// a new session with every request, and the oldest ones are then forgotten.
const maxSessions = 1024

// A session is one JSESSIONID the server handed out, with its XSRF token.
type session struct {
	id      string
	token   string
	opened  time.Time
	rotated time.Time // when token was last renewed on schedule
}

// sessions is the server's session table. The zero value is not usable;
// call newSessions.
type sessions struct {
	byID  map[string]*session
	order []*session // oldest first; may still hold forgotten sessions
}

func newSessions() sessions {
	return sessions{byID: make(map[string]*session)}
}

// lookup returns the live session named by r's JSESSIONID cookie, or nil.
// A session opened ttl or more ago is forgotten first (ttl ≤ 0: never).
// When rotate is positive and a rotation is due, the session's XSRF token
// is renewed: rotations fall every rotate after the session opened.
func (ss *sessions) lookup(r *http.Request, now time.Time, ttl, rotate time.Duration) *session {
	c, err := r.Cookie(cookieSession)
	if err != nil {
		return nil
	}
	se := ss.byID[c.Value]
	if se == nil {
		return nil
	}
	if expired(se, now, ttl) {
		delete(ss.byID, se.id)
		return nil
	}
	if since := now.Sub(se.rotated); rotate > 0 && since >= rotate {
		se.rotated = se.rotated.Add(since / rotate * rotate)
		se.token = console.NewGUID()
	}
	return se
}

func expired(se *session, now time.Time, ttl time.Duration) bool {
	return ttl > 0 && now.Sub(se.opened) >= ttl
}

// create opens a session at now. ttl serves to drop expired sessions.
func (ss *sessions) create(now time.Time, ttl time.Duration) *session {
	ss.prune(now, ttl)
	se := &session{
		id:      strings.ToUpper(randomHex(16)),
		token:   console.NewGUID(),
		opened:  now,
		rotated: now,
	}
	ss.byID[se.id] = se
	ss.order = append(ss.order, se)
	if len(ss.order) > maxSessions {
		delete(ss.byID, ss.order[0].id)
		ss.order = ss.order[1:]
	}
	return se
}

// prune drops forgotten and expired sessions from the front of the order.
// Sessions expire in the order they opened, so that is where they are.
func (ss *sessions) prune(now time.Time, ttl time.Duration) {
	for len(ss.order) > 0 {
		se := ss.order[0]
		known := ss.byID[se.id] == se
		if known && !expired(se, now, ttl) {
			return
		}
		if known {
			delete(ss.byID, se.id)
		}
		ss.order = ss.order[1:]
	}
}

// forget drops every session, as a restarted Console has none.
func (ss *sessions) forget() {
	clear(ss.byID)
	ss.order = nil
}

// cookies returns the cookies that hand out a session: an HttpOnly
// JSESSIONID and an XSRF-TOKEN the client can read and echo.
func (se *session) cookies() []*http.Cookie {
	return []*http.Cookie{
		{Name: cookieSession, Value: se.id, Path: "/", HttpOnly: true},
		se.xsrfCookie(),
	}
}

func (se *session) xsrfCookie() *http.Cookie {
	return &http.Cookie{Name: cookieXSRF, Value: se.token, Path: "/"}
}

// staleToken reports whether r carries no XSRF-TOKEN cookie, or another
// one than the session's current token: the answer then sets it again.
func (se *session) staleToken(r *http.Request) bool {
	c, err := r.Cookie(cookieXSRF)
	return err != nil || c.Value != se.token
}
