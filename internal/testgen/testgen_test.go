package testgen

import (
	"regexp"
	"strings"
	"testing"
)

// TestSameShape checks that the workflow and the Taskfile of one size have
// the same edges: a step's needs and the step it reads are its task's deps.
func TestSameShape(t *testing.T) {
	const n = 35
	wf := string(Layered(n))
	tf := string(LayeredTaskfile(n))
	if !strings.Contains(tf, "\nrun: once\n") {
		t.Fatal("Taskfile without run: once")
	}
	edges := func(src string, re *regexp.Regexp) []string {
		var out []string
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			out = append(out, m[1:]...)
		}
		return out
	}
	wfEdges := edges(wf, regexp.MustCompile(`needs: \[(s\d+)\]\n.*steps\.(s\d+)\.`))
	tfEdges := edges(tf, regexp.MustCompile(`deps: \[(s\d+), (s\d+)\]`))
	if strings.Join(wfEdges, " ") != strings.Join(tfEdges, " ") {
		t.Errorf("edges differ:\nworkflow %v\nTaskfile %v", wfEdges, tfEdges)
	}
	if len(wfEdges) != 2*(n-LayerWidth) {
		t.Errorf("%d edges, want %d", len(wfEdges), 2*(n-LayerWidth))
	}
	if !strings.Contains(tf, "deps: [s30, s31, s32, s33, s34]") {
		t.Errorf("default task does not depend on the last layer:\n%s", tf[:200])
	}
}
