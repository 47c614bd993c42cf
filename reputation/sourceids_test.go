package reputation

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// TestIDsBeforeAsSpelled: the order a decoded Source checks its people's
// ids in is that of the ids as spelled, whichever way each is kept
// (hexadecimal as its bytes or not): it fails if two kept the same way
// compare otherwise than spelled, or two kept differently are not
// spelled out.
func TestIDsBeforeAsSpelled(t *testing.T) {
	ids := []string{"", "00", "0a", "0a00", "0aff", "1f", "9f", "a0", "af", "b", "ff", "ff00", "g", "zz", "0A", "0a0", "Ω"}
	w := &sourceWriter{}
	off := make([]int32, len(ids))
	for i, id := range ids {
		off[i] = int32(len(w.b))
		w.id(id)
	}
	l := &encodedList{b: w.b, off: off}
	var a, b []byte
	for i := range ids {
		for j := range ids {
			if got, want := l.before(int32(i), int32(j), &a, &b), ids[i] < ids[j]; got != want {
				t.Errorf("%q before %q: %v, spelled %v", ids[i], ids[j], got, want)
			}
		}
	}
}

// TestDecodeSourceRefusesUnsortedIDs: a Source whose people's ids are
// not in order (two hexadecimal ids of the same length swapped) is
// refused; so is one whose ids repeat.
func TestDecodeSourceRefusesUnsortedIDs(t *testing.T) {
	src := Prepare(sourceWorld(3))
	b := src.Encode()
	x, y := src.ids.at(0), src.ids.at(1)
	if !isLowerHex(x) || !isLowerHex(y) || len(x) != len(y) {
		t.Fatalf("the first two ids are %q and %q", x, y)
	}
	rx, _ := hex.DecodeString(x)
	ry, _ := hex.DecodeString(y)
	at := bytes.Index(b, append(withNextLength(rx), ry...))
	if at < 0 {
		t.Fatal("the ids are not kept as their bytes, in order")
	}
	for _, swap := range [][2][]byte{{ry, rx}, {rx, rx}} {
		c := bytes.Clone(b)
		copy(c[at:], swap[0])
		copy(c[at+len(rx)+1:], swap[1]) // after the second's length
		if _, err := DecodeSource(c); err == nil {
			t.Errorf("ids %x then %x were read", swap[0], swap[1])
		}
	}
	if _, err := DecodeSource(b); err != nil {
		t.Fatal(err)
	}
}

// withNextLength returns b and the length byte of a kept hexadecimal id of
// len(b) bytes after it.
func withNextLength(b []byte) []byte {
	return append(bytes.Clone(b), byte(len(b)<<1|1))
}
