package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aipflow/runner/engine"
)

const portfolioWorkflow = "../../workflows/nightly-portfolio.yaml"

// loadPlan loads a workflow file as run does.
func loadPlan(t *testing.T, file string) *engine.Plan {
	t.Helper()
	var errb bytes.Buffer
	a := &app{stderr: &errb, getenv: func(string) string { return "" }}
	p, err := a.load(file)
	if err != nil {
		t.Fatalf("load %s: %v\n%s", file, err, errb.String())
	}
	return p
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

func TestLiveBoardShowsWhatGoesOn(t *testing.T) {
	b := newBoard(loadPlan(t, mainWorkflow), t0, plainStyle())
	var above []string
	for _, e := range []engine.Event{
		{Time: at(0), Step: "find", State: engine.Running},
		{Time: at(400 * time.Millisecond), Step: "find", State: engine.Completed},
		{Time: at(time.Second), Step: "create", State: engine.Skipped, Reason: "condition false"},
		{Time: at(time.Second), Step: "backup", State: engine.Running},
		{Time: at(time.Second), Step: "backup", State: engine.Running, JobGUID: "g1", Attempt: 1},
		{Time: at(2 * time.Second), Step: "backup", State: engine.Running, JobGUID: "g1",
			Progress: "backup", Attempt: 1},
		{Time: at(3 * time.Second), Step: "node", State: engine.Waiting,
			Reason: "application demo-app"},
	} {
		above = append(above, b.apply(e)...)
	}
	want := []string{
		"✓ find         completed   0.4s",
		"- create       skipped           condition false",
	}
	if diff := cmp.Diff(want, above); diff != "" {
		t.Errorf("lines above the live area (-want +got):\n%s", diff)
	}
	got := b.view(at(70*time.Second), 0)
	wantView := strings.Join([]string{
		"backup-analyze-consolidate  2/7 steps  1m10s",
		"  ◌ node         waiting    1m07s  for application demo-app",
		"  ● backup       running    1m09s  console step backup",
		"  · pending: deliver, analyze, consolidate",
	}, "\n")
	if diff := cmp.Diff(wantView, got); diff != "" {
		t.Errorf("live area (-want +got):\n%s", diff)
	}
}

func TestLiveBoardRetryAndFailure(t *testing.T) {
	b := newBoard(loadPlan(t, mainWorkflow), t0, plainStyle())
	for _, e := range []engine.Event{
		{Time: at(0), Step: "analyze", State: engine.Running},
		{Time: at(0), Step: "analyze", State: engine.Running, JobGUID: "g1", Attempt: 1},
		{Time: at(time.Second), Step: "analyze", State: engine.Running, Attempt: 1,
			Reason: "attempt 1 failed, again in 5s"},
	} {
		b.apply(e)
	}
	if got := b.view(at(2*time.Second), 0); !strings.Contains(got,
		"analyze      running     2.0s  job g1, attempt 1 failed, again in 5s") {
		t.Errorf("the live area does not show the retry:\n%s", got)
	}
	b.apply(engine.Event{Time: at(3 * time.Second), Step: "analyze", State: engine.Running,
		JobGUID: "g2", Attempt: 2})
	if got := b.view(at(4*time.Second), 0); !strings.Contains(got, "job g2, attempt 2") {
		t.Errorf("the live area does not show the second attempt:\n%s", got)
	}
	lines := b.apply(engine.Event{Time: at(5 * time.Second), Step: "analyze", State: engine.Failed,
		Reason: "job failed at step analyze"})
	want := []string{"✗ analyze      failed      5.0s  job failed at step analyze"}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("line of the failure (-want +got):\n%s", diff)
	}
}

