package main

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"

	"github.com/aipflow/runner/engine"
)

// registerFollowLogs adds --follow-logs to the flags of run and resume.
func registerFollowLogs(fs *pflag.FlagSet, on *bool) {
	fs.BoolVar(on, "follow-logs", false,
		"print the main log of every Console job step on stderr as the job runs,\n"+
			"each line after its step id (and matrix item)")
}

// logLines returns the Options.OnLog of --follow-logs. Each line of a
// Console job's log goes to stderr, which prints it above the live view
// while one runs: as "step [item] | line", named as the progress lines
// name steps, or with --log-format json as a JSON object with msg
// "console log" and the item, step, job and Console step it comes from.
func (a *app) logLines() func(engine.LogLine) {
	if a.logFormat == logJSON {
		log := a.newLogger(slog.LevelInfo)
		return func(l engine.LogLine) {
			log.LogAttrs(context.Background(), slog.LevelInfo, "console log", logLineAttrs(l)...)
		}
	}
	w := a.stderr
	return func(l engine.LogLine) { writeLogLine(w, l) }
}

// writeLogLine writes a line of a Console job's log to w as
// "step [item] | line", in one Write, so that a stderrStream places it
// whole. Control characters of the line, which could move a terminal's
// cursor or clear its screen, become U+FFFD; a line holding newlines is
// written as several lines.
func writeLogLine(w io.Writer, l engine.LogLine) {
	step := engine.StepName(l.Step, l.Item)
	var b strings.Builder
	for _, part := range strings.Split(strings.TrimRight(l.Text, "\r\n"), "\n") {
		b.WriteString(step)
		b.WriteString(" | ")
		b.WriteString(strings.Map(printable, strings.TrimSuffix(part, "\r")))
		b.WriteByte('\n')
	}
	_, _ = io.WriteString(w, b.String())
}

// printable maps the control characters of a log line, but tab, to
// U+FFFD.
func printable(r rune) rune {
	if r != '\t' && (r < 0x20 || r >= 0x7f && r < 0xa0) {
		return '\uFFFD'
	}
	return r
}
