package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aipflow/runner/engine"
)

func (a *app) graphCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "graph FILE",
		Short: "Print the dependency graph of a workflow as Mermaid or Graphviz DOT",
		Long: `graph prints the steps of a workflow and their dependencies. Each node shows
the step id and its job type or query; an edge runs from a step to the steps
that depend on it, solid when declared with needs:, dashed when inferred from
a steps.<id> reference. Steps and edges come in file order, so the output is
stable and diffs well.`,
		Example: `  runner graph workflows/backup-analyze-consolidate.yaml > graph.mmd
  runner graph workflows/backup-analyze-consolidate.yaml --format dot | dot -Tsvg > graph.svg`,
		Args: exactFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			write, ok := graphWriters[format]
			if !ok {
				return fmt.Errorf("--format %q: want mermaid or dot", format)
			}
			p, err := a.load(args[0])
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(write(p))
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "mermaid", "output format: mermaid or dot")
	return cmd
}

var graphWriters = map[string]func(*engine.Plan) []byte{
	"mermaid": mermaid,
	"dot":     dot,
}

// graphEdge is a dependency drawn from the step depended on to its
// dependent.
type graphEdge struct {
	from, to string
	inferred bool
}

// graphEdges returns every edge, ordered by the file position of the
// dependent, then of the step it depends on.
func graphEdges(p *engine.Plan) []graphEdge {
	index := map[string]int{}
	for i, n := range p.Nodes {
		index[n.ID()] = i
	}
	var edges []graphEdge
	for _, n := range p.Nodes {
		deps := append([]engine.Edge(nil), n.Deps...)
		sort.Slice(deps, func(i, j int) bool { return index[deps[i].From] < index[deps[j].From] })
		for _, e := range deps {
			edges = append(edges, graphEdge{from: e.From, to: n.ID(), inferred: e.Inferred})
		}
	}
	return edges
}

// kindOf is what a node shows under the step id.
func kindOf(n *engine.Node) string {
	if n.Step.Query != "" {
		return "query " + n.Step.Query
	}
	return n.Step.Job
}

// mermaidKeywords are words Mermaid reads as syntax when used as a node
// id. Step ids are lower case, so the capitalised word is both safe and
// free.
var mermaidKeywords = map[string]bool{
	"end": true, "graph": true, "flowchart": true, "subgraph": true, "style": true,
	"class": true, "classdef": true, "click": true, "linkstyle": true, "direction": true,
	"call": true, "href": true, "callback": true, "default": true,
}

func mermaidID(id string) string {
	if mermaidKeywords[id] {
		return strings.ToUpper(id[:1]) + id[1:]
	}
	return id
}

// graphLegend opens both drawings, as a comment.
const graphLegend = "solid edges from needs:, dashed ones inferred"

// mermaid draws the plan as a Mermaid flowchart.
func mermaid(p *engine.Plan) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%%%% %s: %s\n", oneLine(p.Workflow.Name), graphLegend)
	b.WriteString("flowchart TD\n")
	for _, n := range p.Nodes {
		fmt.Fprintf(&b, "  %s[\"%s<br/>%s\"]\n", mermaidID(n.ID()), n.ID(), kindOf(n))
	}
	for _, e := range graphEdges(p) {
		arrow := "-->"
		if e.inferred {
			arrow = "-.->"
		}
		fmt.Fprintf(&b, "  %s %s %s\n", mermaidID(e.from), arrow, mermaidID(e.to))
	}
	return b.Bytes()
}

// dot draws the plan in Graphviz DOT.
func dot(p *engine.Plan) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// %s: %s\n", oneLine(p.Workflow.Name), graphLegend)
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(p.Workflow.Name))
	b.WriteString("  node [shape=box];\n")
	for _, n := range p.Nodes {
		fmt.Fprintf(&b, "  %s [label=%s];\n", dotQuote(n.ID()), dotQuote(n.ID()+"\n"+kindOf(n)))
	}
	for _, e := range graphEdges(p) {
		style := ""
		if e.inferred {
			style = " [style=dashed]"
		}
		fmt.Fprintf(&b, "  %s -> %s%s;\n", dotQuote(e.from), dotQuote(e.to), style)
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// dotQuote quotes s as a DOT string; a newline becomes a centred line
// break.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// oneLine joins the lines of s, for a comment.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
