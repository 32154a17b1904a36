//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aipflow/runner/console/consolesim"
)

// Targets of the matrix run and of polling.
const (
	idealRatioMax = 1.15
	matrixCPUMax  = 5 * time.Second
	matrixRSSMax  = 150 << 20 // bytes
)

// A pipelineStep is one step of the generated matrix workflow.
type pipelineStep struct {
	id, job string
	with    string // extra job parameters, as YAML flow-map entries
}

// portfolio is the 4-step pipeline run for every application: jobs of 1,
// 6, 5 and 1 simulated Console steps.
var portfolio = []pipelineStep{
	{id: "backup", job: "backup"},
	{id: "deliver", job: "upload_deliver_version"},
	{id: "analyze", job: "upload_snapshot_version", with: "startStep: accept, endStep: snapshot_indicator"},
	{id: "consolidate", job: "consolidate_snapshot"},
}

// scenario is one run of a generated matrix workflow against the
// simulator: the workflow is written with the GUIDs of fresh applications,
// and a child process (bench -child) runs it, so that its CPU time and
// peak RSS are the runner's alone; the simulator serves from this process.
type scenario struct {
	apps        int
	steps       []pipelineStep
	maxParallel int           // both the matrix's max-parallel and Options.MaxParallel
	stepTime    time.Duration // real duration of a simulated Console step
	poll        time.Duration // the workflow's poll:, in Console time
	speed       float64       // how much faster than real time the Console runs
	journal     bool
	profile     []string // flags of the child process's profiles
}

// outcome is what a scenario measured.
type outcome struct {
	wall, cpu time.Duration // run wall time (Result.Started to Ended), child CPU
	rss       int64
	ideal     time.Duration
	jobs      []jobStat
}

// jobStat is one job of the run as the simulator saw it.
type jobStat struct {
	duration time.Duration // of its Console steps
	polls    int           // GET /api/jobs/{guid} it received
}

// childReport is what the child process prints on stdout.
type childReport struct {
	Started, Ended time.Time
	Failed         bool
	Jobs           map[string]string // job GUID -> step ID
}

// run runs the scenario and returns its measurements.
func (sc scenario) run() (outcome, error) {
	sim := consolesim.New(consolesim.Options{APIKey: "bench", StepTime: sc.stepTime})
	srv := httptest.NewServer(sim)
	defer srv.Close()

	dir, err := os.MkdirTemp("", "runner-bench-")
	if err != nil {
		return outcome{}, err
	}
	defer os.RemoveAll(dir)
	wf := filepath.Join(dir, "portfolio.yaml")
	if err := os.WriteFile(wf, sc.workflow(sim), 0o644); err != nil {
		return outcome{}, err
	}

	self, err := os.Executable()
	if err != nil {
		return outcome{}, err
	}
	args := []string{"-child", wf, "-url", srv.URL, "-speed", fmt.Sprint(sc.speed),
		"-maxparallel", fmt.Sprint(sc.maxParallel)}
	args = append(args, sc.profile...)
	if sc.journal {
		args = append(args, "-journal", filepath.Join(dir, "runs", "bench.json"))
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return outcome{}, fmt.Errorf("child run: %v", err)
	}
	var rep childReport
	if err := json.Unmarshal(out, &rep); err != nil {
		return outcome{}, fmt.Errorf("child report: %v", err)
	}
	if rep.Failed {
		return outcome{}, fmt.Errorf("the portfolio run failed")
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	o := outcome{
		wall: rep.Ended.Sub(rep.Started),
		cpu:  time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		rss:  ru.Maxrss << 10,
	}

	polls := make(map[string]int)
	for _, r := range sim.Requests() {
		if guid, ok := strings.CutPrefix(r.Path, "/api/jobs/"); ok && r.Method == "GET" &&
			!strings.Contains(guid, "/") {
			polls[guid]++
		}
	}
	stepTime := make(map[string]time.Duration) // by step ID
	for guid, step := range rep.Jobs {
		st, ok := sim.Job(guid)
		if !ok {
			return outcome{}, fmt.Errorf("job %s unknown to the simulator", guid)
		}
		d := time.Duration(len(st.FullSteps)) * sc.stepTime
		stepTime[step] = d
		o.jobs = append(o.jobs, jobStat{duration: d, polls: polls[guid]})
	}
	o.ideal = sc.idealSchedule(stepTime)
	return o, nil
}

// workflow returns the matrix workflow of the scenario, with one item per
// new application of sim.
func (sc scenario) workflow(sim *consolesim.Server) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nname: portfolio\ndefaults: {poll: %s}\n", sc.poll)
	fmt.Fprintf(&b, "matrix:\n  max-parallel: %d\n  items:\n", sc.maxParallel)
	for i := range sc.apps {
		fmt.Fprintf(&b, "    - {app: %q}\n", sim.AddApplication(fmt.Sprintf("app-%d", i)))
	}
	b.WriteString("steps:\n")
	for i, st := range sc.steps {
		fmt.Fprintf(&b, "  %s:\n    job: %s\n", st.id, st.job)
		if i > 0 {
			fmt.Fprintf(&b, "    needs: [%s]\n", sc.steps[i-1].id)
		}
		with := `appGuid: "${{ item.app }}"`
		if st.with != "" {
			with += ", " + st.with
		}
		fmt.Fprintf(&b, "    with: {%s}\n", with)
	}
	return []byte(b.String())
}

