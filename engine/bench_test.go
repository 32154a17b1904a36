package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aipflow/runner/engine"
	"github.com/aipflow/runner/internal/testgen"
	"github.com/aipflow/runner/schema"
)

func BenchmarkLoadAndBuild(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		src := testgen.Layered(n)
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

// instantJobs is a job service whose jobs complete as soon as they are
// polled, to measure the scheduler alone.
type instantJobs struct{ engine.JobService }

func (instantJobs) SubmitJob(_ context.Context, _ string,
	params map[string]string) (engine.JobStart, error) {
	return engine.JobStart{JobGUID: "job", AppGUID: params["appGuid"]}, nil
}

func (instantJobs) WaitJob(context.Context, string, time.Duration,
	func(engine.JobStatus)) (engine.JobStatus, error) {
	return engine.JobStatus{State: "completed"}, nil
}

// BenchmarkRun runs the layered workflow against jobs that end at once:
// every step locks the one application the workflow names, so the steps
// queue for it.
// With /journal, the run keeps its journal, synced at every change.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{100, 1000} {
		wf, err := schema.Parse("layered.yaml", testgen.Layered(n))
		if err != nil {
			b.Fatal(err)
		}
		p, err := engine.Build(wf)
		if err != nil {
			b.Fatal(err)
		}
		for _, journal := range []bool{false, true} {
			name := fmt.Sprintf("steps=%d", n)
			if journal {
				name += "/journal"
			}
			b.Run(name, func(b *testing.B) {
				opts := engine.Options{Jobs: instantJobs{}, MaxParallel: 8, RunID: "bench"}
				if journal {
					opts.JournalPath = filepath.Join(b.TempDir(), "runs", "bench.json")
				}
				b.ReportAllocs()
				for b.Loop() {
					res, err := engine.Run(context.Background(), p, opts)
					if err != nil || res.Failed() {
						b.Fatalf("run: %v, failed %v", err, res.Failed())
					}
				}
			})
		}
	}
}
