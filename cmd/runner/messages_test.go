package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/console/consolesim"
)

// lines returns the lines of out, without the last newline.
func lines(out string) []string {
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

// TestTopLevelErrorsSayRunner checks that every error line of stderr
// starts with "runner: ", except problems at a place in a file, which
// keep the file:line:col form of a compiler.
func TestTopLevelErrorsSayRunner(t *testing.T) {
	dir := t.TempDir()
	bad := writeIn(t, dir, "bad.yaml", "version: 1\nname: x\nsteps:\n  a:\n    jb: BACKUP\n", 0o600)
	tests := []struct {
		name string
		args []string
		want []string // the lines of stderr; a line ending in … is a prefix
	}{
		{"missing file", []string{"run", filepath.Join(dir, "nope.yaml")},
			[]string{"runner: " + filepath.Join(dir, "nope.yaml") + ": no such file"}},
		{"missing file of plan", []string{"plan", "nope.yaml"},
			[]string{"runner: nope.yaml: no such file"}},
		{"directory", []string{"validate", dir},
			[]string{"runner: " + dir + ": a directory, not a regular file"}},
		{"missing input", []string{"run", mainWorkflow},
			[]string{`runner: input "app": required…`}},
		{"validate without a file", []string{"validate"}, []string{"runner: missing workflow file"}},
		{"run without a file", []string{"run"}, []string{"runner: missing workflow file"}},
		{"problems in a file", []string{"validate", bad}, []string{bad + ":4:3: …", bad + ":5:5: …"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, tt.args...)
			if res.code != exitInvalid {
				t.Errorf("exit %d, want %d", res.code, exitInvalid)
			}
			got := lines(res.stderr)
			if len(got) != len(tt.want) {
				t.Fatalf("stderr has %d lines, want %d:\n%s", len(got), len(tt.want), res.stderr)
			}
			for i, w := range tt.want {
				prefix, cut := strings.CutSuffix(w, "…")
				if cut && !strings.HasPrefix(got[i], prefix) || !cut && got[i] != w {
					t.Errorf("line %d:\n got %s\nwant %s", i+1, got[i], w)
				}
			}
		})
	}
}

// TestConfigFileErrorsInFileOrder checks that the problems of a config
// file come one a line, sorted by line and column, each as
// file:line:col: message, however the parser came across them.
func TestConfigFileErrorsInFileOrder(t *testing.T) {
	cfg := writeIn(t, t.TempDir(), "config.yaml", `profiles:
  a:
    console-url: https://a.test
    consol-url: x
  a: {}
defaultt-profile: a
`, 0o600)
	want := []string{
		cfg + `:4:5: profile "a": unknown key "consol-url" (did you mean "console-url"?)…`,
		cfg + `:5:3: profiles: "a" given twice (first at line 2)`,
		cfg + `:6:1: unknown key "defaultt-profile" (did you mean "default-profile"?)…`,
	}
	res := runCLI(t, nil, "config", "--config", cfg)
	if res.code != exitInvalid {
		t.Errorf("exit %d, want %d", res.code, exitInvalid)
	}
	got := lines(res.stderr)
	if len(got) != len(want) {
		t.Fatalf("stderr has %d lines, want %d:\n%s", len(got), len(want), res.stderr)
	}
	for i, w := range want {
		prefix, cut := strings.CutSuffix(w, "…")
		if cut && !strings.HasPrefix(got[i], prefix) || !cut && got[i] != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, got[i], w)
		}
	}
}

// TestBasicAuthRefusedNamesUserAndPassword checks that a refused Basic
// auth login points at where the user name came from, not only the key.
func TestBasicAuthRefusedNamesUserAndPassword(t *testing.T) {
	sim := consolesim.New(consolesim.Options{APIKey: testKey, StepTime: 5 * time.Millisecond,
		Users: map[string]string{"alice": testKey}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	run := []string{"run", mainWorkflow, "-i", "app=demo-app"}
	env := map[string]string{envURL: srv.URL, envKey: testKey, envUser: "bob"}

	res := runCLI(t, env, run...)
	want := `the Console refused the user name and password of "bob" (HTTP 401): ` +
		"check the user (AIP_CONSOLE_USER) and its password (AIP_CONSOLE_API_KEY)"
	if res.code != exitConsole || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want %d and %q:\n%s", res.code, exitConsole, want, res.stderr)
	}
	res = runCLI(t, env, append(run, "--user", "carol")...)
	if want := "check the user (--user) and its password"; !strings.Contains(res.stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, res.stderr)
	}
	if strings.Contains(res.stderr, testKey) {
		t.Error("the key was printed")
	}
}

// TestConfigChecksKeyAsRunDoes checks that runner config refuses a key
// that run would refuse, rather than saying "set".
func TestConfigChecksKeyAsRunDoes(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"two lines": "line1\nline2\n", "inner space": "abc def", "tab": "abc\tdef",
	} {
		t.Run(name, func(t *testing.T) {
			file := writeIn(t, dir, strings.ReplaceAll(name, " ", "-")+".key", content, 0o600)
			res := runCLI(t, nil, "config", "--api-key-file", file)
			want := "runner: --api-key-file " + file + " holds characters an HTTP header cannot carry"
			if res.code != exitInvalid || !strings.HasPrefix(res.stderr, want) {
				t.Errorf("exit %d, want %d and %q:\n%s%s", res.code, exitInvalid, want,
					res.stdout, res.stderr)
			}
			// As a Basic auth password the key is base64-encoded: any text goes.
			res = runCLI(t, nil, "config", "--api-key-file", file, "--user", "ci")
			if v, _ := configRow(t, res.stdout, "API key"); res.code != 0 || v != "set" {
				t.Errorf("with --user: exit %d, API key %q\n%s", res.code, v, res.stderr)
			}
		})
	}
}

// TestKeyFileWithGroupBitsWarns checks that a key file with any
// permission for its group or others gets a warning, not only one every
// user may read.
func TestKeyFileWithGroupBitsWarns(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		mode os.FileMode
		want string // "" for no warning
	}{
		{0o600, ""},
		{0o400, ""},
		{0o640, "other users of this host may read the API key (mode 0640); chmod 600 it"},
		{0o620, "other users of this host may change the API key (mode 0620)"},
		{0o606, "other users of this host may read and change the API key (mode 0606)"},
		{0o644, "other users of this host may read the API key (mode 0644)"},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			file := writeIn(t, dir, tt.mode.String()+".key", testKey, tt.mode)
			res := runCLI(t, nil, "config", "--api-key-file", file)
			if res.code != 0 {
				t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
			}
			n := strings.Count(res.stderr, "warning")
			switch {
			case tt.want == "" && n != 0:
				t.Errorf("a warning, want none:\n%s", res.stderr)
			case tt.want != "" && (n != 1 || !strings.Contains(res.stderr, tt.want)):
				t.Errorf("stderr, want one warning %q:\n%s", tt.want, res.stderr)
			}
		})
	}
}
