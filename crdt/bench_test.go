package crdt

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/automerge/automerge-go"

	"trustdesk/identity"
)

// bigCell returns a cell with 10 members and n statements in all, most of
// them ratings, made the way members make them (one Automerge change per
// statement, each statement building on the previous head). The statements
// are signed here and stored without deriving the state after each one, so
// the fixture is quick to build.
func bigCell(tb testing.TB, n int) *Cell {
	tb.Helper()
	founder := person(tb, 0)
	c := must(Found(founder, "Big cell", t0))
	members := []*identity.Identity{founder}
	for i := 1; i < 8; i++ {
		must(c.Admit(founder, person(tb, i).Card, t0))
		members = append(members, person(tb, i))
	}
	st := c.State()
	seq := map[identity.ID]uint64{}
	for _, s := range c.Statements() {
		seq[s.Author] = max(seq[s.Author], s.Seq)
	}
	heads := st.Heads
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.entries); i < n; i++ {
		me := members[i%len(members)]
		subject := members[(i*7+3)%len(members)]
		if subject == me {
			subject = members[(i+1)%len(members)]
		}
		id := me.Card.ID()
		seq[id]++
		s := &Statement{
			Cell: c.id, Seq: seq[id], Prev: heads, Created: t0.Add(time.Duration(i) * time.Minute),
			Kind: KindRate, Subject: subject.Card.ID(),
			Rating: Rating{Safety: 1 + i%5, Reliability: 1 + (i/5)%5, Day: t0.AddDate(0, 0, -(i % 300)).Format(time.DateOnly)},
		}
		if i%10 == 0 {
			s.Rating.Note = "on time, friendly"
		}
		if err := s.Sign(me); err != nil {
			tb.Fatal(err)
		}
		if err := c.put(s); err != nil {
			tb.Fatal(err)
		}
		heads = []StatementID{s.id}
	}
	return c
}

// cpuTime returns the CPU time this process has used. On a machine shared
// with other work, CPU time per operation is steadier than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU milliseconds per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

var (
	big10kOnce  sync.Once
	big10kBytes []byte
)

func big10k(b *testing.B) []byte {
	big10kOnce.Do(func() { big10kBytes = bigCell(b, 10000).Save() })
	return big10kBytes
}

