package main

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aipflow/runner/engine"
)

// board is what the live view knows of a run: the state of every step of
// every matrix item, as the run's events told it. apply takes an event
// and returns the lines to keep above the live area; view draws the live
// area. A board is not safe for concurrent use.
//
// The live area shows only what goes on: the steps that run or wait, with
// their Console progress step and elapsed time, and the names of the
// steps still pending. A step that ends leaves it for a line above it,
// which stays on the screen; in a matrix run an item that ends leaves it
// for one line, and so do its failed steps, so that the area stays small
// with many items.
type board struct {
	title   string
	started time.Time
	order   []string // step ids, in file order
	width   int      // of the widest step id
	labels  int      // of the widest matrix item label, brackets included
	matrix  bool
	items   []*boardItem
	byLabel map[string]*boardItem
	style   liveStyle
}

// boardItem is one matrix item, or the whole run without matrix:.
type boardItem struct {
	label   string
	steps   map[string]*boardStep
	started time.Time // of its first event; zero until one came
	ended   time.Time // of its last step's end
	left    int       // steps not ended
	ends    map[engine.State]int
}

// boardStep is a step of an item.
type boardStep struct {
	state    engine.State
	since    time.Time // when it began to run, or to wait
	progress string    // Console progress step of its job
	reason   string    // what it waits for, or a note while it runs
	job      string
	attempt  int
	kept     bool // from the run a resumed run goes on with
}

// newBoard returns the board of a run of p that starts at now.
func newBoard(p *engine.Plan, now time.Time, style liveStyle) *board {
	b := &board{title: p.Workflow.Name, started: now, byLabel: map[string]*boardItem{}, style: style}
	for _, n := range p.Nodes {
		b.order = append(b.order, n.ID())
		b.width = max(b.width, len(n.ID()))
	}
	labels := p.ItemLabels()
	b.matrix = len(labels) > 0
	if !b.matrix {
		labels = []string{""}
	}
	for _, l := range labels {
		b.item(l)
	}
	return b
}

// item returns the item of a label, new if the board did not know it.
func (b *board) item(label string) *boardItem {
	if it := b.byLabel[label]; it != nil {
		return it
	}
	it := &boardItem{label: label, steps: map[string]*boardStep{}, left: len(b.order),
		ends: map[engine.State]int{}}
	if label != "" {
		b.labels = max(b.labels, utf8.RuneCountInString(label)+2) // as %-*s counts
	}
	for _, id := range b.order {
		it.steps[id] = &boardStep{state: engine.Pending}
	}
	b.items = append(b.items, it)
	b.byLabel[label] = it
	return it
}

// resume shows as ended the steps that a resumed run keeps from the run
// of journal j, of which the run tells nothing; should one run again, its
// events take it back.
func (b *board) resume(j *engine.Journal) {
	for _, ji := range j.Items {
		it := b.item(ji.Label)
		for _, js := range ji.Steps {
			s := it.steps[js.ID]
			if s == nil || s.kept || (js.State != engine.Completed && js.State != engine.Skipped) {
				continue
			}
			s.state, s.kept = js.State, true
			it.left--
			it.ends[js.State]++
		}
	}
}

// apply takes an event into the board and returns the lines to print
// above the live area.
func (b *board) apply(e engine.Event) []string {
	it := b.item(e.Item)
	if it.started.IsZero() {
		it.started = e.Time
	}
	s := it.steps[e.Step]
	if s != nil && s.kept {
		s.kept = false
		it.left++
		it.ends[s.state]--
		s.state = engine.Pending
	}
	if s == nil || s.state.Ended() {
		return nil
	}
	switch e.State {
	case engine.Running:
		if s.state != engine.Running {
			s.since = e.Time
		}
		if e.JobGUID != "" && e.JobGUID != s.job {
			s.job, s.progress = e.JobGUID, ""
		}
		if e.Progress != "" {
			s.progress = e.Progress
		} else {
			s.reason = e.Reason
		}
		s.attempt = max(s.attempt, e.Attempt)
	case engine.Waiting:
		s.since, s.reason = e.Time, e.Reason
	}
	ran := time.Duration(0)
	if s.state == engine.Running && e.State.Ended() {
		ran = e.Time.Sub(s.since)
	}
	s.state = e.State
	if !e.State.Ended() {
		return nil
	}
	s.reason = e.Reason
	it.left--
	it.ends[e.State]++
	var lines []string
	if !b.matrix || failing(e.State) {
		lines = append(lines, b.endLine(it, e.Step, e.State, ran, e.Reason))
	}
	if it.left == 0 && b.matrix {
		it.ended = e.Time
		lines = append(lines, b.itemLine(it))
	}
	return lines
}

// failing reports whether a step that ended so makes its item fail, as
// far as the live view knows: continue-on-error is the summary's to tell.
func failing(s engine.State) bool {
	return s == engine.Failed || s == engine.Canceled || s == engine.UpstreamFailed
}

