package engine

import (
	"context"
	"strings"
	"sync"
	"time"
)

// LogLine is one line of the main log of a Console job step, as
// Options.OnLog receives it.
type LogLine struct {
	Item        string // the matrix item's label; "" without matrix:
	Step        string // id of the workflow step whose job wrote it
	JobGUID     string
	ConsoleStep string // the job step whose log holds it, such as "unzip_source"
	Text        string
}

const (
	// maxLogPages bounds the pages of a step's log read at one poll, so
	// that a long log does not hold the polls of the job back: the rest
	// is read at the next polls.
	maxLogPages = 20

	// maxDrainPages bounds the pages of a step's log read once the job
	// has ended, so that a log that keeps growing cannot hold the end of
	// the step; 2,000 pages are 6 million lines at the Console's usual
	// page size. logDrainWait bounds the time.
	maxDrainPages = 2000

	// maxLogErrors is how many failed log reads in a row end the
	// following of a job's logs: a Console without the log endpoints
	// would otherwise be asked at every poll.
	maxLogErrors = 5

	// logDrainWait bounds the reading of the rest of a job's logs once
	// the job has ended.
	logDrainWait = 30 * time.Second
)

// follower reads the main logs of the Console steps of one job while the
// engine waits for it, and hands their lines to Options.OnLog in order:
// step after step, as the job's status lists them. It reads at most once
// per poll interval, the log of the step in progress one page at a time;
// a step that has ended is read to its end before the next one, over
// several polls if it is long. Its errors are logged at Debug level, a
// log it could not show whole at Warn level; neither changes the step's
// outcome.
type follower struct {
	r        *runner
	item     string
	step     string
	guid     string
	interval time.Duration

	mu    sync.Mutex
	steps []string // Console steps seen, in order

	// Owned by the goroutine of loop.
	at   int       // index in steps of the step being read
	cur  LogCursor // where the log of steps[at] goes on from
	errs int       // failed reads in a row

	done     chan bool // receives whether to read the rest, once
	finished chan struct{}
}

// follow starts following the logs of the job of sr, polling every
// interval, and returns the follower; nil, which does nothing, when the
// run does not follow logs. A job that a resumed run re-attaches to is
// followed from the Console step the earlier run saw last: the logs of
// the steps before it were shown then.
func (r *runner) follow(ctx context.Context, t *task, sr *StepResult,
	interval time.Duration) *follower {
	if r.opts.OnLog == nil {
		return nil
	}
	f := &follower{
		r: r, item: t.item.res.Label, step: t.node.ID(), guid: sr.JobGUID, interval: interval,
		done: make(chan bool, 1), finished: make(chan struct{}),
	}
	for _, cs := range sr.ConsoleSteps {
		if cs.Attempt == sr.Attempts {
			f.steps = append(f.steps, cs.Name)
		}
	}
	f.at = max(len(f.steps)-1, 0)
	go f.loop(ctx)
	return f
}

// see records the Console steps a status of the job shows: those of its
// fullSteps, which lists the steps that ended since the last poll too,
// then its progressStep.
func (f *follower) see(st JobStatus) {
	if f == nil {
		return
	}
	names := fullSteps(st.Doc)
	if st.ProgressStep != "" {
		names = append(names, st.ProgressStep)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, name := range names {
		if !containsFold(f.steps, name) {
			f.steps = append(f.steps, name)
		}
	}
}

// stop ends the following and waits for it. With rest, the job has
// ended: the rest of every step's log is read first.
func (f *follower) stop(rest bool) {
	if f == nil {
		return
	}
	f.done <- rest
	<-f.finished
}

func (f *follower) loop(ctx context.Context) {
	defer close(f.finished)
	tick := time.NewTicker(f.interval)
	defer tick.Stop()
	for {
		select {
		case rest := <-f.done:
			if rest {
				dctx, cancel := context.WithTimeout(ctx, logDrainWait)
				f.read(dctx, true)
				cancel()
			}
			return
		case <-tick.C:
			f.read(ctx, false)
		}
	}
}

// read reads what is new: the rest of each step that has ended, then,
// unless final, one page of the step in progress. A step that has ended
// is read maxLogPages pages at a time; until its end is reached, the
// next read goes on from its cursor rather than moving to the next step.
// With final every step is read to its end, or to maxDrainPages pages.
func (f *follower) read(ctx context.Context, final bool) {
	f.mu.Lock()
	steps := f.steps
	f.mu.Unlock()
	for f.at < len(steps) && f.errs < maxLogErrors && ctx.Err() == nil {
		current := f.at == len(steps)-1 && !final
		pages := maxLogPages
		switch {
		case current:
			pages = 1
		case final:
			pages = maxDrainPages
		}
		end, ok := f.readStep(ctx, steps[f.at], pages)
		if !ok || current {
			break
		}
		if !end && !final {
			return // the rest at the next poll
		}
		if !end {
			f.r.log.Warn("job log cut: the rest of the step's log is not shown", "step", f.step,
				"job_id", f.guid, "console_step", steps[f.at], "pages", pages)
		}
		f.at++
		f.cur = LogCursor{}
	}
	if final && ctx.Err() != nil && f.at < len(steps) {
		f.r.log.Warn("job log cut: reading the rest was stopped", "step", f.step,
			"job_id", f.guid, "console_step", steps[f.at], "err", context.Cause(ctx))
	}
}

// readStep reads at most pages pages of the log of one Console step,
// from the cursor on. It reports whether it reached the end of the log (a
// page at its end, or an empty page), and false after a failed read.
func (f *follower) readStep(ctx context.Context, step string, pages int) (end, ok bool) {
	for range pages {
		page, err := f.r.opts.Jobs.ReadLog(ctx, f.guid, step, f.cur)
		if err != nil {
			f.errs++
			f.r.log.Debug("read job log", "step", f.step, "job_id", f.guid,
				"console_step", step, "err", err)
			if f.errs == maxLogErrors {
				f.r.log.Debug("job log no longer followed", "step", f.step, "job_id", f.guid)
			}
			return false, false
		}
		f.errs = 0
		f.cur = page.Next
		f.emit(step, page.Lines)
		if page.EOF || len(page.Lines) == 0 {
			return true, true
		}
	}
	return false, true
}

// emit hands lines to Options.OnLog, together: no progress event comes
// between them.
func (f *follower) emit(consoleStep string, lines []string) {
	if len(lines) == 0 {
		return
	}
	f.r.emitMu.Lock()
	defer f.r.emitMu.Unlock()
	for _, text := range lines {
		f.r.opts.OnLog(LogLine{Item: f.item, Step: f.step, JobGUID: f.guid,
			ConsoleStep: consoleStep, Text: text})
	}
}

// fullSteps returns the step names of a status document's fullSteps:
// objects with a step field (Console 1.20 and later), or names.
func fullSteps(doc map[string]any) []string {
	list, _ := doc["fullSteps"].([]any)
	var out []string
	for _, e := range list {
		switch v := e.(type) {
		case string:
			out = append(out, v)
		case map[string]any:
			if s, _ := v["step"].(string); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}
