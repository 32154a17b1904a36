package main

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/aipflow/runner/console/consolesim"
	"github.com/aipflow/runner/engine"
)

// The heartbeat runs on the app's clock: beat is called with the times a
// fake clock gives, as the ticker calls it with the real one.
func TestHeartbeatFakeClock(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, loadPlan(t, mainWorkflow), nil)
	p.every = 5 * time.Minute
	p.event(engine.Event{Time: at(0), Step: "analyze", State: engine.Running})
	p.event(engine.Event{Time: at(time.Second), Step: "analyze", State: engine.Running,
		JobGUID: "g1", Progress: "analyze_application", Attempt: 1})
	p.event(engine.Event{Time: at(2 * time.Minute), Step: "consolidate", State: engine.Waiting,
		Reason: "application demo-app"})
	out.Reset()

	beats := func(d time.Duration) []string {
		out.Reset()
		p.beat(at(d))
		return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	}
	steps := []struct {
		at   time.Duration
		want []string
	}{
		{4 * time.Minute, []string{""}},
		{5*time.Minute + time.Second,
			[]string{"03:09:06.000  analyze      still running (analyze_application, 5m01s)"}},
		{7 * time.Minute, []string{
			"03:11:05.000  consolidate  still waiting for application demo-app (5m00s)",
		}},
		{8 * time.Minute, []string{""}},
		{12 * time.Minute, []string{
			"03:16:05.000  analyze      still running (analyze_application, 12m00s)",
			"03:16:05.000  consolidate  still waiting for application demo-app (10m00s)",
		}},
	}
	for _, s := range steps {
		if diff := cmp.Diff(s.want, beats(s.at)); diff != "" {
			t.Errorf("heartbeat at %v (-want +got):\n%s", s.at, diff)
		}
	}

	// A step that ends, or a line about it, resets its heartbeat.
	p.event(engine.Event{Time: at(13 * time.Minute), Step: "analyze", State: engine.Completed})
	p.event(engine.Event{Time: at(16 * time.Minute), Step: "consolidate", State: engine.Running})
	if got := beats(20 * time.Minute); !cmp.Equal(got, []string{""}) {
		t.Errorf("heartbeat of steps that ended or just started: %q", got)
	}
	want := "03:25:05.000  consolidate  still running (5m00s)"
	if got := beats(21 * time.Minute); !cmp.Equal(got, []string{want}) {
		t.Errorf("heartbeat = %q, want %q", got, want)
	}
}

func TestHeartbeatJSON(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, loadPlan(t, portfolioWorkflow), nil)
	p.log = slog.New(slog.NewJSONHandler(&out, nil))
	p.every = time.Minute
	p.event(engine.Event{Time: at(0), Item: "a", Step: "rescan", State: engine.Running,
		JobGUID: "g1", Progress: "analyze", Attempt: 1})
	out.Reset()
	p.beat(at(2 * time.Minute))
	objs := jsonLines(t, out.String())
	if len(objs) != 1 {
		t.Fatalf("%d lines, want 1:\n%s", len(objs), out.String())
	}
	want := map[string]any{"time": "2026-01-02T03:06:05Z", "level": "INFO", "msg": "step still running",
		"item": "a", "step": "rescan", "state": "running", "progress": "analyze",
		"elapsed_s": 120.0}
	if diff := cmp.Diff(want, objs[0]); diff != "" {
		t.Errorf("heartbeat object (-want +got):\n%s", diff)
	}
}

// A real run whose Console steps last longer than --heartbeat prints
// heartbeat lines in its progress, and none with --heartbeat 0.
func TestHeartbeatDuringARun(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sim := consolesim.New(consolesim.Options{APIKey: testKey, StepTime: 60 * time.Millisecond})
	consolesim.SeedDemo(sim)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := &testConsole{sim: sim, url: srv.URL}

	res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "-i", "backup=false",
		"--heartbeat", "10ms")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "still running (") {
		t.Errorf("no heartbeat line in:\n%s", res.stderr)
	}
	res = c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "-i", "backup=false",
		"--heartbeat", "0")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	if strings.Contains(res.stderr, "still running") {
		t.Errorf("a heartbeat line with --heartbeat 0:\n%s", res.stderr)
	}
	srv.CloseClientConnections()
}
