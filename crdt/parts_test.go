package crdt

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// partsStore keeps cells in parts in memory, applying deltas as a store
// does.
type partsStore struct {
	header        []byte
	packs, chunks map[string][]byte
	fetches       int // cells read back through reload
	// state is the derived state kept, and stateParts its parts.
	state      []byte
	stateParts [][]byte
}

// reload reads the cell back as a reload does, counting it.
func (m *partsStore) reload() (*Parts, error) {
	m.fetches++
	return m.parts(true), nil
}

func (m *partsStore) apply(t testing.TB, c *Cell) *Delta {
	t.Helper()
	d := must(c.Delta())
	if m.packs == nil || d.ResetPacks {
		m.packs = map[string][]byte{}
	}
	if m.chunks == nil || d.ResetChunks {
		m.chunks = map[string][]byte{}
	}
	for _, p := range d.Packs {
		m.packs[string(p.Key)] = p.Value
	}
	for _, p := range d.Chunks {
		m.chunks[string(p.Key)] = p.Value
	}
	m.header = d.Header
	if d.State != nil {
		m.state, m.stateParts = d.State, nil
	} else {
		if !bytes.Equal(d.StatePart.Key, PartKey(len(m.stateParts))) {
			t.Fatalf("state part %x after %d", d.StatePart.Key, len(m.stateParts))
		}
		m.stateParts = append(m.stateParts, d.StatePart.Value)
	}
	c.Stored(d)
	return d
}

func (m *partsStore) parts(withDoc bool) *Parts {
	p := &Parts{Header: m.header}
	list := func(recs map[string][]byte) []Part {
		var out []Part
		for _, k := range slices.Sorted(maps.Keys(recs)) {
			out = append(out, Part{Key: []byte(k), Value: recs[k]})
		}
		return out
	}
	p.Packs = list(m.packs)
	if withDoc {
		p.Chunks = list(m.chunks)
	}
	return p
}

// load reads the cell back as a device opening its home does: without
// its document, fetched when needed.
func (m *partsStore) load(t *testing.T) *Cell {
	t.Helper()
	c := must(LoadParts(m.parts(false)))
	c.SetPartsReload(m.reload)
	c.Rest()
	return c
}

// same fails unless got, read back from the store, is want: same state,
// statements, heads, and a document that loads with those heads.
func same(t *testing.T, step string, got, want *Cell) {
	t.Helper()
	if got.State().Digest() != want.State().Digest() {
		t.Fatalf("%s: the stored cell shows another state", step)
	}
	if len(got.Statements()) != len(want.Statements()) {
		t.Fatalf("%s: %d statements stored, want %d", step, len(got.Statements()), len(want.Statements()))
	}
	doc := must(got.Document())
	if !slices.Equal(must(Load(doc)).Heads(), want.Heads()) || !slices.Equal(got.Heads(), want.Heads()) {
		t.Fatalf("%s: the stored document has other heads", step)
	}
}

// packEntries decodes a pack.
func packEntries(t *testing.T, p Part) []snapshotEntry {
	t.Helper()
	var es []snapshotEntry
	if err := cbor.Unmarshal(p.Value, &es); err != nil {
		t.Fatal(err)
	}
	return es
}

