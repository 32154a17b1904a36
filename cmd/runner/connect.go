package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// connFlags are the connection settings shared by commands that talk to a
// Console. resolve tells which of them, of the environment and of a config
// profile apply.
type connFlags struct {
	url      string
	user     string
	keyFile  string
	caFile   string
	insecure bool
	config   string
	profile  string
	simulate bool
	speed    float64

	fs *pflag.FlagSet // the flags were registered here, to tell what was given
}

// register adds the connection flags, --simulate and --speed to fs.
func (f *connFlags) register(fs *pflag.FlagSet) {
	f.registerSettings(fs)
	fs.BoolVar(&f.simulate, "simulate", false,
		"run against a Console simulator started in this process, with demo applications")
	fs.Float64Var(&f.speed, "speed", 0,
		"how many times faster than real time the Console runs, for a simulator: divides\n"+
			"poll intervals, timeouts and retry delays (default 100 with --simulate, else 1)")
}

// registerSettings adds the flags of the connection settings to fs.
func (f *connFlags) registerSettings(fs *pflag.FlagSet) {
	f.fs = fs
	fs.StringVar(&f.url, "console-url", "",
		"Console address `URL` (default $AIP_CONSOLE_URL, then the profile's console-url)")
	fs.StringVar(&f.user, "user", "",
		"user `NAME` for Basic auth; the API key is then the password (default $AIP_CONSOLE_USER)")
	fs.StringVar(&f.keyFile, "api-key-file", "",
		"read the API key (the password with --user) from `FILE`, without surrounding white\n"+
			"space (default: the key in $AIP_CONSOLE_API_KEY, else the file $AIP_CONSOLE_API_KEY_FILE)")
	fs.StringVar(&f.caFile, "ca-file", "",
		"verify the Console's TLS certificate with the PEM certificates of `FILE` too\n"+
			"(default $AIP_CONSOLE_CA_FILE)")
	fs.BoolVar(&f.insecure, "insecure", false,
		"do not verify the Console's TLS certificate, with a warning (default $AIP_CONSOLE_INSECURE)")
	fs.StringVar(&f.config, "config", "",
		"config `FILE` of Console profiles (default $RUNNER_CONFIG, else\n"+
			"<user config dir>/runner/config.yaml when it exists)")
	fs.StringVar(&f.profile, "profile", "",
		"use the profile `NAME` of the config file (default $AIP_CONSOLE_PROFILE, else the file's\n"+
			"default-profile)")
}

// checkSimulate refuses connection flags given with --simulate, whose
// simulator needs none.
func (f *connFlags) checkSimulate() error {
	for _, name := range []string{"console-url", "profile", "config", "api-key-file", "ca-file",
		"insecure"} {
		if f.fs != nil && f.fs.Changed(name) {
			return withCode(exitInvalid,
				fmt.Errorf("--simulate and --%s exclude each other", name))
		}
	}
	return nil
}

// conn is a Console session ready for use, and how to end it.
type conn struct {
	client *console.Client
	speed  float64
	close  func()
}

// connect opens a session with the Console, or starts a simulator with
// --simulate. Bad settings exit 2 before any request; a refused key or an
// unreachable Console exits 3.
func (a *app) connect(ctx context.Context, f *connFlags) (*conn, error) {
	if f.simulate {
		if err := f.checkSimulate(); err != nil {
			return nil, err
		}
	}
	c := &conn{speed: f.speed, close: func() {}}
	given := f.fs != nil && f.fs.Changed("speed")
	switch {
	case !given && f.simulate:
		c.speed = 100
	case !given:
		c.speed = 1
	default:
		if err := checkSpeed(c.speed); err != nil {
			return nil, err
		}
	}
	s, err := a.connSettings(f, c)
	if err != nil {
		return nil, err
	}
	log := a.logger()
	client, err := newClient(s, c.speed, log)
	if err != nil {
		c.close()
		return nil, err
	}
	log.Debug("connecting", "url", redactURL(s.url.value), "url_from", s.url.from,
		"profile", s.profile.value, "key_from", s.keyFrom, "user", s.user.value,
		"ca_file", s.caFile.value)
	if s.insecure.value != "" {
		fmt.Fprintf(a.stderr, "runner: warning: %s: the Console's TLS certificate is not "+
			"verified; whoever can intercept the connection can read the API key\n",
			s.insecure.from)
	}
	if err := client.Login(ctx); err != nil {
		c.close()
		if errors.Is(context.Cause(ctx), context.Canceled) {
			return nil, withCode(exitInterrupted,
				errors.New("interrupted while logging in to the Console"))
		}
		return nil, withCode(exitConsole, loginError(err, s))
	}
	c.client = client
	return c, nil
}

