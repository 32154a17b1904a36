package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/aipflow/runner/console"
)

// normalizeURL returns the Console address of s as the client reads it
// (console.NormalizeBaseURL), and whether http:// was assumed for an
// address without a scheme, so that runner config shows the address a
// run uses. An address the client refuses is left as it is: connecting
// reports it.
func normalizeURL(s setting) (_ setting, assumed bool) {
	v, err := console.NormalizeBaseURL(s.value)
	if err != nil {
		return s, false
	}
	assumed = !strings.Contains(s.value, "://")
	s.value = v
	return s, assumed
}

// warnURL prints one warning about the Console address of s, if it
// deserves one: the key of a plain http:// address on another host
// crosses the network unencrypted, and an address without a scheme is
// taken as http://, which its writer may not know.
func (a *app) warnURL(s *settings) {
	u, err := url.Parse(s.url.value)
	if err != nil || u.Scheme != "http" {
		return // https, or an address console.New refuses with a message
	}
	shown := redactURL(s.url.value)
	secret := "the API key"
	if s.user.value != "" {
		secret = "the password"
	}
	switch {
	case s.schemeAssumed && !loopbackHost(u.Hostname()):
		fmt.Fprintf(a.stderr, "runner: warning: %s: no scheme, so %s is assumed: %s would "+
			"travel unencrypted; write https://%s if the Console serves https\n",
			s.url.from, shown, secret, strings.TrimPrefix(shown, "http://"))
	case s.schemeAssumed:
		fmt.Fprintf(a.stderr, "runner: warning: %s: no scheme, so %s is assumed\n",
			s.url.from, shown)
	case !loopbackHost(u.Hostname()):
		fmt.Fprintf(a.stderr, "runner: warning: %s %s: plain http: %s travels unencrypted; "+
			"use https:// if the Console serves it\n", s.url.from, shown, secret)
	}
}

// loopbackHost reports whether host names this machine: localhost, or a
// loopback address such as 127.0.0.1 or ::1, whose traffic does not
// cross a network.
func loopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
