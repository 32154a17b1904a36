package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Defaults of WaitOptions, those of the official client (1.26 and later).
const (
	DefaultPollInterval   = 15 * time.Second
	DefaultMaxPollErrors  = 20
	DefaultSessionRefresh = 10 * time.Minute
)

// WaitOptions configures Wait. The zero value uses the defaults.
type WaitOptions struct {
	// Interval is the pause between polls, varied by ±10% so that many
	// waiting jobs do not poll in step. Default 15 s. A Retry-After pause
	// the Console asked for holds the next poll until it is over.
	Interval time.Duration

	// MaxErrors is how many polls in a row may fail, or show an unknown
	// state, before Wait gives up. Default 20, as CAST's client: a new
	// job's status can take more than 10 s to appear, and proxies answer
	// with the odd 5xx.
	MaxErrors int

	// OnProgress, when set, is called from Wait's goroutine with the first
	// status read and with every status whose State or ProgressStep
	// differs from the previous one.
	OnProgress func(JobStatus)

	// SessionRefresh is how often Wait starts a new session with Login
	// while polling, because polling alone does not keep a Console 1.x
	// session alive. Default 10 minutes.
	SessionRefresh time.Duration
}

func (o WaitOptions) withDefaults() WaitOptions {
	if o.Interval <= 0 {
		o.Interval = DefaultPollInterval
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = DefaultMaxPollErrors
	}
	if o.SessionRefresh <= 0 {
		o.SessionRefresh = DefaultSessionRefresh
	}
	return o
}

// Wait polls job jobGUID until its state is terminal (see Terminal) and
// returns that status; the caller decides what a state other than
// "completed" means. The first poll happens at once, later ones after
// opts.Interval.
//
// Each poll is a single request: Options.Retry does not apply to the
// status reads of Wait, whose own policy below replaces it, so that a
// job's status is asked at most once per Interval. The one exception is a
// read refused with 401 or 403 after a successful login, which is sent
// once more right after a new login since it got no answer. A Retry-After
// pause holds the next poll, as it holds every request of the Client.
//
// A failed poll is retried at the next Interval; after opts.MaxErrors
// failures in a row Wait gives up with an error that wraps the last
// failure, so errors.Is(err, ErrNotFound) tells a job the Console lost.
// A 401 or 403 that a new session did not cure, or a Retry-After longer
// than RetryOptions.MaxRetryAfter, ends Wait at once. When ctx ends, Wait
// returns context.Cause(ctx). On error the returned status is the last
// one read, or the zero JobStatus.
//
// Failed polls are retried at the same Interval rather than with a growing
// backoff, as the official client does, so that a job whose status
// reappears is seen promptly. MaxErrors × Interval (20 × 15 s, about 5
// minutes, by default) thus bounds the wait for an unreachable Console,
// lengthened only by Retry-After pauses.
//
// A state that is not one of the seven of Console 1.x is logged once per
// Wait at Warn level and polled on as if the job were running: it is more
// likely a state that a newer Console added (a queue, a pause) than the
// end of the job, and failing the step at once would leave a job that may
// still be running unobserved. Like the official client, which reads such
// a status as a failed read, Wait counts it towards MaxErrors, so it does
// not poll an unknown state forever: after MaxErrors such polls in a row
// it gives up with an error that names the state.
func (c *Client) Wait(ctx context.Context, jobGUID string, opts WaitOptions) (JobStatus, error) {
	p := &poller{c: c, jobGUID: jobGUID, opts: opts.withDefaults(), loginAt: time.Now()}
	var delay time.Duration // the first poll happens at once
	for {
		if err := sleep(ctx, delay); err != nil {
			return p.last, err
		}
		delay = jitter(p.opts.Interval)
		if err := p.refreshSession(ctx); err != nil {
			return p.last, err
		}

		st, err := c.jobStatus(ctx, jobGUID, true)
		if err == nil && !KnownState(st.State) {
			err = p.unknownState(ctx, st)
		}
		if err != nil {
			if err := p.failed(ctx, err); err != nil {
				return p.last, err
			}
			continue
		}
		p.progress(st)
		if Terminal(st.State) {
			return st, nil
		}
	}
}

// poller is the state of one Wait.
type poller struct {
	c       *Client
	jobGUID string
	opts    WaitOptions
	loginAt time.Time // last successful Login, or the start of Wait

	last    JobStatus // last status read
	seen    bool      // last holds a status read by this Wait
	fails   int       // consecutive failed polls
	only404 bool      // every failure of the current run was a 404
	warned  bool      // an unknown state was logged
}

