package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/schema"
)

// layered returns a workflow of n steps in layers of ten: each step needs
// two steps of the layer before (fan-in) and reads an output of one of them
// (an inferred edge).
func layered(n int) []byte {
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

func BenchmarkLoadAndBuild(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		src := layered(n)
		b.Run(fmt.Sprintf("steps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				wf, err := schema.Parse("layered.yaml", src)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := engine.Build(wf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