// connSettings resolves the connection settings, or starts a simulator
// with --simulate and returns its settings; c.close then stops it.
func (a *app) connSettings(f *connFlags, c *conn) (*settings, error) {
	if !f.simulate {
		return a.resolve(f)
	}
	sim, err := startSimulator(c.speed, a.simulator, a.simulatorKey)
	if err != nil {
		return nil, withCode(exitConsole, err)
	}
	c.close = sim.close
	return &settings{
		url: setting{sim.url, "--simulate"}, key: console.Secret(sim.key), keyFrom: "--simulate",
	}, nil
}

// newClient checks the connection settings and makes a client with them.
// It sends nothing. resolve has checked the key, so an error of
// console.New is about the CA file or the address; either exits 2.
func newClient(s *settings, speed float64, log *slog.Logger) (*console.Client, error) {
	if s.url.value == "" {
		return nil, withCode(exitInvalid, errors.New("no Console address: pass --console-url, "+
			"set AIP_CONSOLE_URL or use a profile (or use --simulate)"))
	}
	if s.key == "" {
		return nil, withCode(exitInvalid, errors.New("no API key: set AIP_CONSOLE_API_KEY, "+
			"pass --api-key-file, or use a profile with api-key-file or api-key-env"))
	}
	client, err := console.New(console.Options{
		BaseURL: s.url.value, APIKey: s.key, User: s.user.value, Logger: log,
		CAFile: s.caFile.value, Insecure: s.insecure.value != "",
		Retry: retryOptions(speed),
	})
	var caErr *console.CAFileError
	switch {
	case errors.As(err, &caErr):
		return nil, withCode(exitInvalid,
			fmt.Errorf("%s %s: %w", s.caFile.from, s.caFile.value, caErr.Err))
	case err != nil:
		return nil, withCode(exitInvalid,
			fmt.Errorf("%s %q: %w", s.url.from, redactURL(s.url.value), err))
	}
	return client, nil
}

// retryOptions returns the client's retry bounds for a Console that runs
// speed times faster than real time: the pauses between retries are
// Console time, like poll intervals. A Retry-After header is not scaled:
// the server that sends it counts in real seconds.
func retryOptions(speed float64) console.RetryOptions {
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / speed) }
	return console.RetryOptions{
		MaxAttempts:     console.DefaultMaxAttempts,
		MaxElapsed:      scale(console.DefaultMaxElapsed),
		InitialInterval: scale(console.DefaultInitialInterval),
		MaxInterval:     scale(console.DefaultMaxInterval),
	}
}

// checkSpeed refuses a --speed that is not a finite number of at least 1.
func checkSpeed(speed float64) error {
	if math.IsNaN(speed) || math.IsInf(speed, 0) || speed < 1 {
		return withCode(exitInvalid,
			fmt.Errorf("--speed %v: must be a number of at least 1", speed))
	}
	return nil
}

// headerSafe reports whether key can be sent as an HTTP header value as
// it is: printable ASCII without spaces. A key copied with a stray space
// or newline would otherwise be refused by the Console, or by the HTTP
// client, with a less helpful error.
func headerSafe(key string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] >= 0x7f {
			return false
		}
	}
	return true
}

