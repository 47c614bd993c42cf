package reputation

import (
	"sync"
	"testing"
)

// reportCPU adds the process's CPU time per operation ("cpu-ns/op") to a
// benchmark: on a machine shared with other work, wall time per operation
// includes time spent waiting for a core, CPU time does not.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if used := cpuTime() - start; used > 0 {
			b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

// The benchmark world of issue 5: 2,000 people, 30 cells, 50,000 ratings.
const benchPeople, benchCells, benchRatings = 2000, 30, 50000

var benchInput = sync.OnceValue(func() *Input {
	return generate(42, benchPeople, benchCells, benchRatings)
})

// BenchmarkComputeAll computes every score of the benchmark world.
func BenchmarkComputeAll(b *testing.B) {
	in := benchInput()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		Compute(in)
	}
}

// BenchmarkComputeAllExplained computes every score and builds every
// explanation, as `trustdesk rep --json` for all contacts does.
func BenchmarkComputeAllExplained(b *testing.B) {
	in := benchInput()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		Compute(in).Scores()
	}
}

// BenchmarkExplainOne builds one well-rated contact's score and
// explanation from a computed result.
func BenchmarkExplainOne(b *testing.B) {
	r := Compute(benchInput())
	var id string
	most := -1
	for _, i := range r.IDs() {
		if s := r.Person(i); len(s.Ratings) > most {
			id, most = i, len(s.Ratings)
		}
	}
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		r.Person(id)
	}
	b.ReportMetric(float64(most), "ratings/op")
}
