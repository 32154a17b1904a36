package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// logFormat is the value of --log-format: how stderr carries progress
// and logs.
type logFormat string

const (
	logText logFormat = "text" // lines for people; a live view on a terminal
	logJSON logFormat = "json" // one JSON object a line, for log collectors
)

func (f *logFormat) String() string {
	if *f == "" {
		return string(logText)
	}
	return string(*f)
}

func (f *logFormat) Set(s string) error {
	switch v := logFormat(s); v {
	case logText, logJSON:
		*f = v
		return nil
	}
	return fmt.Errorf("%q is not a log format: write text or json", s)
}

func (f *logFormat) Type() string { return "text|json" }

// setupOutput checks the output flags and puts the command's stderr
// behind a stderrStream, which writes JSON with --log-format json and
// prints above a live view while one runs. It runs once flags are parsed.
func (a *app) setupOutput() error {
	if a.quiet && a.verbose {
		return errors.New("-q/--quiet and -v/--verbose exclude each other")
	}
	s, ok := a.stderr.(*stderrStream)
	if !ok {
		s = &stderrStream{out: a.stderr, now: a.clock}
		a.stderr = s
	}
	s.mu.Lock()
	s.json = a.logFormat == logJSON
	s.mu.Unlock()
	if a.live != nil {
		a.live.setOut(a.stderr)
	}
	return nil
}

// progressf prints a progress message on stderr, unless --quiet.
func (a *app) progressf(format string, args ...any) {
	if a.quiet {
		return
	}
	fmt.Fprintf(a.stderr, format, args...)
}

// runLine tells of the run as a whole on stderr, unless --quiet: text as
// it is, or with --log-format json an object whose msg is event, with the
// run's id and attrs as fields, so that a log collector need not read the
// text.
func (a *app) runLine(text, event, runID string, attrs ...any) {
	if a.quiet {
		return
	}
	if a.logFormat == logJSON {
		a.newLogger(slog.LevelInfo).Info(event, append([]any{"run_id", runID}, attrs...)...)
		return
	}
	fmt.Fprint(a.stderr, text)
}

// errorLine prints an error on w, a command's stderr, as it is, or as a
// JSON object of level ERROR with --log-format json.
func errorLine(w io.Writer, msg string) {
	s, ok := w.(*stderrStream)
	if !ok || !s.json {
		fmt.Fprintln(w, msg)
		return
	}
	line := jsonLine(s.now(), msg, slog.LevelError)
	_, _ = s.write([]byte(line+"\n"), true)
}

// newLogger returns a logger that writes to stderr at level: plain lines
// (textHandler), or JSON objects with --log-format json, where durations
// are seconds (secondsAttr).
func (a *app) newLogger(level slog.Level) *slog.Logger {
	if a.logFormat == logJSON {
		opts := &slog.HandlerOptions{Level: level, ReplaceAttr: secondsAttr}
		return slog.New(slog.NewJSONHandler(structured(a.stderr), opts))
	}
	return slog.New(newTextHandler(a.stderr, level))
}

// stderrStream is the stderr of a command. Lines written to it go to out,
// converted to JSON objects when json is set; while a live view runs,
// they go to the view, which prints them above its live area. It is safe
// for concurrent use. Without json and a view, writes pass as they are.
type stderrStream struct {
	mu      sync.Mutex
	out     io.Writer
	json    bool
	now     func() time.Time
	view    func(line string) // prints a line above the live view; nil when none runs
	partial []byte            // the start of a line, until its newline comes
}

func (s *stderrStream) Write(p []byte) (int, error) {
	return s.write(p, false)
}

// write writes p, which holds JSON objects already when structured.
func (s *stderrStream) write(p []byte, structured bool) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.json && s.view == nil && len(s.partial) == 0 {
		return s.out.Write(p)
	}
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		line := string(s.partial[:i])
		s.partial = s.partial[i+1:]
		s.line(line, structured)
	}
	if len(s.partial) == 0 {
		s.partial = nil
	}
	return len(p), nil
}

// line writes one whole line, without its newline.
func (s *stderrStream) line(text string, structured bool) {
	if s.json && !structured {
		text = jsonLine(s.now(), text, slog.LevelInfo)
	}
	if s.view != nil {
		s.view(text)
		return
	}
	_, _ = io.WriteString(s.out, text+"\n") // stderr gone: nowhere to tell
}

// attach makes lines go to view until detach.
func (s *stderrStream) attach(view func(line string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.view = view
}

// detach makes lines go to out again; a partial line written meanwhile
// ends there.
func (s *stderrStream) detach() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.view = nil
	if len(s.partial) > 0 && !s.json {
		_, _ = s.out.Write(s.partial)
		s.partial = nil
	}
}

// structuredWriter passes JSON lines to a stderrStream unconverted.
type structuredWriter struct{ s *stderrStream }

func (w structuredWriter) Write(p []byte) (int, error) { return w.s.write(p, true) }

// structured returns a writer for lines that are JSON objects already.
func structured(w io.Writer) io.Writer {
	if s, ok := w.(*stderrStream); ok {
		return structuredWriter{s}
	}
	return w
}

// jsonLine turns a line of text into a JSON object as slog writes them.
// Its level comes from its prefix: "runner: warning: " and "warning: "
// for warnings, "runner: " for errors; without one, it is level.
func jsonLine(now time.Time, text string, level slog.Level) string {
	msg := text
	for _, p := range []struct {
		prefix string
		level  slog.Level
	}{
		{"runner: warning: ", slog.LevelWarn},
		{"warning: ", slog.LevelWarn},
		{"runner: ", slog.LevelError},
	} {
		if rest, ok := strings.CutPrefix(text, p.prefix); ok {
			level, msg = p.level, rest
			break
		}
	}
	b, err := json.Marshal(struct {
		Time  time.Time `json:"time"`
		Level string    `json:"level"`
		Msg   string    `json:"msg"`
	}{now, level.String(), msg})
	if err != nil {
		return text
	}
	return string(b)
}
