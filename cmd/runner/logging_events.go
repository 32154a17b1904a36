package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/aipflow/runner/engine"
)

// Keys of the JSON objects of --log-format json, besides slog's time,
// level and msg. The engine's own log lines use the same for the same
// things. A duration is a number of seconds under a key that ends in _s,
// here as in the lines of the engine and the client (secondsAttr).
const (
	keyItem     = "item"      // matrix item label; absent without matrix:
	keyStep     = "step"      // step id
	keyState    = "state"     // step state
	keyProgress = "progress"  // Console progress step of the job
	keyJob      = "job_id"    // Console job GUID
	keyAttempt  = "attempt"   // the job's submission, from 1
	keyReason   = "reason"    // why a step waits, failed or was skipped
	keyElapsed  = "elapsed_s" // how long the step ran or waited, in seconds

	keyConsoleStep = "console_step" // the job step whose log holds a line
	keyLine        = "line"         // a line of a Console job's log
)

// logEvent writes a run's event as a JSON object: "step <state>", or
// "console step" when the job moved to another Console progress step. ran
// is how long an ended step ran, or 0.
func (p *progress) logEvent(e engine.Event, ran time.Duration) {
	level, msg := slog.LevelInfo, "step "+string(e.State)
	switch {
	case e.State == engine.Failed || e.State == engine.Canceled || e.State == engine.UpstreamFailed:
		level = slog.LevelWarn
	case e.State == engine.Running && e.Progress != "":
		msg = "console step"
	}
	attrs := stepAttrs(e.Item, e.Step, e.State)
	if e.Progress != "" {
		attrs = append(attrs, slog.String(keyProgress, e.Progress))
	}
	if e.JobGUID != "" {
		attrs = append(attrs, slog.String(keyJob, e.JobGUID))
	}
	if e.Attempt > 0 {
		attrs = append(attrs, slog.Int(keyAttempt, e.Attempt))
	}
	if e.Reason != "" {
		attrs = append(attrs, slog.String(keyReason, e.Reason))
	}
	if ran > 0 {
		attrs = append(attrs, slog.Float64(keyElapsed, ran.Seconds()))
	}
	p.record(e.Time, level, msg, attrs)
}

// logBeat writes the heartbeat of a step as a JSON object.
func (p *progress) logBeat(now time.Time, k stepKey, s *activeStep) {
	msg := "step still running"
	attrs := stepAttrs(k.item, k.step, s.state)
	if s.state == engine.Waiting {
		msg = "step still waiting"
		attrs = append(attrs, slog.String(keyReason, s.reason))
	} else if s.progress != "" {
		attrs = append(attrs, slog.String(keyProgress, s.progress))
	}
	attrs = append(attrs, slog.Float64(keyElapsed, now.Sub(s.since).Seconds()))
	p.record(now, slog.LevelInfo, msg, attrs)
}

func stepAttrs(item, step string, state engine.State) []slog.Attr {
	attrs := make([]slog.Attr, 0, 8)
	if item != "" {
		attrs = append(attrs, slog.String(keyItem, item))
	}
	return append(attrs, slog.String(keyStep, step), slog.String(keyState, string(state)))
}

// record writes one JSON object at time t.
func (p *progress) record(t time.Time, level slog.Level, msg string, attrs []slog.Attr) {
	ctx := context.Background()
	h := p.log.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(t, level, msg, 0)
	r.AddAttrs(attrs...)
	_ = h.Handle(ctx, r) // stderr gone: nowhere to tell
}

// logLineAttrs returns the attributes of a line of a Console job's log
// in JSON: the item, step, job and Console step it comes from, and the
// line itself, without its final newline.
func logLineAttrs(l engine.LogLine) []slog.Attr {
	attrs := make([]slog.Attr, 0, 5)
	if l.Item != "" {
		attrs = append(attrs, slog.String(keyItem, l.Item))
	}
	return append(attrs, slog.String(keyStep, l.Step), slog.String(keyJob, l.JobGUID),
		slog.String(keyConsoleStep, l.ConsoleStep),
		slog.String(keyLine, strings.TrimRight(l.Text, "\r\n")))
}
