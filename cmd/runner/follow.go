package main

import (
	"io"
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

// logSink takes one line of the log of a Console job and the workflow
// step whose job wrote it: "deliver", or "deliver [webi]" for a matrix
// item. A display that owns the terminal can take the lines with a sink
// of its own.
type logSink func(step, line string)

// newLogSink returns a sink that writes each line to w as
// "step | line", in one Write, so that a stderrStream places it whole
// (above the live view, or as a JSON object). Control characters of the
// line, which could move a terminal's cursor or clear its screen, become
// U+FFFD; a line holding newlines is written as several lines.
func newLogSink(w io.Writer) logSink {
	return func(step, line string) {
		var b strings.Builder
		for _, part := range strings.Split(strings.TrimRight(line, "\r\n"), "\n") {
			b.WriteString(step)
			b.WriteString(" | ")
			b.WriteString(strings.Map(printable, strings.TrimSuffix(part, "\r")))
			b.WriteByte('\n')
		}
		_, _ = io.WriteString(w, b.String())
	}
}

// printable maps the control characters of a log line, but tab, to
// U+FFFD.
func printable(r rune) rune {
	if r != '\t' && (r < 0x20 || r >= 0x7f && r < 0xa0) {
		return '\uFFFD'
	}
	return r
}

// engineLogs adapts a sink to engine.Options.OnLog, naming each line's
// step with its matrix item, as the progress lines do.
func engineLogs(sink logSink) func(engine.LogLine) {
	return func(l engine.LogLine) {
		step := l.Step
		if l.Item != "" {
			step += " [" + l.Item + "]"
		}
		sink(step, l.Text)
	}
}
