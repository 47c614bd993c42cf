package crdt

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/automerge/automerge-go"
	"github.com/fxamacker/cbor/v2"

	"trustdesk/identity"
)

// amDoc is an automerge-go document with the largest operation counter
// it holds, counted by the test itself (every Set is one operation).
type amDoc struct {
	doc   *automerge.Doc
	maxOp uint64
}

func randomActor(rng *rand.Rand) string {
	n := 16
	if rng.Intn(8) == 0 { // actors of other lengths are legal too
		n = 1 + rng.Intn(40)
	}
	b := make([]byte, n)
	rng.Read(b)
	return hex.EncodeToString(b)
}

func randomTime(rng *rand.Rand) *time.Time {
	switch rng.Intn(3) {
	case 0:
		return &time.Time{}
	case 1:
		t := time.UnixMilli(rng.Int63n(1 << 42))
		return &t
	}
	return nil // now
}

// setRandom sets n keys of the statements map (or, sometimes, root keys)
// in d and commits them as one change.
func (d *amDoc) setRandom(t *testing.T, rng *rand.Rand, n int) {
	t.Helper()
	for range n {
		v := make([]byte, rng.Intn(600))
		rng.Read(v)
		k := fmt.Sprintf("k%x%d", v[:min(len(v), 32)], rng.Int63())
		var err error
		if rng.Intn(5) == 0 {
			err = d.doc.Path(fmt.Sprintf("x%d", rng.Intn(4))).Set(rng.Int63())
		} else {
			err = d.doc.Path(keyStatements).Map().Set(k, v)
		}
		if err != nil {
			t.Fatal(err)
		}
		d.maxOp++
	}
	msg := ""
	if rng.Intn(3) == 0 {
		msg = "m"
	}
	if _, err := d.doc.Commit(msg, automerge.CommitOptions{Time: randomTime(rng)}); err != nil {
		t.Fatal(err)
	}
}

// randomDocument makes a document of the cell layout with a random
// history: root operations before the statements map (so its id varies),
// forks by other actors with changes of any time and message, some
// merged (several heads).
func randomDocument(t *testing.T, rng *rand.Rand) (*amDoc, uint64, string) {
	t.Helper()
	d := &amDoc{doc: automerge.New()}
	if err := d.doc.SetActorID(randomActor(rng)); err != nil {
		t.Fatal(err)
	}
	for range rng.Intn(4) {
		if err := d.doc.Path(fmt.Sprintf("r%d", rng.Intn(3))).Set(rng.Int63()); err != nil {
			t.Fatal(err)
		}
		d.maxOp++
	}
	if err := d.doc.Path(keyStatements).Set(automerge.NewMap()); err != nil {
		t.Fatal(err)
	}
	d.maxOp++
	mapCtr, mapActor := d.maxOp, d.doc.ActorID()
	d.setRandom(t, rng, 1+rng.Intn(3))
	forks := []*amDoc{d}
	for range rng.Intn(6) {
		from := forks[rng.Intn(len(forks))]
		f, err := from.doc.Fork()
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetActorID(randomActor(rng)); err != nil {
			t.Fatal(err)
		}
		fd := &amDoc{doc: f, maxOp: from.maxOp}
		for range 1 + rng.Intn(3) {
			fd.setRandom(t, rng, 1+rng.Intn(4))
		}
		forks = append(forks, fd)
	}
	for _, f := range forks[1:] {
		if rng.Intn(3) != 0 {
			if _, err := d.doc.Merge(f.doc); err != nil {
				t.Fatal(err)
			}
			d.maxOp = max(d.maxOp, f.maxOp)
		}
	}
	return d, mapCtr, mapActor
}

