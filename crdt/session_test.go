package crdt

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"

	"github.com/automerge/automerge-go"

	"trustdesk/identity"
)

// TestChunkKeys reads the keys of honest change chunks, and refuses to
// vouch for what it cannot read: a document, operations on the root,
// damaged bytes (never a panic).
func TestChunkKeys(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	heads := c.Heads()
	var want []string
	for i := range 12 {
		want = append(want, must(c.Rate(a, b.Card, rating(1+i%5, 3), t0)).ID().String())
	}
	chunk := must(c.ChangesSince(heads))
	keys, ok := chunkKeys(chunk)
	sort.Strings(keys)
	sort.Strings(want)
	if !ok || !slices.Equal(keys, want) {
		t.Fatalf("chunkKeys = %d keys, %v; want the %d new statements", len(keys), ok, len(want))
	}
	if keys, ok := chunkKeys(compressChanges(t, chunk)); !ok || len(keys) != len(want) {
		t.Fatalf("compressed: %d keys, %v", len(keys), ok)
	}
	if _, ok := chunkKeys(must(c.ChangesSince(nil))); ok {
		t.Fatal("the founding change writes the root: not a simple chunk")
	}
	if _, ok := chunkKeys(c.Save()); ok {
		t.Fatal("a document is not a change chunk")
	}
	for i := range chunk {
		for _, bit := range []byte{1, 0x40, 0x80} {
			d := slices.Clone(chunk)
			d[i] ^= bit
			chunkKeys(d)
		}
		chunkKeys(chunk[:i])
	}
}

// FuzzChunkKeys feeds chunkKeys arbitrary bytes: it must never panic.
func FuzzChunkKeys(f *testing.F) {
	a, b := person(f, 0), person(f, 1)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	heads := c.Heads()
	must(c.Rate(a, b.Card, rating(2, 3), t0))
	f.Add(must(c.ChangesSince(heads)))
	f.Add(must(c.ChangesSince(nil)))
	f.Fuzz(func(t *testing.T, b []byte) {
		chunkKeys(b)
		simpleChanges(b)
	})
}

