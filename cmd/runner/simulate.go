package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/console/consolesim"
)

func (a *app) simulateCmd() *cobra.Command {
	var (
		addr, key string
		speed     float64
		empty     bool
	)
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Serve the Console simulator on loopback",
		Long: `simulate serves an in-memory simulator of the CAST AIP Console 1.x REST API,
with demo applications, for trying workflows and for tests. It runs until
interrupted.`,
		Example: `  runner simulate --addr 127.0.0.1:8081 --api-key demo-key --speed 100
  AIP_CONSOLE_URL=http://127.0.0.1:8081 AIP_CONSOLE_API_KEY=demo-key \
    runner run workflows/backup-analyze-consolidate.yaml -i app=demo-app --speed 100`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if key == "" {
				key = a.getenv("AIP_CONSOLE_API_KEY")
			}
			if key == "" {
				return errors.New("no API key for the simulator: pass --api-key or set AIP_CONSOLE_API_KEY")
			}
			if speed < 1 {
				return fmt.Errorf("--speed %v: must be at least 1", speed)
			}
			return a.simulate(cmd.Context(), addr, key, speed, !empty)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&addr, "addr", "127.0.0.1:8081", "address to listen on")
	fs.StringVar(&key, "api-key", "", "the API key the simulator accepts (default $AIP_CONSOLE_API_KEY)")
	fs.Float64Var(&speed, "speed", 1,
		"how many times faster than real time jobs run (a step takes 20 s of simulated time)")
	fs.BoolVar(&empty, "empty", false, "start without the demo applications")
	return cmd
}

func (a *app) simulate(ctx context.Context, addr, key string, speed float64, demo bool) error {
	sim := consolesim.New(consolesim.Options{
		APIKey:   key,
		StepTime: time.Duration(float64(20*time.Second) / speed),
		Logger:   a.logger(),
	})
	if demo {
		consolesim.SeedDemo(sim)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return withCode(exitInvalid, fmt.Errorf("--addr %s: %w", addr, err))
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
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
