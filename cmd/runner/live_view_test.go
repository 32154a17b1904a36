package main

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/aipflow/runner/engine"
)

// The live view prints the lines of ended steps, and those written to
// stderr meanwhile, above its live area; close clears the area, gives
// the cursor back and leaves no goroutine behind.
func TestLiveViewPrintsAboveAndCloses(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var out lockedBuffer
	b := newBoard(loadPlan(t, mainWorkflow), t0, plainStyle())
	v := startLive(&out, b, func() time.Time { return at(time.Second) })
	s := &stderrStream{out: &out, now: time.Now}
	s.attach(v.print)

	v.event(engine.Event{Time: at(0), Step: "find", State: engine.Running})
	s.Write([]byte("time=now level=DEBUG msg=\"console request\"\n"))
	v.event(engine.Event{Time: at(time.Second), Step: "find", State: engine.Completed})
	v.close()
	s.detach()
	s.Write([]byte("after the view\n"))

	got := out.String()
	for _, want := range []string{"msg=\"console request\"", "✓ find", "after the view\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output has no %q:\n%q", want, got)
		}
	}
	show := strings.LastIndex(got, "\x1b[?25h")
	if show < strings.Index(got, "✓ find") || show > strings.Index(got, "after the view") {
		t.Errorf("the cursor is not shown again before what follows the view:\n%q", got)
	}
	if strings.Index(got, "console request") > strings.Index(got, "✓ find") {
		t.Errorf("lines printed out of order:\n%q", got)
	}
}

// kill, for a second interrupt, stops the view at once; a line printed
// afterwards goes straight to the terminal.
func TestLiveViewKill(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var out lockedBuffer
	v := startLive(&out, newBoard(loadPlan(t, mainWorkflow), t0, plainStyle()), time.Now)
	v.event(engine.Event{Time: at(0), Step: "find", State: engine.Running})
	v.kill()
	v.print("interrupted again")
	v.close()
	if got := out.String(); !strings.HasSuffix(got, "interrupted again\n") ||
		!strings.Contains(got, "\x1b[?25h") {
		t.Errorf("output after kill:\n%q", got)
	}
}

// liveJobs takes the signal handler's messages to the command's stderr
// once it is set up, and stops the live view for a second interrupt.
func TestLiveJobsSayAndStopView(t *testing.T) {
	var before, after lockedBuffer
	var l liveJobs
	l.say(&before, "one")
	l.setOut(&after)
	l.say(&before, "two")
	stopped := false
	l.onRelease(func() { stopped = true })
	l.stopView()
	if before.String() != "one\n" || after.String() != "two\n" || !stopped {
		t.Errorf("before %q, after %q, stopped %v", before.String(), after.String(), stopped)
	}
}
