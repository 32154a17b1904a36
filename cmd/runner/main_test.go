package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aipflow/runner/console/consolesim"
)

const testKey = "qZUfQfX3.G5Yx7ehS2HI9Va5k4h0uTM7jbF0YWT9R"

// console is a simulator served over real HTTP for one test.
type testConsole struct {
	sim *consolesim.Server
	url string
}

func newConsole(t *testing.T) *testConsole {
	t.Helper()
	sim := consolesim.New(consolesim.Options{APIKey: testKey, StepTime: 5 * time.Millisecond})
	consolesim.SeedDemo(sim)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &testConsole{sim: sim, url: srv.URL}
}

// result is what one invocation of the command did.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command as main does, with the given environment.
func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runApp(t, &app{getenv: func(k string) string { return env[k] }}, args...)
}

// simulate runs the command with --simulate served by c's simulator, ten
// times faster than make demo so that polls come every 15 ms.
func (c *testConsole) simulate(t *testing.T, args ...string) result {
	t.Helper()
	a := &app{getenv: func(string) string { return "" }, simulator: c.sim, simulatorKey: testKey}
	return runApp(t, a, append(args, "--simulate", "--speed", "1000")...)
}

func runApp(t *testing.T, a *app, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a.stdout, a.stderr = &out, &errb
	if a.stateDir == "" {
		a.stateDir = t.TempDir() // journals stay out of the source tree
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := newRoot(a)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	code := report(&errb, cmd.ExecuteContext(ctx))
	return result{code, out.String(), errb.String()}
}

func (c *testConsole) env(key string) map[string]string {
	return map[string]string{"AIP_CONSOLE_URL": c.url, "AIP_CONSOLE_API_KEY": key}
}

// jobPosts returns the decoded bodies of every POST /api/jobs, by job type.
func (c *testConsole) jobPosts(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, r := range c.sim.Requests() {
		if r.Method != "POST" || r.Path != "/api/jobs" {
			continue
		}
		var body struct {
			JobType       string            `json:"jobType"`
			JobParameters map[string]string `json:"jobParameters"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("POST /api/jobs body %s: %v", r.Body, err)
		}
		out[body.JobType] = body.JobParameters
	}
	return out
}

const mainWorkflow = "../../workflows/backup-analyze-consolidate.yaml"

func TestRunPassesOutputsToLaterSteps(t *testing.T) {
	c := newConsole(t)
	res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app", "-i", "node=")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}

	var app string
	for _, a := range c.sim.Applications() {
		if a.Name == "demo-app" {
			app = a.GUID
		}
	}
	posts := c.jobPosts(t)
	for _, typ := range []string{"BACKUP", "add_version", "analyze", "consolidate_snapshot"} {
		if got := posts[typ]["appGuid"]; got != app {
			t.Errorf("%s posted appGuid %q, want demo-app's %q", typ, got, app)
		}
	}
	if _, ok := posts["declare_application"]; ok {
		t.Errorf("declare_application posted for an application the Console knows")
	}
	name := posts["add_version"]["versionName"]
	var version string
	for _, v := range c.sim.Versions(app) {
		if v.Name == name {
			version = v.GUID
		}
	}
	if version == "" {
		t.Fatalf("no version %q on the Console after the run", name)
	}
	if got := posts["analyze"]["versionGuid"]; got != version {
		t.Errorf("analyze posted versionGuid %q, want the delivered version's %q", got, version)
	}
	if !strings.Contains(res.stdout, name) || !strings.Contains(res.stdout, version) {
		t.Errorf("summary does not show version %s (%s):\n%s", name, version, res.stdout)
	}
	for _, step := range []string{"find", "node", "backup", "deliver", "analyze", "consolidate"} {
		if !hasRow(res.stdout, step, "completed") {
			t.Errorf("summary has no completed line for %s:\n%s", step, res.stdout)
		}
	}
	if !hasRow(res.stdout, "create", "skipped") {
		t.Errorf("summary does not show create skipped:\n%s", res.stdout)
	}
}

func TestEveryRequestCarriesKeyAndXSRF(t *testing.T) {
	c := newConsole(t)
	if res := c.simulate(t, "run", mainWorkflow, "-i", "app=demo-app"); res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	reqs := c.sim.Requests()
	if len(reqs) == 0 {
		t.Fatal("the simulator received no request")
	}
	writes := 0
	for _, r := range reqs {
		if r.APIKey != testKey {
			t.Errorf("%s %s carried API key %q, want the configured key", r.Method, r.Path, mask(r.APIKey))
		}
		if r.Method == "POST" || r.Method == "PUT" {
			writes++
			if !r.XSRFValid {
				t.Errorf("%s %s carried XSRF token %q, not the session's current one",
					r.Method, r.Path, r.XSRFHeader)
			}
		}
	}
	if writes < 4 {
		t.Errorf("saw %d POST/PUT requests, want at least the 4 jobs", writes)
	}
}

func TestRunDeclaresUnknownApplication(t *testing.T) {
	c := newConsole(t)
	res := c.simulate(t, "run", mainWorkflow, "-i", "app=brand-new", "-i", "backup=false")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	var app string
	for _, a := range c.sim.Applications() {
		if a.Name == "brand-new" {
			app = a.GUID
		}
	}
	if app == "" {
		t.Fatal("the application was not declared")
	}
	posts := c.jobPosts(t)
	if got := posts["add_version"]["appGuid"]; got != app {
		t.Errorf("add_version posted appGuid %q, want the declared application's %q", got, app)
	}
	if _, ok := posts["BACKUP"]; ok {
		t.Error("BACKUP posted although backup=false")
	}
}

func TestWrongKeyExits3WithoutPrintingIt(t *testing.T) {
	c := newConsole(t)
	wrong := "WRONG0000.secretsecretsecretsecretsecret00"
	res := runCLI(t, c.env(wrong), "run", mainWorkflow, "-i", "app=demo-app")
	if res.code != exitConsole {
		t.Fatalf("exit %d, want %d\n%s", res.code, exitConsole, res.stderr)
	}
	if !strings.Contains(res.stderr, "refused") {
		t.Errorf("stderr does not say the Console refused the key:\n%s", res.stderr)
	}
	for _, out := range []string{res.stdout, res.stderr} {
		if strings.Contains(out, wrong) || strings.Contains(out, "secretsecret") {
			t.Errorf("the API key was printed:\n%s", out)
		}
	}
	for _, r := range c.sim.Requests() {
		if r.Method != "GET" {
			t.Errorf("sent %s %s after the key was refused", r.Method, r.Path)
		}
	}
}

func TestInvalidWorkflowExits2AndSendsNothing(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{
			name: "cycle",
			yaml: `version: 1
name: loops
steps:
  add:
    job: add_version
    needs: [snap]
    with: {appGuid: 00000000-0000-0000-0000-000000000001, sourcePath: "sources:x"}
  snap:
    job: analyze
    with: {appGuid: 00000000-0000-0000-0000-000000000001, versionGuid: "${{ steps.add.outputs.versionGuid }}"}
`,
			want: "wf.yaml:4:3: dependency cycle: add → snap → add (lines 4, 8)",
		},
		{
			name: "unknown need",
			yaml: `version: 1
name: needs
steps:
  snap:
    job: analyze
    with: {appGuid: 00000000-0000-0000-0000-000000000001, versionGuid: 00000000-0000-0000-0000-000000000001}
  report:
    job: consolidate_snapshot
    needs: [sanp]
    with: {appGuid: 00000000-0000-0000-0000-000000000001}
`,
			want: `wf.yaml:9:13: step "report" needs unknown step "sanp" (did you mean "snap"?)`,
		},
		{
			name: "schema violation",
			yaml: `version: 1
name: schema
steps:
  add:
    job: add_version
    need: [x]
    with: {appGuid: 00000000-0000-0000-0000-000000000001, sourcePath: "sources:x"}
`,
			want: "wf.yaml:6:5:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConsole(t)
			file := filepath.Join(t.TempDir(), "wf.yaml")
			if err := os.WriteFile(file, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, cmd := range []string{"validate", "run"} {
				res := runCLI(t, c.env(testKey), cmd, file)
				if res.code != exitInvalid {
					t.Errorf("%s: exit %d, want %d\n%s", cmd, res.code, exitInvalid, res.stderr)
				}
				if !strings.Contains(res.stderr, file[:len(file)-len("wf.yaml")]+tt.want) {
					t.Errorf("%s: stderr does not contain %q:\n%s", cmd, tt.want, res.stderr)
				}
			}
			if n := len(c.sim.Requests()); n != 0 {
				t.Errorf("the Console received %d requests, want none", n)
			}
		})
	}
}

func TestCommandLineErrorsExit2(t *testing.T) {
	c := newConsole(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", mainWorkflow, "--dry-rn"}, "unknown flag: --dry-rn"},
		{[]string{"run", mainWorkflow, "extra.yaml"}, `unexpected argument "extra.yaml"`},
		{[]string{"run"}, "missing workflow file"},
		{[]string{"run", mainWorkflow}, `input "app": required`},
		{[]string{"run", mainWorkflow, "-i", "app="}, `input "app": required, must not be empty`},
		{[]string{"run", mainWorkflow, "-i", "app=x", "-i", "backup=no"}, `"no" is not a boolean`},
		{[]string{"run", mainWorkflow, "-i", "ap=x"}, `did you mean "app"?`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"plan", "../../schema/testdata/valid/all-fields.yaml", "-i", "ratio=NaN"},
			`"NaN" is not a finite number`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			res := runCLI(t, c.env(testKey), tt.args...)
			if res.code != exitInvalid {
				t.Errorf("exit %d, want %d\n%s", res.code, exitInvalid, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, res.stderr)
			}
		})
	}
	if n := len(c.sim.Requests()); n != 0 {
		t.Errorf("the Console received %d requests, want none", n)
	}
}

// hasRow reports whether the summary table has a row for step in state.
func hasRow(out, step, state string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == step && f[1] == state {
			return true
		}
	}
	return false
}

func mask(s string) string {
	if len(s) > 4 {
		return s[:4] + "…"
	}
	return s
}

func TestKeyRefusedDuringRunExits3(t *testing.T) {
	c := newConsole(t)
	// After the first job is posted, the Console refuses the key, as when
	// it is revoked during a run.
	var posted atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if posted.Load() && r.Method == "GET" {
			http.Error(w, `{"message":"bad key"}`, http.StatusUnauthorized)
			return
		}
		if r.Method == "POST" && r.URL.Path == "/api/jobs" {
			defer posted.Store(true)
		}
		c.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"AIP_CONSOLE_URL": srv.URL, "AIP_CONSOLE_API_KEY": testKey}
	res := runCLI(t, env, "run", mainWorkflow, "-i", "app=demo-app", "--speed", "1000")
	if res.code != exitConsole {
		t.Fatalf("exit %d, want %d\n%s\n%s", res.code, exitConsole, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, testKey) {
		t.Error("the API key was printed")
	}
}

func TestSilentConsoleBoundedByTimeout(t *testing.T) {
	// A Console that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	env := map[string]string{"AIP_CONSOLE_URL": "http://" + ln.Addr().String(),
		"AIP_CONSOLE_API_KEY": testKey}
	start := time.Now()
	res := runCLI(t, env, "run", mainWorkflow, "-i", "app=demo-app", "--timeout", "300ms",
		"--state-dir", t.TempDir())
	if res.code != exitConsole {
		t.Errorf("exit %d, want %d\n%s", res.code, exitConsole, res.stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v, want about the 300ms of --timeout", d)
	}
	if !strings.Contains(res.stderr, "did not answer within --timeout 300ms") {
		t.Errorf("stderr does not say why:\n%s", res.stderr)
	}
}
