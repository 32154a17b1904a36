package console_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// consoleHost is the Console's name in the certificate the tests make.
const consoleHost = "console.example.test"

// testPKI makes a CA and a certificate it signs for consoleHost and
// 127.0.0.1. It returns the server certificate and the path of a PEM file
// holding the CA certificate.
func testPKI(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	now := time.Now()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Runner Test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}

	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: consoleHost},
		DNSNames:     []string{consoleHost},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "console-ca.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	if err := os.WriteFile(path, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newTLSServer serves h over TLS with cert.
func newTLSServer(t *testing.T, h http.Handler, cert tls.Certificate) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

// TestTLS checks a Console whose certificate a private CA signed: refused
// with the system roots alone, or under a name it was not made for, as an
// ErrCertificate that wraps the x509 error, without retries and without
// advice meant for the command line; accepted with CAFile or Insecure.
func TestTLS(t *testing.T) {
	t.Parallel()
	cert, caFile := testPKI(t)
	ts := newTLSServer(t, fixed(200, "application/json", `{}`), cert)
	port := ts.URL[strings.LastIndex(ts.URL, ":")+1:]

	tests := []struct {
		name  string
		host  string
		opts  console.Options
		cause error // nil when the certificate is accepted
	}{
		{"system roots", "127.0.0.1", console.Options{}, x509.UnknownAuthorityError{}},
		{"CA file", "127.0.0.1", console.Options{CAFile: caFile}, nil},
		{"insecure", "127.0.0.1", console.Options{Insecure: true}, nil},
		{"other name", "localhost", console.Options{CAFile: caFile}, x509.HostnameError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var log logBuffer
			opts := tt.opts
			opts.BaseURL = "https://" + tt.host + ":" + port
			opts.APIKey, opts.Logger, opts.Retry = testKey, log.logger(), fastRetry
			c, err := console.New(opts)
			if err != nil {
				t.Fatal(err)
			}

			err = c.Login(context.Background())
			if tt.cause == nil {
				if err != nil {
					t.Errorf("Login: %v", err)
				}
				return
			}
			if !errors.Is(err, console.ErrUnreachable) || !errors.Is(err, console.ErrCertificate) {
				t.Fatalf("Login error %v, want ErrUnreachable and ErrCertificate", err)
			}
			if !wraps(err, tt.cause) {
				t.Errorf("Login error %v does not wrap a %T", err, tt.cause)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "console: GET /api/user: ") ||
				strings.Contains(msg, "--") {
				t.Errorf("error %q, want the request and no command-line flag", msg)
			}
			if strings.Contains(log.String(), "retrying") {
				t.Errorf("a certificate error was retried:\n%s", log.String())
			}
		})
	}
}

// wraps reports whether err wraps an error of the type of target, one of
// the x509 errors that TestTLS expects.
func wraps(err, target error) bool {
	switch target.(type) {
	case x509.UnknownAuthorityError:
		return errors.As(err, new(x509.UnknownAuthorityError))
	case x509.HostnameError:
		return errors.As(err, new(x509.HostnameError))
	}
	return false
}

// TestCAFileInvalid checks that New refuses a CA file it cannot use with
// a *CAFileError that names it.
func TestCAFileInvalid(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.der")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct{ path, want string }{
		{missing, `console: CA file "` + missing + `": no such file or directory`},
		{notPEM, `console: CA file "` + notPEM + `": no PEM certificate in it`},
	}
	for _, tt := range tests {
		_, err := console.New(console.Options{BaseURL: "https://" + consoleHost, APIKey: testKey,
			CAFile: tt.path})
		if err == nil || err.Error() != tt.want {
			t.Errorf("New error\n got %v\nwant %s", err, tt.want)
		}
		var ce *console.CAFileError
		if !errors.Is(err, console.ErrCAFile) || !errors.As(err, &ce) || ce.Path != tt.path {
			t.Errorf("New error %#v, want a *CAFileError for %s matching ErrCAFile", err, tt.path)
		}
	}
	_, err := console.New(console.Options{BaseURL: "https://" + consoleHost, APIKey: testKey,
		CAFile: missing})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("New error %v, want one matching fs.ErrNotExist", err)
	}
}