// A matrix run shows the items that run, each with its steps, and
// collapses the others: pending ones into one line, ended ones into a
// line above the live area.
func TestLiveBoardMatrixCollapsesItems(t *testing.T) {
	p := loadPlan(t, portfolioWorkflow)
	labels := p.ItemLabels()
	if len(labels) < 3 {
		t.Fatalf("want a matrix of 3 items or more, got %v", labels)
	}
	b := newBoard(p, t0, plainStyle())
	var above []string
	for _, e := range []engine.Event{
		{Time: at(0), Item: labels[0], Step: "find", State: engine.Running},
		{Time: at(0), Item: labels[0], Step: "find", State: engine.Completed},
		{Time: at(0), Item: labels[0], Step: "backup", State: engine.Skipped,
			Reason: "condition false"},
		{Time: at(0), Item: labels[0], Step: "rescan", State: engine.Running},
		{Time: at(0), Item: labels[1], Step: "find", State: engine.Running},
		{Time: at(time.Second), Item: labels[1], Step: "find", State: engine.Completed},
		{Time: at(time.Second), Item: labels[1], Step: "backup", State: engine.Running},
		{Time: at(2 * time.Second), Item: labels[1], Step: "backup", State: engine.Failed,
			Reason: "job failed"},
		{Time: at(2 * time.Second), Item: labels[1], Step: "rescan", State: engine.UpstreamFailed},
		{Time: at(3 * time.Second), Item: labels[0], Step: "rescan", State: engine.Running,
			JobGUID: "g1", Progress: "analyze", Attempt: 1},
	} {
		above = append(above, b.apply(e)...)
	}
	item := fmt.Sprintf("%-*s", widest(labels), "["+labels[1]+"]")
	want := []string{
		"✗ " + item + " backup  failed      1.0s  job failed",
		"✗ " + item + " rescan  upstream_failed",
		"✗ [" + labels[1] + "] ended in 2.0s: 1 failed, 1 upstream_failed",
	}
	if diff := cmp.Diff(want, above); diff != "" {
		t.Errorf("lines above the live area (-want +got):\n%s", diff)
	}
	got := b.view(at(10*time.Second), 0)
	for _, line := range []string{
		"nightly-portfolio  1/" + strconv.Itoa(len(labels)) + " items done, 1 running  10s",
		"  [" + labels[0] + "]  2/3 steps  10s",
		"    ● rescan  running      10s  console step analyze",
		"  · " + plural(len(labels)-2, "item") + " pending: " + strings.Join(labels[2:], ", "),
	} {
		if !strings.Contains(got, line+"\n") && !strings.HasSuffix(got, line) {
			t.Errorf("live area has no line %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, "["+labels[1]+"]") {
		t.Errorf("the ended item is still in the live area:\n%s", got)
	}
	above = b.apply(engine.Event{Time: at(11 * time.Second), Item: labels[0], Step: "rescan",
		State: engine.Completed})
	want = []string{"✓ [" + labels[0] + "] completed in 11s (3 steps, 1 skipped)"}
	if diff := cmp.Diff(want, above); diff != "" {
		t.Errorf("line of the item's end (-want +got):\n%s", diff)
	}
}

func TestLiveBoardFitsTheTerminalHeight(t *testing.T) {
	p := loadPlan(t, portfolioWorkflow)
	b := newBoard(p, t0, plainStyle())
	for _, l := range p.ItemLabels() {
		b.apply(engine.Event{Time: at(0), Item: l, Step: "find", State: engine.Running})
	}
	for _, height := range []int{4, 6, 40} {
		lines := strings.Split(b.view(at(time.Second), height), "\n")
		if len(lines) > height-1 {
			t.Errorf("height %d: %d lines, want at most %d:\n%s", height, len(lines), height-1,
				strings.Join(lines, "\n"))
		}
	}
	lines := strings.Split(b.view(at(time.Second), 4), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "more lines") {
		t.Errorf("a cut live area ends with %q, want how many lines it left out", last)
	}
}

func TestRoughly(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{420 * time.Millisecond, "0.4s"},
		{9960 * time.Millisecond, "10.0s"},
		{42 * time.Second, "42s"},
		{25*time.Minute + 10*time.Second, "25m10s"},
		{3*time.Hour + 5*time.Minute + 20*time.Second, "3h05m"},
	} {
		if got := roughly(tt.d); got != tt.want {
			t.Errorf("roughly(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// A resumed run tells nothing of the steps it keeps: the board takes them
// from the journal, and gives a kept step back to the run that runs it.
func TestLiveBoardResumedRun(t *testing.T) {
	b := newBoard(loadPlan(t, mainWorkflow), t0, plainStyle())
	b.resume(&engine.Journal{Items: []engine.JournalItem{{Steps: []engine.JournalStep{
		{ID: "find", State: engine.Completed},
		{ID: "node", State: engine.Completed},
		{ID: "create", State: engine.Skipped},
		{ID: "backup", State: engine.Failed},
	}}}})
	got := b.view(at(time.Second), 0)
	want := "backup-analyze-consolidate  3/7 steps  1.0s\n" +
		"  · pending: backup, deliver, analyze, consolidate"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("live area (-want +got):\n%s", diff)
	}
	b.apply(engine.Event{Time: at(time.Second), Step: "create", State: engine.Running})
	if got := b.view(at(2*time.Second), 0); !strings.Contains(got, "2/7 steps") ||
		!strings.Contains(got, "● create") {
		t.Errorf("a kept step that runs again is not shown running:\n%s", got)
	}
}

// The lines of steps that ended in a matrix run line up as those of a run
// without matrix: item labels and step ids padded, so that the states
// start in one column whatever the item and the step.
func TestLiveBoardMatrixEndLinesAlign(t *testing.T) {
	p := loadPlan(t, portfolioWorkflow)
	labels := p.ItemLabels()
	b := newBoard(p, t0, plainStyle())
	var lines []string
	for i, l := range labels {
		step := []string{"backup", "find", "rescan"}[i%3]
		lines = append(lines, b.apply(engine.Event{Time: at(0), Item: l, Step: step,
			State: engine.Canceled, Reason: "run interrupted"})...)
	}
	col := -1
	for _, line := range lines {
		if strings.Contains(line, " ended in ") {
			continue // the line of an item, not of a step
		}
		i := strings.Index(line, "canceled")
		if i < 0 {
			t.Fatalf("line without its state: %q", line)
		}
		if n := len([]rune(line[:i])); col < 0 {
			col = n
		} else if n != col {
			t.Errorf("state at column %d, want %d as in the line before:\n%s",
				n, col, strings.Join(lines, "\n"))
		}
	}
	if col < 0 {
		t.Fatalf("no step line:\n%s", strings.Join(lines, "\n"))
	}
}

// widest returns the width of the widest label, brackets included.
func widest(labels []string) int {
	w := 0
	for _, l := range labels {
		w = max(w, len(l)+2)
	}
	return w
}
