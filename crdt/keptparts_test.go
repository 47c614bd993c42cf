package crdt

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"trustdesk/identity"
)

// loadKept reads the cell back as a start that finds its kept state does
// (LoadKeptParts), resting; it fails if the state kept is not taken.
func (m *partsStore) loadKept(t *testing.T) *Cell {
	t.Helper()
	c, ok := LoadKeptParts(m.header, m.state, m.stateParts)
	if !ok {
		t.Fatalf("the kept state with %d parts is not taken", len(m.stateParts))
	}
	c.SetPartsReload(m.reload)
	return c
}

// TestKeptStatePartsMatchDerive: ratings made on the device in a cell
// read from its kept state, each stored as a command of the command line
// stores it, keep what they add as parts (at most maxStateParts, then
// the state whole again), and the state read from the kept state and its
// parts is the one derived from the statements, after every rating; the
// statements are not read back, however many packs the ratings add
// (maxOwnPacks), until the document is written whole again.
func TestKeptStatePartsMatchDerive(t *testing.T) {
	a, b, m := storedCellOfTwo(t)
	x := person(t, 2)
	c := m.load(t)
	must(c.PublishCards(a, []*identity.Card{x.Card}, t0))
	m.apply(t, c)
	wholes := 0
	for i := range maxOwnChunks + 20 {
		c := m.loadKept(t)
		fetches, packs := m.fetches, len(m.packs)
		subject := []*identity.Card{b.Card, x.Card}[i%3/2]
		must(c.Rate(a, subject, rating(1+i%5, 1+i%3), t0.Add(time.Duration(i)*time.Minute)))
		m.apply(t, c)
		step := fmt.Sprint("rating ", i+1)
		if len(m.stateParts) == 0 {
			wholes++
		}
		if len(m.stateParts) > maxStateParts {
			t.Fatalf("%s: %d parts kept", step, len(m.stateParts))
		}
		if chunks := len(m.chunks); chunks > 1 && chunks < maxOwnChunks && (m.fetches != fetches || len(m.packs) != packs+1) {
			t.Fatalf("%s: read back %d times, %d packs after %d", step, m.fetches-fetches, len(m.packs), packs)
		}
		if i%7 == 0 || len(m.stateParts) == 0 || len(m.stateParts) == maxStateParts {
			if diff := stateDiff(m.loadKept(t).State(), must(Load(m.document())).State()); diff != "" {
				t.Fatalf("%s: the kept state with %d parts differs from the derived one at %s", step, len(m.stateParts), diff)
			}
		}
	}
	// One in 17 writes the state whole; the document written whole (at
	// maxOwnChunks chunks) writes it whole too.
	if want := (maxOwnChunks + 20) / (maxStateParts + 1); wholes < want {
		t.Fatalf("the state written whole %d times in %d ratings, want at least %d", wholes, maxOwnChunks+20, want)
	}
}

// FuzzSplitKept: splitKept never fails on bytes of any kind, and what it
// reads is what the CBOR library reads: the records this device writes
// (a whole state, a part) read the same both ways.
func FuzzSplitKept(f *testing.F) {
	st := must(Found(person(f, 0), "Cell", t0)).State()
	whole := must(encodeState(st, []byte("header")))
	part := newKept(statePartFormat, headerDigest([]byte("after")), []byte{0x80})
	part.From = headerDigest([]byte("before"))
	for _, b := range [][]byte{whole, must(snapshotEnc.Marshal(part)), {0xa0}, {0xa1, 0x01, 0x18, 0x02}, {0xbf, 0xff}} {
		f.Add(b)
	}
	for _, b := range [][]byte{whole, must(snapshotEnc.Marshal(part))} {
		if _, ok := splitKept(b); !ok {
			f.Fatalf("a record as written is not read: %x", b[:16])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k, ok := splitKept(b)
		if !ok {
			return
		}
		var want keptState
		if err := keptDec.Unmarshal(b, &want); err != nil {
			t.Fatalf("read %+v where the library says %v", k, err)
		}
		if !reflect.DeepEqual(normal(k), normal(want)) {
			t.Fatalf("read %+v, the library %+v", k, want)
		}
		readKept(b, stateFormat)
	})
}

// normal returns k with its empty byte strings nil.
func normal(k keptState) keptState {
	for _, f := range []*[]byte{&k.Rules, &k.Header, &k.State, &k.Sum, &k.From} {
		if len(*f) == 0 {
			*f = nil
		}
	}
	return k
}
