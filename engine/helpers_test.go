package engine_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/engine"
)

// hooked wraps a job service and calls afterSubmit with the number of
// jobs submitted so far (from 1), once each POST has returned.
type hooked struct {
	engine.JobService
	mu          sync.Mutex
	n           int
	afterSubmit func(n int)
}

var _ engine.JobService = (*hooked)(nil)

func (h *hooked) SubmitJob(ctx context.Context, jobType string,
	params map[string]string) (engine.JobStart, error) {
	js, err := h.JobService.SubmitJob(ctx, jobType, params)
	h.mu.Lock()
	h.n++
	n := h.n
	h.mu.Unlock()
	if h.afterSubmit != nil {
		h.afterSubmit(n)
	}
	return js, err
}

// lostAnswer is a job service whose POSTs reach the Console but whose
// answers are lost, as with a connection reset after the request was sent.
type lostAnswer struct{ engine.JobService }

func (s lostAnswer) SubmitJob(ctx context.Context, jobType string,
	params map[string]string) (engine.JobStart, error) {
	if _, err := s.JobService.SubmitJob(ctx, jobType, params); err != nil {
		return engine.JobStart{}, err
	}
	return engine.JobStart{}, fmt.Errorf("POST /api/jobs: %w", console.ErrUnreachable)
}

// span is when a job was on the Console: from its POST to its end.
type span struct {
	guid, app  string
	start, end time.Time
}

func (a span) overlaps(b span) bool { return a.start.Before(b.end) && b.start.Before(a.end) }

// spans returns the spans of the jobs of every step of res, as the
// simulator recorded them.
func (w *world) spans(t *testing.T, res *engine.Result) []span {
	t.Helper()
	var out []span
	for _, it := range res.Items {
		for _, s := range it.Steps {
			if s.JobGUID == "" {
				continue
			}
			st, ok := w.sim.Job(s.JobGUID)
			if !ok {
				t.Fatalf("step %s: job %s unknown to the simulator", s.ID, s.JobGUID)
			}
			out = append(out, span{guid: st.GUID, app: st.AppGUID,
				start: parseTime(t, st.Created), end: parseTime(t, st.Updated)})
		}
	}
	return out
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(console.DateLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// peak returns the largest number of spans open at one instant.
func peak(spans []span) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, s := range spans {
		edges = append(edges, edge{s.start, 1}, edge{s.end, -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta // an end before a start at one instant
	})
	open, most := 0, 0
	for _, e := range edges {
		open += e.delta
		most = max(most, open)
	}
	return most
}

// find returns the step of that id in a result's first item.
func find(t *testing.T, res *engine.Result, id string) *engine.StepResult {
	t.Helper()
	for _, s := range res.Items[0].Steps {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no step %s in the result", id)
	return nil
}

// waits returns the Reason of every waiting event, by step.
func (e *events) waits() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]string{}
	for _, ev := range e.all {
		if ev.State == engine.Waiting {
			out[ev.Step] = ev.Reason
		}
	}
	return out
}
