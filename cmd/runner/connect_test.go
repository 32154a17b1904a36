package main

import (
	"strings"
	"testing"
)

// TestConnectionSettingsExit2 checks that bad connection settings are
// refused before any request, with a message that says where they came
// from and never shows the key.
func TestConnectionSettingsExit2(t *testing.T) {
	c := newConsole(t)
	run := []string{"run", mainWorkflow, "-i", "app=demo-app"}
	withKey := func(key string) map[string]string {
		return map[string]string{"AIP_CONSOLE_URL": c.url, "AIP_CONSOLE_API_KEY": key}
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"speed NaN", c.env(testKey), []string{"--speed", "NaN"},
			"--speed NaN: must be a number of at least 1"},
		{"speed +Inf", c.env(testKey), []string{"--speed", "+Inf"},
			"--speed +Inf: must be a number of at least 1"},
		{"speed -Inf", c.env(testKey), []string{"--speed", "-Inf"},
			"--speed -Inf: must be a number of at least 1"},
		{"speed below 1", c.env(testKey), []string{"--speed", "0.5"},
			"--speed 0.5: must be a number of at least 1"},
		{"speed 0", c.env(testKey), []string{"--speed", "0"},
			"--speed 0: must be a number of at least 1"},
		{"speed NaN with simulate", nil, []string{"--simulate", "--speed", "nan"},
			"--speed NaN: must be a number of at least 1"},
		{"simulate and console-url", nil, []string{"--simulate", "--console-url", c.url},
			"--simulate and --console-url exclude each other"},
		{"simulate and ca-file", nil, []string{"--simulate", "--ca-file", "ca.pem"},
			"--simulate and --ca-file exclude each other"},
		{"simulate and insecure", nil, []string{"--simulate", "--insecure"},
			"--simulate and --insecure exclude each other"},
		{"simulate and api-key-file", nil, []string{"--simulate", "--api-key-file", "k"},
			"--simulate and --api-key-file exclude each other"},
		{"no address", map[string]string{"AIP_CONSOLE_API_KEY": testKey}, nil,
			"no Console address: pass --console-url, set AIP_CONSOLE_URL or use a profile"},
		{"no key", map[string]string{"AIP_CONSOLE_URL": c.url}, nil,
			"no API key: set AIP_CONSOLE_API_KEY, pass --api-key-file, or use a profile"},
		{"user with a colon from the flag", c.env(testKey), []string{"--user", "c:i"},
			`--user: a user name for Basic auth cannot contain ":"`},
		{"user with a colon", map[string]string{"AIP_CONSOLE_URL": c.url,
			"AIP_CONSOLE_API_KEY": testKey, "AIP_CONSOLE_USER": "c:i"}, nil,
			`AIP_CONSOLE_USER: a user name for Basic auth cannot contain ":"`},
		{"key with a space", withKey("abc def"), nil,
			"AIP_CONSOLE_API_KEY holds characters an HTTP header cannot carry"},
		{"key with a newline", withKey("abcdef\n"), nil,
			"AIP_CONSOLE_API_KEY holds characters an HTTP header cannot carry"},
		{"key with a control character", withKey("abc\x00def"), nil,
			"AIP_CONSOLE_API_KEY holds characters an HTTP header cannot carry"},
		{"key not ASCII", withKey("abcdéf"), nil,
			"AIP_CONSOLE_API_KEY holds characters an HTTP header cannot carry"},
		{"flag URL", c.env(testKey), []string{"--console-url", "ftp://x"},
			`--console-url "ftp://x": console: invalid base URL`},
		{"environment URL", map[string]string{
			"AIP_CONSOLE_URL": "ftp://x", "AIP_CONSOLE_API_KEY": testKey}, nil,
			`AIP_CONSOLE_URL "ftp://x": console: invalid base URL`},
		{"URL with a password", c.env(testKey), []string{"--console-url", "ftp://u:hunter2@x"},
			`--console-url "ftp://xxxxx@x": console: invalid base URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, tt.env, append(run, tt.args...)...)
			if res.code != exitInvalid {
				t.Errorf("exit %d, want %d\n%s", res.code, exitInvalid, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, res.stderr)
			}
			for _, secret := range []string{"abc", "hunter2"} {
				if strings.Contains(res.stderr, secret) {
					t.Errorf("stderr shows a secret:\n%s", res.stderr)
				}
			}
		})
	}
	if n := len(c.sim.Requests()); n != 0 {
		t.Errorf("the Console received %d requests, want none", n)
	}
}

// TestConnectVerboseNamesSourcesNotKey checks that -v tells where the
// connection settings came from, and never shows the key.
func TestConnectVerboseNamesSourcesNotKey(t *testing.T) {
	c := newConsole(t)
	res := runCLI(t, c.env(testKey), "run", mainWorkflow, "-i", "app=demo-app", "-i", "backup=false",
		"--speed", "1000", "-v")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "url_from=AIP_CONSOLE_URL") ||
		!strings.Contains(res.stderr, "key_from=AIP_CONSOLE_API_KEY") {
		t.Errorf("-v does not say where the settings came from:\n%s", res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, testKey) {
		t.Error("-v printed the API key")
	}
}

// TestBasicAuthPasswordMayHoldSpaces checks that the key check applies to
// the X-API-KEY header only: as a Basic auth password the key is
// base64-encoded, so a space is no reason to refuse it.
func TestBasicAuthPasswordMayHoldSpaces(t *testing.T) {
	url := startSimulate(t, "--api-key", "pass phrase", "--user", "ci")
	env := map[string]string{
		"AIP_CONSOLE_URL": url, "AIP_CONSOLE_API_KEY": "pass phrase", "AIP_CONSOLE_USER": "ci",
	}
	res := runCLI(t, env, "run", mainWorkflow, "-i", "app=demo-app", "-i", "backup=false",
		"--speed", "1000")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
}

func TestHeaderSafe(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{testKey, true},
		{"a-b_c.d~e+f/g=", true},
		{"", true},
		{" key", false},
		{"key\t", false},
		{"key\r\n", false},
		{"k\x7fey", false},
		{"kéy", false},
	}
	for _, tt := range tests {
		if got := headerSafe(tt.key); got != tt.want {
			t.Errorf("headerSafe(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"https://console:8081", "https://console:8081"},
		{"https://u:secret@console:8081/x", "https://xxxxx@console:8081/x"},
		{"https://token@console?a@b", "https://xxxxx@console?a@b"},
		{"http://u:se%zzcret@console", "http://xxxxx@console"},
		{"u:se%zzcret@console/a@b", "xxxxx@console/a@b"},
		{"http://console/%zz", "http://console/%zz"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.raw); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}
