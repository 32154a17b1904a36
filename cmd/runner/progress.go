package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/aipflow/runner/engine"
)

// progress prints one line per step state or Console progress change,
// as text or as JSON objects, and a heartbeat line for each step that runs
// or waits without a line for a while, so that a CI job that watches its
// output does not take a long analysis for a hung one. It keeps track of
// the Console jobs that run, for a second interrupt. It is safe for
// concurrent use.
type progress struct {
	mu        sync.Mutex
	w         io.Writer
	log       *slog.Logger // writes JSON objects instead of lines; nil for text
	width     int          // of the widest step id
	itemWidth int          // of the widest matrix item label, brackets included
	live      *liveJobs
	every     time.Duration // heartbeat interval; 0 means no heartbeat
	active    map[stepKey]*activeStep
	items     map[string]int // item label -> position, for a stable heartbeat order
}

// stepKey names a step of a matrix item.
type stepKey struct{ item, step string }

// activeStep is a step that runs or waits, as its heartbeat tells it.
type activeStep struct {
	state    engine.State
	since    time.Time // when it began to run, or to wait
	last     time.Time // when a line last told about it
	progress string    // its job's Console progress step
	reason   string    // what it waits for
	order    int       // of its item, then of its step, in the plan
}

// newProgress returns a text progress printer for a run of p; live may be
// nil.
func newProgress(w io.Writer, p *engine.Plan, live *liveJobs) *progress {
	if live == nil {
		live = &liveJobs{}
	}
	pr := &progress{w: w, live: live, active: map[stepKey]*activeStep{}, items: map[string]int{}}
	for _, n := range p.Nodes {
		pr.width = max(pr.width, len(n.ID()))
	}
	for i, l := range p.ItemLabels() {
		pr.itemWidth = max(pr.itemWidth, len(l)+2)
		pr.items[l] = i
	}
	return pr
}

func (p *progress) event(e engine.Event) {
	p.live.see(e)
	p.mu.Lock()
	defer p.mu.Unlock()
	var ran time.Duration
	if s := p.active[stepKey{e.Item, e.Step}]; s != nil && s.state == engine.Running && e.State.Ended() {
		ran = e.Time.Sub(s.since)
	}
	p.track(e)
	if p.log != nil {
		p.logEvent(e, ran)
		return
	}
	var b strings.Builder
	p.prefix(&b, e.Time, e.Item, e.Step)
	b.WriteString(string(e.State))
	switch {
	case e.State == engine.Waiting:
		fmt.Fprintf(&b, " for %s", e.Reason)
		fmt.Fprintln(p.w, b.String())
		return
	case e.Progress != "":
		fmt.Fprintf(&b, "  console step %s", e.Progress)
	case e.JobGUID != "" && e.State == engine.Running:
		fmt.Fprintf(&b, "  job %s", e.JobGUID)
		if e.Attempt > 1 {
			fmt.Fprintf(&b, ", attempt %d", e.Attempt)
		}
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, "  (%s)", e.Reason)
	}
	fmt.Fprintln(p.w, b.String())
}

// prefix writes the start of a text line: time, item and step.
func (p *progress) prefix(b *strings.Builder, t time.Time, item, step string) {
	fmt.Fprintf(b, "%s  ", t.Format("15:04:05.000"))
	if item != "" {
		fmt.Fprintf(b, "%-*s  ", p.itemWidth, "["+item+"]")
	}
	fmt.Fprintf(b, "%-*s  ", p.width, step)
}

// track keeps the steps that run or wait, for their heartbeat.
func (p *progress) track(e engine.Event) {
	k := stepKey{e.Item, e.Step}
	if e.State != engine.Running && e.State != engine.Waiting {
		delete(p.active, k)
		return
	}
	s := p.active[k]
	if s == nil || s.state != e.State {
		s = &activeStep{state: e.State, since: e.Time, order: p.items[e.Item]}
		p.active[k] = s
	}
	s.last = e.Time
	if e.Progress != "" {
		s.progress = e.Progress
	}
	if e.State == engine.Waiting {
		s.reason = e.Reason
	}
}

// beat prints a heartbeat line for every step that runs or waits and of
// which no line told for the heartbeat interval, as of now.
func (p *progress) beat(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.every <= 0 {
		return
	}
	keys := make([]stepKey, 0, len(p.active))
	for k, s := range p.active {
		if now.Sub(s.last) >= p.every {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := p.active[keys[i]], p.active[keys[j]]
		if a.order != b.order {
			return a.order < b.order
		}
		return keys[i].step < keys[j].step
	})
	for _, k := range keys {
		s := p.active[k]
		s.last = now
		if p.log != nil {
			p.logBeat(now, k, s)
			continue
		}
		var b strings.Builder
		p.prefix(&b, now, k.item, k.step)
		if s.state == engine.Waiting {
			fmt.Fprintf(&b, "still waiting for %s (%s)", s.reason, roughly(now.Sub(s.since)))
		} else if s.progress != "" {
			fmt.Fprintf(&b, "still running (%s, %s)", s.progress, roughly(now.Sub(s.since)))
		} else {
			fmt.Fprintf(&b, "still running (%s)", roughly(now.Sub(s.since)))
		}
		fmt.Fprintln(p.w, b.String())
	}
}

// heartbeat calls beat with clock's time until stop is closed, often
// enough for a line to come at most a fifth of the interval late.
func (p *progress) heartbeat(clock func() time.Time, stop <-chan struct{}) {
	period := min(max(p.every/5, time.Millisecond), 10*time.Second)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.beat(clock())
		}
	}
}

