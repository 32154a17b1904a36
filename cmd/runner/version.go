package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo is what runner version prints: the build information the Go
// toolchain records in the binary.
type versionInfo struct {
	Version  string `json:"version"`            // module version, or (devel)
	Revision string `json:"revision,omitempty"` // VCS commit the binary was built from
	Time     string `json:"time,omitempty"`     // time of that commit, RFC 3339
	Modified bool   `json:"modified"`           // the working tree had uncommitted changes
	Go       string `json:"go"`                 // Go version that built the binary
	OS       string `json:"os"`
	Arch     string `json:"arch"`
}

// readVersion returns the build information of a binary; ok is false when
// the binary has none, as debug.ReadBuildInfo says.
func readVersion(bi *debug.BuildInfo, ok bool) versionInfo {
	v := versionInfo{Version: "(devel)", Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if !ok || bi == nil {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		v.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		case "GOOS":
			v.OS = s.Value
		case "GOARCH":
			v.Arch = s.Value
		}
	}
	return v
}

// writeText prints v for a person: the version on the first line, then
// one line per known detail.
func (v versionInfo) writeText(w io.Writer) {
	fmt.Fprintln(w, "runner", v.Version)
	if v.Revision != "" {
		rev := v.Revision
		if v.Modified {
			rev += " (modified)"
		}
		fmt.Fprintf(w, "  commit:    %s\n", rev)
	}
	if v.Time != "" {
		fmt.Fprintf(w, "  committed: %s\n", v.Time)
	}
	fmt.Fprintf(w, "  go:        %s\n", v.Go)
	fmt.Fprintf(w, "  platform:  %s/%s\n", v.OS, v.Arch)
}

func (a *app) versionCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of runner and how it was built",
		Long: `version prints the version of runner and what the Go toolchain recorded when it
built the binary: the commit it was built from and its time (when built from a
Git checkout), whether the checkout had uncommitted changes, the Go version and
the platform. Give the output with any bug report.

A binary built with "go install module@version" shows that version; one built
from a checkout shows a pseudo-version made from the commit, or (devel).`,
		Example: `  runner version
  runner version --format json | jq -r .revision`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := readVersion(debug.ReadBuildInfo())
			switch format {
			case "text":
				v.writeText(a.stdout)
				return nil
			case "json":
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			return fmt.Errorf("--format %q: want text or json", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