// endLine is the line that tells that a step ended.
func (b *board) endLine(it *boardItem, id string, state engine.State, ran time.Duration,
	reason string) string {
	icon := b.style.ok("✓")
	switch {
	case failing(state):
		icon = b.style.bad("✗")
	case state == engine.Skipped:
		icon = b.style.faint("-")
	}
	// Padded as in the live area, so that the states of the lines that
	// pile up above it line up, matrix or not.
	name := fmt.Sprintf("%-*s", b.width, id)
	if it.label != "" {
		name = fmt.Sprintf("%-*s %s", b.labels, "["+it.label+"]", name)
	}
	d := ""
	if ran > 0 {
		d = roughly(ran)
	}
	line := fmt.Sprintf("%s %s  %-9s %6s  %s", icon, name, state, d, reason)
	return strings.TrimRight(line, " ")
}

// itemLine is the line that tells that a matrix item ended.
func (b *board) itemLine(it *boardItem) string {
	took := roughly(it.ended.Sub(it.started))
	var bad []string
	for _, st := range []engine.State{engine.Failed, engine.Canceled, engine.UpstreamFailed} {
		if n := it.ends[st]; n > 0 {
			bad = append(bad, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(bad) > 0 {
		return fmt.Sprintf("%s [%s] ended in %s: %s", b.style.bad("✗"), it.label, took,
			strings.Join(bad, ", "))
	}
	note := plural(len(b.order), "step")
	if n := it.ends[engine.Skipped]; n > 0 {
		note += fmt.Sprintf(", %d skipped", n)
	}
	return fmt.Sprintf("%s [%s] completed in %s (%s)", b.style.ok("✓"), it.label, took, note)
}

// view draws the live area as of now, in at most height lines (0: no
// bound); the terminal cuts lines wider than it.
func (b *board) view(now time.Time, height int) string {
	lines := []string{b.header(now)}
	if !b.matrix {
		lines = append(lines, b.itemLines(b.items[0], now, "  ")...)
	} else {
		var pending []string
		for _, it := range b.items {
			switch {
			case it.started.IsZero():
				pending = append(pending, it.label)
			case it.left > 0:
				done := len(b.order) - it.left
				head := b.style.bold("[" + it.label + "]")
				lines = append(lines, fmt.Sprintf("  %s  %d/%d steps  %s",
					head, done, len(b.order), roughly(now.Sub(it.started))))
				lines = append(lines, b.itemLines(it, now, "    ")...)
			}
		}
		if len(pending) > 0 {
			lines = append(lines, b.style.faint(fmt.Sprintf("  · %s pending: %s",
				plural(len(pending), "item"), strings.Join(pending, ", "))))
		}
	}
	if height > 0 && len(lines) > max(height-1, 2) {
		keep := max(height-2, 1)
		more := len(lines) - keep
		lines = append(lines[:keep], b.style.faint(fmt.Sprintf("  … %d more lines", more)))
	}
	return strings.Join(lines, "\n")
}

// header is the first line of the live area.
func (b *board) header(now time.Time) string {
	var done, total, itemsDone, itemsRunning int
	for _, it := range b.items {
		done += len(b.order) - it.left
		total += len(b.order)
		switch {
		case it.left == 0:
			itemsDone++
		case !it.started.IsZero():
			itemsRunning++
		}
	}
	what := fmt.Sprintf("%d/%d steps", done, total)
	if b.matrix {
		what = fmt.Sprintf("%d/%d items done, %d running", itemsDone, len(b.items), itemsRunning)
	}
	return fmt.Sprintf("%s  %s  %s", b.style.bold(b.title), what, roughly(now.Sub(b.started)))
}

// itemLines draws the steps of an item that run or wait, one a line, and
// the steps still pending on one line.
func (b *board) itemLines(it *boardItem, now time.Time, indent string) []string {
	var lines, pending []string
	for _, id := range b.order {
		s := it.steps[id]
		took := roughly(now.Sub(s.since))
		switch s.state {
		case engine.Running:
			lines = append(lines, fmt.Sprintf("%s%s %-*s  %-9s %6s  %s", indent,
				b.style.run("●"), b.width, id, s.state, took, s.detail()))
		case engine.Waiting:
			lines = append(lines, fmt.Sprintf("%s%s %-*s  %-9s %6s  for %s", indent,
				b.style.wait("◌"), b.width, id, s.state, took, s.reason))
		case engine.Pending:
			pending = append(pending, id)
		}
	}
	if len(pending) > 0 {
		lines = append(lines, b.style.faint(indent+"· pending: "+strings.Join(pending, ", ")))
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return lines
}

// detail says what a running step does: its Console progress step, its
// job, or the note of a retry.
func (s *boardStep) detail() string {
	var parts []string
	switch {
	case s.progress != "":
		parts = append(parts, "console step "+s.progress)
	case s.job != "":
		parts = append(parts, "job "+s.job)
	}
	if s.attempt > 1 {
		parts = append(parts, fmt.Sprintf("attempt %d", s.attempt))
	}
	if s.reason != "" {
		parts = append(parts, s.reason)
	}
	return strings.Join(parts, ", ")
}
