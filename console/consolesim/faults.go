package consolesim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Kinds of injected faults, as Request.Fault and Stats.Faults name them.
const (
	// FaultError is a request refused with a 5xx before it reached the
	// Console: nothing changed.
	FaultError = "error"
	// FaultThrottle is a request refused with 429 and a Retry-After
	// header before it reached the Console: nothing changed.
	FaultThrottle = "throttle"
	// FaultLost is a request the Console carried out whose answer was
	// replaced by a 502 or 504, as by a proxy that lost it.
	FaultLost = "lost"
	// FaultAbandoned is a request whose client gave up during the
	// injected latency; it was never handled and got no answer.
	FaultAbandoned = "abandoned"
)

// Faults are the transient faults a Server injects into its answers, on
// top of the job failures of FailJob. The zero value injects none. Set
// them with Server.SetFaults, before or while serving.
//
// Rates are fractions of requests, from 0 to 1. Every request draws the
// same number of random values from a source seeded with Seed, whatever
// the rates and Match say, so the same Faults and the same sequence of
// requests give the same answers. Requests draw in the order they
// arrive: a client that sends one request at a time sees the same faults
// on every run.
type Faults struct {
	// Seed seeds the random draws; SetFaults reseeds the source with it.
	Seed uint64

	// ErrorRate is the fraction of requests refused with a 5xx before
	// they reach the Console, as an overloaded server or a proxy refuses
	// them: nothing changes, no session opens, no job is created.
	ErrorRate float64
	// ErrorStatuses are the statuses of those refusals, one picked at
	// random per request; empty means 500, 502, 503 and 504.
	ErrorStatuses []int

	// ThrottleRate is the fraction of requests refused with 429 Too Many
	// Requests and a Retry-After header; nothing changes either. A
	// request is checked for ErrorRate first.
	ThrottleRate float64
	// RetryAfter is the delay the Retry-After header asks for. The header
	// carries whole seconds: the delay is rounded to the nearest second,
	// so under half a second it reads "0".
	RetryAfter time.Duration

	// LostRate is the fraction of POST, PUT, PATCH and DELETE requests
	// that the Console carries out with success but whose answer is then
	// lost: the client gets a 502 or a 504 (picked at random) without the
	// answer's cookies. A job is thus created, or canceled, unknown to
	// the client, which must not submit it again.
	LostRate float64

	// Match, when set, limits ErrorRate, ThrottleRate and LostRate to the
	// requests for which it returns true; nil matches every request. It is
	// called with the server's lock held and must not call the Server.
	Match func(method, path string) bool

	// Latency delays every request before the Console sees it, in real
	// time; Jitter adds a random further delay of up to Jitter. The
	// server's lock is not held while a request waits. A request whose
	// client gives up meanwhile is recorded as FaultAbandoned and not
	// handled.
	Latency, Jitter time.Duration

	// SessionTTL is how long a session lives on the server's clock,
	// counted from when it opened however busy it is, since polling does
	// not keep a Console session alive. The next request then opens a new
	// session with new cookies, so a POST bearing the old XSRF token gets
	// 403. Zero keeps sessions until a restart.
	SessionTTL time.Duration

	// XSRFRotate renews the XSRF token of every session this often on the
	// server's clock, counted from when the session opened. The answer
	// to the first request after a renewal sets the new XSRF-TOKEN
	// cookie; that request, when it bears the old token on a POST, PUT,
	// PATCH or DELETE, gets 403. Zero never renews tokens.
	XSRFRotate time.Duration
}

// Scaled returns f with its durations divided by speed, for a simulator
// whose Options.StepTime is divided likewise so that it runs speed times
// faster than a Console: at speed 100, a SessionTTL of one minute of
// Console time becomes 600 ms. A speed that is not positive returns f
// as it is.
func (f Faults) Scaled(speed float64) Faults {
	if !(speed > 0) {
		return f
	}
	for _, d := range []*time.Duration{
		&f.RetryAfter, &f.Latency, &f.Jitter, &f.SessionTTL, &f.XSRFRotate,
	} {
		*d = time.Duration(float64(*d) / speed)
	}
	f.ErrorStatuses = slices.Clone(f.ErrorStatuses)
	return f
}

