package console

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"

	"golang.org/x/net/http/httpproxy"
)

// maxIdlePerHost is how many idle connections to the Console the default
// transport keeps: a run polls up to --max-parallel jobs at once, and with
// net/http's default of 2 most polls opened a new connection.
const maxIdlePerHost = 64

// httpClient returns the client every request goes through: a new one, or
// a copy of the caller's, with a cookie jar, the redirect policy, and a
// transport that applies the proxy and TLS options.
func (c *Client) httpClient(opts Options) (*http.Client, error) {
	hc := &http.Client{Timeout: DefaultTimeout}
	if opts.HTTPClient != nil {
		cp := *opts.HTTPClient
		hc = &cp
	}
	rt, err := transport(hc.Transport, opts)
	if err != nil {
		return nil, err
	}
	hc.Transport = rt
	if hc.Jar == nil {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("console: cookie jar: %w", err)
		}
		hc.Jar = jar
	}
	hc.CheckRedirect = c.checkRedirect(hc.CheckRedirect)
	return hc, nil
}

// transport returns the round tripper for opts. Nil given means a clone
// of net/http's default transport, keeping more idle connections, with
// the proxy of opts.Proxy or else of the environment. A given
// *http.Transport is cloned when opts set a proxy or TLS options, and
// kept as it is otherwise.
//
// The proxy and TLS settings live on the one transport, so that they
// apply to every request the Client sends: a transport built for TLS
// alone would lose the proxy from the environment.
func transport(given http.RoundTripper, opts Options) (http.RoundTripper, error) {
	custom := opts.CAFile != "" || opts.Insecure || opts.Proxy != nil
	var t *http.Transport
	switch g := given.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = maxIdlePerHost
		t.Proxy = environmentProxy()
	case *http.Transport:
		if !custom {
			return g, nil
		}
		t = g.Clone()
	default:
		if custom {
			return nil, fmt.Errorf("console: CAFile, Insecure and Proxy need HTTPClient.Transport "+
				"to be nil or an *http.Transport, not %T", given)
		}
		return given, nil
	}

	if opts.Proxy != nil {
		t.Proxy = opts.Proxy
	}
	if opts.CAFile == "" && !opts.Insecure {
		return t, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.TLSClientConfig != nil {
		cfg = t.TLSClientConfig.Clone()
	}
	if opts.CAFile != "" {
		pool, err := loadCA(opts.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	cfg.InsecureSkipVerify = opts.Insecure
	t.TLSClientConfig = cfg
	return t, nil
}

// environmentProxy returns the proxy function of HTTPS_PROXY, HTTP_PROXY
// and NO_PROXY (and their lower-case forms) as they are now. Unlike
// http.ProxyFromEnvironment, which reads them once per process, it reads
// them at each New. Loopback addresses are never proxied.
func environmentProxy() func(*http.Request) (*url.URL, error) {
	proxy := httpproxy.FromEnvironment().ProxyFunc()
	return func(r *http.Request) (*url.URL, error) { return proxy(r.URL) }
}

// loadCA returns the system roots with the certificates of the PEM file
// at path added. Its error is a *CAFileError.
func loadCA(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named once, by CAFileError
		}
		return nil, &CAFileError{Path: path, Err: err}
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, &CAFileError{Path: path, Err: errNoPEM}
	}
	return pool, nil
}

// classifyTLS marks a transport error caused by TLS: such errors are
// final, since a retry meets the same certificate or the same server,
// and a refused certificate matches ErrCertificate.
func classifyTLS(te *transportError) {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		record    tls.RecordHeaderError
		alert     tls.AlertError
	)
	err := te.err
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid),
		errors.As(err, &verify):
		te.final, te.cert = true, true
	case errors.As(err, &record), errors.As(err, &alert):
		te.final = true
	}
}
