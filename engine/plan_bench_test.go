package engine_test

import (
	"testing"
	"time"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/internal/testgen"
	"github.com/aipflow/runner/schema"
)

// BenchmarkPlan10k does what `runner plan` does with a layered workflow of
// 10,000 steps, less the printing: parse and validate, build the graph,
// and work out the dry run. `make bench` times the command itself; run
// this with -cpuprofile or -memprofile to see where that time goes.
func BenchmarkPlan10k(b *testing.B) {
	src := testgen.Layered(10000)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		wf, err := schema.Parse("layered.yaml", src)
		if err != nil {
			b.Fatal(err)
		}
		p, err := engine.Build(wf)
		if err != nil {
			b.Fatal(err)
		}
		if dr := p.DryRunEnv(nil, nil, now); dr == nil {
			b.Fatal("no dry run")
		}
	}
}
