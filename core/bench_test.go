package core

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
	"trustdesk/store"
)

// syncBench is a sender with a cell, a receiver's home that knows the
// start of the cell (saved as a template to copy), and a file carrying n
// new statements for the receiver.
type syncBench struct {
	a        *Service
	cell     crdt.CellID
	bID      identity.ID
	template string // the receiver's home before the import
	file     []byte
	n        int
}

func newSyncBench(b *testing.B, n int) *syncBench {
	b.Helper()
	a, err := Init(b.TempDir(), "Ana", []byte("pw"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	template := b.TempDir()
	bo, err := Init(template, "Bo", []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.AddContact(bo.Card().String(), "", true); err != nil {
		b.Fatal(err)
	}
	if _, err := bo.AddContact(a.Card().String(), "", true); err != nil {
		b.Fatal(err)
	}
	cell, err := a.NewCell("Bench")
	if err != nil {
		b.Fatal(err)
	}
	invite(b, a, bo, cell.ID)
	var people []*identity.Card
	for i := range 20 {
		p, err := identity.New(fmt.Sprintf("Person %d", i), time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.AddContact(p.Card.String(), "", false); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Rate(p.Card.ID(), crdt.Rating{Safety: 3, Reliability: 3}, []crdt.CellID{cell.ID}); err != nil {
			b.Fatal(err)
		}
		people = append(people, p.Card)
	}
	if _, err := bo.Import(ctx, mustExportB(b, a, ExportRequest{To: to(bo.Card().ID())})); err != nil {
		b.Fatal(err)
	}
	// Bo tells Ana what he has, so her next file is incremental.
	if _, err := a.Import(ctx, mustExportB(b, bo, ExportRequest{To: to(a.Card().ID())})); err != nil {
		b.Fatal(err)
	}
	bo.Close()
	// n new ratings, added straight to the cell (one transaction).
	err = func() error {
		a.mu.Lock()
		defer a.mu.Unlock()
		all, err := a.loadCells()
		if err != nil {
			return err
		}
		work, err := all[cell.ID].Clone()
		if err != nil {
			return err
		}
		subjects := make([]*identity.Card, n)
		rs := make([]crdt.Rating, n)
		for i := range n {
			subjects[i] = people[i%len(people)]
			rs[i] = crdt.Rating{Safety: 1 + i%5, Reliability: 1 + (i/5)%5, Day: "2026-10-01"}
			if i%10 == 0 {
				rs[i].Note = "on time, friendly"
			}
		}
		if _, err := work.RateMany(a.me(), subjects, rs, time.Now()); err != nil {
			return err
		}
		_, err = a.saveCells(all, work)
		return err
	}()
	if err != nil {
		b.Fatal(err)
	}
	res, err := a.Export(ExportRequest{To: to(bo.Card().ID())})
	if err != nil {
		b.Fatal(err)
	}
	if res.Statements != n {
		b.Fatalf("file carries %d statements, want %d", res.Statements, n)
	}
	return &syncBench{a: a, cell: cell.ID, bID: bo.Card().ID(), template: template, file: res.Data, n: n}
}

func mustExportB(b testing.TB, s *Service, req ExportRequest) []byte {
	b.Helper()
	res, err := s.Export(req)
	if err != nil {
		b.Fatal(err)
	}
	return res.Data
}

// receiver copies the template home, unlocks the copy and loads its cells.
func (sb *syncBench) receiver(b *testing.B) *Service {
	b.Helper()
	s, err := Unlock(copyHome(b, sb.template), []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	// Its cells loaded, as in the app and as in the bare parts.
	s.mu.Lock()
	defer s.mu.Unlock()
	cells, err := s.loadCells()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cells {
		c.State()
	}
	return s
}

// BenchmarkExport1000 makes a sync file with 1,000 new statements.
func BenchmarkExport1000(b *testing.B) {
	sb := newSyncBench(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := sb.a.Export(ExportRequest{To: &sb.bID}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(sb.file)), "file-bytes")
	b.ReportMetric(float64(len(sb.file))/float64(sb.n), "bytes/statement")
}

// BenchmarkImport1000 takes in a sync file with 1,000 new statements: the
// whole path, child-process check and the one transaction included.
func BenchmarkImport1000(b *testing.B) {
	sb := newSyncBench(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		s := sb.receiver(b)
		b.StartTimer()
		sum, err := s.Import(ctx, sb.file)
		if err != nil {
			b.Fatal(err)
		}
		if sum.NewStatements != sb.n {
			b.Fatalf("imported %d statements, want %d", sum.NewStatements, sb.n)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}

// BenchmarkImport1000BareParts is the sum of the bare parts of the same
// import, in one process: decrypting and checking the envelope, applying
// the changes to the cell, and checking every statement's signature (the
// derive does that).
func BenchmarkImport1000BareParts(b *testing.B) {
	sb := newSyncBench(b, 1000)
	s := sb.receiver(b)
	defer s.Close()
	s.mu.Lock()
	cells, err := s.loadCells()
	s.mu.Unlock()
	if err != nil {
		b.Fatal(err)
	}
	base := cells[sb.cell]
	base.State() // the cell as the receiver holds it: known signatures checked
	b.ResetTimer()
	for b.Loop() {
		f, err := export.Open(s.me(), sb.file)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		work, err := base.Clone()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := work.ApplyChanges(f.Cells[0].Changes); err != nil {
			b.Fatal(err)
		}
		if st := work.State(); len(st.Invalid) != 0 {
			b.Fatalf("invalid statements: %v", st.Invalid)
		}
	}
}

// incrementalBench is a receiver's home that holds a cell of about n
// statements, all of which the sender knows it has, and a sync file from
// the sender with 10 new statements of that cell.
func incrementalBench(b *testing.B, n int) *syncBench {
	b.Helper()
	sb := newSyncBench(b, n-30) // founding, invitation and 20 cards: about 30
	// The receiver takes in everything and reports back.
	s := sb.receiver(b)
	if _, err := s.Import(ctx, sb.file); err != nil {
		b.Fatal(err)
	}
	if _, err := sb.a.Import(ctx, mustExportB(b, s, ExportRequest{To: to(sb.a.Card().ID())})); err != nil {
		b.Fatal(err)
	}
	sb.template = s.db.Dir()
	s.Close()
	sb.file, sb.n = sb.moreRatings(b, crdt.Rating{Safety: 4, Reliability: 5, Note: "fine"}), 10
	return sb
}

// moreRatings has the sender rate 10 people in the cell and returns the
// sync file it then makes for the receiver: 10 new statements.
func (sb *syncBench) moreRatings(b *testing.B, r crdt.Rating) []byte {
	b.Helper()
	var subjects []identity.ID
	contacts, _ := sb.a.Contacts()
	for _, c := range contacts {
		if c.ID() != sb.bID {
			subjects = append(subjects, c.ID())
		}
	}
	for i := range 10 {
		if _, err := sb.a.Rate(subjects[i%len(subjects)], r, []crdt.CellID{sb.cell}); err != nil {
			b.Fatal(err)
		}
	}
	res, err := sb.a.Export(ExportRequest{To: &sb.bID})
	if err != nil {
		b.Fatal(err)
	}
	if res.Statements != 10 {
		b.Fatalf("incremental file carries %d statements, want 10", res.Statements)
	}
	return res.Data
}

// BenchmarkIncrementalImport10 takes in a sync file with 10 new
// statements of a cell the receiver holds with 100 or 10,000 statements:
// the whole path, child-process check and the one transaction included,
// on a home opened with its cells shown (as in the app). Its cost should
// follow what is new, not the size of the cell. cpu-ms/op counts this
// process and the checking worker (see cpuTime).
func BenchmarkIncrementalImport10(b *testing.B) { benchIncremental(b, false) }

// BenchmarkIncrementalImport10Warm is BenchmarkIncrementalImport10 for
// the second file of a session: the home has just taken in 10 new
// statements of the cell (untimed), and the timed import brings 10 more.
// The checking worker of the session holds the cell's document by then
// (crdt/session.go), and the cell keeps its statements.
func BenchmarkIncrementalImport10Warm(b *testing.B) { benchIncremental(b, true) }

// BenchmarkIncrementalImport10Prepared is BenchmarkIncrementalImport10
// as the desktop app takes in a first file: the home was opened and
// prepared (Service.Prepare, untimed) before the file comes.
func BenchmarkIncrementalImport10Prepared(b *testing.B) { benchIncrementalAs(b, false, true) }

func benchIncremental(b *testing.B, warm bool) { benchIncrementalAs(b, warm, false) }

func benchIncrementalAs(b *testing.B, warm, prepared bool) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("cell=%d", n), func(b *testing.B) {
			sb := incrementalBench(b, n)
			file := sb.file
			if warm {
				file = sb.secondFile(b)
			}
			var cpu time.Duration
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				s := sb.receiver(b)
				if warm {
					if _, err := s.Import(ctx, sb.file); err != nil {
						b.Fatal(err)
					}
				}
				if prepared {
					s.Prepare(ctx)
					if s.prepared.held != 1 || s.prepared.err != nil {
						b.Fatalf("prepared %d cells (%v), want 1", s.prepared.held, s.prepared.err)
					}
				}
				b.StartTimer()
				start := cpuTime()
				sum, err := s.Import(ctx, file)
				cpu += cpuTime() - start
				if err != nil {
					b.Fatal(err)
				}
				if sum.NewStatements != sb.n {
					b.Fatalf("imported %d statements, want %d", sum.NewStatements, sb.n)
				}
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkPrepare is what preparing costs when the app opens a home
// whose one cell holds about n statements (untimed: opening it): the
// CPU time of this process and of the checking worker, which starts for
// it, the worker's resident size afterwards, and what the statements kept
// in memory add to this process's heap.
func BenchmarkPrepare(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("cell=%d", n), func(b *testing.B) {
			sb := incrementalBench(b, n)
			var cpu time.Duration
			var rss, heap float64
			for b.Loop() {
				b.StopTimer()
				s := sb.receiver(b)
				before := heapInUse()
				b.StartTimer()
				start := cpuTime()
				s.Prepare(ctx)
				cpu += cpuTime() - start
				b.StopTimer()
				if s.prepared.held != 1 || s.prepared.err != nil {
					b.Fatalf("prepared %d cells (%v), want 1", s.prepared.held, s.prepared.err)
				}
				rss += float64(liveChildrenRSS())
				heap += float64(heapInUse() - before)
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			b.ReportMetric(rss/(1<<20)/float64(b.N), "worker-MB")
			b.ReportMetric(heap/(1<<20)/float64(b.N), "kept-MB")
		})
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkIncrementalImport10RacingPrepare is the app's worst case: the
// first file comes the moment the home has opened, while preparation
// has just begun. The import waits at most for the load under way.
func BenchmarkIncrementalImport10RacingPrepare(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("cell=%d", n), func(b *testing.B) {
			sb := incrementalBench(b, n)
			for b.Loop() {
				b.StopTimer()
				s := sb.receiver(b)
				prepared := make(chan struct{})
				b.StartTimer()
				go func() {
					s.Prepare(ctx)
					close(prepared)
				}()
				sum, err := s.Import(ctx, sb.file)
				if err != nil || sum.NewStatements != sb.n {
					b.Fatalf("imported %v statements (%v), want %d", sum, err, sb.n)
				}
				b.StopTimer()
				<-prepared
				s.Close()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkIncrementalExport10 sends 10 new statements of a cell of 10,000
// to someone whose heads this device knows.
func BenchmarkIncrementalExport10(b *testing.B) {
	sb := incrementalBench(b, 10000)
	var res *ExportResult
	b.ResetTimer()
	for b.Loop() {
		var err error
		if res, err = sb.a.Export(ExportRequest{To: &sb.bID}); err != nil {
			b.Fatal(err)
		}
	}
	if res.Statements != 10 {
		b.Fatalf("incremental file carries %d statements, want 10", res.Statements)
	}
	b.ReportMetric(float64(len(res.Data)), "file-bytes")
}

// secondFile returns a file with 10 statements newer than sb.file's, made
// as if the receiver had told the sender it took sb.file in.
func (sb *syncBench) secondFile(b *testing.B) []byte {
	b.Helper()
	sb.a.mu.Lock()
	cells, err := sb.a.loadCells()
	sb.a.mu.Unlock()
	if err != nil {
		b.Fatal(err)
	}
	heads := cells[sb.cell].Heads()
	err = sb.a.db.Update(func(tx *store.Tx) error {
		return putKnowledge(tx, sb.bID, sb.cell, heads, time.Now())
	})
	if err != nil {
		b.Fatal(err)
	}
	return sb.moreRatings(b, crdt.Rating{Safety: 3, Reliability: 4, Note: "again"})
}