// TestHeldMatchesWhole takes in chunks from outside through a worker that
// holds the cell's document and applies only the chunk, and through a
// fresh worker that loads everything: the cells, their stored parts and
// the errors must be the same, for honest and hostile chunks alike, and
// the held document must serve the honest ones.
func TestHeldMatchesWhole(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	src := must(Found(a, "Cell", t0))
	admitJoin(src, a, b, t0)
	for i := range 20 {
		must(src.Rate(a, b.Card, rating(1+i%5, 2), t0))
	}
	mine := must(src.Rate(b, a.Card, rating(4, 4), t0))
	mine2 := must(src.Rate(b, a.Card, rating(3, 4), t0))
	var m partsStore
	m.apply(t, must(Load(src.Save())))
	held, ctx := testChecker(t), context.Background()
	defer held.Close()

	// The first chunk loads the document into the worker for the session.
	heads := src.Heads()
	must(src.Rate(a, b.Card, rating(5, 5), t0))
	m.apply(t, must(held.Extend(ctx, m.load(t), must(src.ChangesSince(heads)))))

	edit := func(f func(doc *automerge.Doc) error) []byte {
		r := must(Load(src.Save()))
		r.mu.Lock()
		defer r.mu.Unlock()
		heads := r.doc.Heads()
		if err := f(r.doc); err != nil {
			t.Fatal(err)
		}
		if err := r.commit(); err != nil {
			t.Fatal(err)
		}
		return must(r.doc.Changes(heads...))[0].Save()
	}
	statements := func(doc *automerge.Doc) *automerge.Map { return doc.Path(keyStatements).Map() }
	honest := func() []byte {
		heads := src.Heads()
		for i := range 3 {
			must(src.Rate(a, b.Card, rating(1+i, 3), t0))
		}
		return must(src.ChangesSince(heads))
	}
	type input struct {
		name string
		in   []byte
		held bool // served by the held document
		// repair: this device puts a statement back, in a change of its
		// own, so the heads differ from one device to another
		repair bool
	}
	inputs := []input{
		{"honest", honest(), true, false},
		{"a value that is not bytes", edit(func(d *automerge.Doc) error { return statements(d).Set("x", int64(7)) }), true, false},
		{"a statement altered", edit(func(d *automerge.Doc) error { return statements(d).Set(mine.ID().String(), []byte("other")) }), false, true},
		{"a statement deleted", edit(func(d *automerge.Doc) error { return statements(d).Delete(mine2.ID().String()) }), false, true},
		{"the header replaced", edit(func(d *automerge.Doc) error { return d.Path(keyCell).Set("elsewhere") }), false, false},
		{"compressed", compressChanges(t, honest()), false, false},
		{"garbage after", append(honest(), 0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 1, 9), false, false},
		{"a dependency missing", func() []byte { honest(); return honest() }(), false, false},
		{"nothing new", must(src.ChangesSince(nil))[:0:0], false, false},
	}
	for _, tc := range inputs {
		if len(tc.in) == 0 {
			continue
		}
		base := m.load(t)
		before := held.partials.Load()
		got, gotErr := held.Extend(ctx, base, tc.in)
		usedHeld := held.partials.Load() > before
		fresh := testChecker(t)
		want, wantErr := fresh.Extend(ctx, m.load(t), tc.in)
		fresh.Close()
		switch {
		case (gotErr == nil) != (wantErr == nil) || gotErr != nil && !sameKind(gotErr, wantErr):
			t.Fatalf("%s: held worker says %v, a whole load %v", tc.name, gotErr, wantErr)
		case usedHeld != tc.held:
			t.Fatalf("%s: held document used: %v, want %v", tc.name, usedHeld, tc.held)
		case gotErr != nil:
			continue
		}
		if got.State().Digest() != want.State().Digest() || len(got.Statements()) != len(want.Statements()) {
			t.Fatalf("%s: the cells differ", tc.name)
		}
		if !tc.repair {
			same(t, tc.name, got, want)
		}
		m.apply(t, got)
		same(t, tc.name+", stored", m.load(t), got)
	}

	// Inputs that crash Automerge take down the worker, never this
	// process; the next check starts another, which loads the stored
	// document, holds it and applies the chunk to it, as will the next.
	m.apply(t, must(held.Extend(ctx, m.load(t), must(src.ChangesSince(nil)))))
	for name, b := range crashers(t) {
		if _, err := held.Extend(ctx, m.load(t), b); !errors.Is(err, ErrDamaged) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, wantHeld := range []bool{true, true} {
		before, base := held.partials.Load(), m.load(t)
		next := must(held.Extend(ctx, base, honest()))
		if used := held.partials.Load() > before; used != wantHeld {
			t.Fatalf("after the crashes: held document used %v, want %v", used, wantHeld)
		}
		if next.State().Counted != base.State().Counted+3 {
			t.Fatalf("after the crashes: %d statements count, want %d", next.State().Counted, base.State().Counted+3)
		}
		m.apply(t, next)
		same(t, "after the crashes", m.load(t), next)
	}
}

// sameKind reports whether two check errors are of the same kind.
func sameKind(a, b error) bool {
	for _, k := range []error{ErrDamaged, ErrCouldNotCheck, ErrWrongCell, ErrTooLarge, ErrTooComplex} {
		if errors.Is(a, k) != errors.Is(b, k) {
			return false
		}
	}
	return true
}

// TestPrepare has the worker for the session hold stored cells'
// documents before any check, largest first: the first chunk for a
// prepared cell is then applied to the held document, without reading
// the cell back again, and makes the same cell as a fresh worker's whole
// load. A cell whose changes never go to a held document is passed over.
func TestPrepare(t *testing.T) {
	a, b, src, m := storedCell(t, 20)
	small := must(Found(b, "Small", t0))
	var ms partsStore
	ms.apply(t, must(Load(small.Save())))
	reads := 0
	base := m.load(t)
	base.SetPartsReload(func() (*Parts, error) { reads++; return m.parts(true), nil })
	ch, ctx := testChecker(t), context.Background()
	defer ch.Close()

	if got := largest([]*Cell{ms.load(t), base, src}, 1); len(got) != 1 || got[0] != base {
		t.Fatal("largest: want the larger stored cell, not the one kept whole")
	}
	held, err := ch.Prepare(ctx, []*Cell{ms.load(t), src, base})
	if held != 2 || err != nil || reads != 1 {
		t.Fatalf("Prepare held %d documents (%v) after %d reads, want 2 after 1", held, err, reads)
	}
	heads := src.Heads()
	must(src.Rate(b, a.Card, rating(4, 4), t0))
	chunk := must(src.ChangesSince(heads))
	before := ch.partials.Load()
	got := must(ch.Extend(ctx, base, chunk))
	if ch.partials.Load() == before || reads != 1 {
		t.Fatalf("the first chunk after Prepare: held document used %v, %d reads", ch.partials.Load() > before, reads)
	}
	fresh := testChecker(t)
	defer fresh.Close()
	want := must(fresh.Extend(ctx, m.load(t), chunk))
	same(t, "prepared", got, want)
	m.apply(t, got)
	same(t, "prepared, stored", m.load(t), want)
}

// TestPrepareYields stops preparing when a check comes (Warm is how an
// import announces itself) or the context ends, before the worker is
// asked for the next document, and reports nothing as a failure.
func TestPrepareYields(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	var big, small partsStore
	c := must(Found(a, "Big", t0))
	admitJoin(c, a, b, t0)
	big.apply(t, c)
	small.apply(t, must(Found(b, "Small", t0)))
	for name, interrupt := range map[string]func(ch *Checker, cancel func()){
		"a check":       func(ch *Checker, _ func()) { ch.Warm() },
		"context ended": func(_ *Checker, cancel func()) { cancel() },
	} {
		ch := testChecker(t)
		ctx, cancel := context.WithCancel(context.Background())
		first, second := big.load(t), small.load(t)
		smallReads := 0
		first.SetPartsReload(func() (*Parts, error) { interrupt(ch, cancel); return big.parts(true), nil })
		second.SetPartsReload(func() (*Parts, error) { smallReads++; return small.parts(true), nil })
		held, err := ch.Prepare(ctx, []*Cell{second, first})
		cancel()
		ch.Close()
		if held != 0 || err != nil || smallReads != 0 {
			t.Fatalf("%s: Prepare held %d documents (%v), read the next cell %d times; want it to stop", name, held, err, smallReads)
		}
	}
}

// TestPrepareDamaged prepares a cell whose stored document crashes the
// worker: an error, the cell as it was, and the next check of a chunk
// for it fails as it would have without preparing.
func TestPrepareDamaged(t *testing.T) {
	a, b, src, m := storedCell(t, 0)
	for k := range m.chunks {
		for _, bad := range crashers(t) {
			m.chunks[k] = bad
			break
		}
	}
	c := m.load(t)
	digest := c.State().Digest()
	ch, ctx := testChecker(t), context.Background()
	defer ch.Close()
	if held, err := ch.Prepare(ctx, []*Cell{c}); held != 0 || !errors.Is(err, ErrDamaged) {
		t.Fatalf("Prepare held %d documents (%v), want ErrDamaged", held, err)
	}
	if c.State().Digest() != digest {
		t.Fatal("preparing changed the cell")
	}
	heads := src.Heads()
	must(src.Rate(b, a.Card, rating(4, 4), t0))
	_, gotErr := ch.Extend(ctx, c, must(src.ChangesSince(heads)))
	fresh := testChecker(t)
	defer fresh.Close()
	_, wantErr := fresh.Extend(ctx, m.load(t), must(src.ChangesSince(heads)))
	if gotErr == nil || !sameKind(gotErr, wantErr) {
		t.Fatalf("after preparing: %v; without: %v", gotErr, wantErr)
	}
}

// storedCell founds a cell of a and b with n ratings, and stores it.
func storedCell(t *testing.T, n int) (a, b *identity.Identity, src *Cell, m *partsStore) {
	t.Helper()
	a, b = person(t, 0), person(t, 1)
	src = must(Found(a, "Cell", t0))
	admitJoin(src, a, b, t0)
	for i := range n {
		must(src.Rate(a, b.Card, rating(1+i%5, 2), t0))
	}
	m = &partsStore{}
	m.apply(t, must(Load(src.Save())))
	return a, b, src, m
}

// TestHeldServesWholeRequest asks a worker for the session, in process,
// to hold a stored document, then sends it a whole request that allows a
// partial answer with a base it cannot load: the changes are applied to
// the document held at the request's heads, not to a load of the base.
func TestHeldServesWholeRequest(t *testing.T) {
	a, b, src, _ := storedCell(t, 3)
	docs := map[CellID]*automerge.Doc{}
	heads := src.Heads()
	res, err := serveFrame((&request{base: src.Save(), heads: heads, hold: true}).encode(), docs)
	if err != nil || !res.Partial || res.Cell != src.ID() || res.Len != len(src.Statements()) || len(res.Entries) != 0 {
		t.Fatalf("hold: %+v, %v", res, err)
	}
	if _, err := serveFrame((&request{base: src.Save(), heads: heads, hold: true, input: []byte{1}}).encode(), docs); err == nil {
		t.Fatal("a request to hold a document that brings changes was accepted")
	}
	s := must(src.Rate(a, b.Card, rating(2, 2), t0))
	chunk := must(src.ChangesSince(heads))
	res, err = serveFrame((&request{base: []byte("not a document"), heads: heads, input: chunk, partial: true}).encode(), docs)
	if err != nil || !res.Partial || len(res.Entries) != 1 || res.Entries[0].Key != s.ID().String() || res.Len != len(src.Statements()) {
		t.Fatalf("whole request on a held document: %+v, %v", res, err)
	}
}

// TestLoadThenApplyFallsBack: a whole request that allows a partial
// answer, whose changes the worker applies to the base but then cannot
// vouch for (a dependency missing, the header replaced), is answered "not
// held": the worker has let the request's bytes go by then. The parent
// sends it again without flagPartial and gets the verdict of a whole
// load, as before.
func TestLoadThenApplyFallsBack(t *testing.T) {
	a, b, src, m := storedCell(t, 3)
	heads, base := src.Heads(), src.Save()
	missing := func() []byte {
		h := src.Heads()
		must(src.Rate(a, b.Card, rating(2, 2), t0))
		must(src.ChangesSince(h)) // skipped
		h = src.Heads()
		must(src.Rate(a, b.Card, rating(3, 3), t0))
		return must(src.ChangesSince(h))
	}()
	res, err := serveFrame((&request{base: base, heads: heads, input: missing, partial: true}).encode(), map[CellID]*automerge.Doc{})
	if err != nil || !res.NotHeld {
		t.Fatalf("a dependency missing, partial answer allowed: %+v, %v", res, err)
	}
	if _, err := serveFrame((&request{base: base, heads: heads, input: missing}).encode(), map[CellID]*automerge.Doc{}); !errors.Is(err, ErrMissingPast) {
		t.Fatalf("a dependency missing, whole: %v", err)
	}
	ch := testChecker(t)
	defer ch.Close()
	if _, err := ch.Extend(context.Background(), m.load(t), missing); !errors.Is(err, ErrMissingPast) {
		t.Fatalf("a dependency missing, through the Checker: %v", err)
	}
	// Honest changes are still answered from the document held.
	honest := must(src.ChangesSince(heads))
	res, err = serveFrame((&request{base: base, heads: heads, input: honest, partial: true}).encode(), map[CellID]*automerge.Doc{})
	if err != nil || !res.Partial || len(res.Entries) != 2 {
		t.Fatalf("honest changes: %+v, %v", res, err)
	}
}