// defaultErrorStatuses are the statuses of Faults.ErrorRate refusals
// when Faults.ErrorStatuses is empty.
var defaultErrorStatuses = []int{
	http.StatusInternalServerError, http.StatusBadGateway,
	http.StatusServiceUnavailable, http.StatusGatewayTimeout,
}

// lostStatuses are the statuses of a proxy that lost the Console's answer.
var lostStatuses = []int{http.StatusBadGateway, http.StatusGatewayTimeout}

// check returns an error naming the first field that is out of range.
func (f Faults) check() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"ErrorRate", f.ErrorRate}, {"ThrottleRate", f.ThrottleRate}, {"LostRate", f.LostRate}} {
		if math.IsNaN(r.v) || r.v < 0 || r.v > 1 {
			return fmt.Errorf("consolesim: %s %v: want a fraction from 0 to 1", r.name, r.v)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"RetryAfter", f.RetryAfter}, {"Latency", f.Latency}, {"Jitter", f.Jitter},
		{"SessionTTL", f.SessionTTL}, {"XSRFRotate", f.XSRFRotate},
	} {
		if d.v < 0 {
			return fmt.Errorf("consolesim: %s %v: want a duration of at least 0", d.name, d.v)
		}
	}
	for _, st := range f.ErrorStatuses {
		if st < 500 || st > 599 {
			return fmt.Errorf("consolesim: ErrorStatuses: %d is not a 5xx status", st)
		}
	}
	return nil
}

// SetFaults replaces the faults the server injects from the next request
// on, and reseeds the random source with f.Seed. It returns an error and
// changes nothing when a rate is outside [0, 1], a duration is negative
// or an error status is not a 5xx. It is safe to call while serving; new
// SessionTTL and XSRFRotate values apply to the sessions already open.
func (s *Server) SetFaults(f Faults) error {
	if err := f.check(); err != nil {
		return err
	}
	f.ErrorStatuses = slices.Clone(f.ErrorStatuses)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.rng = newRand(f.Seed)
	return nil
}

// Faults returns the faults the server injects, as SetFaults set them.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	f.ErrorStatuses = slices.Clone(f.ErrorStatuses)
	return f
}

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// A verdict is what the faults decided for one request.
type verdict struct {
	delay  time.Duration
	refuse response // a refusal answered instead of handling, status 0 if none
	fault  string   // kind of refusal, "" if none
	lose   int      // status replacing a successful answer, 0 to keep it
}

// judge draws the faults of one request. It runs with s.mu held. Every
// call draws six values, so that one rate does not shift the draws of
// another.
func (s *Server) judge(method, path string) verdict {
	f := &s.faults
	errDraw, throttleDraw, lostDraw := s.rng.Float64(), s.rng.Float64(), s.rng.Float64()
	errPick, lostPick, jitter := s.rng.Uint64(), s.rng.Uint64(), s.rng.Float64()

	v := verdict{delay: f.Latency + time.Duration(jitter*float64(f.Jitter))}
	if f.Match != nil && !f.Match(method, path) {
		return v
	}
	switch {
	case errDraw < f.ErrorRate:
		statuses := f.ErrorStatuses
		if len(statuses) == 0 {
			statuses = defaultErrorStatuses
		}
		st := statuses[errPick%uint64(len(statuses))]
		v.refuse = errorf(st, "injected fault: %s", http.StatusText(st))
		v.fault = FaultError
	case throttleDraw < f.ThrottleRate:
		v.refuse = errorf(http.StatusTooManyRequests, "injected fault: too many requests")
		secs := f.RetryAfter.Round(time.Second) / time.Second
		v.refuse.retryAfter = strconv.FormatInt(int64(secs), 10)
		v.fault = FaultThrottle
	}
	if unsafeMethod(method) && lostDraw < f.LostRate {
		v.lose = lostStatuses[lostPick%uint64(len(lostStatuses))]
	}
	return v
}

// lost returns the answer of a proxy that lost the Console's answer.
func lost(status int) response {
	return errorf(status, "injected fault: the answer was lost on its way")
}

// pause waits for d, or until ctx ends; it reports whether d passed.
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
