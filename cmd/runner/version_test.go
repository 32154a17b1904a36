package main

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/aipflow/runner", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "34bb7a8e0c1f"},
			{Key: "vcs.time", Value: "2026-12-03T17:32:08Z"},
			{Key: "vcs.modified", Value: "true"},
			{Key: "GOOS", Value: "freebsd"},
			{Key: "GOARCH", Value: "arm64"},
		},
	}
	got := readVersion(bi, true)
	want := versionInfo{Version: "v1.2.3", Revision: "34bb7a8e0c1f", Time: "2026-12-03T17:32:08Z",
		Modified: true, Go: "go1.26.8", OS: "freebsd", Arch: "arm64"}
	if got != want {
		t.Errorf("readVersion = %+v, want %+v", got, want)
	}
	var b strings.Builder
	got.writeText(&b)
	for _, line := range []string{"runner v1.2.3", "commit:    34bb7a8e0c1f (modified)",
		"committed: 2026-12-03T17:32:08Z", "go:        go1.26.8", "platform:  freebsd/arm64"} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("text lacks %q:\n%s", line, b.String())
		}
	}

	none := readVersion(nil, false)
	if none.Version != "(devel)" || none.Go != runtime.Version() || none.OS != runtime.GOOS {
		t.Errorf("without build information: %+v", none)
	}
}

func TestVersionCommand(t *testing.T) {
	res := runCLI(t, nil, "version")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "runner ") {
		t.Fatalf("exit %d, stdout %q\n%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("version does not name the platform:\n%s", res.stdout)
	}

	res = runCLI(t, nil, "version", "--format", "json")
	var v versionInfo
	if err := json.Unmarshal([]byte(res.stdout), &v); err != nil || res.code != 0 {
		t.Fatalf("exit %d, not JSON (%v):\n%s", res.code, err, res.stdout)
	}
	if v.Version == "" || v.Go == "" || v.OS != runtime.GOOS || v.Arch != runtime.GOARCH {
		t.Errorf("version JSON = %+v", v)
	}

	res = runCLI(t, nil, "version", "--format", "yaml")
	if res.code != exitInvalid || !strings.Contains(res.stderr, `--format "yaml": want text or json`) {
		t.Errorf("--format yaml: exit %d\n%s", res.code, res.stderr)
	}
}
