//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// C20: an interrupted run cancels the Console jobs it started, submits
// nothing more and exits 130; a second interrupt exits at once. The test
// runs the real binary against `runner simulate`, both as processes, so
// that real signals reach real signal handlers.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs processes")
	}
	bin := buildRunner(t)
	wf := writeFile(t, "nightly.yaml", `version: 1
name: nightly
steps:
  find_a:
    query: application
    with: {name: demo-app}
  find_b:
    query: application
    with: {name: billing}
  add:
    job: add_version
    with: {appGuid: "${{ steps.find_a.outputs.appGuid }}", sourcePath: "sources:a"}
  export:
    job: add_version
    with: {appGuid: "${{ steps.find_b.outputs.appGuid }}", sourcePath: "sources:b"}
  after:
    job: BACKUP
    needs: [add]
    with: {appGuid: "${{ steps.find_a.outputs.appGuid }}"}
`)
	t.Run("first signal cancels the jobs", func(t *testing.T) {
		// A Console step takes 200 ms: a job takes 3 s, a cancel 200 ms.
		sim := startSimProc(t, bin, "100")
		run := sim.startRun(t, bin, wf, "100")
		jobs := run.waitRunning(t, "add", "export")
		signaled := time.Now()
		run.signal(t)
		code := run.wait(t, 15*time.Second)
		if code != exitInterrupted {
			t.Fatalf("exit %d, want 130\n%s", code, run.out)
		}
		t.Logf("exited %v after the signal", time.Since(signaled).Round(time.Millisecond))

		submitted := sim.submitted()
		if len(submitted) != len(jobs) {
			t.Errorf("the Console received %d jobs %v, want only %v: a POST came after the signal",
				len(submitted), submitted, jobs)
		}
		for _, guid := range submitted {
			if st := sim.jobState(t, guid); st != "canceled" {
				t.Errorf("job %s is %s on the Console, want canceled", guid, st)
			}
		}
		for step, guid := range jobs {
			if want := guid + " (" + step + ")"; !strings.Contains(run.out.String(), want) {
				t.Errorf("the exit message does not list %s as canceled:\n%s", want, run.out)
			}
		}
		if !strings.Contains(run.out.String(), "canceled jobs: ") {
			t.Errorf("no list of canceled jobs in:\n%s", run.out)
		}
	})
	t.Run("second signal exits at once", func(t *testing.T) {
		// A Console step takes 2 s: a cancel is not confirmed for 2 s.
		sim := startSimProc(t, bin, "10")
		run := sim.startRun(t, bin, wf, "10")
		jobs := run.waitRunning(t, "add", "export")
		run.signal(t)
		time.Sleep(100 * time.Millisecond)
		run.signal(t)
		second := time.Now()
		code := run.wait(t, 5*time.Second)
		if d := time.Since(second); d > time.Second {
			t.Errorf("exited %v after the second signal, want at once", d)
		}
		if code != exitInterrupted {
			t.Fatalf("exit %d, want 130\n%s", code, run.out)
		}
		out := run.out.String()
		if !strings.Contains(out, "interrupted again") {
			t.Errorf("no message for the second signal:\n%s", out)
		}
		for step, guid := range jobs {
			if want := guid + " (" + step + ")"; !strings.Contains(out, want) {
				t.Errorf("the exit message does not list %s as not confirmed:\n%s", want, out)
			}
		}
	})
}

// buildRunner builds the runner binary into a temporary directory.
func buildRunner(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "runner")
	out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a runner process and what it wrote to stderr and stdout.
type proc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan error
}

func startProc(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), out: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Dir = t.TempDir() // journals in .runner stay out of the source tree
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) signal(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}

// wait returns the exit code of the process, or fails the test if it
// does not end within d.
func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(d):
		t.Fatalf("still running after %v:\n%s", d, p.out)
		return -1
	}
}

// await waits until the output matches re and returns the submatches of
// every match.
func (p *proc) await(t *testing.T, re *regexp.Regexp, n int) [][]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindAllStringSubmatch(p.out.String(), -1); len(m) >= n {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %d lines matching %s in:\n%s", n, re, p.out)
	return nil
}

// waitRunning waits until the Console reports progress of the jobs of
// the given steps and returns their GUIDs by step.
func (p *proc) waitRunning(t *testing.T, steps ...string) map[string]string {
	t.Helper()
	jobs := map[string]string{}
	for _, m := range p.await(t, regexp.MustCompile(`(\w+)\s+running\s+job (\S+)`), len(steps)) {
		jobs[m[1]] = m[2]
	}
	for _, s := range steps {
		p.await(t, regexp.MustCompile(s+`\s+running\s+console step`), 1)
		if jobs[s] == "" {
			t.Fatalf("no job for step %s in:\n%s", s, p.out)
		}
	}
	return jobs
}

// simProc is `runner simulate` serving on a free loopback port.
type simProc struct {
	*proc
	url string
}

const simKey = "signal-test-key"

func startSimProc(t *testing.T, bin, speed string, extra ...string) *simProc {
	t.Helper()
	args := []string{"simulate", "--addr", "127.0.0.1:0", "--api-key", simKey,
		"--speed", speed, "-v"}
	p := startProc(t, bin, nil, append(args, extra...)...)
	m := p.await(t, regexp.MustCompile(`listening on (http://\S+)`), 1)
	t.Cleanup(func() { _ = p.cmd.Process.Signal(syscall.SIGINT) })
	return &simProc{proc: p, url: m[0][1]}
}

func (s *simProc) startRun(t *testing.T, bin, wf, speed string) *proc {
	t.Helper()
	env := []string{"AIP_CONSOLE_URL=" + s.url, "AIP_CONSOLE_API_KEY=" + simKey}
	return startProc(t, bin, env, "run", wf, "--speed", speed)
}

// submitted returns the GUIDs of the jobs the simulator logged as
// submitted.
func (s *simProc) submitted() []string {
	var out []string
	re := regexp.MustCompile(`job submitted job_id=(\S+)`)
	for _, m := range re.FindAllStringSubmatch(s.out.String(), -1) {
		out = append(out, m[1])
	}
	return out
}

// jobState asks the simulator for a job's state over HTTP.
func (s *simProc) jobState(t *testing.T, guid string) string {
	t.Helper()
	req, err := http.NewRequest("GET", s.url+"/api/jobs/"+guid, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-KEY", simKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct{ State string }
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("GET job %s: %v", guid, err)
	}
	return st.State
}

// syncBuffer is a bytes buffer safe for a process's writes and the
// test's reads at the same time.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
