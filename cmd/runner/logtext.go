package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aipflow/runner/console"
)

// textHandler is the slog handler of --log-format text. It prints each
// record as one plain line, in the style of the rest of stderr rather than
// slog's time=… level=… msg=…:
//
//	runner: warning: POST /api/jobs: HTTP 503 Service Unavailable; retrying in 1.2s (attempt 1 of 4)
//	runner: journal not written: the run cannot be resumed from here: disk full
//	15:04:05.000  debug: console request method=GET path=/api/info status=200 duration=12ms
//
// Warnings and errors start with "runner: warning: " and "runner: ", as
// the command's own do; debug and info lines, which only -v shows, start
// with their time. Attributes follow as key=value, durations rounded for
// reading and empty text left out, and an "err" attribute ends the line
// after a colon. It is safe for concurrent use.
type textHandler struct {
	w     io.Writer
	mu    *sync.Mutex // shared by the handlers WithAttrs and WithGroup derive
	level slog.Leveler
	attrs []slog.Attr // of WithAttrs, their keys qualified by their groups
	group string      // qualifies later keys: "g." for WithGroup("g")
}

func newTextHandler(w io.Writer, level slog.Leveler) *textHandler {
	return &textHandler{w: w, mu: &sync.Mutex{}, level: level}
}

func (h *textHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *textHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append(h.attrs[:len(h.attrs):len(h.attrs)], qualify(h.group, attrs)...)
	return &h2
}

func (h *textHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.group = h.group + name + "."
	return &h2
}

func (h *textHandler) Handle(_ context.Context, r slog.Record) error {
	attrs := append([]slog.Attr(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, qualify(h.group, []slog.Attr{a})...)
		return true
	})
	line := retryLine(r, attrs)
	if line == "" {
		line = textLine(r, attrs)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, line+"\n")
	return err
}

// textLine formats a record as textHandler describes.
func textLine(r slog.Record, attrs []slog.Attr) string {
	var b strings.Builder
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("runner: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("runner: warning: ")
	case r.Time.IsZero():
		fmt.Fprintf(&b, "%s: ", strings.ToLower(r.Level.String()))
	default:
		fmt.Fprintf(&b, "%s  %s: ", r.Time.Format("15:04:05.000"), strings.ToLower(r.Level.String()))
	}
	b.WriteString(r.Message)
	var errText string
	for _, a := range attrs {
		switch {
		case a.Key == "err":
			errText = a.Value.String()
			continue
		case a.Value.Kind() == slog.KindString && a.Value.String() == "":
			continue // item="" job_id="" on every line of a run without them
		}
		fmt.Fprintf(&b, " %s=%s", a.Key, textValue(a.Value))
	}
	if errText != "" {
		b.WriteString(": " + errText)
	}
	return b.String()
}

// retryLine formats the warning of a retried request (console.RetryMessage)
// as a sentence: "runner: warning: GET /api/jobs/…: HTTP 503 …; retrying
// in 1.2s (attempt 1 of 4)". It returns "" for any other record, or one
// that lacks an attribute it needs; textLine then formats it.
func retryLine(r slog.Record, attrs []slog.Attr) string {
	if r.Message != console.RetryMessage {
		return ""
	}
	v := map[string]slog.Value{}
	for _, a := range attrs {
		v[a.Key] = a.Value
	}
	method, path, delay := v["method"], v["path"], v["delay"]
	attempt, most := v["attempt"], v["max_attempts"]
	err, hasErr := v["err"]
	if method.Kind() != slog.KindString || path.Kind() != slog.KindString ||
		attempt.Kind() != slog.KindInt64 || most.Kind() != slog.KindInt64 ||
		delay.Kind() != slog.KindDuration || !hasErr {
		return ""
	}
	request := method.String() + " " + path.String()
	what := strings.TrimPrefix(err.String(), "console: ")
	what = strings.TrimPrefix(what, request+": ")
	return fmt.Sprintf("runner: warning: %s: %s; retrying in %s (attempt %d of %d)",
		request, what, readable(delay.Duration()), attempt.Int64(), most.Int64())
}

// qualify returns attrs with their keys prefixed by group, groups opened
// into their members and values resolved (a secret's LogValue is
// "[redacted]").
func qualify(group string, attrs []slog.Attr) []slog.Attr {
	var out []slog.Attr
	for _, a := range attrs {
		a.Value = a.Value.Resolve()
		switch {
		case a.Equal(slog.Attr{}):
		case a.Value.Kind() == slog.KindGroup:
			prefix := group
			if a.Key != "" {
				prefix += a.Key + "."
			}
			out = append(out, qualify(prefix, a.Value.Group())...)
		default:
			a.Key = group + a.Key
			out = append(out, a)
		}
	}
	return out
}

// textValue formats an attribute's value: durations rounded for reading,
// text quoted when it holds spaces, quotes, = or other characters that
// would make the line ambiguous.
func textValue(v slog.Value) string {
	switch v.Kind() {
	case slog.KindDuration:
		return readable(v.Duration()).String()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	}
	s := v.String()
	if s == "" || strings.IndexFunc(s, needsQuote) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

func needsQuote(r rune) bool {
	return r == '"' || r == '=' || unicode.IsSpace(r) || !unicode.IsPrint(r)
}

// readable rounds a duration to the precision people read: 1.2s, 12ms,
// 340µs, 2m05s.
func readable(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// secondsAttr is the ReplaceAttr of --log-format json: a duration
// becomes a number of seconds under its key with "_s" appended, such as
// "duration_s": 0.012, where slog would write nanoseconds without a unit.
// The run's own events write elapsed_s so.
func secondsAttr(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key+"_s", a.Value.Duration().Seconds())
	}
	return a
}