// BenchmarkAdd1000Statements adds 1,000 ratings through the API, each
// checked against the derived state, signed and committed.
func BenchmarkAdd1000Statements(b *testing.B) {
	a, m := person(b, 0), person(b, 1)
	for b.Loop() {
		c := must(Found(a, "Cell", t0))
		admitJoin(c, a, m, t0)
		for i := range 1000 {
			if _, err := c.Rate(a, m.Card, rating(1+i%5, 1+i%5), t0); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkLoad10k loads a saved 10,000-statement cell document and reads
// its statements (decoding, no signature checks).
func BenchmarkLoad10k(b *testing.B) {
	doc := big10k(b)
	b.SetBytes(int64(len(doc)))
	start := cpuTime()
	for b.Loop() {
		must(Load(doc))
	}
	reportCPU(b, start)
}

// BenchmarkDerive10k derives the state of a 10,000-statement cell whose
// statements are already decoded and whose signatures were checked once
// (the cache a Cell keeps; signatures are measured by BenchmarkVerify).
func BenchmarkDerive10k(b *testing.B) {
	c := must(Load(big10k(b)))
	st := c.State()
	if st.Counted != 10000 || len(st.Invalid) != 0 {
		b.Fatalf("fixture: %d counted, %d invalid", st.Counted, len(st.Invalid))
	}
	start := cpuTime()
	for b.Loop() {
		c.mu.Lock()
		c.state = nil
		c.mu.Unlock()
		c.State()
	}
	reportCPU(b, start)
}

// BenchmarkLoadAndDerive10kCold loads a 10,000-statement cell and derives
// its state from scratch, checking every signature.
func BenchmarkLoadAndDerive10kCold(b *testing.B) {
	doc := big10k(b)
	for b.Loop() {
		must(Load(doc)).State()
	}
}

// BenchmarkVerify checks one statement signature; the reported metric is
// checks per second.
func BenchmarkVerify(b *testing.B) {
	a, m := person(b, 0), person(b, 1)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, m, t0)
	s := must(c.Rate(a, m.Card, rating(3, 3), t0))
	for b.Loop() {
		if err := s.Verify(a.Card); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}

// BenchmarkBytesPerRating reports how many bytes one rating statement adds
// to a saved cell document, measured over 1,000 ratings.
func BenchmarkBytesPerRating(b *testing.B) {
	var per float64
	for b.Loop() {
		small := bigCell(b, 100).Save()
		large := bigCell(b, 1100).Save()
		per = float64(len(large)-len(small)) / 1000
	}
	b.ReportMetric(per, "bytes/rating")
}

func TestBigCellFixture(t *testing.T) {
	n := 300
	c := bigCell(t, n)
	st := c.State()
	if st.Counted != n || len(st.Invalid) != 0 {
		t.Fatalf("%d counted, %d invalid", st.Counted, len(st.Invalid))
	}
	if got := must(Load(c.Save())).State().Digest(); got != st.Digest() {
		t.Fatal("fixture does not survive save and load")
	}
}

// BenchmarkChangesSince10 extracts the last 10 changes of a
// 10,000-statement cell, as an incremental export does.
func BenchmarkChangesSince10(b *testing.B) {
	c := must(Load(big10k(b)))
	a, m := person(b, 0), person(b, 1)
	heads := c.Heads()
	for i := range 10 {
		must(c.Rate(a, m.Card, rating(1+i%5, 2), t0))
	}
	var n int
	for b.Loop() {
		n = len(must(c.ChangesSince(heads)))
	}
	b.ReportMetric(float64(n), "chunk-bytes")
}

// BenchmarkApplyUntrusted10k checks 10 new statements for a
// 10,000-statement cell in the worker and applies them.
func BenchmarkApplyUntrusted10k(b *testing.B) { benchApplyUntrusted(b, 10) }

// BenchmarkApplyUntrusted1000New checks 1,000 new statements for a
// 10,000-statement cell in the worker and applies them: the worker also
// checks that every change of the chunk was applied (ErrMissingPast).
func BenchmarkApplyUntrusted1000New(b *testing.B) { benchApplyUntrusted(b, 1000) }

// benchApplyUntrusted checks n new ratings, one change each, for a
// 10,000-statement cell in the worker and applies them.
func benchApplyUntrusted(b *testing.B, n int) {
	_, _, chunk := newRatings(b, n)
	base := big10k(b)
	ch := testChecker(b)
	for b.Loop() {
		b.StopTimer()
		c := must(Load(base))
		c.State()
		b.StartTimer()
		if _, err := ch.ApplyUntrusted(context.Background(), c, chunk); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAutomergeLoad10k measures automerge-go's own Load of the
// 10,000-statement document, the floor under BenchmarkLoad10k.
func BenchmarkAutomergeLoad10k(b *testing.B) {
	doc := big10k(b)
	start := cpuTime()
	for b.Loop() {
		must(automerge.Load(doc))
	}
	reportCPU(b, start)
}

// BenchmarkLoadSnapshot10k reads a 10,000-statement cell from the form a
// device keeps it in (Cell.Snapshot) and derives its state: what opening a
// cell costs on this device, with the signatures checked once before.
func BenchmarkLoadSnapshot10k(b *testing.B) {
	snap := must(must(Load(big10k(b))).Snapshot())
	b.SetBytes(int64(len(snap)))
	start := cpuTime()
	for b.Loop() {
		c := must(LoadSnapshot(snap))
		if st := c.State(); st.Counted != 10000 {
			b.Fatalf("%d counted", st.Counted)
		}
	}
	reportCPU(b, start)
}

// BenchmarkChunkHeads reads the heads of a chunk of 1,000 changes, the
// worker's check that all of them were applied (ErrMissingPast).
func BenchmarkChunkHeads(b *testing.B) {
	_, _, chunk := newRatings(b, 1000)
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		if hs, ok := chunkHeadHashes(chunk); !ok || len(hs) == 0 {
			b.Fatal(len(hs), ok)
		}
	}
}

// BenchmarkHeldApply10k is the worker's side of checking 10 new
// statements for a 10,000-statement cell whose document it holds (in this
// process, without the pipe): reading the chunk's keys, applying it, and
// reading back the 10 statements.
func BenchmarkHeldApply10k(b *testing.B) {
	cell, heads, chunk := tenNewRatings(b)
	frame := (&heldRequest{cell: cell, heads: heads, input: chunk}).encode()
	base := big10k(b)
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		docs := map[CellID]*automerge.Doc{cell: must(automerge.Load(base))}
		b.StartTimer()
		start := cpuTime()
		res, err := applyHeld(frame, docs)
		cpu += cpuTime() - start
		if err != nil || !res.Partial || len(res.Entries) != 10 {
			b.Fatalf("%v %+v", err, res)
		}
	}
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// tenNewRatings returns the 10,000-statement cell's id and heads, and a
// chunk of 10 new ratings made on top of it.
func tenNewRatings(b *testing.B) (CellID, []ChangeHash, []byte) { return newRatings(b, 10) }

// newRatings returns the 10,000-statement cell's id and heads, and a
// chunk of n new ratings, one change each, made on top of it.
func newRatings(b *testing.B, n int) (CellID, []ChangeHash, []byte) {
	src := must(Load(big10k(b)))
	heads := src.Heads()
	a, m := person(b, 0), person(b, 1)
	for i := range n {
		must(src.Rate(a, m.Card, rating(1+i%5, 3), t0))
	}
	return src.ID(), heads, must(src.ChangesSince(heads))
}
