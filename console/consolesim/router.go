package consolesim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// A call is one authenticated request on its way to a handler.
type call struct {
	req  *http.Request
	body []byte
	now  time.Time
	user string   // user name the credentials stand for
	args []string // path segments matched by the wildcards, in order
}

// A handler answers a call. Handlers run with s.mu held and the world
// already advanced to call.now.
type handler func(s *Server, c *call) response

// A route maps a path pattern to a handler per method. In a pattern, a
// segment "*" matches any one non-empty path segment.
type route struct {
	pattern  string
	segments []string
	methods  map[string]handler
}

func newRoute(pattern string, methods map[string]handler) route {
	return route{pattern: pattern, segments: strings.Split(pattern, "/"), methods: methods}
}

// apiRoutes returns the endpoints of the simulated Console.
func apiRoutes() []route {
	get := http.MethodGet
	return []route{
		newRoute("/api/", map[string]handler{get: (*Server).getInfo}),
		newRoute("/api/user", map[string]handler{get: (*Server).getUser}),
		newRoute("/api/applications", map[string]handler{get: (*Server).getApplications}),
		newRoute("/api/applications/*/versions", map[string]handler{get: (*Server).getVersions}),
		newRoute("/api/applications/*/upload", map[string]handler{
			http.MethodPost: (*Server).postUpload,
		}),
		newRoute("/api/applications/*/upload/*", map[string]handler{
			http.MethodPatch:  (*Server).patchUpload,
			http.MethodDelete: (*Server).deleteUpload,
		}),
		newRoute("/api/nodes", map[string]handler{get: (*Server).getNodes}),
		newRoute("/api/jobs", map[string]handler{http.MethodPost: (*Server).postJob}),
		newRoute("/api/jobs/*", map[string]handler{
			get:            (*Server).getJob,
			http.MethodPut: (*Server).putJob,
		}),
		newRoute("/api/jobs/*/steps/*/logs", map[string]handler{get: (*Server).getLogs}),
		newRoute("/api/jobs/*/steps/*/logs/*", map[string]handler{get: (*Server).getLogLines}),
	}
}

// route finds the handler of c's path and method: 404 when no pattern
// matches the path, 405 with an Allow header when the method is not served.
func (s *Server) route(c *call) response {
	path := strings.Split(c.req.URL.Path, "/")
	for _, rt := range s.routes {
		args, ok := match(rt.segments, path)
		if !ok {
			continue
		}
		h, ok := rt.methods[c.req.Method]
		if !ok {
			resp := errorf(http.StatusMethodNotAllowed, "method %s not allowed on %s",
				c.req.Method, c.req.URL.Path)
			resp.allow = strings.Join(slices.Sorted(maps.Keys(rt.methods)), ", ")
			return resp
		}
		c.args = args
		return h(s, c)
	}
	return errorf(http.StatusNotFound, "no such endpoint: %s", c.req.URL.Path)
}

// match reports whether path fits pattern and returns the wildcard values.
func match(pattern, path []string) ([]string, bool) {
	if len(pattern) != len(path) {
		return nil, false
	}
	var args []string
	for i, seg := range pattern {
		switch {
		case seg == "*" && path[i] != "":
			args = append(args, path[i])
		case seg != path[i]:
			return nil, false
		}
	}
	return args, true
}

// errorf returns an error answer with a {"message": ...} body.
func errorf(status int, format string, args ...any) response {
	return reply(status, message{Message: fmt.Sprintf(format, args...)})
}
