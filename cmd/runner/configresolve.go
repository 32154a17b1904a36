package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/schema"
)

// Environment variables of the connection settings.
const (
	envURL      = "AIP_CONSOLE_URL"
	envKey      = "AIP_CONSOLE_API_KEY"
	envKeyFile  = "AIP_CONSOLE_API_KEY_FILE"
	envUser     = "AIP_CONSOLE_USER"
	envCAFile   = "AIP_CONSOLE_CA_FILE"
	envInsecure = "AIP_CONSOLE_INSECURE"
	envProfile  = "AIP_CONSOLE_PROFILE"
	envConfig   = "RUNNER_CONFIG"
)

// maxKeyFile bounds the size of an API key file; a key has 41 characters.
const maxKeyFile = 1 << 20

// settings are the connection settings of a command. Each one comes from
// the first that gives it of: its flag, its environment variable, the
// profile in use. Sources are named as messages name them: a flag, an
// environment variable or file:line:col: key of a profile.
type settings struct {
	config   string   // the config file read; "" when none was
	missing  string   // the default config file, when it does not exist
	profiles []string // the profiles of the config file, in file order
	profile  setting  // the profile in use; value "" when none
	url      setting
	user     setting
	caFile   setting
	insecure setting // value "true" or ""
	key      console.Secret
	keyFrom  string // where the key came from; "" when there is none

	// schemeAssumed tells that the address had no scheme: url.value is
	// then http:// and the address, as the client reads it.
	schemeAssumed bool
}

// setting is one connection setting and where it came from.
type setting struct {
	value, from string
}

// first returns the first of candidates that has a value, or the zero
// setting.
func first(candidates ...setting) setting {
	for _, s := range candidates {
		if s.value != "" {
			return s
		}
	}
	return setting{}
}

// resolve works out the connection settings from the flags, the
// environment and the config file. It reads the config file and the API
// key file, if any, and sends nothing. A problem exits 2.
func (a *app) resolve(f *connFlags) (*settings, error) {
	cfg, cfgPath, err := a.loadConfig(f.config)
	if err != nil {
		return nil, withCode(exitInvalid, err)
	}
	s := &settings{}
	if cfg != nil {
		s.config, s.profiles = cfg.path, cfg.names
	} else {
		s.missing = cfgPath
	}
	p, err := a.pickProfile(f, cfg, cfgPath, s)
	if err != nil {
		return nil, withCode(exitInvalid, err)
	}
	s.url = first(setting{f.url, "--console-url"}, a.envSetting(envURL), p.get("console-url", cfg))
	s.user = first(setting{f.user, "--user"}, a.envSetting(envUser), p.get("user", cfg))
	s.caFile = first(setting{f.caFile, "--ca-file"}, a.envSetting(envCAFile),
		a.pathSetting(p.get("ca-file", cfg), cfg))
	if strings.Contains(s.user.value, ":") {
		return nil, withCode(exitInvalid,
			fmt.Errorf("%s: a user name for Basic auth cannot contain \":\"", s.user.from))
	}
	if s.insecure, err = a.resolveInsecure(f, p, cfg); err != nil {
		return nil, withCode(exitInvalid, err)
	}
	if err := a.resolveKey(f, p, cfg, s); err != nil {
		return nil, withCode(exitInvalid, err)
	}
	if err := checkKey(s); err != nil {
		return nil, withCode(exitInvalid, err)
	}
	s.url, s.schemeAssumed = normalizeURL(s.url)
	a.warnURL(s)
	return s, nil
}

// checkKey refuses a key that cannot be sent as it is. As X-API-KEY the
// key travels in a header; as the password of Basic auth (with a user)
// it is base64-encoded, which carries any text.
func checkKey(s *settings) error {
	if s.key == "" || s.user.value != "" || headerSafe(string(s.key)) {
		return nil
	}
	return fmt.Errorf("%s holds characters an HTTP header cannot carry "+
		"(whitespace, control characters or non-ASCII)", s.keyFrom)
}