// idealSchedule returns the length of the best schedule of the scenario
// with no overhead at all: jobs last their Console steps, a step starts
// the instant its dependency ends, and only the limits hold (items and
// steps at once; one job per application, which a chain of steps of one
// item meets by itself). For a chain per item of identical items, starting
// items in order as slots free up is optimal: no slot ever idles.
func (sc scenario) idealSchedule(stepTime map[string]time.Duration) time.Duration {
	var chain time.Duration
	for _, st := range sc.steps {
		chain += stepTime[st.id]
	}
	waves := (sc.apps + sc.maxParallel - 1) / sc.maxParallel
	return time.Duration(waves) * chain
}

// benchMatrix runs 200 applications by the 4-step pipeline (800 jobs) on
// 20 ms Console steps, at most 50 at once, and adds its rows to t.
func benchMatrix(t *table, f *flags, journal bool) error {
	suffix := "-matrix"
	if journal {
		suffix += "-journal"
	}
	sc := scenario{
		apps: 200, steps: portfolio, maxParallel: 50,
		stepTime: 20 * time.Millisecond, poll: time.Second, speed: 100,
		journal: journal, profile: f.profileFlags(suffix),
	}
	o, err := sc.run()
	if err != nil {
		return err
	}
	name := fmt.Sprintf("matrix %d apps x %d steps (%d jobs)", sc.apps, len(sc.steps), len(o.jobs))
	if journal {
		name += ", journal"
	}
	ratio := o.wall.Seconds() / o.ideal.Seconds()
	t.info(name+": wall / ideal", fmt.Sprintf("%s / %s", ms(o.wall), ms(o.ideal)))
	t.check(name+": wall / ideal ratio", fmt.Sprintf("%.2f", ratio),
		fmt.Sprintf("<= %.2f", idealRatioMax), ratio <= idealRatioMax)
	t.check(name+": runner CPU", fmt.Sprintf("%.2f s", o.cpu.Seconds()),
		fmt.Sprintf("< %.1f s", matrixCPUMax.Seconds()), o.cpu < matrixCPUMax)
	t.check(name+": runner peak RSS", mb(o.rss), "< "+mb(matrixRSSMax), o.rss < matrixRSSMax)
	pollRows(t, name, o.jobs, sc.poll.Seconds()/sc.speed)
	return nil
}

// benchPoll runs 100 jobs at once, each of 12 Console steps of 15 s
// (3 simulated minutes), polled every 15 s, on a Console 200 times faster
// than real time, and adds the polling rows to t.
func benchPoll(t *table, f *flags) error {
	const speed = 200
	sc := scenario{
		apps: 100, maxParallel: 100,
		steps:    []pipelineStep{{id: "analyze", job: "upload_snapshot_version"}},
		stepTime: 15 * time.Second / speed, poll: 15 * time.Second, speed: speed,
		profile: f.profileFlags("-poll"),
	}
	o, err := sc.run()
	if err != nil {
		return err
	}
	name := fmt.Sprintf("poll %d jobs at once", len(o.jobs))
	var polls, minutes, bound float64
	for _, j := range o.jobs {
		polls += float64(j.polls)
		min := j.duration.Seconds() * speed / 60 // simulated minutes
		minutes += min
		bound += math.Ceil(j.duration.Seconds()*speed/sc.poll.Seconds()) + 2
	}
	t.info(name+": job length (simulated)", fmt.Sprintf("%.1f min", minutes/float64(len(o.jobs))))
	t.check(name+": status requests per job-minute", fmt.Sprintf("%.2f", polls/minutes),
		fmt.Sprintf("<= %.2f (poll alone %.2f)", bound/minutes, 60/sc.poll.Seconds()),
		polls <= bound)
	pollRows(t, name, o.jobs, sc.poll.Seconds()/sc.speed)
	return nil
}

// pollRows adds the rows of status requests per job: their mean against
// the mean bound ceil(duration / poll) + 2, and the jobs over their own
// bound. poll is the real poll interval in seconds.
func pollRows(t *table, name string, jobs []jobStat, poll float64) {
	var polls, bound float64
	over := 0
	for _, j := range jobs {
		b := math.Ceil(j.duration.Seconds()/poll) + 2
		polls += float64(j.polls)
		bound += b
		if float64(j.polls) > b {
			over++
		}
	}
	n := float64(len(jobs))
	t.check(name+": status requests per job (mean)", fmt.Sprintf("%.2f", polls/n),
		fmt.Sprintf("<= %.2f", bound/n), polls <= bound)
	t.check(name+": jobs over ceil(duration/poll)+2 requests", fmt.Sprint(over), "0", over == 0)
}
