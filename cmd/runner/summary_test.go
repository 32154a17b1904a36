package main

import (
	"strings"
	"testing"
)

// TestSummaryFitsATerminal checks that the summary's notes shorten GUIDs,
// so that the table of the main workflow fits 120 columns, while the JOB
// column and the outputs keep whole GUIDs to copy.
func TestSummaryFitsATerminal(t *testing.T) {
	c := newConsole(t)
	r := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if n := len([]rune(line)); n > 120 {
			t.Errorf("summary line of %d columns:\n%s", n, line)
		}
	}
	if !hasRow(r.stdout, "find", "completed") || !strings.Contains(r.stdout, "found appGuid ") ||
		!strings.Contains(r.stdout, "…") {
		t.Errorf("the find note is not a shortened GUID:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "versionGuid: ") {
		t.Errorf("the outputs lost the whole versionGuid:\n%s", r.stdout)
	}
}