// TestOwnChangeMatchesAutomerge makes the change of a statement both ways
// on random documents and finds the same bytes; the document with the
// chunk written here appended loads in automerge-go with the statement
// under its key and the change as its only head.
func TestOwnChangeMatchesAutomerge(t *testing.T) {
	trials := 400
	if testing.Short() {
		trials = 60
	}
	for trial := range trials {
		rng := rand.New(rand.NewSource(int64(trial)))
		d, mapCtr, mapActor := randomDocument(t, rng)
		actor := randomActor(rng)
		switch rng.Intn(4) {
		case 0:
			actor = mapActor // the founding session goes on
		case 1:
			actor = d.doc.ActorID() // the same actor again: seq > 1
		}
		if err := d.doc.SetActorID(actor); err != nil {
			t.Fatal(err)
		}
		seq := uint64(1)
		chs, err := d.doc.Changes()
		if err != nil {
			t.Fatal(err)
		}
		var last ChangeHash
		for _, ch := range chs {
			if ch.ActorID() == actor && ch.ActorSeq() >= seq {
				seq, last = ch.ActorSeq()+1, ChangeHash(ch.Hash())
			}
		}
		before := d.doc.Save()
		deps := sortedHeads(d.doc)
		if seq > 1 && !slices.Contains(deps, last) {
			// Automerge names the actor's last change too.
			deps = append(deps, last)
			slices.SortFunc(deps, compareHashes)
		}
		value := make([]byte, rng.Intn(3000))
		rng.Read(value)
		key := hex.EncodeToString(value[:min(len(value), 32)]) + fmt.Sprint(trial)
		if err := d.doc.Path(keyStatements).Map().Set(key, value); err != nil {
			t.Fatal(err)
		}
		h, err := d.doc.Commit("", automerge.CommitOptions{Time: &time.Time{}})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := d.doc.Change(h)
		if err != nil {
			t.Fatal(err)
		}
		want := ch.Save()
		actorBytes, _ := hex.DecodeString(actor)
		mapActorBytes, _ := hex.DecodeString(mapActor)
		o := &ownChange{deps: deps, actor: actorBytes, seq: seq, startOp: d.maxOp + 1, mapCtr: mapCtr, mapActor: mapActorBytes, key: key, value: value}
		got, hash := o.encode()
		if !bytes.Equal(got, want) {
			t.Fatalf("trial %d: chunk differs:\n got %x\nwant %x", trial, got, want)
		}
		if hash != ChangeHash(h) {
			t.Fatalf("trial %d: hash %x, automerge-go %x", trial, hash, h)
		}
		back, ok := parseOwnChange(want)
		if !ok || !slices.Equal(back.deps, deps) || back.startOp != o.startOp || back.mapCtr != mapCtr || !bytes.Equal(back.mapActor, mapActorBytes) || back.key != key || !bytes.Equal(back.value, value) || back.seq != seq {
			t.Fatalf("trial %d: automerge-go's chunk reads back as %+v (%v)", trial, back, ok)
		}
		loaded, err := automerge.Load(append(before, got...))
		if err != nil {
			t.Fatalf("trial %d: load: %v", trial, err)
		}
		if heads := loaded.Heads(); len(heads) != 1 || ChangeHash(heads[0]) != hash {
			t.Fatalf("trial %d: heads %v, want the change", trial, heads)
		}
		v, err := loaded.Path(keyStatements, key).Get()
		if err != nil || v.Kind() != automerge.KindBytes || !bytes.Equal(v.Bytes(), value) {
			t.Fatalf("trial %d: statement read back %v %v", trial, v, err)
		}
	}
}

// FuzzParseOwnChange: any bytes are read without a crash, and what reads
// as a change encodes to the same bytes.
func FuzzParseOwnChange(f *testing.F) {
	o := &ownChange{deps: []ChangeHash{{1}, {2}}, actor: []byte{1, 2, 3}, seq: 1, startOp: 40, mapCtr: 3, mapActor: []byte{9, 9}, key: "ab", value: []byte("xyz")}
	seed, _ := o.encode()
	f.Add(seed)
	o.mapActor = o.actor
	seed, _ = o.encode()
	f.Add(seed)
	f.Add([]byte{})
	f.Add(chunkMagic[:])
	f.Fuzz(func(t *testing.T, b []byte) {
		o, ok := parseOwnChange(b)
		if !ok {
			return
		}
		if again, _ := o.encode(); !bytes.Equal(again, b) {
			t.Fatalf("%x reads as a change that encodes to %x", b, again)
		}
	})
}

