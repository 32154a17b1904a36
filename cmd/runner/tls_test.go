package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/console/consolesim"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string // the CA certificate, PEM-encoded
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key,
		pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// serverCert returns a certificate for 127.0.0.1 signed by ca.
func (ca *testCA) serverCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "console.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// newTLSConsole serves a simulator over HTTPS with a certificate signed by
// ca.
func newTLSConsole(t *testing.T, ca *testCA) *testConsole {
	t.Helper()
	sim := consolesim.New(consolesim.Options{APIKey: testKey, StepTime: 5 * time.Millisecond})
	consolesim.SeedDemo(sim)
	srv := httptest.NewUnstartedServer(sim)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.serverCert(t)}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &testConsole{sim: sim, url: srv.URL}
}

// TestTLSConsoleCertificate checks C27 over real HTTPS: a Console whose
// certificate is signed by a company CA is refused, with exit 3 and a hint,
// without --ca-file; it is trusted with --ca-file (or AIP_CONSOLE_CA_FILE,
// or a profile's ca-file); --insecure skips the check with one warning.
func TestTLSConsoleCertificate(t *testing.T) {
	ca := newTestCA(t, "Company CA")
	c := newTLSConsole(t, ca)
	dir := t.TempDir()
	caFile := writeIn(t, dir, "console-ca.pem", ca.pem, 0o644)
	otherCA := writeIn(t, dir, "other-ca.pem", newTestCA(t, "Other CA").pem, 0o644)
	cfg := writeIn(t, dir, "config.yaml", "profiles:\n  tls:\n    ca-file: console-ca.pem\n", 0o644)
	none := filepath.Join(dir, "none.pem")
	notCA := writeIn(t, dir, "not-ca.yaml", "profiles:\n  tls:\n    ca-file: config.yaml\n", 0o644)
	run := []string{"run", mainWorkflow, "-i", "app=demo-app", "-i", "backup=false",
		"--speed", "1000"}
	const warning = "the Console's TLS certificate is not verified"
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		want     string
		warnings int
	}{
		{"no CA file", nil, nil, exitConsole,
			"certificate signed by unknown authority; pass --ca-file (or --insecure)", 0},
		{"CA file", nil, []string{"--ca-file", caFile}, exitOK, "", 0},
		{"CA file from the environment", map[string]string{envCAFile: caFile}, nil, exitOK, "", 0},
		{"CA file of a profile", nil, []string{"--config", cfg, "--profile", "tls"}, exitOK, "", 0},
		{"another CA", nil, []string{"--ca-file", otherCA}, exitConsole,
			"--ca-file " + otherCA + " does not hold the authority that signed it", 0},
		{"not a CA file", nil, []string{"--ca-file", cfg}, exitInvalid,
			"--ca-file " + cfg + ": no PEM certificate in it", 0},
		{"no CA file there", map[string]string{envCAFile: none}, nil, exitInvalid,
			envCAFile + " " + none + ": no such file or directory", 0},
		{"not a CA file in a profile", nil, []string{"--config", notCA, "--profile", "tls"},
			exitInvalid, notCA + ":3:14: ca-file " + cfg + ": no PEM certificate in it", 0},
		{"insecure", nil, []string{"--insecure"}, exitOK, "--insecure: " + warning, 1},
		{"insecure from the environment", map[string]string{envInsecure: "true"}, nil, exitOK,
			"AIP_CONSOLE_INSECURE: " + warning, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(c.sim.Requests())
			env := c.env(testKey)
			for k, v := range tt.env {
				env[k] = v
			}
			res := runCLI(t, env, append(run, tt.args...)...)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", res.code, tt.code, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, res.stderr)
			}
			if n := strings.Count(res.stderr, warning); n != tt.warnings {
				t.Errorf("stderr has %d warnings, want %d:\n%s", n, tt.warnings, res.stderr)
			}
			if tt.code != exitOK && len(c.sim.Requests()) != before {
				t.Errorf("the Console received requests although the connection was refused")
			}
			if strings.Contains(res.stdout+res.stderr, testKey) {
				t.Error("the API key was printed")
			}
		})
	}
}
