package main

import "github.com/spf13/cobra"

// completionExamples are the examples of runner completion SHELL.
var completionExamples = map[string]string{
	"bash": `  source <(runner completion bash)
  runner completion bash > /etc/bash_completion.d/runner`,
	"zsh":        `  runner completion zsh > "${fpath[1]}/_runner"`,
	"fish":       `  runner completion fish > ~/.config/fish/completions/runner.fish`,
	"powershell": `  runner completion powershell | Out-String | Invoke-Expression`,
}

// documentBuiltins adds cobra's help and completion commands at once,
// rather than when the root command runs, and gives them examples, so
// that the help of every command shows how to call it. The completion
// scripts are written to a.stdout, which cobra takes when the command is
// added.
func (a *app) documentBuiltins(root *cobra.Command) {
	if a.stdout != nil {
		root.SetOut(a.stdout)
	}
	if a.stderr != nil {
		root.SetErr(a.stderr)
	}
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = `  runner help run
  runner help config`
		case "completion":
			c.Example = `  source <(runner completion bash)
  runner completion zsh > "${fpath[1]}/_runner"
  runner completion fish > ~/.config/fish/completions/runner.fish`
			// Runnable, so that an unknown shell is an error (exit 2)
			// rather than help with exit 0.
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
			for _, shell := range c.Commands() {
				shell.Example = completionExamples[shell.Name()]
			}
		}
	}
}
