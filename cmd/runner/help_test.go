package main

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpEveryCommandDocumented walks the command tree: every command a
// user can see has a short description and an example, and its --help
// exits 0 and shows them.
func TestHelpEveryCommandDocumented(t *testing.T) {
	root := newRoot(&app{getenv: func(string) string { return "" }})
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		n++
		path := c.CommandPath()
		t.Run(path, func(t *testing.T) {
			if strings.TrimSpace(c.Short) == "" {
				t.Errorf("%s has no Short", path)
			}
			if strings.TrimSpace(c.Example) == "" {
				t.Errorf("%s has no Example", path)
			}
			if c.Long == "" && c.Short == "" {
				t.Errorf("%s has no help text", path)
			}
			for _, line := range strings.Split(c.Example, "\n") {
				if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "  ") {
					t.Errorf("%s: example line %q is not indented by two spaces", path, line)
				}
			}
			args := append(strings.Fields(path)[1:], "--help")
			res := runCLI(t, nil, args...)
			if res.code != 0 {
				t.Fatalf("%s --help: exit %d\n%s", path, res.code, res.stderr)
			}
			if !strings.Contains(res.stdout, "Examples:") {
				t.Errorf("%s --help shows no examples:\n%s", path, res.stdout)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	// run, resume, runs, validate, plan, graph, jobs, schema, simulate,
	// version, config, help, completion and its four shells, and the root.
	if n < 18 {
		t.Errorf("walked %d commands, want at least 18", n)
	}
}

// TestCompletionShells checks that runner completion writes a script for
// each shell cobra supports.
func TestCompletionShells(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		t.Run(shell, func(t *testing.T) {
			res := runCLI(t, nil, "completion", shell)
			if res.code != 0 {
				t.Fatalf("exit %d\n%s", res.code, res.stderr)
			}
			if len(res.stdout) < 500 || !strings.Contains(res.stdout, "runner") {
				t.Errorf("completion %s wrote %d bytes, not a script for runner", shell,
					len(res.stdout))
			}
		})
	}
	res := runCLI(t, nil, "completion", "tcsh")
	if res.code != exitInvalid {
		t.Errorf("completion tcsh: exit %d, want %d", res.code, exitInvalid)
	}
}

// TestCompletionOfCommands checks that the completion machinery answers
// with runner's commands and flags.
func TestCompletionOfCommands(t *testing.T) {
	res := runCLI(t, nil, "__complete", "")
	for _, want := range []string{"run", "resume", "validate", "config", "version"} {
		if !strings.Contains(res.stdout, want+"\t") {
			t.Errorf("completion of commands lacks %s:\n%s", want, res.stdout)
		}
	}
	res = runCLI(t, nil, "__complete", "run", "--pro")
	if !strings.Contains(res.stdout, "--profile") {
		t.Errorf("completion of run --pro lacks --profile:\n%s", res.stdout)
	}
}

// TestHelpREADMEListsCommands checks that the README's command table has
// a row for every command a user can see.
func TestHelpREADMEListsCommands(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	root := newRoot(&app{getenv: func(string) string { return "" }})
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		if !strings.Contains(readme, "| `runner "+c.Name()) {
			t.Errorf("README.md has no row for runner %s in its command table", c.Name())
		}
	}
}
