package main

import (
	"context"
	"crypto/rand"
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
// Console.
type connFlags struct {
	url      string
	user     string
	simulate bool
	speed    float64
}

func (f *connFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.url, "console-url", "", "Console address (default $AIP_CONSOLE_URL)")
	fs.StringVar(&f.user, "user", "",
		"user name for Basic auth; the API key is then the password (default $AIP_CONSOLE_USER)")
	fs.BoolVar(&f.simulate, "simulate", false,
		"run against a Console simulator started in this process, with demo applications")
	fs.Float64Var(&f.speed, "speed", 0,
		"how many times faster than real time the Console runs, for a simulator: divides\n"+
			"poll intervals and timeouts (default 100 with --simulate, else 1)")
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
	if f.simulate && f.url != "" {
		return nil, withCode(exitInvalid,
			errors.New("--simulate and --console-url exclude each other"))
	}
	c := &conn{speed: f.speed, close: func() {}}
	switch {
	case c.speed == 0 && f.simulate:
		c.speed = 100
	case c.speed == 0:
		c.speed = 1
	default:
		if err := checkSpeed(c.speed); err != nil {
			return nil, err
		}
	}
	baseURL, urlFrom := f.url, "--console-url"
	if baseURL == "" {
		baseURL, urlFrom = a.getenv("AIP_CONSOLE_URL"), "AIP_CONSOLE_URL"
	}
	key, user := a.getenv("AIP_CONSOLE_API_KEY"), f.user
	if user == "" {
		user = a.getenv("AIP_CONSOLE_USER")
	}
	if strings.Contains(user, ":") {
		return nil, errors.New("--user/AIP_CONSOLE_USER: a user name for Basic auth cannot contain \":\"")
	}
	if f.simulate {
		sim, err := startSimulator(c.speed, a.simulator, a.simulatorKey)
		if err != nil {
			return nil, withCode(exitConsole, err)
		}
		baseURL, key, user, c.close = sim.url, sim.key, "", sim.close
	}
	client, err := newClient(baseURL, urlFrom, key, user, a.logger())
	if err != nil {
		c.close()
		return nil, err
	}
	if err := client.Login(ctx); err != nil {
		c.close()
		if errors.Is(context.Cause(ctx), context.Canceled) {
			return nil, withCode(exitInterrupted,
				errors.New("interrupted while logging in to the Console"))
		}
		return nil, withCode(exitConsole, loginError(err, user))
	}
	c.client = client
	return c, nil
}

// newClient checks the connection settings and makes a client with them;
// urlFrom names where baseURL came from, for an error. It sends nothing.
func newClient(baseURL, urlFrom, key, user string, log *slog.Logger) (*console.Client, error) {
	if baseURL == "" {
		return nil, withCode(exitInvalid, errors.New(
			"no Console address: pass --console-url or set AIP_CONSOLE_URL (or use --simulate)"))
	}
	if key == "" {
		return nil, withCode(exitInvalid, errors.New("no API key: set AIP_CONSOLE_API_KEY"))
	}
	// As X-API-KEY the key travels in a header; as the password of Basic
	// auth (with a user) it is base64-encoded, which carries any text.
	if user == "" && !headerSafe(key) {
		return nil, withCode(exitInvalid, errors.New("AIP_CONSOLE_API_KEY holds characters "+
			"an HTTP header cannot carry (whitespace, control characters or non-ASCII)"))
	}
	client, err := console.New(console.Options{
		BaseURL: baseURL, APIKey: console.Secret(key), User: user, Logger: log,
	})
	if err != nil {
		return nil, withCode(exitInvalid,
			fmt.Errorf("%s %q: %w", urlFrom, redactURL(baseURL), err))
	}
	return client, nil
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
func loginError(err error, user string) error {
	switch {
	case errors.Is(err, console.ErrUnauthorized) && user != "":
		return fmt.Errorf("the Console refused the user name and password of %q (HTTP 401)", user)
	case errors.Is(err, console.ErrUnauthorized):
		return errors.New("the Console refused the API key (HTTP 401): check AIP_CONSOLE_API_KEY")
	case errors.Is(err, console.ErrUnreachable):
		return fmt.Errorf("the Console is unreachable: %w", err)
	}
	return fmt.Errorf("log in to the Console: %w", err)
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