// envSetting returns an environment variable as a setting.
func (a *app) envSetting(name string) setting {
	return setting{a.getenv(name), name}
}

// get returns a key of profile p as a setting, or the zero setting when p
// is nil or does not set it.
func (p *profile) get(key string, cfg *configFile) setting {
	if p == nil {
		return setting{}
	}
	v := *profileKeys[key](p)
	if !v.set() {
		return setting{}
	}
	return setting{v.text, fmt.Sprintf("%s:%d:%d: %s", cfg.path, v.pos.Line, v.pos.Col, key)}
}

// pathSetting makes the path of a profile setting usable from any
// directory: ~/ is the home directory, and a relative path is relative to
// the config file's directory.
func (a *app) pathSetting(s setting, cfg *configFile) setting {
	switch {
	case s.value == "":
	case s.value == "~" || strings.HasPrefix(s.value, "~/"):
		if home := a.homeDir(); home != "" {
			s.value = filepath.Join(home, s.value[1:])
		}
	case !filepath.IsAbs(s.value):
		s.value = filepath.Join(filepath.Dir(cfg.path), s.value)
	}
	return s
}

// loadConfig reads the config file of --config, else of $RUNNER_CONFIG,
// else the default one, which may be missing. It returns the file read,
// or nil, and the path it looked at.
func (a *app) loadConfig(flag string) (*configFile, string, error) {
	path, from := flag, "--config"
	if path == "" {
		path, from = a.getenv(envConfig), envConfig
	}
	if path == "" {
		dir := a.userConfigDir()
		if dir == "" {
			return nil, "", nil
		}
		path, from = filepath.Join(dir, "runner", "config.yaml"), ""
	}
	data, err := schema.ReadFile(path, "config file", maxConfigFile)
	switch {
	case err != nil && from == "" && errors.Is(err, fs.ErrNotExist):
		return nil, path, nil
	case err != nil && from == "":
		return nil, path, fmt.Errorf("config file: %w", err)
	case err != nil:
		return nil, path, fmt.Errorf("%s: %w", from, err)
	}
	cfg, err := parseConfig(path, data)
	return cfg, path, err
}

// pickProfile returns the profile in use, or nil: the one of --profile,
// else of $AIP_CONSOLE_PROFILE, else the config file's default-profile.
func (a *app) pickProfile(f *connFlags, cfg *configFile, cfgPath string, s *settings) (*profile, error) {
	s.profile = first(setting{f.profile, "--profile"}, a.envSetting(envProfile))
	if s.profile.value == "" && cfg != nil && cfg.defaultProfile.set() {
		d := cfg.defaultProfile
		s.profile = setting{d.text,
			fmt.Sprintf("%s:%d:%d: default-profile", cfg.path, d.pos.Line, d.pos.Col)}
	}
	name := s.profile.value
	switch {
	case name == "":
		return nil, nil
	case cfg == nil && cfgPath == "":
		return nil, fmt.Errorf("%s %s: no config file: pass --config or set %s",
			s.profile.from, name, envConfig)
	case cfg == nil:
		return nil, fmt.Errorf("%s %s: no config file %s", s.profile.from, name, cfgPath)
	}
	p := cfg.profiles[name]
	if p == nil {
		known := "it has none"
		if len(cfg.names) > 0 {
			known = "known: " + strings.Join(cfg.names, ", ")
		}
		return nil, fmt.Errorf("%s: no profile %s in %s (%s)", s.profile.from,
			quoteNear(name, cfg.names), cfg.path, known)
	}
	return p, nil
}

// resolveInsecure returns the setting of --insecure, $AIP_CONSOLE_INSECURE
// or the profile's insecure, with value "true" when certificates are not
// to be verified.
func (a *app) resolveInsecure(f *connFlags, p *profile, cfg *configFile) (setting, error) {
	from, on := "", false
	switch v := a.getenv(envInsecure); {
	case f.fs != nil && f.fs.Changed("insecure"):
		from, on = "--insecure", f.insecure
	case v != "":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return setting{}, fmt.Errorf("%s %q: want true or false", envInsecure, v)
		}
		from, on = envInsecure, b
	case p != nil && p.insecure.set():
		from, on = p.get("insecure", cfg).from, p.insecure.text == "true"
	}
	if !on {
		return setting{}, nil
	}
	return setting{"true", from}, nil
}

