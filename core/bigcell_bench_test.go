package core

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// The cells of BenchmarkOpenWithBigCell: what one member (Bo) and the
// fakes he admits can put into a cell Ana holds, in one sync file. Bo
// admits 100 fakes who accept and cast one open vote each (300
// statements), then publishes the cards of n/2 people and rates each of
// them (n statements in all). A start of Ana's home reads and shows the
// cell, her contacts and everyone's reputation (openHome).
func BenchmarkOpenWithBigCell10k(b *testing.B)  { benchOpen(b, homeWithBigCell(b, 10000)) }
func BenchmarkOpenWithBigCell30k(b *testing.B)  { benchOpen(b, homeWithBigCell(b, 30000)) }
func BenchmarkOpenWithBigCell100k(b *testing.B) { benchOpen(b, homeWithBigCell(b, 100000)) }

// BenchmarkOpenWithBigCell30kNewDay: the same as 30k, each start on a
// day after the one before: the reputation kept for a day is not used
// on another, so each start computes it (the list of cells stays kept).
func BenchmarkOpenWithBigCell30kNewDay(b *testing.B) {
	benchOpenAt(b, homeWithBigCell(b, 30000), startNewDay)
}

// BenchmarkOpenWithBigCell30kCyrillic: the same as 30k with the people
// published named in Cyrillic ("Карта 17"), whose look-alike keys take
// the slow way, both as it comes and with what was kept forgotten.
func BenchmarkOpenWithBigCell30kCyrillic(b *testing.B) {
	defer func(old string) { cardNames = old }(cardNames)
	cardNames = "Карта %d"
	home := homeAfterFile(b, cyrillicFiles, 30000, bigCellFile)
	b.Run("kept", func(b *testing.B) { benchOpenAt(b, home, startKept) })
	b.Run("computed", func(b *testing.B) { benchOpenAt(b, home, startComputed) })
}

var cyrillicFiles = map[int]*publishedCards{}

// BenchmarkOpenWithBigCell30kComputed: the same as 30k with what a start
// keeps forgotten before each start (the unlock apart), as a start was
// before it was kept.
func BenchmarkOpenWithBigCell30kComputed(b *testing.B) {
	benchOpenAt(b, homeWithBigCell(b, 30000), startComputed)
}

// newProcess forgets what an earlier start in this process learned that a
// start in a new process would not know, so that each start of a
// benchmark pays what a real one does: the look-alike keys of names
// (lookalikeKeys), which naming thousands of published cards computes.
func newProcess() {
	lookalikeKeys.Lock()
	lookalikeKeys.m, lookalikeKeys.slow, lookalikeKeys.fresh, lookalikeKeys.computed = nil, nil, 0, 0
	lookalikeKeys.Unlock()
}

// bigCellFiles caches the files of homeWithBigCell by size (making them
// takes a while).
var bigCellFiles = map[int]*publishedCards{}

// homeWithBigCell returns Ana's home after she imported Bo's file with a
// cell of about n statements (see BenchmarkOpenWithBigCell10k).
func homeWithBigCell(b *testing.B, n int) string {
	return homeAfterFile(b, bigCellFiles, n, bigCellFile)
}

// bigCellFile makes Bo, whom ana meets, invite her to his cell, fill it
// as BenchmarkOpenWithBigCell10k says, and returns his sync file to her.
func bigCellFile(b *testing.B, ana *Service, n int) []byte {
	const fakes = 100
	return bosCellFile(b, ana, (n-3*fakes)/2, func(bo *Service, work *crdt.Cell, people []*identity.Card) error {
		now := time.Now()
		fs := make([]*identity.Identity, fakes)
		for i := range fs {
			var err error
			if fs[i], err = identity.New(fmt.Sprintf("Fake %d", i), now); err != nil {
				return err
			}
			if _, err := work.Admit(bo.me(), fs[i].Card, now); err != nil {
				return err
			}
			if _, err := work.Join(fs[i], now); err != nil {
				return err
			}
		}
		for i, f := range fs {
			if _, err := work.VoteExclude(f, fs[(i+1)%fakes].Card.ID(), now); err != nil {
				return err
			}
		}
		if _, err := work.PublishCards(bo.me(), people, now); err != nil {
			return err
		}
		ratings := make([]crdt.Rating, len(people))
		for i := range ratings {
			ratings[i] = crdt.Rating{Safety: 1 + i%5, Reliability: 1 + i%3, Day: now.Format("2006-01-02"), Tags: []string{"late"}}
		}
		_, err := work.RateMany(bo.me(), people, ratings, now)
		return err
	})
}

// BenchmarkImportBigCell10k takes in, on Ana's home as it was before, the
// file of BenchmarkOpenWithBigCell10k (one member's cell of 10,000
// statements, new to her): the whole import, checking worker included.
// It reports the main process's processor time (main-cpu-ms, the worker
// apart), the worker's (worker-cpu-ms) and its peak resident size
// (worker-peak-MiB).
func BenchmarkImportBigCell10k(b *testing.B) { benchImportBig(b, 10000) }

// BenchmarkImportBigCell30k is the same with 30,000 statements (a 7 MB
// file).
func BenchmarkImportBigCell30k(b *testing.B) { benchImportBig(b, 30000) }

// BenchmarkImportBigCell100k is the same with 100,000 (a 24 MB file),
// with limits on the worker as large as its needs.
func BenchmarkImportBigCell100k(b *testing.B) { benchImportBig(b, 100000) }

// BenchmarkImportBigCell100kDefaultLimits is the same with the checking
// worker's default limits (crdt.DefaultCheckMemory, DefaultCheckTimeout),
// as a device has them: it fails if the file is refused.
func BenchmarkImportBigCell100kDefaultLimits(b *testing.B) {
	benchImportBigWith(b, 100000, &crdt.Checker{})
}

func benchImportBig(b *testing.B, n int) {
	benchImportBigWith(b, n, &crdt.Checker{Timeout: 10 * time.Minute, MemoryLimit: 4 << 30})
}

// benchImportBigWith measures the import of the file of homeWithBigCell(n)
// with a worker of checker's limits.
func benchImportBigWith(b *testing.B, n int, limits *crdt.Checker) {
	homeWithBigCell(b, n) // makes the file (cached)
	pc := bigCellFiles[n]
	opts := testOptions
	var mainCPU, workerCPU time.Duration
	var peak int64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		// A worker of its own, so that the peak is this import's.
		opts.Checker = &crdt.Checker{Timeout: limits.Timeout, MemoryLimit: limits.MemoryLimit}
		ana, err := Restore(b.TempDir(), bytes.NewReader(pc.backup), []byte("correct horse"), opts)
		if err != nil {
			b.Fatal(err)
		}
		self, children := selfCPU(), cpuTime()-selfCPU()
		b.StartTimer()
		if _, err := ana.Import(ctx, pc.file); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		mainCPU += selfCPU() - self
		workerCPU += cpuTime() - selfCPU() - children
		peak = max(peak, liveChildrenPeak())
		ana.Close()
		opts.Checker.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(mainCPU.Microseconds())/1000/float64(b.N), "main-cpu-ms")
	b.ReportMetric(float64(workerCPU.Microseconds())/1000/float64(b.N), "worker-cpu-ms")
	b.ReportMetric(float64(peak)/(1<<20), "worker-peak-MiB")
	b.ReportMetric(float64(len(pc.file)), "file-bytes")
}
