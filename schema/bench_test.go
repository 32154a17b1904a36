package schema_test

import (
	"fmt"
	"testing"

	"github.com/aipflow/runner/internal/testgen"
	"github.com/aipflow/runner/schema"
)

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		src := testgen.Layered(n)
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
