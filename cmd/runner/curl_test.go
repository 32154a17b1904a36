package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCurlSessionAgainstSimulate runs examples/curl/session.sh, the curl
// session of the Console's API documentation (GET /api/ for the XSRF
// cookie, POST /api/jobs with an add_version payload, poll the jobUrl),
// with the real curl against runner simulate.
func TestCurlSessionAgainstSimulate(t *testing.T) {
	for _, tool := range []string{"sh", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
	const key = "curl4key.0123456789abcdef0123456789abcdef"
	url := startSimulate(t, "--api-key", key)
	script, err := filepath.Abs("../../examples/curl/session.sh")
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command("sh", script, "demo-app", "sources:demo-app/src")
	cmd.Env = append(os.Environ(), "AIP_CONSOLE_URL="+url, "AIP_CONSOLE_API_KEY="+key, "POLL=0.05")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("session.sh: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if got := strings.TrimSpace(stdout.String()); got != "completed" {
		t.Errorf("session.sh printed %q, want completed\nstderr:\n%s", got, stderr.String())
	}
	if !strings.Contains(stderr.String(), "scheduled /api/jobs/") {
		t.Errorf("session.sh did not report the jobUrl:\n%s", stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), key) {
		t.Error("the API key appears in the session's output")
	}
}