// refreshSession logs in again once opts.SessionRefresh has passed since
// the last login. Only a 401 or the end of ctx is fatal: after another
// failure the status poll tells whether the Console is really gone, and
// the login is tried again before the next poll.
func (p *poller) refreshSession(ctx context.Context) error {
	if time.Since(p.loginAt) < p.opts.SessionRefresh {
		return nil
	}
	err := p.c.Login(ctx)
	switch {
	case err == nil:
		p.loginAt = time.Now()
	case errors.Is(err, ErrUnauthorized) || ctx.Err() != nil:
		return p.fatal(ctx, err)
	default:
		p.c.log.WarnContext(ctx, "session refresh failed", "job_id", p.jobGUID, "err", err)
	}
	return nil
}

// failed records a failed poll. It returns an error when Wait must stop:
// on a 401 or 403, on a Retry-After over the limit, when ctx is done, or
// after opts.MaxErrors failures in a row.
func (p *poller) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden) ||
		errors.Is(err, ErrRetryAfterTooLong) {
		return p.fatal(ctx, err)
	}
	if p.fails == 0 {
		p.only404 = true
	}
	p.fails++
	p.only404 = p.only404 && errors.Is(err, ErrNotFound)
	if p.fails >= p.opts.MaxErrors {
		return &pollError{jobGUID: p.jobGUID, polls: p.fails, lost: p.seen && p.only404, err: err}
	}
	var us *unknownStateError
	if !errors.As(err, &us) { // logged once, by unknownState
		p.c.logFailedPoll(ctx, p.jobGUID, p.fails, err)
	}
	return nil
}

// unknownState records a status whose state is unknown, logs the first
// one, and returns the error that counts it as a failed poll.
func (p *poller) unknownState(ctx context.Context, st JobStatus) error {
	p.last, p.seen = st, true
	if !p.warned {
		p.warned = true
		p.c.log.WarnContext(ctx, "unknown job state; polling on", "job_id", p.jobGUID,
			"state", st.State, "max_polls", p.opts.MaxErrors)
	}
	return &unknownStateError{jobGUID: p.jobGUID, state: st.State}
}

// progress records a good poll and reports it to OnProgress when it is
// the first or its state or step changed.
func (p *poller) progress(st JobStatus) {
	changed := !p.seen || st.State != p.last.State || st.ProgressStep != p.last.ProgressStep
	p.last, p.seen, p.fails = st, true, 0
	if changed && p.opts.OnProgress != nil {
		p.opts.OnProgress(st)
	}
}

// fatal returns the error that ends Wait: the context's cause when ctx
// is done, else err with the job named.
func (p *poller) fatal(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return fmt.Errorf("job %s: %w", p.jobGUID, err)
}

// logFailedPoll reports a failed poll at Warn level, with the HTTP status
// and content type when there was a response.
func (c *Client) logFailedPoll(ctx context.Context, jobGUID string, attempt int, err error) {
	attrs := []slog.Attr{
		slog.String("job_id", jobGUID),
		slog.Int("attempt", attempt),
	}
	var se *StatusError
	if errors.As(err, &se) {
		attrs = append(attrs,
			slog.Int("status", se.Status),
			slog.String("content_type", se.ContentType))
	}
	attrs = append(attrs, slog.Any("err", err))
	c.log.LogAttrs(ctx, slog.LevelWarn, "job status unavailable", attrs...)
}

// pollError ends a Wait after too many failed polls in a row; it wraps
// the last failure.
type pollError struct {
	jobGUID string
	polls   int
	lost    bool // the job was seen, then every poll answered 404
	err     error
}

func (e *pollError) Error() string {
	var us *unknownStateError
	if errors.As(e.err, &us) {
		return fmt.Sprintf("job %s: unknown state %q on %d consecutive polls; check the job on Console",
			e.jobGUID, us.state, e.polls)
	}
	if e.lost {
		return fmt.Sprintf("job %s is no longer known to Console (HTTP 404 on %d consecutive polls)",
			e.jobGUID, e.polls)
	}
	return fmt.Sprintf("job %s: status unavailable after %d consecutive failed polls: %v",
		e.jobGUID, e.polls, e.err)
}

func (e *pollError) Unwrap() error { return e.err }

// unknownStateError is a status read whose state is none of the states
// of Console 1.x.
type unknownStateError struct {
	jobGUID, state string
}

func (e *unknownStateError) Error() string {
	return fmt.Sprintf("console: GET %s: unknown job state %q", jobPath(e.jobGUID), e.state)
}

// jitter returns d varied uniformly by up to ±10%.
func jitter(d time.Duration) time.Duration {
	spread := d / 5
	if spread <= 0 {
		return d
	}
	return d - spread/2 + rand.N(spread+1)
}

// sleep pauses for d or until ctx ends, whichever comes first; it returns
// context.Cause(ctx) in the second case. A zero d only checks ctx.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
