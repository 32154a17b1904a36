package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

const configLong = `config prints the connection settings run and resume would use with the same
flags and environment, and where each one comes from: a flag, an environment
variable, or a key of a profile of the config file (as file:line:col). It
reads the config file and the API key file, and sends nothing. The API key
itself is never printed, only where it comes from.

Each setting comes from the first that gives it of:

  1. its flag (--console-url, --user, --api-key-file, --ca-file, --insecure);
  2. its environment variable (AIP_CONSOLE_URL, AIP_CONSOLE_USER,
     AIP_CONSOLE_API_KEY or AIP_CONSOLE_API_KEY_FILE, AIP_CONSOLE_CA_FILE,
     AIP_CONSOLE_INSECURE);
  3. the profile in use: the one of --profile, else of AIP_CONSOLE_PROFILE,
     else the config file's default-profile;
  4. the default: nothing, and certificates verified.

The config file is the one of --config, else of RUNNER_CONFIG, else
<user config dir>/runner/config.yaml (~/.config/runner/config.yaml on Linux)
when it exists. A config file holds no key:

  default-profile: prod
  profiles:
    prod:
      console-url: https://console.example.com:8081
      api-key-file: ~/.config/runner/prod.key   # relative paths: to this file
      ca-file: corp-ca.pem
    staging:
      console-url: https://staging.example.com:8081
      user: ci                                  # Basic auth
      api-key-env: STAGING_CONSOLE_PASSWORD     # the variable that holds the key
      insecure: true`

func (a *app) configCmd() *cobra.Command {
	var f connFlags
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the connection settings a run would use, and where each comes from",
		Long:  configLong,
		Example: `  runner config
  runner config --profile staging
  AIP_CONSOLE_URL=https://console:8081 runner config --config ./runner.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.resolve(&f)
			if err != nil {
				return err
			}
			return s.write(a)
		},
	}
	f.registerSettings(cmd.Flags())
	return cmd
}

// write prints the settings as a table of setting, value and source.
func (s *settings) write(a *app) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	row := func(name string, v setting) {
		val, from := v.value, v.from
		if val == "" {
			val, from = "-", "not set"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, val, from)
	}
	cfg := setting{s.config, "read"}
	if s.config == "" && s.missing != "" {
		cfg = setting{s.missing, "does not exist (it is optional)"}
	}
	row("config file", cfg)
	if len(s.profiles) > 0 {
		row("profiles", setting{strings.Join(s.profiles, ", "), "config file"})
	}
	row("profile", s.profile)
	url := setting{redactURL(s.url.value), s.url.from}
	if s.schemeAssumed {
		url.from += " (no scheme: http:// assumed)"
	}
	row("console-url", url)
	row("user", s.user)
	key := setting{}
	if s.key != "" {
		key = setting{"set", s.keyFrom}
	}
	row("API key", key)
	row("ca-file", s.caFile)
	insecure := s.insecure
	if insecure.value == "" {
		insecure = setting{"false", "default: certificates are verified"}
	}
	row("insecure", insecure)
	return tw.Flush()
}
