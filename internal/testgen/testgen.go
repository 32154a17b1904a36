// Package testgen generates workflow files for benchmarks and scale tests.
package testgen

import (
	"fmt"
	"strings"
)

// Layered returns a workflow of n steps in layers of ten: each step after
// the first layer needs a step of the layer before (a declared edge) and
// reads an output of another (an inferred edge), so the DAG has fan-in and
// fan-out.
func Layered(n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nname: layered\nsteps:\n")
	for i := range n {
		fmt.Fprintf(&b, "  s%d:\n    job: consolidate_snapshot\n", i)
		if i < 10 {
			b.WriteString("    with: {appGuid: app}\n")
			continue
		}
		layer := i/10 - 1
		a, c := layer*10+i%10, layer*10+(i+3)%10
		fmt.Fprintf(&b, "    needs: [s%d]\n", a)
		fmt.Fprintf(&b, "    with: {appGuid: \"${{ steps.s%d.outputs.appGuid }}\"}\n", c)
	}
	return []byte(b.String())
}
