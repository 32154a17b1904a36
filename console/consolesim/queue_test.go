package consolesim_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// deliverSteps is the number of steps of addVersionParams(..., "deliver_version").
const deliverSteps = 6

func TestOneJobPerApplication(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	a := e.sim.AddApplication("a")
	b := e.sim.AddApplication("b")
	e.login()
	t0 := e.clock.Now()
	first := e.submit("add_version", addVersionParams(a, "a1", "deliver_version"))
	second := e.submit("add_version", addVersionParams(a, "a2", "deliver_version"))
	other := e.submit("add_version", addVersionParams(b, "b1", "deliver_version"))

	// Walk in half steps: the two jobs of a never run together, while the
	// job of b runs alongside the first one.
	for i := range 4 * deliverSteps {
		s1, s2, s3 := e.job(first.JobGUID), e.job(second.JobGUID), e.job(other.JobGUID)
		if s1.State == console.StateStarted && s2.State == console.StateStarted {
			t.Fatalf("half step %d: both jobs of one application started", i)
		}
		if i < 2*deliverSteps && (s1.State != console.StateStarted ||
			s2.State != console.StateStarting || s3.State != console.StateStarted) {
			t.Fatalf("half step %d: states %s %s %s, want started starting started",
				i, s1.State, s2.State, s3.State)
		}
		if s2.State == console.StateStarting && (s2.ProgressStep != "" || len(s2.FullSteps) != 0) {
			t.Errorf("half step %d: queued job shows progress %q %v",
				i, s2.ProgressStep, s2.FullSteps)
		}
		e.clock.Advance(step / 2)
	}
	end := t0.Add(2 * deliverSteps * step).Format(console.DateLayout)
	if s := e.job(second.JobGUID); s.State != console.StateCompleted || s.Updated != end {
		t.Errorf("second job %s updated %s, want completed at %s", s.State, s.Updated, end)
	}
}

// TestQueuedJobStartsWhenPreviousEnds jumps the clock past the end of the
// first job in one go: the second must still start at that exact end.
func TestQueuedJobStartsWhenPreviousEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	app := e.sim.AddApplication("a")
	e.login()
	t0 := e.clock.Now()
	e.submit("add_version", addVersionParams(app, "v1", "deliver_version"))
	e.clock.Advance(time.Second)
	second := e.submit("add_version", addVersionParams(app, "v2", "deliver_version"))

	e.clock.Advance(deliverSteps*step - time.Second + 3*time.Second)
	st := e.job(second.JobGUID)
	if st.State != console.StateStarted || len(st.FullSteps) != 1 ||
		st.FullSteps[0].Duration != 3000 {
		t.Fatalf("second job %s %v, want started 3000 ms into its first step",
			st.State, st.FullSteps)
	}

	e.clock.Advance(10 * deliverSteps * step)
	st = e.job(second.JobGUID)
	want := t0.Add(2 * deliverSteps * step).Format(console.DateLayout)
	if st.State != console.StateCompleted || st.Updated != want {
		t.Errorf("second job %s updated %s, want completed at %s", st.State, st.Updated, want)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		state     string
		queued    bool // cancel the second, queued job instead of the running one
		want      int
		wantSteps []string
	}{
		{name: "running job", state: "canceled", want: 200,
			wantSteps: []string{"unzip_source", "code_scanner"}},
		{name: "doc spelling", state: "cancelled", want: 200,
			wantSteps: []string{"unzip_source", "code_scanner"}},
		{name: "queued job", state: "canceled", queued: true, want: 200},
		{name: "other state", state: "completed", want: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, consolesim.Options{})
			app := e.sim.AddApplication("a")
			e.login()
			first := e.submit("add_version", addVersionParams(app, "v1", "deliver_version"))
			second := e.submit("add_version", addVersionParams(app, "v2", "deliver_version"))
			target := first.JobGUID
			if tt.queued {
				target = second.JobGUID
			}
			e.clock.Advance(step + step/2)

			var st console.JobStatus
			body := console.JobStateChange{State: tt.state}
			if tt.want != http.StatusOK {
				e.call(http.MethodPut, "/api/jobs/"+target, body, tt.want, nil)
				return
			}
			e.call(http.MethodPut, "/api/jobs/"+target, body, http.StatusOK, &st)
			if st.State != console.StateCanceling {
				t.Fatalf("answer state %s, want canceling", st.State)
			}
			e.clock.Advance(step - time.Millisecond)
			if st := e.job(target); st.State != console.StateCanceling {
				t.Fatalf("just before the end: %s, want canceling", st.State)
			}
			e.clock.Advance(time.Millisecond)
			st = e.job(target)
			if st.State != console.StateCanceled {
				t.Fatalf("after one step time: %s, want canceled", st.State)
			}
			if got := stepNames(st.FullSteps); len(got) != len(tt.wantSteps) {
				t.Errorf("fullSteps %v, want %v", got, tt.wantSteps)
			}

			// The other job goes on: the queued one starts as the canceled
			// one ends, the running one is untouched.
			other := e.job(first.JobGUID)
			if !tt.queued {
				other = e.job(second.JobGUID)
			}
			if other.State != console.StateStarted {
				t.Errorf("other job %s, want started", other.State)
			}
			// Canceling again changes nothing.
			e.call(http.MethodPut, "/api/jobs/"+target, body, http.StatusOK, &st)
			if st.State != console.StateCanceled {
				t.Errorf("second cancel: %s, want canceled", st.State)
			}
		})
	}
}

func TestCancelUnknownJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, consolesim.Options{})
	e.login()
	e.call(http.MethodPut, "/api/jobs/nope", console.JobStateChange{State: "canceled"},
		http.StatusNotFound, nil)
}

func TestFailJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		failType    string
		failStep    string
		jobType     string
		endStep     string
		wantState   string
		wantStep    string // failureStep
		wantVersion string
	}{
		{name: "delivery step", failType: "add_version", failStep: "code_scanner",
			jobType: "add_version", endStep: "deliver_version",
			wantState: "failed", wantStep: "code_scanner", wantVersion: "delivering"},
		{name: "type compared case-insensitively", failType: "ADD_VERSION",
			failStep: "deliver_version", jobType: "add_version", endStep: "deliver_version",
			wantState: "failed", wantStep: "deliver_version", wantVersion: "delivering"},
		{name: "analysis fails", failType: "add_version", failStep: "analyze",
			jobType: "add_version", endStep: "consolidate_snapshot",
			wantState: "failed", wantStep: "analyze", wantVersion: "analysis_failed"},
		{name: "final step by its other name", failType: "add_version",
			failStep: "upload_application", jobType: "add_version", endStep: "consolidate_snapshot",
			wantState: "failed", wantStep: "consolidate_snapshot", wantVersion: "snapshot_taken"},
		{name: "step out of range", failType: "add_version", failStep: "snapshot",
			jobType: "add_version", endStep: "deliver_version",
			wantState: "completed", wantVersion: "delivered"},
		{name: "other type", failType: "clone_version", failStep: "code_scanner",
			jobType: "add_version", endStep: "deliver_version",
			wantState: "completed", wantVersion: "delivered"},
		{name: "cleared", failType: "", failStep: "code_scanner",
			jobType: "add_version", endStep: "deliver_version",
			wantState: "completed", wantVersion: "delivered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, consolesim.Options{})
			app := e.sim.AddApplication("a")
			e.sim.FailJob("add_version", "code_scanner")
			e.sim.FailJob(tt.failType, tt.failStep)
			e.login()
			start := e.submit(tt.jobType, addVersionParams(app, "v1", tt.endStep))
			e.clock.Advance(20 * step)

			st, ok := e.sim.Job(start.JobGUID)
			if !ok {
				t.Fatal("job not found")
			}
			if st.State != tt.wantState || st.FailureStep != tt.wantStep {
				t.Errorf("state %s failureStep %q, want %s %q",
					st.State, st.FailureStep, tt.wantState, tt.wantStep)
			}
			if tt.wantStep != "" && st.ProgressStep != tt.wantStep {
				t.Errorf("progressStep %q, want %q", st.ProgressStep, tt.wantStep)
			}
			if v := e.versionNamed(app, "v1"); v.Status != tt.wantVersion {
				t.Errorf("version status %s, want %s", v.Status, tt.wantVersion)
			}
		})
	}
}
