package main

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/aipflow/runner/schema"
)

// A config file holds named Console profiles: the connection settings run,
// resume and config take when neither the command line nor the
// environment gives them. It holds no API key: a profile names the file or
// the environment variable that holds it. Each key of a profile is named
// after the flag it stands for.
//
//	default-profile: prod
//	profiles:
//	  prod:
//	    console-url: https://console.example.com:8081
//	    api-key-file: ~/.config/runner/prod.key
//	    ca-file: corp-ca.pem
//	  staging:
//	    console-url: https://staging.example.com:8081
//	    user: ci
//	    api-key-env: STAGING_CONSOLE_PASSWORD
//	    insecure: true
//
// Relative paths are relative to the config file's directory; ~/ is the
// home directory.

// maxConfigFile bounds the size of a config file: a few profiles need far
// less.
const maxConfigFile = 1 << 20

// configFile is a loaded config file.
type configFile struct {
	path           string
	defaultProfile confValue
	profiles       map[string]*profile
	names          []string // profile names in file order
}

// profile is one named set of connection settings of a config file.
type profile struct {
	name       string
	pos        schema.Pos
	consoleURL confValue
	user       confValue
	apiKeyFile confValue
	apiKeyEnv  confValue
	caFile     confValue
	insecure   confValue // "true" or "false" when set
}

// confValue is a scalar of a config file and where it was written.
type confValue struct {
	text string
	pos  schema.Pos // zero when the key is not in the file
}

func (v confValue) set() bool { return v.pos.Line > 0 }

// profileKeys are the keys a profile may hold, and where each one goes.
var profileKeys = map[string]func(*profile) *confValue{
	"console-url":  func(p *profile) *confValue { return &p.consoleURL },
	"user":         func(p *profile) *confValue { return &p.user },
	"api-key-file": func(p *profile) *confValue { return &p.apiKeyFile },
	"api-key-env":  func(p *profile) *confValue { return &p.apiKeyEnv },
	"ca-file":      func(p *profile) *confValue { return &p.caFile },
	"insecure":     func(p *profile) *confValue { return &p.insecure },
}

// clearKeys are keys someone may write to store a credential in the file;
// they get an error that says what to write instead.
var clearKeys = map[string]bool{"api-key": true, "apikey": true, "key": true, "password": true}

// envName is the form of an environment variable name api-key-env takes.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// configParser collects the problems of one config file.
type configParser struct {
	file string
	errs []error
}

func (c *configParser) errorf(n *yaml.Node, format string, args ...any) {
	c.errorAt(schema.Pos{Line: max(n.Line, 1), Col: max(n.Column, 1)}, format, args...)
}

func (c *configParser) errorAt(pos schema.Pos, format string, args ...any) {
	c.errs = append(c.errs, schema.Errorf(c.file, pos, format, args...))
}

// parseConfig reads the content of a config file. It returns every
// problem at once, each a *schema.PosError (file:line:col: message),
// sorted by line and column.
func parseConfig(file string, data []byte) (*configFile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, schema.SyntaxError(file, data, err)
	}
	cfg := &configFile{path: file, profiles: map[string]*profile{}}
	if len(doc.Content) == 0 {
		return cfg, nil // an empty file
	}
	root := resolveAlias(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return cfg, nil // a file of comments
	}
	c := &configParser{file: file}
	for _, kv := range c.mapping(root, "a config file") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "default-profile":
			cfg.defaultProfile = c.text(k, v)
		case "profiles":
			c.profiles(cfg, v)
		default:
			c.errorf(k, "unknown key %s (known: default-profile, profiles)",
				quoteNear(k.Value, []string{"default-profile", "profiles"}))
		}
	}
	if d := cfg.defaultProfile; d.set() && cfg.profiles[d.text] == nil {
		c.errorAt(d.pos, "default-profile: no profile %s", quoteNear(d.text, cfg.names))
	}
	if len(c.errs) > 0 {
		return nil, schema.SortErrors(c.errs)
	}
	return cfg, nil
}