// roughly formats a duration as people read an elapsed time: 0.4s, 42s,
// 25m10s, 3h05m.
func roughly(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// liveJobs is the set of Console jobs a run has submitted and not seen
// end, for the message of a second interrupt. It also knows where the
// messages of the signal handler go: the command's stderr, above a live
// view while one runs. It is safe for concurrent use; the zero value is
// empty and ready.
type liveJobs struct {
	mu      sync.Mutex
	jobs    map[string]string // item and step -> job GUID
	out     io.Writer         // the command's stderr; nil until it is set up
	release func()            // stops the live view; nil when none runs
}

// see updates the set from a run's event.
func (l *liveJobs) see(e engine.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := engine.StepName(e.Step, e.Item)
	switch {
	case e.State == engine.Running && e.JobGUID != "":
		if l.jobs == nil {
			l.jobs = map[string]string{}
		}
		l.jobs[key] = e.JobGUID
	case e.State.Ended() || e.Reason != "":
		// Ended, or between two attempts of retry:.
		delete(l.jobs, key)
	}
}

// list returns "GUID (step)" for every job not seen ending, sorted.
func (l *liveJobs) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.jobs))
	for step, guid := range l.jobs {
		out = append(out, fmt.Sprintf("%s (%s)", guid, step))
	}
	sort.Strings(out)
	return out
}

// setOut makes say write to w, the stderr of the command that runs.
func (l *liveJobs) setOut(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.out = w
}

// say prints a message of the signal handler: on the command's stderr,
// which prints it above a live view and formats it as --log-format says,
// or on w before the command set its stderr up.
func (l *liveJobs) say(w io.Writer, msg string) {
	l.mu.Lock()
	if l.out != nil {
		w = l.out
	}
	l.mu.Unlock()
	fmt.Fprintln(w, msg)
}

// onRelease sets what stopView calls; nil unsets it.
func (l *liveJobs) onRelease(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.release = f
}

// stopView stops the live view, if one runs, and gives the terminal back
// as it was, for a process that exits at once.
func (l *liveJobs) stopView() {
	l.mu.Lock()
	f := l.release
	l.mu.Unlock()
	if f != nil {
		f()
	}
}

// printSummary writes the table that closes every run, then the
// workflow's outputs: once per matrix item, under the item's label.
func printSummary(w io.Writer, res *engine.Result) {
	for i, it := range res.Items {
		if it.Label != "" {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "ITEM %s\n", it.Label)
		}
		printSteps(w, it.Steps)
		printOutputs(w, it.Outputs)
	}
}

func printSteps(w io.Writer, steps []*engine.StepResult) {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSTATE\tDURATION\tJOB\tNOTE")
	for _, s := range steps {
		d := "-"
		if s.Duration() > 0 {
			d = s.Duration().Round(10 * time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.State, d, orDash(s.JobGUID), note(s))
	}
	tw.Flush()
	// A row with an empty last column would end in padding.
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

func printOutputs(w io.Writer, outputs map[string]any) {
	if len(outputs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nOUTPUTS")
	names := make([]string, 0, len(outputs))
	for k := range outputs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %s: %s\n", k, display(outputs[k]))
	}
}

// note says what a step did or why it did not: the version a step
// created, or the reason it failed or was skipped; then whether a resume
// kept it, whether its failure was ignored and how many times its job
// was submitted.
func note(s *engine.StepResult) string {
	parts := []string{what(s)}
	if s.Kept {
		parts = append(parts, "kept from the earlier run")
	}
	if s.Ignored {
		parts = append(parts, "ignored: continue-on-error")
	}
	if s.Attempts > 1 {
		parts = append(parts, fmt.Sprintf("%d attempts", s.Attempts))
	}
	return strings.TrimPrefix(strings.Join(parts, "; "), "; ")
}

func what(s *engine.StepResult) string {
	if s.Reason != "" {
		return s.Reason
	}
	if v, ok := s.Outputs["versionName"].(string); ok && s.Outputs["versionGuid"] != nil {
		return fmt.Sprintf("version %s (%s)", v, shortGUID(s.Outputs["versionGuid"]))
	}
	if f, ok := s.Outputs["found"].(bool); ok {
		if !f {
			return "not found"
		}
		for _, k := range []string{"appGuid", "versionGuid", "nodeGuid"} {
			if v, ok := s.Outputs[k]; ok && v != nil {
				return fmt.Sprintf("found %s %s", k, shortGUID(v))
			}
		}
	}
	return ""
}

// shortGUID shortens a GUID in a note to its first 8 digits, so that the
// summary fits a terminal; the JOB column and the outputs keep whole ones.
func shortGUID(v any) string {
	s := fmt.Sprint(v)
	if len(s) == 36 && s[8] == '-' {
		return s[:8] + "…"
	}
	return s
}

// canceledJobs lists, as "GUID (step)", the jobs of a run that the
// runner canceled and the Console confirmed, and those it could not
// confirm.
func canceledJobs(res *engine.Result) (confirmed, unconfirmed []string) {
	for _, it := range res.Items {
		for _, s := range it.Steps {
			if s.JobGUID == "" || s.State != engine.Canceled && !s.CancelUnconfirmed {
				continue
			}
			entry := fmt.Sprintf("%s (%s)", s.JobGUID, engine.StepName(s.ID, it.Label))
			if s.CancelUnconfirmed {
				unconfirmed = append(unconfirmed, entry)
			} else {
				confirmed = append(confirmed, entry)
			}
		}
	}
	return confirmed, unconfirmed
}

func orDash(v any) any {
	if v == nil || v == "" {
		return "-"
	}
	return v
}

// display formats an output value: text as it is, nil as "-", anything
// else as JSON.
func display(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case string:
		if v == "" {
			return "-"
		}
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
