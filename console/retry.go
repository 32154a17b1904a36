package console

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Defaults of RetryOptions.
const (
	DefaultMaxAttempts     = 6
	DefaultMaxElapsed      = 15 * time.Minute
	DefaultInitialInterval = time.Second
	DefaultMaxInterval     = 30 * time.Second
	DefaultMaxRetryAfter   = 10 * time.Minute
)

// RetryMessage is the message of the Warn record a Client logs before
// it sends a request again. Its attributes are method and path (of the
// request), attempt (the number of the attempt that failed, from 1),
// max_attempts (the most the call may make; RetryOptions.MaxElapsed or a
// Retry-After may end it sooner), delay (the pause before the next
// attempt, a time.Duration) and err (the failure).
const RetryMessage = "console request failed; retrying"

// RetryOptions bounds how a Client repeats a request that failed for a
// reason that may pass: a transport error, or HTTP 429, 500, 502, 503 or
// 504. The zero value uses the defaults.
//
// Which failures are retried depends on the method. GET, HEAD, PUT (the
// cancel request) and DELETE are idempotent and retried after any of
// them. A POST or PATCH is retried only when the failure proves that the
// Console did not act on it: 429, 503, or a transport error before a
// connection was made (refused connection, DNS failure). After a timeout,
// a connection lost once the request was sent, a 500 (the Console may
// have failed after creating the job) or a proxy's 502 or 504, the call
// fails with an error matching ErrOutcomeUnknown instead, since sending
// it again could create a second job. Other statuses, 4xx included, and
// certificate errors are never retried.
type RetryOptions struct {
	// MaxAttempts is how many times one call sends its request at most,
	// the first time included. Default 6: a Console behind a proxy that
	// fails one request in five then fails a call once in 15,000. 1 turns
	// retries off.
	MaxAttempts int

	// MaxElapsed bounds the time one call spends on its attempts and the
	// pauses between them: no retry is made whose pause would end later.
	// Default 15 minutes, enough for one Retry-After up to MaxRetryAfter.
	MaxElapsed time.Duration

	// InitialInterval is the pause before the first retry. The pause
	// doubles at each retry up to MaxInterval, and each pause is drawn at
	// random within ±50% of its nominal value, so that callers that failed
	// together do not retry together. Defaults 1 s and 30 s.
	InitialInterval time.Duration
	MaxInterval     time.Duration

	// MaxRetryAfter is the longest Retry-After the Client honours. A 429
	// or 503 asking for a longer pause fails the call, and every call
	// until that pause is over, with an error matching
	// ErrRetryAfterTooLong rather than sleeping for hours. Default 10
	// minutes.
	MaxRetryAfter time.Duration
}

func (o RetryOptions) withDefaults() RetryOptions {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxElapsed <= 0 {
		o.MaxElapsed = DefaultMaxElapsed
	}
	if o.InitialInterval <= 0 {
		o.InitialInterval = DefaultInitialInterval
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = DefaultMaxInterval
	}
	o.MaxInterval = max(o.MaxInterval, o.InitialInterval)
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return o
}

// attempts sends cl until it succeeds, fails for good, or the bounds of
// c.retry are reached; cl.once allows a single attempt. The pauses come
// from an exponential backoff with jitter, lengthened by the host-wide
// Retry-After pause when one is running.
func (c *Client) attempts(ctx context.Context, cl call) (*response, error) {
	tries := c.retry.MaxAttempts
	if cl.once {
		tries = 1
	}
	n := 0
	op := func() (*response, error) {
		n++
		gen := c.sessions.Load()
		r, err := c.sendCall(ctx, cl)
		if err == nil {
			return r, nil
		}
		if n > 1 && c.refreshes(cl, changesState(cl.method), err) {
			// The session or its XSRF token expired during the pause
			// before this attempt: a new session, then the next attempt.
			// A refusal at the first attempt is left to exchange, which
			// allows one new session for it.
			if lerr := c.newSession(ctx, gen); lerr != nil {
				return nil, backoff.Permanent(lerr)
			}
			return nil, err
		}
		again, err := verdict(ctx, cl, err)
		if !again {
			return nil, backoff.Permanent(err)
		}
		return nil, err
	}
	notify := func(err error, d time.Duration) {
		c.log.WarnContext(ctx, RetryMessage, "method", cl.method, "path", cl.path,
			"attempt", n, "max_attempts", tries, "delay", d, "err", err)
	}
	r, err := backoff.Retry(ctx, op,
		backoff.WithBackOff(c.newPause()),
		backoff.WithMaxTries(uint(tries)),
		backoff.WithMaxElapsedTime(c.retry.MaxElapsed),
		backoff.WithNotify(notify))
	if err == nil {
		return r, nil
	}
	if pe, ok := err.(*backoff.PermanentError); ok {
		err = pe.Err
	}
	if cause := context.Cause(ctx); cause != nil && err == cause {
		// Canceled during a pause: backoff returns the bare cause.
		return nil, fmt.Errorf("console: %s %s: %w", cl.method, cl.path, err)
	}
	if n > 1 {
		err = fmt.Errorf("%w (after %d attempts)", err, n)
	}
	return nil, err
}