// TestPartsStoreWhatIsNew stores a cell in parts through imports checked by
// the worker, local changes and a deletion from outside: each time only
// what is new is written (one pack with the new statements, one chunk with
// the bytes from outside), and the cell read back is the cell stored.
func TestPartsStoreWhatIsNew(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	src := must(Found(a, "Cell", t0))
	admitJoin(src, a, b, t0)
	var m partsStore
	first := must(Load(src.Save()))
	if d := m.apply(t, first); !d.ResetPacks || !d.ResetChunks || len(d.Packs) != 1 || len(d.Chunks) != 1 {
		t.Fatalf("the first store is not whole: %+v", d)
	}
	c := m.load(t)
	same(t, "first", c, src)

	ch := testChecker(t)
	ctx := context.Background()
	for i := range maxPacks + 2 {
		var news []*Statement
		for j := range 2 {
			news = append(news, must(src.Rate(a, b.Card, rating(1+(i+j)%5, 3), t0)))
		}
		chunk := must(src.ChangesSince(c.Heads()))
		next := must(ch.Extend(ctx, c, chunk))
		d := m.apply(t, next)
		switch {
		case d.ResetPacks && i+1 < maxPacks:
			t.Fatalf("import %d wrote every statement again", i)
		case len(d.Packs) != 1:
			t.Fatalf("import %d wrote %d packs", i, len(d.Packs))
		case !d.ResetPacks && len(packEntries(t, d.Packs[0])) != len(news):
			t.Fatalf("import %d wrote %d statements, want %d", i, len(packEntries(t, d.Packs[0])), len(news))
		case !d.ResetChunks && (len(d.Chunks) != 1 || !bytes.Equal(d.Chunks[0].Value, chunk)):
			t.Fatalf("import %d did not write the bytes from outside as one chunk", i)
		}
		c = m.load(t)
		same(t, "import", c, src)
	}
	if len(m.packs) > maxPacks || len(m.chunks) > maxAppended+1 {
		t.Fatalf("%d packs and %d chunks stored: never written again as one", len(m.packs), len(m.chunks))
	}

	// Changes applied directly (trusted) to the cell read back.
	must(src.Rate(a, b.Card, rating(2, 4), t0))
	if err := c.ApplyChanges(must(src.ChangesSince(c.Heads()))); err != nil {
		t.Fatal(err)
	}
	if d := m.apply(t, c); !d.ResetChunks || len(d.Packs) != 1 || len(packEntries(t, d.Packs[0])) != 1 {
		t.Fatalf("changes applied: %+v", d)
	}
	c = m.load(t)
	same(t, "applied", c, src)

	// A local change on the cell read back: the change is written as one
	// chunk after the document, not the document whole.
	must(c.Rate(b, a.Card, rating(5, 5), t0))
	if d := m.apply(t, c); d.ResetChunks || len(d.Chunks) != 1 || len(d.Chunks[0].Value) > 1024 || len(d.Packs) != 1 || len(packEntries(t, d.Packs[0])) != 1 {
		t.Fatalf("a local change: %+v", d)
	}
	local := c
	c = m.load(t)
	same(t, "local", c, local)
	// Local changes are written as chunks until the stored document has
	// maxAppended of them; then it is written whole again.
	whole := false
	for i := range maxAppended {
		must(local.Rate(b, a.Card, rating(1+i%5, 5), t0))
		d := m.apply(t, local)
		whole = whole || d.ResetChunks
		if len(m.chunks) > maxAppended {
			t.Fatalf("%d chunks stored after %d local changes", len(m.chunks), i+1)
		}
		same(t, "local changes", m.load(t), local)
	}
	if !whole {
		t.Fatal("the document was never written whole again")
	}

	// A relay deletes a statement: it is put back; nothing is lost.
	mine := must(local.Rate(b, a.Card, rating(4, 4), t0))
	m.apply(t, local)
	relay := must(Load(local.Save()))
	relay.mu.Lock()
	err := relay.doc.Path(keyStatements, mine.ID().String()).Delete()
	if err == nil {
		err = relay.commit()
	}
	relay.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	must(relay.Rate(a, b.Card, rating(2, 2), t0))
	c = m.load(t)
	next := must(ch.Extend(ctx, c, must(relay.ChangesSince(c.Heads()))))
	m.apply(t, next)
	c = m.load(t)
	same(t, "deletion", c, next)
	if len(c.Statements()) != len(local.Statements())+1 {
		t.Fatalf("%d statements after the deletion, want %d", len(c.Statements()), len(local.Statements())+1)
	}
}

// TestPartsRefused reads damaged parts: each is refused as malformed,
// never a crash.
func TestPartsRefused(t *testing.T) {
	a := person(t, 0)
	var m partsStore
	m.apply(t, must(Found(a, "Cell", t0)))
	good := m.parts(true)
	if _, err := LoadParts(good); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(p *Parts){
		"no header":      func(p *Parts) { p.Header = nil },
		"header cut":     func(p *Parts) { p.Header = p.Header[:len(p.Header)/2] },
		"no packs":       func(p *Parts) { p.Packs = nil },
		"pack cut":       func(p *Parts) { p.Packs[0].Value = p.Packs[0].Value[:3] },
		"pack misfiled":  func(p *Parts) { p.Packs[0].Key = PartKey(1) },
		"an extra pack":  func(p *Parts) { p.Packs = append(p.Packs, Part{Key: PartKey(1), Value: []byte{0x80}}) },
		"chunk missing":  func(p *Parts) { p.Chunks = p.Chunks[:0] },
		"chunk misfiled": func(p *Parts) { p.Chunks[0].Key = PartKey(7) },
	}
	for name, damage := range cases {
		p := m.parts(true)
		damage(p)
		c, err := LoadParts(p)
		if err == nil && p.Chunks != nil {
			c.SetPartsReload(func() (*Parts, error) { return p, nil })
			_, err = c.Document()
		}
		if err == nil {
			t.Errorf("%s: read", name)
		}
	}
}

// TestLargeInputKeptCompact: changes from outside larger than the cell
// held (a cell's first file) are kept as the worker's compact save, one
// chunk, not appended to the small document before them.
func TestLargeInputKeptCompact(t *testing.T) {
	a, b, src, m := storedCell(t, 0)
	c := m.load(t)
	for i := range 20 {
		must(src.Rate(a, b.Card, rating(1+i%5, 3), t0))
	}
	chunk := must(src.ChangesSince(c.Heads()))
	next := must(testChecker(t).Extend(context.Background(), c, chunk))
	d := m.apply(t, next)
	if !d.ResetChunks || len(d.Chunks) != 1 || next.appended != 0 || len(d.Chunks[0].Value) >= len(must(src.ChangesSince(nil))) {
		t.Fatalf("a large input was appended: %d chunks, %d appended", len(d.Chunks), next.appended)
	}
	same(t, "compact", m.load(t), src)
}
