package engine_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolejobs"
	"github.com/aipflow/runner/console/consolesim"
	"github.com/aipflow/runner/engine"
)

// logLines records what a run hands to OnLog.
type logLines struct {
	mu  sync.Mutex
	all []engine.LogLine
}

func (l *logLines) add(line engine.LogLine) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, line)
}

const followed = `version: 1
name: followed
matrix:
  items: [app1, app2]
steps:
  find:
    query: application
    with: {name: "${{ item }}"}
  deliver:
    job: add_version
    with: {appGuid: "${{ steps.find.outputs.appGuid }}", sourcePath: "sources:x",
           endStep: deliver_version, extensionAutoConfigEnabled: "false"}
`

// Every line of every Console step's main log reaches OnLog once, with
// the workflow step and matrix item, steps in the job's order and lines in
// the log's order, and all of them before the step's end is told.
func TestFollowLogsInOrder(t *testing.T) {
	w := newSlowWorld(t, 15*time.Millisecond, "app1", "app2")
	var lines logLines
	var order []string // "log" and "end" per item, in the order told
	var orderMu sync.Mutex
	res, _ := w.run(t, context.Background(), followed, nil, func(o *engine.Options) {
		o.OnLog = func(l engine.LogLine) {
			lines.add(l)
			orderMu.Lock()
			order = append(order, l.Item+" log")
			orderMu.Unlock()
		}
		obs := o.Observer
		o.Observer = func(e engine.Event) {
			obs(e)
			if e.Step == "deliver" && e.State.Ended() {
				orderMu.Lock()
				order = append(order, e.Item+" end")
				orderMu.Unlock()
			}
		}
	})
	steps := []string{"unzip_source", "code_scanner", "add_version", "create_package",
		"attach_package_to_version", "deliver_version"}
	for _, it := range res.Items {
		if it.Steps[1].State != engine.Completed {
			t.Fatalf("item %s: deliver %s", it.Label, it.Steps[1].State)
		}
		var got []string
		for _, l := range lines.all {
			if l.Item != it.Label {
				continue
			}
			if l.Step != "deliver" || l.JobGUID != it.Steps[1].JobGUID {
				t.Errorf("line %+v, want step deliver of job %s", l, it.Steps[1].JobGUID)
			}
			got = append(got, l.ConsoleStep+": "+strings.Fields(l.Text)[0]+" "+
				strings.Join(strings.Fields(l.Text)[1:3], " "))
		}
		var want []string
		for _, s := range steps {
			// The client masks the world's API key, "k", in log lines.
			masked := strings.ReplaceAll(s, "k", "[redacted]")
			want = append(want, s+": INFO step "+masked, s+": INFO job "+it.Steps[1].JobGUID,
				s+": INFO step "+masked)
		}
		if !slices.Equal(got, want) {
			t.Errorf("item %s: lines\n%s\nwant\n%s", it.Label, strings.Join(got, "\n"),
				strings.Join(want, "\n"))
		}
	}
	for _, item := range []string{"app1", "app2"} {
		last := slices.Index(order, item+" end")
		if last < 0 || slices.Contains(order[last:], item+" log") {
			t.Errorf("item %s: a log line came after the step ended: %v", item, order)
		}
	}
}

// countingLogs counts ReadLog calls and may fail them all.
type countingLogs struct {
	engine.JobService
	calls atomic.Int32
	fail  bool
}

func (c *countingLogs) ReadLog(ctx context.Context, guid, step string,
	cur engine.LogCursor) (engine.LogPage, error) {
	c.calls.Add(1)
	if c.fail {
		return engine.LogPage{}, errors.New("logs unavailable")
	}
	return c.JobService.ReadLog(ctx, guid, step, cur)
}

const longBackup = `version: 1
name: backup
steps:
  backup:
    job: BACKUP
    poll: 20s
    with: {appGuid: "%s"}
`

// The logs of a job are read no more often than its status is polled,
// plus once at its end.
func TestFollowLogsKeepsToPollInterval(t *testing.T) {
	w := newSlowWorld(t, 300*time.Millisecond, "app1")
	jobs := &countingLogs{JobService: w.jobs}
	var lines logLines
	start := time.Now()
	res, _ := w.run(t, context.Background(), fmt.Sprintf(longBackup, w.apps["app1"]), nil,
		func(o *engine.Options) {
			o.Jobs, o.OnLog, o.Speed = jobs, lines.add, 1000 // polls every 20 ms
		})
	elapsed := time.Since(start)
	wantStates(t, res, map[string]string{"backup": "completed"})
	limit := int32(elapsed/(20*time.Millisecond)) + 2
	if n := jobs.calls.Load(); n > limit || n < 2 {
		t.Errorf("%d log reads in %v, want at most one per 20 ms poll and the last: %d",
			n, elapsed, limit)
	}
	if len(lines.all) != 3 {
		t.Errorf("%d lines, want the step's 3", len(lines.all))
	}
}

