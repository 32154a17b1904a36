package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeIn writes content to dir/name with the given mode and returns its
// path.
func writeIn(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, mode); err != nil { // os.WriteFile applies the umask
		t.Fatal(err)
	}
	return file
}

// configRow returns the value and source columns of one row of runner
// config's table.
func configRow(t *testing.T, out, name string) (value, from string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, name+" ")
		if !ok {
			continue
		}
		value, from, _ = strings.Cut(strings.TrimSpace(rest), "  ")
		return value, strings.TrimSpace(from)
	}
	t.Fatalf("runner config shows no %s:\n%s", name, out)
	return "", ""
}

// TestConfigPrecedence checks that each connection setting comes from its
// flag, else its environment variable, else the profile, and that runner
// config says so.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	writeIn(t, dir, "prod.key", "prod-key\n", 0o600)
	writeIn(t, dir, "flag.key", "flag-key", 0o600)
	writeIn(t, dir, "prod-ca.pem", newTestCA(t, "Prod CA").pem, 0o644)
	envCA := writeIn(t, dir, "env-ca.pem", newTestCA(t, "Env CA").pem, 0o644)
	cfg := writeIn(t, dir, "config.yaml", `default-profile: prod
profiles:
  prod:
    console-url: https://prod.example.test
    user: prod-user
    api-key-file: prod.key
    ca-file: prod-ca.pem
    insecure: true
  staging:
    console-url: https://staging.example.test
    api-key-env: STAGING_API_KEY
`, 0o644)
	abs := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		row        string
		want, from string
	}{
		{"profile url", nil, nil, "console-url", "https://prod.example.test",
			cfg + ":4:18: console-url"},
		{"env over profile", map[string]string{envURL: "https://env.test"}, nil,
			"console-url", "https://env.test", envURL},
		{"flag over env", map[string]string{envURL: "https://env.test"},
			[]string{"--console-url", "https://flag.test"}, "console-url", "https://flag.test",
			"--console-url"},
		{"default profile", nil, nil, "profile", "prod", cfg + ":1:18: default-profile"},
		{"profile from env", map[string]string{envProfile: "staging", "STAGING_API_KEY": "k"}, nil,
			"profile", "staging", envProfile},
		{"profile flag over env", map[string]string{envProfile: "staging"},
			[]string{"--profile", "prod"}, "profile", "prod", "--profile"},
		{"profile user", nil, nil, "user", "prod-user", cfg + ":5:11: user"},
		{"env user", map[string]string{envUser: "env-user"}, nil, "user", "env-user", envUser},
		{"key file of the profile, relative to it", nil, nil, "API key", "set",
			cfg + ":6:19: api-key-file " + abs("prod.key")},
		{"key env over profile", map[string]string{envKey: "env-key"}, nil,
			"API key", "set", envKey},
		{"key file env over profile", map[string]string{envKeyFile: abs("flag.key")}, nil,
			"API key", "set", envKeyFile + " " + abs("flag.key")},
		{"key file flag over env", map[string]string{envKey: "env-key"},
			[]string{"--api-key-file", abs("flag.key")}, "API key", "set",
			"--api-key-file " + abs("flag.key")},
		{"key env of the profile", map[string]string{envProfile: "staging",
			"STAGING_API_KEY": "staging-key"}, nil, "API key", "set", "STAGING_API_KEY"},
		{"profile ca-file", nil, nil, "ca-file", abs("prod-ca.pem"), cfg + ":7:14: ca-file"},
		{"env ca-file", map[string]string{envCAFile: envCA}, nil, "ca-file", envCA, envCAFile},
		{"profile insecure", nil, nil, "insecure", "true", cfg + ":8:15: insecure"},
		{"env insecure off", map[string]string{envInsecure: "false"}, nil,
			"insecure", "false", "default: certificates are verified"},
		{"flag insecure off", map[string]string{envInsecure: "true"},
			[]string{"--insecure=false"}, "insecure", "false", "default: certificates are verified"},
		{"another profile's settings do not apply", map[string]string{envProfile: "staging",
			"STAGING_API_KEY": "staging-key"}, nil, "insecure", "false",
			"default: certificates are verified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, tt.env, append([]string{"config", "--config", cfg}, tt.args...)...)
			if res.code != 0 {
				t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
			}
			value, from := configRow(t, res.stdout, tt.row)
			if value != tt.want || from != tt.from {
				t.Errorf("%s = %q from %q, want %q from %q\n%s", tt.row, value, from, tt.want,
					tt.from, res.stdout)
			}
			for _, secret := range []string{"prod-key", "flag-key", "env-key", "staging-key"} {
				if strings.Contains(res.stdout+res.stderr, secret) {
					t.Errorf("the output shows the key %s:\n%s%s", secret, res.stdout, res.stderr)
				}
			}
		})
	}
}

