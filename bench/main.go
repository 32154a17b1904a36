//go:build unix

// Command bench measures the runner and prints one table: each row a
// measurement, its target and whether the target is met. `make bench`
// builds the runner and go-task and runs it. It reads the resource usage
// of child processes as Unix reports it, so it builds on Unix only.
//
// It measures three things:
//
//   - load, validate and plan of generated layered workflows (internal/
//     testgen) by the runner binary, side by side with go-task's
//     `task --dry` on a Taskfile of the same DAG: wall time and the peak
//     RSS of each child process;
//   - the orchestration overhead of a matrix run (200 applications by a
//     4-step pipeline) against the in-process Console simulator: wall time
//     against the ideal schedule, CPU seconds, peak RSS and status
//     requests per job, with and without a journal;
//   - the polling cost of 100 jobs running at once, in simulated minutes.
//
// The targets are goals, not tests: bench exits 0 whether they are met or
// not, and non-zero only when it cannot measure.
//
// Usage:
//
//	go run ./bench -runner bin/runner -task bin/bench/task [-only PART] [-cpuprofile F] [-memprofile F]
//
// The matrix and polling runs run in a child process, bench -child, which
// is what -cpuprofile and -memprofile profile: the runner, not the
// simulator. For the commands of the first part, profile the matching Go
// benchmark instead (BenchmarkPlan10k in package engine).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

func main() {
	var f flags
	flag.StringVar(&f.runner, "runner", "bin/runner", "runner binary to measure")
	flag.StringVar(&f.task, "task", "bin/bench/task", "go-task binary, the peer")
	flag.IntVar(&f.repeat, "repeat", 3, "runs of each command; the median counts")
	flag.StringVar(&f.only, "only", "", "run one part only: plan, matrix or poll")
	flag.StringVar(&f.cpuProfile, "cpuprofile", "",
		"write CPU profiles of the runner's runs to `file`-matrix, -matrix-journal and -poll")
	flag.StringVar(&f.memProfile, "memprofile", "",
		"write allocation profiles of the runner's runs, named as with -cpuprofile")
	var c childFlags
	flag.StringVar(&c.workflow, "child", "", "internal: run this workflow file against -url and report")
	flag.StringVar(&c.url, "url", "", "internal: the simulator's address for -child")
	flag.Float64Var(&c.speed, "speed", 1, "internal: Options.Speed for -child")
	flag.IntVar(&c.maxParallel, "maxparallel", 0, "internal: Options.MaxParallel for -child")
	flag.StringVar(&c.journal, "journal", "", "internal: Options.JournalPath for -child")
	flag.Parse()
	if c.workflow != "" {
		if err := profiled(&f, func() error { return runChild(c) }); err != nil {
			fmt.Fprintln(os.Stderr, "bench -child:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(&f); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// flags are the command line of bench.
type flags struct {
	runner, task           string
	repeat                 int
	only                   string
	cpuProfile, memProfile string
}

func run(f *flags) error {
	var t table
	if f.only == "" || f.only == "plan" {
		if err := benchPlan(&t, f); err != nil {
			return err
		}
	}
	if f.only == "" || f.only == "matrix" {
		for _, journal := range []bool{false, true} {
			if err := benchMatrix(&t, f, journal); err != nil {
				return err
			}
		}
	}
	if f.only == "" || f.only == "poll" {
		if err := benchPoll(&t, f); err != nil {
			return err
		}
	}
	t.print(os.Stdout)
	return nil
}

// profiled runs fn under the CPU and allocation profiles that f asks for.
func profiled(f *flags, fn func() error) error {
	if f.cpuProfile != "" {
		out, err := os.Create(f.cpuProfile)
		if err != nil {
			return err
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if err := fn(); err != nil {
		return err
	}
	if f.memProfile == "" {
		return nil
	}
	out, err := os.Create(f.memProfile)
	if err != nil {
		return err
	}
	defer out.Close()
	runtime.GC()
	return pprof.Lookup("allocs").WriteTo(out, 0)
}

// profileFlags returns the flags that make a child process write its
// profiles, with suffix added to the names f gives.
func (f *flags) profileFlags(suffix string) []string {
	var args []string
	if f.cpuProfile != "" {
		args = append(args, "-cpuprofile", f.cpuProfile+suffix)
	}
	if f.memProfile != "" {
		args = append(args, "-memprofile", f.memProfile+suffix)
	}
	return args
}