// redactURL returns raw for an error, with any user information (which
// may hold a password) replaced by xxxxx. Like the client, it reads raw
// without a scheme as a host, and it does not need raw to parse.
func redactURL(raw string) string {
	prefix, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	return prefix + "xxxxx" + rest[at:]
}

// connectWithin is connect bounded by --timeout, in real time: a Console
// that accepts connections but never answers must not hold a bounded run
// for longer than its bound.
func (a *app) connectWithin(ctx context.Context, f *connFlags, timeout time.Duration) (*conn, error) {
	if timeout <= 0 {
		return a.connect(ctx, f)
	}
	cctx, cancel := context.WithTimeoutCause(ctx, timeout,
		fmt.Errorf("the Console did not answer within --timeout %s", timeout))
	defer cancel()
	c, err := a.connect(cctx, f)
	if err != nil && ctx.Err() == nil && cctx.Err() != nil {
		return nil, withCode(exitConsole, context.Cause(cctx))
	}
	return c, err
}

// loginError says what a failed login means for the user.
func loginError(err error, s *settings) error {
	switch {
	case errors.Is(err, console.ErrUnauthorized) && s.user.value != "":
		return fmt.Errorf("the Console refused the user name and password of %q (HTTP 401): "+
			"check the user (%s) and its password (%s)", s.user.value, s.user.from, s.keyFrom)
	case errors.Is(err, console.ErrUnauthorized):
		return fmt.Errorf("the Console refused the API key (HTTP 401): check %s", s.keyFrom)
	}
	if cerr := certificateError(err, s); cerr != nil {
		return cerr
	}
	if errors.Is(err, console.ErrUnreachable) {
		return fmt.Errorf("the Console is unreachable: %w", err)
	}
	return fmt.Errorf("log in to the Console: %w", err)
}

// certificateError says what to do about a TLS certificate of the
// Console that the client refused (console.ErrCertificate), or returns
// nil for another error. The x509 error it wraps tells why.
func certificateError(err error, s *settings) error {
	if !errors.Is(err, console.ErrCertificate) {
		return nil
	}
	var (
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &unknown) && s.caFile.value != "":
		return fmt.Errorf("cannot verify the Console's TLS certificate: certificate signed by "+
			"unknown authority: %s %s does not hold the authority that signed it",
			s.caFile.from, s.caFile.value)
	case errors.As(err, &unknown):
		return errors.New("cannot verify the Console's TLS certificate: certificate signed by " +
			"unknown authority; pass --ca-file (or --insecure)")
	case errors.As(err, &host):
		return fmt.Errorf("the Console's TLS certificate is not for this host: %v; check %s",
			host, s.url.from)
	case errors.As(err, &invalid):
		return fmt.Errorf("the Console's TLS certificate is not valid: %v", invalid)
	}
	return fmt.Errorf("cannot verify the Console's TLS certificate: %w", err)
}

// simulator is a Console simulator serving on loopback.
type simulator struct {
	url, key string
	close    func()
}

// startSimulator serves a simulator on a free loopback port: sim, which
// accepts key, when not nil, else a new one with demo applications where a
// Console step takes 20 s of simulated time and a new random key.
func startSimulator(speed float64, sim *consolesim.Server, key string) (*simulator, error) {
	if sim == nil {
		key = "sim-" + randomHex(16)
		sim = consolesim.New(consolesim.Options{
			APIKey:   key,
			StepTime: time.Duration(float64(20*time.Second) / speed),
		})
		consolesim.SeedDemo(sim)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return &simulator{
		url: "http://" + ln.Addr().String(),
		key: key,
		// The run has ended: nothing it sent waits for an answer. A
		// graceful Shutdown would wait for the connections the HTTP client
		// dialed ahead and never used, which the server counts as active.
		close: func() { _ = srv.Close() },
	}, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