// TestConfigProfileRun checks that a run takes its Console and key from
// the default profile, and that the environment overrides the profile.
func TestConfigProfileRun(t *testing.T) {
	good, other := newConsole(t), newConsole(t)
	dir := t.TempDir()
	writeIn(t, dir, "ci.key", testKey+"\n", 0o600)
	cfg := writeIn(t, dir, "config.yaml", "default-profile: ci\nprofiles:\n  ci:\n"+
		"    console-url: "+good.url+"\n    api-key-file: ci.key\n", 0o644)
	run := []string{"run", mainWorkflow, "-i", "app=demo-app", "-i", "backup=false",
		"--speed", "1000"}

	res := runCLI(t, map[string]string{envConfig: cfg}, run...)
	if res.code != 0 {
		t.Fatalf("profile: exit %d, want 0\n%s", res.code, res.stderr)
	}
	if len(good.sim.Requests()) == 0 || len(other.sim.Requests()) != 0 {
		t.Errorf("the run did not go to the profile's Console")
	}

	env := map[string]string{envConfig: cfg, envURL: other.url}
	if res := runCLI(t, env, run...); res.code != 0 {
		t.Fatalf("AIP_CONSOLE_URL over the profile: exit %d, want 0\n%s", res.code, res.stderr)
	}
	if len(other.sim.Requests()) == 0 {
		t.Errorf("AIP_CONSOLE_URL did not override the profile's console-url")
	}

	env = map[string]string{envConfig: cfg, envKey: "WRONG0000.wrongwrongwrongwrongwrongwrong0"}
	res = runCLI(t, env, run...)
	if res.code != exitConsole || !strings.Contains(res.stderr, "check AIP_CONSOLE_API_KEY") {
		t.Errorf("AIP_CONSOLE_API_KEY over the profile: exit %d, want %d naming it\n%s",
			res.code, exitConsole, res.stderr)
	}
}

