package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLogFormatJSONRunEvents checks that with --log-format json a run
// begins with a "run started" object and ends with a "run ended" one,
// both with the run's id as a field, the end with its state and exit code.
func TestLogFormatJSONRunEvents(t *testing.T) {
	c := newConsole(t)
	c.sim.FailJob("analyze", "snapshot")
	r := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "--log-format", "json")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	events := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if strings.HasPrefix(line, "runner: ") {
			continue // the final error, which main prints as JSON (TestLogFormatJSONErrors)
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if msg, _ := ev["msg"].(string); strings.HasPrefix(msg, "run ") {
			events[msg] = ev
		}
	}
	start, end := events["run started"], events["run ended"]
	if start == nil || end == nil {
		t.Fatalf("no run started or run ended event:\n%s", r.stderr)
	}
	if start["run_id"] == nil || start["run_id"] != end["run_id"] ||
		start["workflow"] != "backup-analyze-consolidate" {
		t.Errorf("run ids %v and %v, workflow %v", start["run_id"], end["run_id"], start["workflow"])
	}
	if end["state"] != "failed" || end["exit"] != float64(exitFailed) {
		t.Errorf("run ended with state %v, exit %v; want failed, 1", end["state"], end["exit"])
	}
}
