package schema_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aipflow/runner/schema"
)

// layered returns a workflow of n steps in layers of ten, as
// engine.BenchmarkLoadAndBuild builds it: each step after the first layer
// needs a step of the layer before and reads an output of another.
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

// BenchmarkParse measures the schema side of runner validate: YAML
// parsing, alias resolution, JSON Schema validation and the catalog checks.
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		src := layered(n)
		b.Run(fmt.Sprintf("steps=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := schema.Parse("layered.yaml", src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
