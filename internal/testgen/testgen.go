// Package testgen generates workflow files for benchmarks and scale tests,
// and Taskfiles of the same shape for go-task, the benchmark peer.
package testgen

import (
	"fmt"
	"strings"
)

// LayerWidth is the number of steps in each layer of a Layered workflow.
const LayerWidth = 10

// Layered returns a workflow of n steps in layers of ten: each step after
// the first layer needs a step of the layer before (a declared edge) and
// reads an output of another (an inferred edge), so the DAG has fan-in and
// fan-out.
func Layered(n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nname: layered\nsteps:\n")
	for i := range n {
		fmt.Fprintf(&b, "  s%d:\n    job: consolidate_snapshot\n", i)
		need, read, ok := layeredDeps(i)
		if !ok {
			b.WriteString("    with: {appGuid: 00000000-0000-0000-0000-000000000001}\n")
			continue
		}
		fmt.Fprintf(&b, "    needs: [s%d]\n", need)
		fmt.Fprintf(&b, "    with: {appGuid: \"${{ steps.s%d.outputs.appGuid }}\"}\n", read)
	}
	return []byte(b.String())
}

// LayeredTaskfile returns a go-task Taskfile (schema version 3) with the
// DAG of Layered(n): task sI depends on the tasks that step sI of the
// workflow needs and reads, and the default task depends on the last
// layer, from which every task is reachable. Each task echoes its name.
//
// The Taskfile sets "run: once", so that go-task runs a task reached by
// several paths once, as the runner runs a step once; without it go-task
// runs a shared task once per path and does work the runner never does.
func LayeredTaskfile(n int) []byte {
	var b strings.Builder
	b.WriteString("version: '3'\nrun: once\ntasks:\n  default:\n    deps: [")
	for i := max(0, (n-1)/LayerWidth*LayerWidth); i < n; i++ {
		if i%LayerWidth != 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "s%d", i)
	}
	b.WriteString("]\n")
	for i := range n {
		fmt.Fprintf(&b, "  s%d:\n", i)
		if need, read, ok := layeredDeps(i); ok {
			fmt.Fprintf(&b, "    deps: [s%d, s%d]\n", need, read)
		}
		fmt.Fprintf(&b, "    cmds: [echo s%d]\n", i)
	}
	return []byte(b.String())
}

// layeredDeps returns the step that step i of a Layered workflow needs and
// the step whose output it reads, both in the layer before; ok is false
// for the steps of the first layer, which depend on nothing.
func layeredDeps(i int) (need, read int, ok bool) {
	if i < LayerWidth {
		return 0, 0, false
	}
	base := (i/LayerWidth - 1) * LayerWidth
	return base + i%LayerWidth, base + (i+3)%LayerWidth, true
}
