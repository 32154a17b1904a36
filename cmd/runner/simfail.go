package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/aipflow/runner/console/consolesim"
	"github.com/aipflow/runner/schema"
)

// parseFailures reads the --fail flags of runner simulate: JOBTYPE:STEP,
// once per job type. It returns the step by lower-case job type. A job
// type or step that is not known is an error, so that a typo does not
// leave the simulator injecting nothing.
func parseFailures(flags []string) (map[string]string, error) {
	rules := map[string]string{}
	for _, flag := range flags {
		jobType, step, ok := strings.Cut(flag, ":")
		if !ok || jobType == "" || step == "" {
			return nil, fmt.Errorf("--fail %q: write JOBTYPE:STEP, such as analyze:snapshot", flag)
		}
		jt, ok := schema.LookupJob(jobType)
		if !ok {
			return nil, fmt.Errorf("--fail %s: unknown job type %q%s (runner jobs lists them)",
				flag, jobType, hint(schema.SuggestJob(jobType)))
		}
		steps := schema.JobSteps()
		if !slices.ContainsFunc(steps, func(s string) bool { return strings.EqualFold(s, step) }) {
			return nil, fmt.Errorf("--fail %s: unknown job step %q%s",
				flag, step, hint(schema.Suggest(step, steps)))
		}
		key := strings.ToLower(jt.Name)
		if _, dup := rules[key]; dup {
			return nil, fmt.Errorf("--fail %s: job type %s given twice", flag, jt.Name)
		}
		rules[key] = step
	}
	return rules, nil
}

// hint returns ` (did you mean "s"?)`, or "" when s is "".
func hint(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", s)
}

// simFaults are the transient-fault flags of runner simulate. Their
// durations are Console time, like the 20 s of a job step: --speed
// divides them, so that a run at any speed meets the same faults at the
// same points of its jobs.
type simFaults struct {
	seed                              uint64
	errorRate, throttleRate, lostRate float64
	retryAfter, latency, jitter       time.Duration
	sessionTTL, xsrfRotate            time.Duration
	restartAfter                      durationList
}

func (f *simFaults) register(fs *pflag.FlagSet) {
	fs.Float64Var(&f.errorRate, "error-rate", 0,
		"answer this fraction of requests with 500, 502, 503 or 504 before they reach the Console")
	fs.Float64Var(&f.throttleRate, "throttle-rate", 0,
		"answer this fraction of requests with 429 and a Retry-After header")
	fs.DurationVar(&f.retryAfter, "retry-after", time.Second,
		"the delay the Retry-After header of a 429 asks for; the header carries whole seconds\n"+
			"of real time, so --speed may round it down to 0")
	fs.Float64Var(&f.lostRate, "lost-answer-rate", 0,
		"carry out this fraction of POST, PUT, PATCH and DELETE requests, then answer 502 or 504\n"+
			"as a proxy that lost the answer")
	fs.DurationVar(&f.latency, "latency", 0, "delay every request this long")
	fs.DurationVar(&f.jitter, "jitter", 0, "delay every request by a random further time up to this")
	fs.DurationVar(&f.sessionTTL, "session-ttl", 0,
		"forget each session this long after it opened, however busy (0: never)")
	fs.DurationVar(&f.xsrfRotate, "xsrf-rotate", 0,
		"renew each session's XSRF token this often (0: never)")
	fs.Var(&f.restartAfter, "restart-after",
		"restart this long after the simulator started: forget every session, keep the jobs\n"+
			"(repeatable, or a comma-separated list)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the random choice of faults, for reproducible runs")
}

// faults checks the flags and returns the simulator's faults at the given
// speed. A rate outside [0, 1] or a negative duration is an error naming
// its flag.
func (f *simFaults) faults(speed float64) (consolesim.Faults, error) {
	rates := []namedRate{
		{"error-rate", f.errorRate}, {"throttle-rate", f.throttleRate},
		{"lost-answer-rate", f.lostRate},
	}
	for _, r := range rates {
		if math.IsNaN(r.v) || r.v < 0 || r.v > 1 {
			return consolesim.Faults{}, withCode(exitInvalid,
				fmt.Errorf("--%s %v: must be a fraction from 0 to 1", r.flag, r.v))
		}
	}
	durations := []namedDuration{
		{"retry-after", f.retryAfter}, {"latency", f.latency}, {"jitter", f.jitter},
		{"session-ttl", f.sessionTTL}, {"xsrf-rotate", f.xsrfRotate},
	}
	for _, d := range f.restartAfter {
		durations = append(durations, namedDuration{"restart-after", d})
	}
	for _, d := range durations {
		if d.v < 0 {
			return consolesim.Faults{}, withCode(exitInvalid,
				fmt.Errorf("--%s %v: must not be negative", d.flag, d.v))
		}
	}
	return consolesim.Faults{
		Seed:         f.seed,
		ErrorRate:    f.errorRate,
		ThrottleRate: f.throttleRate,
		RetryAfter:   f.retryAfter,
		LostRate:     f.lostRate,
		Latency:      f.latency,
		Jitter:       f.jitter,
		SessionTTL:   f.sessionTTL,
		XSRFRotate:   f.xsrfRotate,
	}.Scaled(speed), nil
}

// restarts returns the times of the --restart-after restarts, counted
// from start in real time at the given speed.
func (f *simFaults) restarts(start time.Time, speed float64) []time.Time {
	var out []time.Time
	for _, d := range f.restartAfter {
		out = append(out, start.Add(consoleTime(d, speed)))
	}
	return out
}

// durationList is the value of a repeatable flag of durations, each
// given alone or in a comma-separated list.
type durationList []time.Duration

func (l *durationList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		*l = append(*l, d)
	}
	return nil
}

func (l *durationList) String() string {
	var out []string
	for _, d := range *l {
		out = append(out, d.String())
	}
	return strings.Join(out, ",")
}

func (l *durationList) Type() string { return "durations" }

// namedRate is the value of a rate flag, with the flag's name.
type namedRate struct {
	flag string
	v    float64
}

// namedDuration is the value of a duration flag, with the flag's name.
type namedDuration struct {
	flag string
	v    time.Duration
}

// consoleTime returns the real time that d of Console time takes at the
// given speed.
func consoleTime(d time.Duration, speed float64) time.Duration {
	return time.Duration(float64(d) / speed)
}
