//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/aipflow/runner/internal/testgen"
)

// Targets of the load, validate and plan measurements.
const (
	planTimeTarget = time.Second
	planRSSTarget  = 300 << 20 // bytes, of a plan of 10,000 steps
	peerRatioMax   = 0.5       // runner plan / task --dry, from 1,000 steps
)

// planSizes are the numbers of steps of the generated workflows.
var planSizes = []int{100, 1000, 10000}

// usage is what one child process took.
type usage struct {
	wall time.Duration
	rss  int64 // peak resident set, bytes
}

// benchPlan times `runner validate`, `runner plan` and go-task's
// `task --dry` on layered DAGs of each size and adds their rows to t.
func benchPlan(t *table, f *flags) error {
	dir, err := os.MkdirTemp("", "runner-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, n := range planSizes {
		wf := filepath.Join(dir, fmt.Sprintf("layered-%d.yaml", n))
		tf := filepath.Join(dir, fmt.Sprintf("Taskfile-%d.yml", n))
		if err := os.WriteFile(wf, testgen.Layered(n), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(tf, testgen.LayeredTaskfile(n), 0o644); err != nil {
			return err
		}
		validate, err := measure(f.repeat, f.runner, "validate", wf)
		if err != nil {
			return err
		}
		plan, err := measure(f.repeat, f.runner, "plan", wf)
		if err != nil {
			return err
		}
		peer, err := measure(f.repeat, f.task, "--dry", "--silent", "--taskfile", tf)
		if err != nil {
			return err
		}

		steps := fmt.Sprintf("%d steps", n)
		t.info("runner validate, "+steps+": time", ms(validate.wall))
		t.info("runner validate, "+steps+": peak RSS", mb(validate.rss))
		if n == 10000 {
			t.check("runner plan, "+steps+": time", ms(plan.wall),
				"< "+ms(planTimeTarget), plan.wall < planTimeTarget)
			t.check("runner plan, "+steps+": peak RSS", mb(plan.rss),
				"< "+mb(planRSSTarget), plan.rss < planRSSTarget)
		} else {
			t.info("runner plan, "+steps+": time", ms(plan.wall))
			t.info("runner plan, "+steps+": peak RSS", mb(plan.rss))
		}
		t.info("task --dry, "+steps+": time", ms(peer.wall))
		t.info("task --dry, "+steps+": peak RSS", mb(peer.rss))
		ratio := plan.wall.Seconds() / peer.wall.Seconds()
		name := "runner plan / task --dry, " + steps + ": time ratio"
		if n >= 1000 {
			t.check(name, fmt.Sprintf("%.2f", ratio), fmt.Sprintf("<= %.1f", peerRatioMax),
				ratio <= peerRatioMax)
		} else {
			t.info(name, fmt.Sprintf("%.2f", ratio))
		}
	}
	return nil
}

// measure runs a command repeat times, discarding its output, and returns
// the median wall time and the median peak RSS. A run that fails is an
// error: a benchmark of a failing command measures nothing.
func measure(repeat int, name string, args ...string) (usage, error) {
	var walls []time.Duration
	var rsss []int64
	for range max(repeat, 1) {
		cmd := exec.Command(name, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return usage{}, fmt.Errorf("%s %v: %v\n%s", name, args, err, stderr.Bytes())
		}
		walls = append(walls, time.Since(start))
		ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			return usage{}, fmt.Errorf("%s: no resource usage on this system", name)
		}
		rsss = append(rsss, ru.Maxrss<<10) // Linux reports kilobytes
	}
	slices.Sort(walls)
	slices.Sort(rsss)
	return usage{wall: walls[len(walls)/2], rss: rsss[len(rsss)/2]}, nil
}

// ms formats a duration in milliseconds, or seconds from 10 s on.
func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

// mb formats a size in bytes as mebibytes.
func mb(n int64) string {
	return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
}
