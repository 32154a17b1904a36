package consolesim

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aipflow/runner/console"
)

// An application is the simulator's record of one Console application.
type application struct {
	console.Application
	created  time.Time
	seq      int                // creation order, breaks ties of created
	nodeGUID string             // node given when it was declared, "" if none
	versions []*console.Version // in creation order
}

// version returns the version of a with the given GUID (any case), or nil.
func (a *application) version(guid string) *console.Version {
	for _, v := range a.versions {
		if strings.EqualFold(v.GUID, guid) {
			return v
		}
	}
	return nil
}

// setCurrent makes v the application's only current version.
func (a *application) setCurrent(v *console.Version) {
	for _, o := range a.versions {
		o.CurrentVersion = o == v
	}
}

// AddApplication adds an application with no versions and returns its GUID.
// Names need not be unique, as seeding is free to set up any state.
func (s *Server) AddApplication(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advance(now)
	return s.addApplication(console.NewGUID(), name, "", now).GUID
}

func (s *Server) addApplication(guid, name, node string, now time.Time) *application {
	s.appSeq++
	a := &application{
		Application: console.Application{GUID: guid, Name: name},
		created:     now,
		seq:         s.appSeq,
		nodeGUID:    node,
	}
	s.apps[strings.ToLower(guid)] = a
	return a
}

// app returns the application with the given GUID (any case), or nil.
func (s *Server) app(guid string) *application {
	return s.apps[strings.ToLower(guid)]
}

// appNamed returns the oldest application with the given name, compared
// case-insensitively as Console clients do, or nil.
func (s *Server) appNamed(name string) *application {
	for _, a := range s.sortedApps() {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

func (s *Server) sortedApps() []*application {
	apps := slices.Collect(maps.Values(s.apps))
	slices.SortFunc(apps, func(a, b *application) int {
		return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.seq, b.seq))
	})
	return apps
}

// AddVersion adds a version to an application and returns its GUID; it is
// meant for seeding. An empty status means "delivered". A version whose
// status is "accepted" or later becomes the current version. AddVersion
// panics if the application is unknown or the status is not one of
// console.VersionStatuses: both are mistakes in the calling test.
func (s *Server) AddVersion(appGUID, name, status string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advance(now)
	return s.seedVersion(appGUID, name, status, now)
}

func (s *Server) seedVersion(appGUID, name, status string, date time.Time) string {
	a := s.app(appGUID)
	if a == nil {
		panic(fmt.Sprintf("consolesim: AddVersion: unknown application %q", appGUID))
	}
	if status == "" {
		status = statusDelivered
	}
	if !slices.Contains(console.VersionStatuses, status) {
		panic(fmt.Sprintf("consolesim: AddVersion: unknown version status %q", status))
	}
	v := s.addVersion(a, name, status, date)
	if statusAtLeast(status, statusAccepted) {
		a.setCurrent(v)
	}
	return v.GUID
}

func (s *Server) addVersion(a *application, name, status string, date time.Time) *console.Version {
	v := &console.Version{
		GUID:        console.NewGUID(),
		Name:        name,
		Title:       name,
		Status:      status,
		VersionDate: date.UTC().Format(console.DateLayout),
	}
	a.versions = append(a.versions, v)
	return v
}

// AddNode adds an accessible AIP Node and returns its GUID.
func (s *Server) AddNode(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := console.Node{
		GUID:       console.NewGUID(),
		Name:       name,
		Scheme:     "http",
		Host:       name,
		Port:       8082,
		Accessible: true,
	}
	s.nodes = append(s.nodes, n)
	return n.GUID
}

// SeedDemo fills s with demo data: applications "demo-app", "billing" and
// "webi", each with one or two analysed or delivered versions, and two
// nodes, "node-1" and "node-2".
func SeedDemo(s *Server) {
	s.AddNode("node-1")
	s.AddNode("node-2")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advance(now)
	day := 24 * time.Hour

	demo := s.addApplication(console.NewGUID(), "demo-app", "", now).GUID
	s.seedVersion(demo, "v1", "snapshot_done", now.Add(-2*day))

	billing := s.addApplication(console.NewGUID(), "billing", "", now).GUID
	s.seedVersion(billing, "2024.1", "snapshot_done", now.Add(-30*day))
	s.seedVersion(billing, "2024.2", statusDelivered, now.Add(-day))

	webi := s.addApplication(console.NewGUID(), "webi", "", now).GUID
	s.seedVersion(webi, "release-41", "snapshot_done", now.Add(-7*day))
}

// Applications returns the applications, oldest first, as GET
// /api/applications lists them.
func (s *Server) Applications() []console.Application {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.opts.Now())
	return s.applicationList()
}

func (s *Server) applicationList() []console.Application {
	out := []console.Application{}
	for _, a := range s.sortedApps() {
		out = append(out, a.Application)
	}
	return out
}

// Versions returns the versions of an application in creation order, as
// GET /api/applications/{guid}/versions lists them, or nil if the
// application is unknown.
func (s *Server) Versions(appGUID string) []console.Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.opts.Now())
	a := s.app(appGUID)
	if a == nil {
		return nil
	}
	return versionList(a)
}

func versionList(a *application) []console.Version {
	out := make([]console.Version, 0, len(a.versions))
	for _, v := range a.versions {
		out = append(out, *v)
	}
	return out
}

// nodeList returns the nodes with their current application counts.
func (s *Server) nodeList() []console.Node {
	out := slices.Clone(s.nodes)
	if out == nil {
		out = []console.Node{}
	}
	for i := range out {
		for _, a := range s.apps {
			if strings.EqualFold(a.nodeGUID, out[i].GUID) {
				out[i].NumberOfApplications++
			}
		}
	}
	return out
}
