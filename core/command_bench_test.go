package core

import (
	"testing"
	"time"
)

// benchCommands measures what a command of the command line costs on
// the home of homeWithBigCell(n) (kept between runs with
// TRUSTDESK_BENCH_HOMES, see benchHome): a service of its own rates (or
// blocks) the first of Ana's contacts and closes (benchCommand). It
// reports the processor time of a command (cmd-cpu-ms).
func benchCommands(b *testing.B, n int) {
	home := benchHome(b, n)
	for _, m := range []struct {
		name string
		mode int
	}{{"rate", startAfterRate}, {"block", startAfterBlock}} {
		b.Run(m.name, func(b *testing.B) {
			opts := testOptions
			day := time.Now()
			opts.Now = func() time.Time { return day }
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				start := cpuTime()
				benchCommand(b, home, opts, m.mode, i)
				cpu += cpuTime() - start
			}
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cmd-cpu-ms")
		})
	}
}

// BenchmarkCommands30k and 100k: a rating and a block made from the
// command line in Ana's home holding the flooded cell of
// BenchmarkOpenWithBigCell30k (100k).
func BenchmarkCommands30k(b *testing.B)  { benchCommands(b, 30000) }
func BenchmarkCommands100k(b *testing.B) { benchCommands(b, 100000) }
