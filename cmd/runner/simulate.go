package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/console/consolesim"
)

// simFlags are the flags of runner simulate.
type simFlags struct {
	addr, key, user string
	speed           float64
	empty           bool
	fail            []string
	faults          simFaults
	logRequests     string
}

const simulateLong = `simulate serves an in-memory simulator of the CAST AIP Console 1.x REST API,
with demo applications, for trying workflows and for tests. It runs until
interrupted, and serves loopback addresses only (127.0.0.0/8, ::1 and
localhost).

The simulator accepts the API key of --api-key as X-API-KEY. With --user
NAME it also accepts Basic auth as NAME with that key as the password, so
that runs with AIP_CONSOLE_USER set can be tried too.

--fail JOBTYPE:STEP makes every job of that type fail when it reaches that
step, so that a failure path can be seen by hand: the job ends "failed"
with failureStep set, and the run reports the step failed. Give it once per
job type; a job whose steps do not include STEP completes as usual.

The fault flags make the simulator misbehave as a Console behind a proxy
does, to see how a run copes: --error-rate and --throttle-rate refuse a
share of requests (5xx, or 429 with Retry-After) before they reach the
Console, --lost-answer-rate carries out a share of POST, PUT, PATCH and
DELETE requests but answers 502 or 504, --latency and --jitter delay every
request, --session-ttl and --xsrf-rotate end sessions and renew XSRF
tokens, and --restart-after forgets every session at the given times,
keeping applications, versions and jobs. Their durations are Console time:
--speed divides them as it divides the 20 s of a job step. Random choices
follow --seed, so that a client sending one request at a time meets the
same faults on every run.`

const simulateExample = `  runner simulate --addr 127.0.0.1:8081 --api-key demo-key --speed 100
  AIP_CONSOLE_URL=http://127.0.0.1:8081 AIP_CONSOLE_API_KEY=demo-key \
    runner run workflows/backup-analyze-consolidate.yaml -i app=demo-app --speed 100

  # Basic auth, and an analysis that fails at its snapshot
  runner simulate --api-key demo-pass --user admin --fail analyze:snapshot --speed 100
  AIP_CONSOLE_URL=http://127.0.0.1:8081 AIP_CONSOLE_USER=admin \
    AIP_CONSOLE_API_KEY=demo-pass \
    runner run workflows/backup-analyze-consolidate.yaml -i app=demo-app --speed 100

  # A flaky Console: 20% of 5xx, some throttling, short sessions, a restart
  runner simulate --api-key demo-key --speed 100 --error-rate 0.2 --throttle-rate 0.05 \
    --retry-after 2s --xsrf-rotate 30s --session-ttl 1m --restart-after 5m --seed 7`

func (a *app) simulateCmd() *cobra.Command {
	var f simFlags
	cmd := &cobra.Command{
		Use:     "simulate",
		Short:   "Serve the Console simulator on loopback",
		Long:    simulateLong,
		Example: simulateExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.simulate(cmd.Context(), &f)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8081", "loopback address to listen on")
	fs.StringVar(&f.key, "api-key", "",
		"the API key the simulator accepts (default $AIP_CONSOLE_API_KEY)")
	fs.StringVar(&f.user, "user", "",
		"also accept Basic auth as this user, with the API key as the password")
	fs.Float64Var(&f.speed, "speed", 1,
		"how many times faster than real time the Console runs (a step takes 20 s of Console\n"+
			"time; the durations of the fault flags are Console time too)")
	fs.BoolVar(&f.empty, "empty", false, "start without the demo applications")
	fs.StringArrayVar(&f.fail, "fail", nil,
		"make jobs of JOBTYPE fail at job step STEP, as JOBTYPE:STEP (repeatable)")
	f.faults.register(fs)
	fs.StringVar(&f.logRequests, "log-requests", "",
		"append one JSON line per request received to this file (for tests)")
	_ = fs.MarkHidden("log-requests") // a flag that exists cannot fail to hide
	return cmd
}

func (a *app) simulate(ctx context.Context, f *simFlags) error {
	key := f.key
	if key == "" {
		key = a.getenv("AIP_CONSOLE_API_KEY")
	}
	if key == "" {
		return errors.New(
			"no API key for the simulator: pass --api-key or set AIP_CONSOLE_API_KEY")
	}
	if f.user == "" && !headerSafe(key) {
		// run would refuse to send such a key as X-API-KEY; as a Basic
		// auth password (with --user) any text travels.
		return errors.New("the simulator's API key holds characters an HTTP header cannot " +
			"carry (whitespace, control characters or non-ASCII)")
	}
	if err := checkSpeed(f.speed); err != nil {
		return err
	}
	if err := checkLoopback(f.addr); err != nil {
		return err
	}
	rules, err := parseFailures(f.fail)
	if err != nil {
		return err
	}
	faults, err := f.faults.faults(f.speed)
	if err != nil {
		return err
	}

	opts := consolesim.Options{
		APIKey:   key,
		StepTime: consoleTime(20*time.Second, f.speed),
		Logger:   a.logger(),
	}
	if f.user != "" {
		opts.Users = map[string]string{f.user: key}
	}
	sim := consolesim.New(opts)
	if !f.empty {
		consolesim.SeedDemo(sim)
	}
	sim.FailJobs(rules)
	if err := sim.SetFaults(faults); err != nil {
		return withCode(exitInvalid, err) // faults checked every value already
	}
	for _, at := range f.faults.restarts(time.Now(), f.speed) {
		sim.RestartAt(at)
	}
	var h http.Handler = sim
	if f.logRequests != "" {
		logged, closeLog, err := openRequestLog(f.logRequests, h)
		if err != nil {
			return withCode(exitInvalid, fmt.Errorf("--log-requests: %w", err))
		}
		defer closeLog()
		h = logged
	}
	return a.serve(ctx, f.addr, h)
}

// serve serves h on the loopback address addr until ctx ends.
func (a *app) serve(ctx context.Context, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return withCode(exitInvalid, fmt.Errorf("--addr %s: %w", addr, err))
	}
	// A host name such as localhost may resolve to an address that is not
	// loopback; what was bound decides.
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err != nil || !ap.Addr().IsLoopback() {
		ln.Close()
		return notLoopback(addr)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(a.stderr, "Console simulator listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return withCode(exitConsole, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// checkLoopback refuses a listen address that is not on loopback: the
// simulator accepts a key given on the command line and serves demo data,
// which must not be reachable from the network.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return withCode(exitInvalid,
			fmt.Errorf("--addr %s: want host:port, such as 127.0.0.1:8081", addr))
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return nil
	}
	return notLoopback(addr)
}

func notLoopback(addr string) error {
	return withCode(exitInvalid, fmt.Errorf("--addr %s: the simulator serves loopback only", addr))
}