// connectProxy is an HTTPS proxy for tests: it answers CONNECT for any
// host by opening a tunnel to target, and notes what it was asked and
// the local address of each tunnel's connection to target.
type connectProxy struct {
	target string

	mu       sync.Mutex
	connects []string
	tunnels  map[string]bool // local addresses of the connections to target
	conns    []net.Conn
	wg       sync.WaitGroup
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	down, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		_ = up.Close()
		return
	}
	p.mu.Lock()
	p.connects = append(p.connects, r.Host)
	p.tunnels[up.LocalAddr().String()] = true
	p.conns = append(p.conns, up, down)
	p.mu.Unlock()

	_, _ = io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n")
	p.wg.Add(2)
	go p.pipe(up, rw.Reader)
	go p.pipe(down, up)
}

// pipe copies from src to dst until either ends, then closes dst.
func (p *connectProxy) pipe(dst net.Conn, src io.Reader) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
}

// close ends every tunnel and waits for them.
func (p *connectProxy) close() {
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestProxyFromEnvironment is C27: with HTTPS_PROXY set, every kind of
// request the client sends (login, info, applications, job submission,
// polls, cancellation) goes through the proxy's tunnel, whatever the TLS
// options, and the certificate is checked against the CA file.
func TestProxyFromEnvironment(t *testing.T) {
	cert, caFile := testPKI(t)
	sim := consolesim.New(consolesim.Options{APIKey: testKey, StepTime: stepTime})
	appGUID := sim.AddApplication("demo")
	var (
		mu   sync.Mutex
		seen []string // "METHOD path remote-address"
	)
	ts := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.RemoteAddr)
		mu.Unlock()
		sim.ServeHTTP(w, r)
	}), cert)
	port := ts.URL[strings.LastIndex(ts.URL, ":")+1:]

	tests := []struct {
		name string
		opts console.Options
		ok   bool
	}{
		{"CA file", console.Options{CAFile: caFile}, true},
		{"insecure", console.Options{Insecure: true}, true},
		{"system roots", console.Options{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &connectProxy{target: ts.Listener.Addr().String(), tunnels: map[string]bool{}}
			proxy := httptest.NewServer(p)
			t.Cleanup(proxy.Close)
			t.Cleanup(p.close)
			for _, name := range []string{"HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"} {
				t.Setenv(name, "")
			}
			t.Setenv("HTTPS_PROXY", proxy.URL)
			mu.Lock()
			seen = nil
			mu.Unlock()

			opts := tt.opts
			opts.BaseURL, opts.APIKey, opts.Retry = "https://"+consoleHost+":"+port, testKey, fastRetry
			c, err := console.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			err = useEveryRequestKind(context.Background(), c, appGUID)
			if !tt.ok {
				if !strings.Contains(fmt.Sprint(err), "certificate signed by unknown authority") {
					t.Errorf("error %v, want the certificate refused", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}

			p.mu.Lock()
			defer p.mu.Unlock()
			if len(p.connects) == 0 {
				t.Fatal("the proxy saw no CONNECT")
			}
			for _, host := range p.connects {
				if host != consoleHost+":"+port {
					t.Errorf("CONNECT %s, want CONNECT %s:%s", host, consoleHost, port)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.ok && len(seen) < 7 {
				t.Errorf("the Console saw %d requests, want at least 7", len(seen))
			}
			for _, s := range seen {
				if f := strings.Fields(s); !p.tunnels[f[2]] {
					t.Errorf("%s %s did not come through the proxy", f[0], f[1])
				}
			}
		})
	}
}

// useEveryRequestKind sends each kind of request the client has.
func useEveryRequestKind(ctx context.Context, c *console.Client, appGUID string) error {
	if err := c.Login(ctx); err != nil {
		return err
	}
	if _, err := c.Info(ctx); err != nil {
		return err
	}
	if _, _, err := c.FindApplication(ctx, "demo"); err != nil {
		return err
	}
	params := map[string]string{"appGuid": appGUID, "sourcePath": "sources:demo"}
	js, err := c.SubmitJob(ctx, "add_version", params)
	if err != nil {
		return err
	}
	if _, err := c.Wait(ctx, js.JobGUID, fastWait); err != nil {
		return err
	}
	params["versionName"] = "v2"
	js, err = c.SubmitJob(ctx, "add_version", params)
	if err != nil {
		return err
	}
	return c.CancelJob(ctx, js.JobGUID)
}