// verdict reports whether another attempt may follow err, the failure of
// one attempt of cl (see RetryOptions), and returns the error the call
// should report.
func verdict(ctx context.Context, cl call, err error) (bool, error) {
	if ctx.Err() != nil || errors.Is(err, ErrRetryAfterTooLong) || errors.Is(err, ErrOutcomeUnknown) {
		return false, err
	}
	idem := idempotent(cl.method)
	var se *StatusError
	if errors.As(err, &se) {
		switch se.Status {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			return true, err
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			if idem {
				return true, err
			}
			return false, &outcomeError{method: cl.method, path: cl.path, err: err}
		}
		return false, err
	}
	var te *transportError
	if errors.As(err, &te) {
		switch {
		case te.final:
			return false, err
		case idem || !te.connected:
			return true, err
		}
		return false, &outcomeError{method: cl.method, path: cl.path, err: err}
	}
	return false, err
}

// idempotent reports whether sending a request with method twice has the
// effect of sending it once, so that it may be repeated after any
// failure.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// newPause returns the backoff of one call: exponential with jitter, plus
// what remains of the host-wide Retry-After pause.
func (c *Client) newPause() backoff.BackOff {
	return &pause{gate: &c.gate, limit: c.retry.MaxRetryAfter, exp: &backoff.ExponentialBackOff{
		InitialInterval:     c.retry.InitialInterval,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         c.retry.MaxInterval,
	}}
}

// pause is a backoff.BackOff that waits for the host gate to open and
// then for a jittered exponential interval, so that calls held by one
// Retry-After resume spread out rather than together.
type pause struct {
	gate  *hostGate
	limit time.Duration
	exp   *backoff.ExponentialBackOff
}

func (p *pause) NextBackOff() time.Duration {
	held := p.gate.remaining()
	if held > p.limit {
		return backoff.Stop
	}
	return max(held, 0) + p.exp.NextBackOff()
}

func (p *pause) Reset() { p.exp.Reset() }

// hostGate holds every request to the Console until a time a Retry-After
// header asked for. It is shared by all the goroutines using a Client.
type hostGate struct {
	mu    sync.Mutex
	until time.Time
}

// hold closes the gate until t, unless it is already closed until later.
func (g *hostGate) hold(t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.After(g.until) {
		g.until = t
	}
}

// remaining returns how long the gate stays closed; zero or less when it
// is open.
func (g *hostGate) remaining() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return time.Until(g.until)
}

// waitGate returns when the host gate is open. A request it held is
// released after a further random pause of up to InitialInterval, so that
// the requests one Retry-After held do not reach the Console together. It
// fails at once when the gate stays closed for longer than MaxRetryAfter.
func (c *Client) waitGate(ctx context.Context, cl call) error {
	held := false
	for {
		d := c.gate.remaining()
		switch {
		case d > c.retry.MaxRetryAfter:
			return &retryAfterError{method: cl.method, path: cl.path, wait: d, limit: c.retry.MaxRetryAfter}
		case d > 0:
			held = true
		case !held:
			return nil
		default:
			held = false
			d = rand.N(c.retry.InitialInterval) // spread after the pause
		}
		if err := sleep(ctx, d); err != nil {
			return fmt.Errorf("console: %s %s: %w", cl.method, cl.path, err)
		}
	}
}
