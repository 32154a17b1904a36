package console

import (
	"bytes"
	"encoding/json"
	"html"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxExcerpt is the longest body description put into an error.
const maxExcerpt = 200

var (
	htmlTitle   = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	htmlHidden  = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)\s*>|<!--.*?-->`)
	htmlTag     = regexp.MustCompile(`(?s)<[^>]*>`)
	whitespaces = regexp.MustCompile(`\s+`)
)

// mediaType returns the lower-case media type of a Content-Type header
// value, without parameters, or "" when there is none.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		// Keep what precedes the parameters of a malformed header.
		mt, _, _ = strings.Cut(contentType, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	return mt
}

// looksHTML reports whether a body is an HTML (or XML) page rather than
// JSON or text: proxies and login redirects answer with such pages.
func looksHTML(mt string, body []byte) bool {
	if mt == "text/html" || mt == "application/xhtml+xml" {
		return true
	}
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("<"))
}

// isJSON reports whether a success body should be decoded as JSON: a JSON
// media type, or no or a plain-text type with a body that starts like JSON.
func isJSON(mt string, body []byte) bool {
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		return !looksHTML("", body)
	}
	if mt != "" && mt != "text/plain" && mt != "application/octet-stream" {
		return false
	}
	t := bytes.TrimSpace(body)
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// excerpt describes a response body in one short line for an error
// message: the message of a JSON error body, "HTML page" and its title or
// text, or the start of any other text. secret, when not empty, is
// replaced so that a server echoing the request cannot leak the key.
func excerpt(mt string, body []byte, secret string) string {
	var s string
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return ""
	case looksHTML(mt, body):
		s = htmlSummary(body)
	default:
		s = jsonMessage(body)
		if s == "" {
			s = string(body)
		}
	}
	if secret != "" {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	return truncate(collapse(s), maxExcerpt)
}

// htmlSummary returns "HTML page" followed by the page's title, or by the
// start of its text when it has no title.
func htmlSummary(body []byte) string {
	if m := htmlTitle.FindSubmatch(body); m != nil {
		if title := collapse(html.UnescapeString(string(m[1]))); title != "" {
			return `HTML page "` + title + `"`
		}
	}
	text := htmlHidden.ReplaceAll(body, nil)
	text = htmlTag.ReplaceAll(text, []byte(" "))
	if t := collapse(html.UnescapeString(string(text))); t != "" {
		return "HTML page: " + t
	}
	return "HTML page"
}

// jsonMessage returns the "message" (or else "error") field of a JSON
// object, as Spring and the Console write them in error bodies.
func jsonMessage(body []byte) string {
	var v struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	if v.Message != "" {
		return v.Message
	}
	return v.Error
}

// collapse replaces every run of white space with one space and trims.
func collapse(s string) string {
	return strings.TrimSpace(whitespaces.ReplaceAllString(s, " "))
}

// truncate cuts s to at most n bytes at a rune boundary, marking the cut
// with "...", and replaces invalid UTF-8.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
