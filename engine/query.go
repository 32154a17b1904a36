package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aipflow/runner/schema"
)

// query runs a read-only lookup.
func (r *runner) query(ctx context.Context, n *Node, p map[string]string, sr *StepResult) {
	sr.Request = p
	out, err := r.lookup(ctx, n.Step.Query, p)
	if err != nil {
		sr.State, sr.Reason, sr.Err = Failed, n.Step.Query+" query: "+err.Error(), err
		if ctx.Err() != nil {
			sr.State, sr.Reason = Canceled, cause(ctx)
		}
		return
	}
	sr.State, sr.Outputs = Completed, out
}

func (r *runner) lookup(ctx context.Context, kind string,
	p map[string]string) (map[string]any, error) {
	jobs := r.opts.Jobs
	switch kind {
	case schema.QueryApplication:
		a, ok, err := jobs.FindApplication(ctx, p["name"])
		if err != nil {
			return nil, err
		}
		return found(ok, "appGuid", a.GUID, "appName", a.Name), nil
	case schema.QueryVersion:
		v, ok, err := jobs.FindVersion(ctx, p["appGuid"], p["name"])
		if err != nil {
			return nil, err
		}
		out := found(ok, "versionGuid", v.GUID, "versionName", v.Name)
		out["status"] = orNil(v.Status)
		return out, nil
	case schema.QueryNode:
		nodes, err := jobs.Nodes(ctx)
		if err != nil {
			return nil, err
		}
		nd, ok := pickNode(nodes, p["name"])
		if !ok && p["name"] != "" {
			// Unlike an application, a node cannot be created by a
			// workflow, so a named node that is missing is an error.
			return nil, fmt.Errorf("no AIP node named %q (known: %s)", p["name"], nodeNames(nodes))
		}
		return found(ok, "nodeGuid", nd.GUID, "nodeName", nd.Name), nil
	}
	return nil, errors.New("unknown query kind")
}

// pickNode returns the node of that name (ignoring case) or, without a
// name, the accessible node with the fewest applications.
func pickNode(nodes []AIPNode, name string) (AIPNode, bool) {
	if name != "" {
		for _, nd := range nodes {
			if strings.EqualFold(nd.Name, name) {
				return nd, true
			}
		}
		return AIPNode{}, false
	}
	var ok []AIPNode
	for _, nd := range nodes {
		if nd.Accessible {
			ok = append(ok, nd)
		}
	}
	if len(ok) == 0 {
		return AIPNode{}, false
	}
	sort.SliceStable(ok, func(i, j int) bool { return ok[i].Applications < ok[j].Applications })
	return ok[0], true
}

func nodeNames(nodes []AIPNode) string {
	names := make([]string, len(nodes))
	for i, nd := range nodes {
		names[i] = nd.Name
	}
	return strings.Join(names, ", ")
}

func found(ok bool, kv ...string) map[string]any {
	out := map[string]any{"found": ok}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = nil
		if ok {
			out[kv[i]] = orNil(kv[i+1])
		}
	}
	return out
}

// first returns the first value that is not the zero value.
func first[T comparable](vals ...T) T {
	var zero T
	for _, v := range vals {
		if v != zero {
			return v
		}
	}
	return zero
}

// orNil turns an empty string into nil, so that ?? falls back over it.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
