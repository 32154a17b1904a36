package engine

import (
	"fmt"
	"strings"
)

// depEnd is how a dependency of a step ended, as far as the step's
// condition is concerned.
type depEnd struct {
	ID      string
	State   State
	Ignored bool // failed with continue-on-error
}

// verdict is what the status functions of a condition return for a step,
// given how its dependencies ended. The functions look at the step's
// direct dependencies only; upstream_failed carries a failure further down.
type verdict struct {
	success  bool     // every dependency completed, was skipped or failed ignored
	failure  bool     // a dependency failed (not ignored) or is upstream_failed
	canceled bool     // a dependency was canceled
	blockers []string // "id: state" of the dependencies that make success false
}

// judge works out the verdict of a step's dependencies.
func judge(deps []depEnd) verdict {
	v := verdict{success: true}
	for _, d := range deps {
		switch {
		case d.State == Completed, d.State == Skipped, d.State == Failed && d.Ignored:
			continue
		case d.State == Failed, d.State == UpstreamFailed:
			v.failure = true
		case d.State == Canceled:
			v.canceled = true
		}
		v.success = false
		v.blockers = append(v.blockers, fmt.Sprintf("%s: %s", d.ID, d.State))
	}
	return v
}

// decide returns Running when a step whose dependencies ended as deps
// should run, or the state it ends in without running and why. It is pure:
// it evaluates the condition against env and changes nothing.
//
// The default condition (cond nil) is success(). A condition that calls
// none of the status functions is combined with success(): when a
// dependency blocks, the step is upstream_failed and the condition is not
// evaluated. A condition that calls one decides alone. A condition that
// cannot be evaluated returns its error, which fails the step.
func decide(cond *program, deps []depEnd, env map[string]any) (State, string, error) {
	v := judge(deps)
	if (cond == nil || !cond.callsFn) && !v.success {
		return UpstreamFailed, "needs " + strings.Join(v.blockers, ", "), nil
	}
	if cond == nil {
		return Running, "", nil
	}
	fenv := make(map[string]any, len(env)+len(statusFuncs))
	for k, val := range env {
		fenv[k] = val
	}
	fenv["success"] = func() bool { return v.success }
	fenv["failure"] = func() bool { return v.failure }
	fenv["always"] = func() bool { return true }
	fenv["canceled"] = func() bool { return v.canceled }
	out, err := cond.run(fenv)
	if err != nil {
		return Failed, "", err
	}
	if ok, _ := out.(bool); !ok {
		return Skipped, "condition false", nil
	}
	return Running, "", nil
}