// resolveKey sets the API key of s from --api-key-file, else
// $AIP_CONSOLE_API_KEY or $AIP_CONSOLE_API_KEY_FILE, else the profile's
// api-key-file or api-key-env. No key is no error here: it is one when
// connecting.
func (a *app) resolveKey(f *connFlags, p *profile, cfg *configFile, s *settings) error {
	if f.keyFile != "" {
		return a.readKeyFile(f.keyFile, "--api-key-file", s)
	}
	key, file := a.getenv(envKey), a.getenv(envKeyFile)
	switch {
	case key != "" && file != "":
		return fmt.Errorf("both %s and %s are set: set one", envKey, envKeyFile)
	case key != "":
		s.key, s.keyFrom = console.Secret(key), envKey
		return nil
	case file != "":
		return a.readKeyFile(file, envKeyFile, s)
	case p == nil:
		return nil
	case p.apiKeyFile.set():
		ks := a.pathSetting(p.get("api-key-file", cfg), cfg)
		return a.readKeyFile(ks.value, ks.from, s)
	case p.apiKeyEnv.set():
		name := p.apiKeyEnv.text
		from := p.get("api-key-env", cfg).from
		v := a.getenv(name)
		if v == "" {
			return fmt.Errorf("%s: %s is not set", from, name)
		}
		s.key, s.keyFrom = console.Secret(v), name
	}
	return nil
}

// readKeyFile reads an API key from a file, trimmed of the white space
// around it (an editor's final newline). from names the flag, variable
// or profile key that named the file. A file with any permission for its
// group or others gets a warning, not a refusal: secrets mounted into CI
// containers often have them.
func (a *app) readKeyFile(path, from string, s *settings) error {
	data, fi, err := schema.ReadFileInfo(path, "API key file", maxKeyFile)
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	key := strings.TrimSpace(string(data))
	if key == "" {
		return fmt.Errorf("%s %s: the file is empty", from, path)
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		fmt.Fprintf(a.stderr, "runner: warning: %s %s: other users of this host may %s the "+
			"API key (mode %04o); chmod 600 it\n", from, path, access(perm), perm)
	}
	s.key, s.keyFrom = console.Secret(key), from+" "+path
	return nil
}

// access says what the group and other bits of perm let other users do
// with a file.
func access(perm fs.FileMode) string {
	read, write := perm&0o044 != 0, perm&0o022 != 0
	switch {
	case read && write:
		return "read and change"
	case read:
		return "read"
	case write:
		return "change"
	}
	return "reach"
}

// userConfigDir is os.UserConfigDir read through a.getenv, so that tests
// choose it: $XDG_CONFIG_HOME or ~/.config on Unix, ~/Library/Application
// Support on macOS, %AppData% on Windows. It returns "" when there is none.
func (a *app) userConfigDir() string {
	switch runtime.GOOS {
	case "windows":
		return a.getenv("AppData")
	case "darwin", "ios":
		if home := a.getenv("HOME"); home != "" {
			return filepath.Join(home, "Library", "Application Support")
		}
		return ""
	case "plan9":
		if home := a.getenv("home"); home != "" {
			return filepath.Join(home, "lib")
		}
		return ""
	}
	if dir := a.getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return dir
	}
	if home := a.getenv("HOME"); home != "" {
		return filepath.Join(home, ".config")
	}
	return ""
}

// homeDir returns the home directory, as os.UserHomeDir does, or "".
func (a *app) homeDir() string {
	switch runtime.GOOS {
	case "windows":
		return a.getenv("USERPROFILE")
	case "plan9":
		return a.getenv("home")
	}
	return a.getenv("HOME")
}
