package consolejobs_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aipflow/runner/console"
	"github.com/aipflow/runner/console/consolejobs"
	"github.com/aipflow/runner/console/consolesim"
)

// newService returns a Service for a new simulator that holds the
// applications named, and their GUIDs.
func newService(t *testing.T, apps ...string) (*consolejobs.Service, *consolesim.Server, []string) {
	t.Helper()
	sim := consolesim.New(consolesim.Options{APIKey: "key"})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := console.New(console.Options{BaseURL: srv.URL, APIKey: "key"})
	if err != nil {
		t.Fatal(err)
	}
	var guids []string
	for _, a := range apps {
		guids = append(guids, sim.AddApplication(a))
	}
	return &consolejobs.Service{Client: c}, sim, guids
}

// applicationLists counts the requests for the list of applications.
func applicationLists(sim *consolesim.Server) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == "GET" && r.Path == "/api/applications" {
			n++
		}
	}
	return n
}

// The uploads of a Service list the applications once, whatever their
// number, however concurrent, and whatever the case of the GUIDs given;
// a GUID the list does not hold makes it list them again.
func TestUploadSourceListsApplicationsOnce(t *testing.T) {
	t.Parallel()
	s, sim, guids := newService(t, "webi", "billing")
	path := filepath.Join(t.TempDir(), "src.zip")
	if err := os.WriteFile(path, []byte("not much of an archive"), 0o600); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	for i := range 6 {
		guid, name := guids[i%2], []string{"webi", "billing"}[i%2]
		if i >= 4 {
			guid = strings.ToUpper(guid)
		}
		wg.Go(func() {
			up, err := s.UploadSource(context.Background(), guid, path)
			if err != nil || up.AppName != name {
				t.Errorf("upload for %s: %+v, %v; want application %s", guid, up, err, name)
			}
		})
	}
	wg.Wait()
	if n := applicationLists(sim); n != 1 {
		t.Errorf("%d lists of applications for 6 uploads, want 1", n)
	}

	before := applicationLists(sim)
	if _, err := s.UploadSource(context.Background(), guids[0], path); err != nil {
		t.Fatal(err)
	}
	if n := applicationLists(sim) - before; n != 0 {
		t.Errorf("%d lists of applications for an upload after the first ones, want 0", n)
	}

	late := sim.AddApplication("late")
	up, err := s.UploadSource(context.Background(), late, path)
	if err != nil || up.AppName != "late" {
		t.Errorf("upload for an application added later: %+v, %v", up, err)
	}
	_, err = s.UploadSource(context.Background(), "00000000-0000-4000-8000-000000000000", path)
	if err == nil || !strings.Contains(err.Error(), "not found on the Console") {
		t.Errorf("upload for no application: %v, want not found", err)
	}
}