// countOwn counts the statements made on the device whose change was
// written without loading the document, and those Automerge made.
func countOwn(t *testing.T) (written, loaded *int) {
	written, loaded = new(int), new(int)
	onOwnChange = func(w bool) {
		if w {
			*written++
		} else {
			*loaded++
		}
	}
	t.Cleanup(func() { onOwnChange = nil })
	return written, loaded
}

// storedDocument returns the document as m stores it: its chunks, in
// order.
func (m *partsStore) document() []byte {
	var doc []byte
	for _, p := range m.parts(true).Chunks {
		doc = append(doc, p.Value...)
	}
	return doc
}

// sameAsAutomerge fails unless the last chunk stored by m is the change
// automerge-go makes on the document before it for the same statement
// and actor.
func sameAsAutomerge(t *testing.T, step string, before []byte, m *partsStore, s *Statement) {
	t.Helper()
	chunks := m.parts(true).Chunks
	last := chunks[len(chunks)-1].Value
	o, ok := parseOwnChange(last)
	if !ok {
		t.Fatalf("%s: the last chunk stored is not a change of one statement", step)
	}
	doc := must(automerge.Load(before))
	if err := doc.SetActorID(hex.EncodeToString(o.actor)); err != nil {
		t.Fatal(err)
	}
	if err := doc.Path(keyStatements).Map().Set(s.id.String(), s.raw); err != nil {
		t.Fatal(err)
	}
	h := must(doc.Commit("", automerge.CommitOptions{Time: &time.Time{}}))
	if want := must(doc.Change(h)).Save(); !bytes.Equal(want, last) {
		t.Fatalf("%s: the change written is\n%x\nautomerge-go makes\n%x", step, last, want)
	}
}

// TestStatementWrittenWithoutLoading makes ratings in a cell read back
// from storage, as a command of the command line does (with its state
// kept, and without): after the first statement of the device, each
// writes its change without loading the document or reading the cell
// back, the very bytes automerge-go makes; the stored cell loads with
// the statements and the state derived in full is the one kept.
func TestStatementWrittenWithoutLoading(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	src := must(Found(a, "Cell", t0))
	admitJoin(src, a, b, t0)
	must(src.Rate(a, b.Card, rating(2, 2), t0))
	var m partsStore
	m.apply(t, must(Load(src.Save())))
	written, loaded := countOwn(t)
	// Loaded from a saved document, the cell knows no change of its own.
	c := m.load(t)
	must(c.Rate(a, b.Card, rating(3, 3), t0))
	d := m.apply(t, c)
	if *written != 0 || *loaded != 1 {
		t.Fatalf("with no change of its own known: %d written, %d loaded", *written, *loaded)
	}
	for i := range 6 {
		var c *Cell
		if i%2 == 0 {
			c, _ = LoadKept(m.header, d.State)
			if c == nil {
				t.Fatal("the state kept is not taken")
			}
			c.SetPartsReload(m.reload)
		} else {
			c = m.load(t)
		}
		fetches := m.fetches
		work := must(c.Clone())
		before := m.document()
		// Two statements in a row: the second goes on with the actor.
		s := must(work.Rate(a, b.Card, rating(1+i%5, 4), t0.Add(time.Duration(i)*time.Hour)))
		if i == 3 {
			s = must(work.Rate(b, a.Card, rating(5, 1), t0))
		}
		d = m.apply(t, work)
		if m.fetches != fetches {
			t.Fatalf("rating %d read the cell back %d times", i, m.fetches-fetches)
		}
		if *written != i+1+i/3 || *loaded != 1 {
			t.Fatalf("rating %d: %d written, %d loaded", i, *written, *loaded)
		}
		if i != 3 {
			sameAsAutomerge(t, fmt.Sprint("rating ", i), before, &m, s)
		}
		full := must(Load(m.document()))
		if full.State().Digest() != work.State().Digest() || !slices.Equal(full.Heads(), work.Heads()) {
			t.Fatalf("rating %d: the stored document derives another state", i)
		}
		same(t, fmt.Sprint("rating ", i), m.load(t), full)
	}
}

// storedCellOfTwo returns a cell of a and b, founded by a, stored in m
// as the device made it.
func storedCellOfTwo(t *testing.T) (a, b *identity.Identity, m *partsStore) {
	a, b = person(t, 0), person(t, 1)
	src := must(Found(a, "Cell", t0))
	admitJoin(src, a, b, t0)
	m = &partsStore{}
	m.apply(t, src)
	return a, b, m
}

