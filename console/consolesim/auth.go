package consolesim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
)

// Header and cookie names of the Console's authentication and CSRF scheme.
const (
	headerAPIKey  = "X-API-KEY"
	headerXSRF    = "X-XSRF-TOKEN"
	cookieSession = "JSESSIONID"
	cookieXSRF    = "XSRF-TOKEN"
)

// authenticate checks the credentials of r and returns the user name the
// Console would report for them. An API key stands for the user "admin".
// The key is compared in constant time and never leaves this function.
func (s *Server) authenticate(r *http.Request) (user string, ok bool) {
	if key := r.Header.Get(headerAPIKey); key != "" {
		if s.opts.APIKey == "" || equalSecret(key, s.opts.APIKey) {
			return "admin", true
		}
	}
	if name, pass, found := r.BasicAuth(); found {
		if want, known := s.opts.Users[name]; known && equalSecret(pass, want) {
			return name, true
		}
	}
	return "", false
}

func equalSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// unsafeMethod reports whether a request with this method changes state and
// so needs a CSRF token, as Spring Security's default rule has it.
func unsafeMethod(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
