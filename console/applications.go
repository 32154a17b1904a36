package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Applications returns the applications the Console knows, from
// GET /api/applications (unwrapping its {"applications": [...]} object).
func (c *Client) Applications(ctx context.Context) ([]Application, error) {
	var list ApplicationList
	if err := c.do(ctx, http.MethodGet, "/api/applications", nil, &list); err != nil {
		return nil, err
	}
	return list.Applications, nil
}

// FindApplication returns the first application whose name equals name
// without regard to case, as the official client looks applications up.
// The bool is false, with a nil error, when there is none.
func (c *Client) FindApplication(ctx context.Context, name string) (Application, bool, error) {
	apps, err := c.Applications(ctx)
	if err != nil {
		return Application{}, false, err
	}
	for _, a := range apps {
		if strings.EqualFold(a.Name, name) {
			return a, true, nil
		}
	}
	return Application{}, false, nil
}

// Versions returns the versions of the application with GUID appGUID, from
// GET /api/applications/{appGUID}/versions.
func (c *Client) Versions(ctx context.Context, appGUID string) ([]Version, error) {
	var vs []Version
	path := "/api/applications/" + url.PathEscape(appGUID) + "/versions"
	if err := c.do(ctx, http.MethodGet, path, nil, &vs); err != nil {
		return nil, err
	}
	return vs, nil
}

// FindVersion returns the first version of application appGUID whose name
// equals name without regard to case. The bool is false, with a nil error,
// when there is none.
func (c *Client) FindVersion(ctx context.Context, appGUID, name string) (Version, bool, error) {
	vs, err := c.Versions(ctx, appGUID)
	if err != nil {
		return Version{}, false, err
	}
	for _, v := range vs {
		if strings.EqualFold(v.Name, name) {
			return v, true, nil
		}
	}
	return Version{}, false, nil
}

// Nodes returns the AIP Nodes registered in the Console, from
// GET /api/nodes.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	var ns []Node
	if err := c.do(ctx, http.MethodGet, "/api/nodes", nil, &ns); err != nil {
		return nil, err
	}
	return ns, nil
}