// TestStatementWrittenFallsBack: whenever the device does not know where
// the document stands, Automerge makes the change (the document is
// loaded): a header from a program that keeps no tip, a tip that is not
// for the heads, a last change from outside, a document at maxAppended
// chunks. The cell stored is right either way.
func TestStatementWrittenFallsBack(t *testing.T) {
	a, b, m := storedCellOfTwo(t)
	written, loaded := countOwn(t)
	rate := func(step string, wantWritten bool) {
		t.Helper()
		w, l := *written, *loaded
		c := m.load(t)
		must(c.Rate(a, b.Card, rating(1+(w+l)%5, 2), t0.Add(time.Duration(w+l)*time.Minute)))
		m.apply(t, c)
		if got := *written > w; got != wantWritten || *written+*loaded != w+l+1 {
			t.Fatalf("%s: written %v, want %v", step, got, wantWritten)
		}
		if step != "appending" {
			same(t, step, m.load(t), must(Load(m.document())))
		}
	}
	rate("after the device's own change", true)

	setHeader := func(f func(h *partsHeader)) {
		var h partsHeader
		if err := cbor.Unmarshal(m.header, &h); err != nil {
			t.Fatal(err)
		}
		f(&h)
		m.header = must(snapshotEnc.Marshal(h))
	}
	setHeader(func(h *partsHeader) { h.Own = nil })
	rate("a header with no tip (another version)", false)
	rate("after Automerge made the change", true)
	setHeader(func(h *partsHeader) { h.Own.Hash = bytes.Repeat([]byte{7}, 32) })
	rate("a tip for other heads", false)
	rate("after Automerge made the change again", true)
	setHeader(func(h *partsHeader) { h.Own.MapActor = nil })
	rate("a tip without the map's actor", false)

	// A change from outside comes last.
	other := must(Load(m.document()))
	must(other.Rate(b, a.Card, rating(4, 4), t0))
	c := m.load(t)
	if err := c.ApplyChanges(must(other.ChangesSince(c.Heads()))); err != nil {
		t.Fatal(err)
	}
	m.apply(t, c)
	rate("after a change from outside", false)

	// The stored document reaches maxOwnChunks chunks: Automerge makes
	// the change and the document is written whole.
	for len(m.chunks) < maxOwnChunks {
		rate("appending", true)
	}
	rate("at maxOwnChunks chunks", false)
	if len(m.chunks) != 1 {
		t.Fatalf("%d chunks stored after maxOwnChunks", len(m.chunks))
	}
	rate("after the document was written whole", true)

	// A statement whose state is not appended (a vote) is written all
	// the same; the state is then derived from the statements read back
	// with it.
	c = m.load(t)
	w := *written
	must(c.VoteExclude(a, b.Card.ID(), t0))
	m.apply(t, c)
	if *written != w+1 {
		t.Fatal("a vote made in a resting cell was not written")
	}
	back := m.load(t)
	same(t, "a vote written in a resting cell", back, must(Load(m.document())))
	if m, _ := back.State().Member(b.Card.ID()); m.Status != StatusExcluded {
		t.Fatalf("the vote written did not count: %v", m.Status)
	}
}

// TestStatementWrittenInRestedCopy: a copy of a cell read back in full,
// put to rest unchanged, then rated, stores the right count of entries
// (it counts what it held when it came to rest).
func TestStatementWrittenInRestedCopy(t *testing.T) {
	a, b, m := storedCellOfTwo(t)
	written, _ := countOwn(t)
	full := must(LoadParts(m.parts(true)))
	full.SetPartsReload(m.reload)
	for i := range 3 {
		c := must(full.Clone())
		c.SetPartsReload(m.reload)
		c.Rest()
		must(c.Rate(a, b.Card, rating(1+i, 2), t0))
		m.apply(t, c)
		if *written != i+1 {
			t.Fatalf("rating %d was not written", i)
		}
		same(t, fmt.Sprint("rating ", i), must(LoadParts(m.parts(true))), must(Load(m.document())))
		full = c
	}
}
