package main

import (
	"strings"
	"testing"
)

// TestConsoleURLWarnings checks the one warning about an address whose
// key would cross the network unencrypted, or that had no scheme, and
// that runner config shows the address as the client reads it.
func TestConsoleURLWarnings(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		args      []string
		url, from string // as runner config shows them
		warning   string // "" for none
	}{
		{"https", nil, []string{"--console-url", "https://console.example.test/"},
			"https://console.example.test", "--console-url", ""},
		{"plain http", nil, []string{"--console-url", "http://console.example.test:8081"},
			"http://console.example.test:8081", "--console-url",
			"runner: warning: --console-url http://console.example.test:8081: plain http: " +
				"the API key travels unencrypted; use https:// if the Console serves it"},
		{"plain http with a user", map[string]string{envUser: "ci"},
			[]string{"--console-url", "http://u:hunter2@console.example.test"},
			"http://xxxxx@console.example.test", "--console-url",
			"--console-url http://xxxxx@console.example.test: plain http: the password travels"},
		{"no scheme", map[string]string{envURL: "console.example.test:8081"}, nil,
			"http://console.example.test:8081", "AIP_CONSOLE_URL (no scheme: http:// assumed)",
			"runner: warning: AIP_CONSOLE_URL: no scheme, so http://console.example.test:8081 " +
				"is assumed: the API key would travel unencrypted; write " +
				"https://console.example.test:8081 if the Console serves https"},
		{"no scheme on loopback", map[string]string{envURL: "localhost:8081"}, nil,
			"http://localhost:8081", "AIP_CONSOLE_URL (no scheme: http:// assumed)",
			"runner: warning: AIP_CONSOLE_URL: no scheme, so http://localhost:8081 is assumed"},
		{"loopback v4", map[string]string{envURL: "http://127.0.0.1:8081"}, nil,
			"http://127.0.0.1:8081", "AIP_CONSOLE_URL", ""},
		{"loopback v6", map[string]string{envURL: "http://[::1]:8081"}, nil,
			"http://[::1]:8081", "AIP_CONSOLE_URL", ""},
		{"localhost", map[string]string{envURL: "http://localhost"}, nil,
			"http://localhost", "AIP_CONSOLE_URL", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, tt.env, append([]string{"config"}, tt.args...)...)
			if res.code != 0 {
				t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
			}
			if url, from := configRow(t, res.stdout, "console-url"); url != tt.url || from != tt.from {
				t.Errorf("console-url %q from %q, want %q from %q", url, from, tt.url, tt.from)
			}
			n := strings.Count(res.stderr, "warning")
			switch {
			case tt.warning == "" && n != 0:
				t.Errorf("a warning, want none:\n%s", res.stderr)
			case tt.warning != "" && (n != 1 || !strings.Contains(res.stderr, tt.warning)):
				t.Errorf("stderr, want one warning %q:\n%s", tt.warning, res.stderr)
			}
			if strings.Contains(res.stdout+res.stderr, "hunter2") {
				t.Error("the password of the URL was printed")
			}
		})
	}
}

// TestRunSaysSchemeAssumed checks that a run says once that it took an
// address without a scheme as http://, and then runs.
func TestRunSaysSchemeAssumed(t *testing.T) {
	c := newConsole(t)
	env := c.env(testKey)
	env[envURL] = strings.TrimPrefix(c.url, "http://")
	res := runCLI(t, env, "run", mainWorkflow, "-i", "app=demo-app", "--speed", "1000")
	if res.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", res.code, res.stderr)
	}
	want := "runner: warning: AIP_CONSOLE_URL: no scheme, so " + c.url + " is assumed\n"
	if n := strings.Count(res.stderr, "warning"); n != 1 || !strings.Contains(res.stderr, want) {
		t.Errorf("stderr, want one warning %q:\n%s", want, res.stderr)
	}
}
