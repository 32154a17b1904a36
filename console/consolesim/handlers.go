package consolesim

import (
	"net/http"

	"github.com/aipflow/runner/console"
)

// getInfo answers GET /api/ with the API information.
func (s *Server) getInfo(c *call) response {
	return reply(http.StatusOK, console.APIInfo{
		APIVersion:          s.opts.APIVersion,
		CastVersion:         "8.3.59",
		DependencyMatrix:    map[string][]string{},
		DashboardIntegrated: true,
		EnableDownloadDmt:   true,
	})
}

// user is the body of GET /api/user. The Console's shape is not known and
// clients only log it (console-api.md, section 2.2).
type user struct {
	Login string `json:"login"`
}

// getUser answers the login probe GET /api/user.
func (s *Server) getUser(c *call) response {
	return reply(http.StatusOK, user{Login: c.user})
}

// getApplications answers GET /api/applications with the wrapped list.
func (s *Server) getApplications(c *call) response {
	return reply(http.StatusOK, console.ApplicationList{Applications: s.applicationList()})
}

// getVersions answers GET /api/applications/{guid}/versions with a bare
// array. The Console's answer for an unknown application is not known; the
// simulator says 404.
func (s *Server) getVersions(c *call) response {
	a := s.app(c.args[0])
	if a == nil {
		return errorf(http.StatusNotFound, "application not found")
	}
	return reply(http.StatusOK, versionList(a))
}

// getNodes answers GET /api/nodes with a bare array.
func (s *Server) getNodes(c *call) response {
	return reply(http.StatusOK, s.nodeList())
}
