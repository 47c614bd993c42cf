package export

import (
	"bytes"
	"testing"

	"trustdesk/crdt"
)

// TestPackChanges checks that packing gives back exactly the bytes it was
// given, saves the checksums and dependencies it promises to, and leaves
// everything that is not a sequence of change chunks alone.
func TestPackChanges(t *testing.T) {
	cell := testCell(t, 50)
	since := cell.Heads()
	addRatings(t, cell, 10)
	all := must(cell.ChangesSince(nil))
	some := must(cell.ChangesSince(since))
	doc := cell.Save()
	for name, tc := range map[string]struct {
		in     []byte
		packed bool
	}{
		"all changes": {all, true},
		"new changes": {some, true},
		"document":    {doc, false},
		"doc+changes": {append(bytes.Clone(doc), some...), true},
		"garbage":     {[]byte("not automerge"), false},
		"empty":       {nil, false},
	} {
		p := packChanges(tc.in)
		if got := len(p) > 0 && p[0] == packedMagic; got != tc.packed {
			t.Errorf("%s: packed %v, want %v", name, got, tc.packed)
		}
		back, err := unpackChanges(p)
		if err != nil || !bytes.Equal(back, tc.in) {
			t.Errorf("%s: unpack(pack(x)) differs from x: %v", name, err)
		}
	}
	// Every change but the first depends on the one before: each saves a
	// 32-byte dependency and a 4-byte checksum, less a byte or two.
	chunks := 0
	for rest := some; len(rest) > 0; chunks++ {
		_, _, _, rest, _ = splitChunk(rest)
	}
	if saved := len(some) - len(packChanges(some)); saved < 33*(chunks-1) {
		t.Errorf("packing %d changes saved %d bytes", chunks, saved)
	}
	// Automerge takes the unpacked bytes (its checksums are right).
	if _, err := crdt.Load(must(unpackChanges(packChanges(all)))); err != nil {
		t.Fatal(err)
	}
}

// TestUnpackDamaged checks that damaged packed bytes never panic, and are
// refused or give other bytes (which the worker and the signatures then
// judge).
func TestUnpackDamaged(t *testing.T) {
	cell := testCell(t, 5)
	p := packChanges(must(cell.ChangesSince(nil)))
	for i := range p {
		if _, err := unpackChanges(p[:i]); err == nil && i > 0 {
			// A cut at an item boundary is a shorter, well-formed sequence.
			continue
		}
		d := bytes.Clone(p)
		d[i] ^= 0xff
		unpackChanges(d)
	}
	// A reference to a change that is not there, or to itself.
	for _, bad := range [][]byte{
		{packedMagic, itemPacked, 1, 1, 0},
		{packedMagic, itemPacked, 1, 0},
		{packedMagic, 0x07},
		{packedMagic},
		{packedMagic, itemVerbatim, 200},
	} {
		if _, err := unpackChanges(bad); err == nil {
			t.Errorf("%x: accepted", bad)
		}
	}
}

// FuzzPack checks that unpacking what was packed always gives the input
// back, and that unpacking anything never panics or grows past the limit.
func FuzzPack(f *testing.F) {
	cell := testCell(f, 3)
	since := cell.Heads()
	addRatings(f, cell, 3)
	f.Add(must(cell.ChangesSince(nil)))
	f.Add(must(cell.ChangesSince(since)))
	f.Add(packChanges(must(cell.ChangesSince(nil))))
	f.Add(cell.Save())
	f.Fuzz(func(t *testing.T, b []byte) {
		back, err := unpackChanges(packChanges(b))
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("round trip: %v", err)
		}
		if out, err := unpackChanges(b); err == nil && len(out) > crdt.MaxDocumentSize {
			t.Fatal("too large")
		}
	})
}