// Failed log reads leave the job's outcome alone, and stop after a few.
func TestFollowLogsErrorsDoNotFailStep(t *testing.T) {
	w := newSlowWorld(t, 100*time.Millisecond, "app1")
	jobs := &countingLogs{JobService: w.jobs, fail: true}
	var lines logLines
	res, _ := w.run(t, context.Background(), fmt.Sprintf(longBackup, w.apps["app1"]), nil,
		func(o *engine.Options) {
			o.Jobs, o.OnLog, o.Speed = jobs, lines.add, 4000 // polls every 5 ms
		})
	wantStates(t, res, map[string]string{"backup": "completed"})
	if n := jobs.calls.Load(); n != 5 {
		t.Errorf("%d failed log reads, want 5 before giving up", n)
	}
	if len(lines.all) != 0 {
		t.Errorf("lines %v from a failing log", lines.all)
	}
}

// A log of more pages than one read takes is shown whole: the rest of a
// step that has ended is read at the next polls, and at the job's end,
// before the log of the next step.
func TestFollowLogsReadsLongLogsWhole(t *testing.T) {
	const progress = 90 // lines besides the start, job and end lines
	sim := consolesim.New(consolesim.Options{APIKey: "k", StepTime: 10 * time.Millisecond,
		LogLines: progress})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := console.New(console.Options{BaseURL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	// Two lines a page: 47 pages a Console step, more than one read takes.
	w := &world{sim: sim, jobs: &consolejobs.Service{Client: c, LogLines: 2},
		apps: map[string]string{}}
	for _, a := range []string{"app1", "app2"} {
		w.apps[a] = sim.AddApplication(a)
	}

	var lines logLines
	res, _ := w.run(t, context.Background(), followed, nil, func(o *engine.Options) {
		o.OnLog = lines.add
	})
	var want []string
	for _, step := range []string{"unzip_source", "code_scanner", "add_version", "create_package",
		"attach_package_to_version", "deliver_version"} {
		want = append(want, step+" started", step+" job")
		for n := range progress {
			want = append(want, fmt.Sprintf("%s progress %d of %d", step, n+1, progress))
		}
		want = append(want, step+" done")
	}
	for _, it := range res.Items {
		if it.Steps[1].State != engine.Completed {
			t.Fatalf("item %s: deliver %s", it.Label, it.Steps[1].State)
		}
		var got []string
		for _, l := range lines.all {
			if l.Item == it.Label {
				got = append(got, logEvent(l))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("item %s: %d lines, want %d; first difference at %s", it.Label,
				len(got), len(want), firstDiff(got, want))
		}
	}
}

// logEvent names what a line of the simulator's logs tells:
// "unzip_source started", "unzip_source job", "unzip_source progress 1 of
// 90", "unzip_source done".
func logEvent(l engine.LogLine) string {
	f := strings.Fields(l.Text)
	switch {
	case len(f) > 1 && f[1] == "job":
		return l.ConsoleStep + " job"
	case len(f) > 6 && f[3] == "progress":
		return l.ConsoleStep + " " + strings.Join(f[3:7], " ")
	case len(f) > 3:
		// The step's name in the text may be masked: the API key is "k".
		return l.ConsoleStep + " " + f[3]
	}
	return l.Text
}

// firstDiff describes where two lists of lines first differ.
func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("line %d: %q, want %q", i+1, got[i], want[i])
		}
	}
	return fmt.Sprintf("line %d", min(len(got), len(want))+1)
}

// endlessLog is a job service whose step logs never end: every read
// returns one more line.
type endlessLog struct {
	engine.JobService
	reads atomic.Int32
}

func (e *endlessLog) ReadLog(ctx context.Context, guid, step string,
	cur engine.LogCursor) (engine.LogPage, error) {
	n := e.reads.Add(1)
	return engine.LogPage{Lines: []string{fmt.Sprint("line ", n)},
		Next: engine.LogCursor{Name: "main", Offset: cur.Offset + 1}}, nil
}

// A log that keeps growing after its job ended is read up to a bound,
// and the cut is told.
func TestFollowLogsCutsEndlessLog(t *testing.T) {
	w := newWorld(t, "app1")
	jobs := &endlessLog{JobService: w.jobs}
	var lines logLines
	var log syncBuffer
	res, _ := w.run(t, context.Background(), fmt.Sprintf(longBackup, w.apps["app1"]), nil,
		func(o *engine.Options) {
			o.Jobs, o.OnLog, o.Speed = jobs, lines.add, 1000 // polls every 20 ms
			o.Logger = slog.New(slog.NewTextHandler(&log, nil))
		})
	wantStates(t, res, map[string]string{"backup": "completed"})
	if n := len(lines.all); n < 2000 || n > 2100 {
		t.Errorf("%d lines, want the 2000 of the last read and a few before", n)
	}
	if !strings.Contains(log.String(), "job log cut") {
		t.Errorf("the cut is not told:\n%s", log.String())
	}
}

// syncBuffer is a strings.Builder safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