// TestConfigDefaultFile checks the default config file: used when it
// exists, no error when it does not.
func TestConfigDefaultFile(t *testing.T) {
	home := t.TempDir()
	res := runCLI(t, map[string]string{"XDG_CONFIG_HOME": home, "HOME": home}, "config")
	if res.code != 0 {
		t.Fatalf("missing default file: exit %d, want 0\n%s", res.code, res.stderr)
	}
	want := filepath.Join(home, "runner", "config.yaml")
	if v, from := configRow(t, res.stdout, "config file"); v != want || !strings.Contains(from,
		"does not exist") {
		t.Errorf("config file = %q (%s), want %s, missing", v, from, want)
	}

	if err := os.Mkdir(filepath.Join(home, "runner"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeIn(t, filepath.Join(home, "runner"), "config.yaml",
		"profiles:\n  p:\n    console-url: https://p.test\n", 0o644)
	res = runCLI(t, map[string]string{"XDG_CONFIG_HOME": home, envProfile: "p"}, "config")
	if v, _ := configRow(t, res.stdout, "console-url"); res.code != 0 || v != "https://p.test" {
		t.Errorf("default file: exit %d, console-url %q\n%s%s", res.code, v, res.stdout, res.stderr)
	}
}

// TestConfigErrorsExit2 checks that a bad config file, profile or key
// source exits 2 with the file:line:col or the flag, and sends nothing.
func TestConfigErrorsExit2(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	writeIn(t, dir, "empty.key", " \n", 0o600)
	bad := func(content string) string {
		return writeIn(t, t.TempDir(), "config.yaml", content, 0o644)
	}
	tests := []struct {
		name string
		cfg  string // content; "" means no --config
		env  map[string]string
		args []string
		want string
	}{
		{"unknown key", "profiles:\n  p:\n    consol-url: x\n", nil, nil,
			`:3:5: profile "p": unknown key "consol-url" (did you mean "console-url"?)`},
		{"unknown top key", "profile:\n  p: {}\n", nil, nil,
			`:1:1: unknown key "profile" (did you mean "profiles"?)`},
		{"key in clear", "profiles:\n  p:\n    api-key: " + testKey + "\n", nil, nil,
			`:3:5: profile "p": api-key: a config file does not hold credentials`},
		{"two key sources", "profiles:\n  p:\n    api-key-file: k\n    api-key-env: A_TOKEN\n",
			nil, nil, ":4:18: profile \"p\": api-key-env and api-key-file exclude each other"},
		{"key variable not secret", "profiles:\n  p:\n    api-key-env: CAST_KEY\n", nil, nil,
			":3:18: profile \"p\": api-key-env CAST_KEY: the name must say"},
		{"insecure not boolean", "profiles:\n  p:\n    insecure: yes\n", nil, nil,
			`:3:15: profile "p": insecure: want true or false, not "yes"`},
		{"unknown default", "default-profile: prdo\nprofiles:\n  prod: {}\n", nil, nil,
			`:1:18: default-profile: no profile "prdo" (did you mean "prod"?)`},
		{"syntax", "profiles:\n  p: [\n", nil, nil,
			"config.yaml:3:1: yaml: did not find expected node content"},
		// yaml.v3 says line 3: it counts the line of the "[" from 0.
		{"unclosed list", "profiles:\n  p:\n    user: a\n    ca-file: [x, y\n    insecure: true\n",
			nil, nil, "config.yaml:4:1: yaml: did not find expected ',' or ']'"},
		{"not a mapping", "profiles: [a, b]\n", nil, nil, ":1:11: profiles: want a mapping, not a list"},
		{"duplicate", "profiles:\n  p: {}\n  p: {}\n", nil, nil, `:3:3: profiles: "p" given twice`},
		{"list value", "profiles:\n  p:\n    user: [a]\n", nil, nil, ":3:11: user: want a single value"},
		{"unknown profile", "profiles:\n  prod: {}\n", nil, []string{"--profile", "prd"},
			`--profile: no profile "prd" (did you mean "prod"?)`},
		{"unknown profile from env", "profiles:\n  prod: {}\n",
			map[string]string{envProfile: "x"}, nil, `AIP_CONSOLE_PROFILE: no profile "x"`},
		{"missing key variable", "profiles:\n  p:\n    console-url: x\n    api-key-env: P_TOKEN\n",
			map[string]string{envProfile: "p", envKey: ""}, nil,
			":4:18: api-key-env: P_TOKEN is not set"},
		{"missing explicit config", "", nil, []string{"--config", filepath.Join(dir, "nope.yaml")},
			"--config: " + filepath.Join(dir, "nope.yaml") + ": no such file"},
		{"missing config from env", "", map[string]string{envConfig: filepath.Join(dir, "no.yaml")},
			nil, "RUNNER_CONFIG: " + filepath.Join(dir, "no.yaml") + ": no such file"},
		{"missing key file", "", nil, []string{"--api-key-file", filepath.Join(dir, "none.key")},
			"--api-key-file: " + filepath.Join(dir, "none.key") + ": no such file"},
		{"empty key file", "", nil, []string{"--api-key-file", filepath.Join(dir, "empty.key")},
			"--api-key-file " + filepath.Join(dir, "empty.key") + ": the file is empty"},
		{"key file is a directory", "", nil, []string{"--api-key-file", dir},
			"--api-key-file: " + dir + ": a directory, not a regular file"},
		{"key and key file", "", map[string]string{envKey: "a", envKeyFile: "b"}, nil,
			"both AIP_CONSOLE_API_KEY and AIP_CONSOLE_API_KEY_FILE are set"},
		{"insecure variable", "", map[string]string{envInsecure: "maybe"}, nil,
			`AIP_CONSOLE_INSECURE "maybe": want true or false`},
		{"simulate and profile", "", nil, []string{"--simulate", "--profile", "p"},
			"--simulate and --profile exclude each other"},
		{"profile without a config file", "", map[string]string{envProfile: "p"}, nil,
			"AIP_CONSOLE_PROFILE p: no config file: pass --config or set RUNNER_CONFIG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{envURL: c.url, envKey: testKey}
			for k, v := range tt.env {
				env[k] = v
				if v == "" {
					delete(env, k)
				}
			}
			args := []string{"run", mainWorkflow, "-i", "app=demo-app"}
			if tt.cfg != "" {
				args = append(args, "--config", bad(tt.cfg))
			}
			for _, cmd := range [][]string{args, {"config"}} {
				if cmd[0] == "config" {
					if contains(tt.args, "--simulate") {
						continue // config has no --simulate
					}
					cmd = append(cmd, args[4:]...) // config takes the same connection flags
				}
				res := runCLI(t, env, append(cmd, tt.args...)...)
				if res.code != exitInvalid {
					t.Errorf("%s: exit %d, want %d\n%s", cmd[0], res.code, exitInvalid, res.stderr)
				}
				if !strings.Contains(res.stderr, tt.want) {
					t.Errorf("%s: stderr does not contain %q:\n%s", cmd[0], tt.want, res.stderr)
				}
				if strings.Contains(res.stderr, testKey) {
					t.Errorf("%s: stderr shows the key:\n%s", cmd[0], res.stderr)
				}
			}
		})
	}
	if n := len(c.sim.Requests()); n != 0 {
		t.Errorf("the Console received %d requests, want none", n)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestConnectAPIKeyFile checks --api-key-file: the key is read trimmed
// and used, a file others may read gets one warning, and the key is never
// printed.
func TestConnectAPIKeyFile(t *testing.T) {
	c := newConsole(t)
	dir := t.TempDir()
	private := writeIn(t, dir, "private.key", "\n"+testKey+"\r\n", 0o600)
	shared := writeIn(t, dir, "shared.key", testKey, 0o644)
	env := map[string]string{envURL: c.url}
	run := []string{"run", mainWorkflow, "-i", "app=demo-app", "-i", "backup=false",
		"--speed", "1000"}

	res := runCLI(t, env, append(run, "--api-key-file", private)...)
	if res.code != 0 || strings.Contains(res.stderr, "warning") {
		t.Fatalf("exit %d, want 0 and no warning\n%s", res.code, res.stderr)
	}
	res = runCLI(t, env, append(run, "--api-key-file", shared)...)
	if res.code != 0 {
		t.Fatalf("shared key file: exit %d, want 0\n%s", res.code, res.stderr)
	}
	want := "--api-key-file " + shared + ": other users of this host may read the API key (mode 0644)"
	if n := strings.Count(res.stderr, want); n != 1 {
		t.Errorf("stderr has %d warnings %q, want 1:\n%s", n, want, res.stderr)
	}
	for _, r := range c.sim.Requests() {
		if r.APIKey != testKey {
			t.Fatalf("%s %s carried another key than the file's", r.Method, r.Path)
		}
	}

	bad := writeIn(t, dir, "bad.key", "abc def", 0o600)
	res = runCLI(t, env, append(run, "--api-key-file", bad)...)
	if res.code != exitInvalid || !strings.Contains(res.stderr,
		"--api-key-file "+bad+" holds characters an HTTP header cannot carry") {
		t.Errorf("key with a space: exit %d, want 2 naming the file\n%s", res.code, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, "abc def") {
		t.Errorf("the key was printed:\n%s", res.stderr)
	}
}

// TestConfigParseShapes checks files that hold no profile, and anchors
// shared between profiles.
func TestConfigParseShapes(t *testing.T) {
	tests := []struct {
		name, content string
		profiles      int
		want          string // an error it must contain; "" for none
	}{
		{"empty", "", 0, ""},
		{"comments only", "# nothing yet\n", 0, ""},
		{"no profiles", "profiles:\n", 0, ""},
		{"empty profile", "profiles:\n  p:\n", 1, ""},
		{"alias", "profiles:\n  a: &a {console-url: https://a.test}\n  b: *a\n", 2, ""},
		{"alias to a mapping as a value", "x: &m {k: v}\nprofiles:\n  p: {user: *m}\n", 0,
			`cfg.yaml:1:1: unknown key "x"`},
		{"list at the top", "- a\n", 0, "cfg.yaml:1:1: a config file: want a mapping, not a list"},
		{"null default", "default-profile:\n", 0, "cfg.yaml:1:17: default-profile: want a single value"},
		{"bad variable name", "profiles:\n  p: {api-key-env: MY-TOKEN}\n", 0,
			`cfg.yaml:2:20: profile "p": api-key-env "MY-TOKEN": want the name of an environment variable`},
		{"empty path", "profiles:\n  p: {ca-file: \"\"}\n", 0,
			`cfg.yaml:2:16: profile "p": ca-file: empty; leave the key out instead`},
		{"unnamed profile", "profiles:\n  \"\": {}\n", 0, "cfg.yaml:2:3: a profile needs a name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig("cfg.yaml", []byte(tt.content))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			case tt.want == "" && len(cfg.profiles) != tt.profiles:
				t.Errorf("%d profiles, want %d", len(cfg.profiles), tt.profiles)
			}
		})
	}
}