// profiles reads the profiles: mapping.
func (c *configParser) profiles(cfg *configFile, n *yaml.Node) {
	for _, kv := range c.mapping(n, "profiles") {
		k, v := kv[0], kv[1]
		if k.Value == "" {
			c.errorf(k, "a profile needs a name")
			continue
		}
		p := &profile{name: k.Value, pos: schema.Pos{Line: k.Line, Col: k.Column}}
		cfg.profiles[p.name] = p
		cfg.names = append(cfg.names, p.name)
		c.profile(p, v)
	}
}

// profile reads the settings of one profile.
func (c *configParser) profile(p *profile, n *yaml.Node) {
	what := fmt.Sprintf("profile %q", p.name)
	known := slices.Sorted(maps.Keys(profileKeys))
	for _, kv := range c.mapping(n, what) {
		k, v := kv[0], kv[1]
		field, ok := profileKeys[k.Value]
		switch {
		case clearKeys[k.Value]:
			c.errorf(k, "%s: %s: a config file does not hold credentials; "+
				"name the file that holds the key with api-key-file, or the environment "+
				"variable with api-key-env", what, k.Value)
			continue
		case !ok:
			c.errorf(k, "%s: unknown key %s (known: %s)", what,
				quoteNear(k.Value, known), strings.Join(known, ", "))
			continue
		}
		*field(p) = c.text(k, v)
	}
	c.checkProfile(p, what)
}

// checkProfile checks the values of a profile that were read.
func (c *configParser) checkProfile(p *profile, what string) {
	if p.apiKeyFile.set() && p.apiKeyEnv.set() {
		c.errorAt(p.apiKeyEnv.pos, "%s: api-key-env and api-key-file exclude each other; keep one",
			what)
	}
	if v := p.apiKeyEnv; v.set() {
		switch {
		case !envName.MatchString(v.text):
			c.errorAt(v.pos, "%s: api-key-env %q: want the name of an environment variable", what,
				v.text)
		case !secretName(v.text):
			// Workflow expressions read the environment as env, except for
			// variables whose names say they hold a secret.
			c.errorAt(v.pos, "%s: api-key-env %s: the name must say that the variable holds a "+
				"secret (contain %s), so that workflow expressions cannot read it as env.%s",
				what, v.text, strings.Join(secretMarks, ", "), v.text)
		}
	}
	if v := p.insecure; v.set() {
		if v.text != "true" && v.text != "false" {
			c.errorAt(v.pos, "%s: insecure: want true or false, not %q", what, v.text)
		}
	}
	for _, v := range []struct {
		key string
		val confValue
	}{{"console-url", p.consoleURL}, {"api-key-file", p.apiKeyFile}, {"ca-file", p.caFile}} {
		if v.val.set() && v.val.text == "" {
			c.errorAt(v.val.pos, "%s: %s: empty; leave the key out instead", what, v.key)
		}
	}
}

// mapping returns the key and value nodes of a mapping, aliases resolved,
// reporting a node that is not a mapping, a key that is not a single
// value and a key given twice. A null value is an empty mapping.
func (c *configParser) mapping(n *yaml.Node, what string) [][2]*yaml.Node {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "%s: want a mapping, not a %s", what, kindName(n.Kind))
		return nil
	}
	var out [][2]*yaml.Node
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolveAlias(n.Content[i]), resolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			c.errorf(k, "%s: a key must be a single value", what)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			c.errorf(k, "%s: %q given twice (first at line %d)", what, k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, [2]*yaml.Node{k, v})
	}
	return out
}

// text returns the scalar value of key k, reporting any other value.
func (c *configParser) text(k, v *yaml.Node) confValue {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		c.errorf(v, "%s: want a single value", k.Value)
		return confValue{}
	}
	return confValue{text: v.Value, pos: schema.Pos{Line: v.Line, Col: v.Column}}
}

// quoteNear quotes name and adds a "did you mean" when one of candidates
// is close to it.
func quoteNear(name string, candidates []string) string {
	if s := schema.Suggest(name, candidates); s != "" {
		return fmt.Sprintf("%q (did you mean %q?)", name, s)
	}
	return fmt.Sprintf("%q", name)
}
