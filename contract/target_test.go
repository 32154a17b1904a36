package contract

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolesim"
)

// simKey is the API key of the simulator target.
const simKey = "contract.0123456789abcdef0123456789abcdef"

// A target is the Console a contract test talks to.
type target struct {
	name      string // "simulator" or the Console's URL
	url       string
	key, user string
	caFile    string        // PEM certificates to trust besides the system's
	live      bool          // a real Console
	write     bool          // state-changing calls are allowed
	jobWithin time.Duration // bound of one job's run
}

// newTarget returns the real Console named by AIP_CONSOLE_URL and
// AIP_CONSOLE_API_KEY when both are set, and otherwise a simulator with
// the demo data, served over HTTP for the duration of the test.
func newTarget(t *testing.T) target {
	t.Helper()
	if u, k := os.Getenv("AIP_CONSOLE_URL"), os.Getenv("AIP_CONSOLE_API_KEY"); u != "" && k != "" {
		within := 30 * time.Minute
		if s := os.Getenv("CONTRACT_TIMEOUT"); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				t.Fatalf("CONTRACT_TIMEOUT=%q: want a positive Go duration such as 45m", s)
			}
			within = d
		}
		return target{
			name: u, url: strings.TrimSuffix(u, "/"), key: k, user: os.Getenv("AIP_CONSOLE_USER"),
			caFile: os.Getenv("AIP_CONSOLE_CA_FILE"), live: true,
			write: os.Getenv("CONTRACT_WRITE") == "1", jobWithin: within,
		}
	}
	sim := consolesim.New(consolesim.Options{APIKey: simKey, StepTime: 5 * time.Millisecond})
	consolesim.SeedDemo(sim)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return target{name: "simulator", url: srv.URL, key: simKey, write: true, jobWithin: 30 * time.Second}
}

// needWrite skips a test that changes the Console's state when the target
// is a real Console and CONTRACT_WRITE is not 1.
func (tg target) needWrite(t *testing.T) {
	t.Helper()
	if !tg.write {
		t.Skip("changes the Console's state: set CONTRACT_WRITE=1 to run it against " + tg.name)
	}
}

// client returns runner's Console client for the target.
func (tg target) client(t *testing.T) *console.Client {
	t.Helper()
	c, err := console.New(console.Options{
		BaseURL: tg.url, APIKey: console.Secret(tg.key), User: tg.user, CAFile: tg.caFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A wire sends raw requests, as curl would, so that a test sees the
// answers as the Console writes them rather than as the client reads them.
type wire struct {
	t  *testing.T
	tg target
	hc *http.Client
}

func (tg target) wire(t *testing.T) *wire {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tg.caFile != "" {
		pem, err := os.ReadFile(tg.caFile)
		if err != nil {
			t.Fatalf("AIP_CONSOLE_CA_FILE: %v", err)
		}
		roots, err := x509.SystemCertPool()
		if err != nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			t.Fatalf("AIP_CONSOLE_CA_FILE %s holds no PEM certificate", tg.caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	return &wire{t: t, tg: tg, hc: &http.Client{Jar: jar, Timeout: time.Minute, Transport: tr}}
}

// call sends one request with the target's credentials and, on a state-
// changing request when xsrf is true, the XSRF token of the cookie jar.
// It returns the status, the media type and the body.
func (w *wire) call(method, path string, body any, xsrf bool) (int, string, []byte) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, w.tg.url+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if w.tg.user != "" {
		req.SetBasicAuth(w.tg.user, w.tg.key)
	} else {
		req.Header.Set("X-API-KEY", w.tg.key)
	}
	if xsrf {
		if tok := w.cookie("XSRF-TOKEN"); tok != "" {
			req.Header.Set("X-XSRF-TOKEN", tok)
		}
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		w.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	ct, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	return resp.StatusCode, strings.TrimSpace(ct), data
}

// get sends a GET that must succeed with a JSON body, and returns the body.
func (w *wire) get(path string) []byte {
	w.t.Helper()
	status, ct, body := w.call(http.MethodGet, path, nil, false)
	if status != http.StatusOK {
		w.t.Fatalf("GET %s: HTTP %d, want 200: %s", path, status, clip(body))
	}
	if !strings.Contains(ct, "json") {
		w.t.Fatalf("GET %s: Content-Type %q, want JSON", path, ct)
	}
	return body
}

// cookie returns the value of the named cookie the jar holds for /api/.
func (w *wire) cookie(name string) string {
	u, err := url.Parse(w.tg.url + "/api/")
	if err != nil {
		w.t.Fatal(err)
	}
	for _, c := range w.hc.Jar.Cookies(u) {
		if strings.EqualFold(c.Name, name) {
			return c.Value
		}
	}
	return ""
}

// clip shortens a body for a failure message.
func clip(b []byte) string {
	const n = 300
	if len(b) > n {
		return fmt.Sprintf("%s… (%d bytes)", b[:n], len(b))
	}
	return string(b)
}
