package export

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"filippo.io/age"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/testenv"
)

// seal seals f from person 0 to the given persons, failing the test on error.
func seal(tb testing.TB, f *File, to ...int) []byte {
	tb.Helper()
	var cards []*identity.Card
	for _, i := range to {
		cards = append(cards, person(tb, i).Card)
	}
	b, err := Seal(person(tb, 0), cards, f, SealOptions{Now: t0})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// sealEnvelope encrypts an envelope, as it is, to cards: what an attacker
// who holds a signed envelope can do.
func sealEnvelope(tb testing.TB, env []byte, cards ...*identity.Card) []byte {
	tb.Helper()
	var rs []age.Recipient
	for _, c := range cards {
		rs = append(rs, c.Recipient())
	}
	body := must(compress(env))
	return must(encrypt(pad(body), rs))
}

// signedWire returns the wire form of a sealed-looking envelope from sender
// to person 1, ready to be altered and signed with signWire.
func signedWire(tb testing.TB, sender *identity.Identity) *wireEnvelope {
	tb.Helper()
	f := fileFor(tb, testCell(tb, 2), nil)
	f.Sender = sender.Card
	f.Recipients = []identity.ID{person(tb, 1).Card.ID()}
	f.Created = t0
	f.Cards = []*identity.Card{person(tb, 2).Card}
	return must(toWire(f))
}

// signWire signs w as sender and encodes it.
func signWire(tb testing.TB, sender *identity.Identity, w *wireEnvelope) []byte {
	tb.Helper()
	w.Signature = nil
	signed := must(encMode.Marshal(w))
	w.Signature = sender.Sign(append([]byte(signatureTag), signed...))
	return must(encMode.Marshal(w))
}

func TestRoundTrip(t *testing.T) {
	a, b, c := person(t, 0), person(t, 1), person(t, 2)
	cell1 := testCell(t, 3)
	since := cell1.Heads()
	addRatings(t, cell1, 2)
	cell2 := testCell(t, 0)
	f := &File{
		Cells: []Cell{
			{ID: cell1.ID(), Heads: cell1.Heads(), Since: since, Changes: must(cell1.ChangesSince(since))},
			{ID: cell2.ID(), Heads: cell2.Heads(), Changes: must(cell2.ChangesSince(nil))},
		},
		Cards: []*identity.Card{c.Card, a.Card, person(t, 3).Card},
	}
	data := seal(t, f, 2, 1, 2)
	if f.Sender != a.Card || len(f.Recipients) != 2 || !f.Created.Equal(t0) || f.ID == (FileID{}) {
		t.Fatalf("Seal did not fill in the header: %+v", f)
	}
	for _, me := range []*identity.Identity{b, c} {
		g, err := Open(me, data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g.Sender.Bytes(), a.Card.Bytes()) {
			t.Error("sender card differs")
		}
		if !slices.Equal(g.Recipients, f.Recipients) || !g.Created.Equal(t0) || g.ID != f.ID {
			t.Errorf("header differs: %v %v %v", g.Recipients, g.Created, g.ID)
		}
		if len(g.Cells) != 2 {
			t.Fatalf("%d cells", len(g.Cells))
		}
		for _, want := range f.Cells {
			i := slices.IndexFunc(g.Cells, func(c Cell) bool { return c.ID == want.ID })
			if i < 0 {
				t.Fatalf("cell %s missing", want.ID)
			}
			got := g.Cells[i]
			if !slices.Equal(got.Heads, want.Heads) || !slices.Equal(got.Since, want.Since) || !bytes.Equal(got.Changes, want.Changes) {
				t.Errorf("cell %s differs", want.ID)
			}
		}
		// The sender's card is not repeated; the others arrive sorted.
		if len(g.Cards) != 2 {
			t.Errorf("%d cards, want 2", len(g.Cards))
		}
	}
}

func TestChangesApply(t *testing.T) {
	// The changes carried are exactly what crdt made: loading them gives
	// the sender's cell.
	cell := testCell(t, 4)
	g := must(Open(person(t, 1), seal(t, fileFor(t, cell, nil), 1)))
	got := must(crdt.Load(g.Cells[0].Changes))
	if got.State().Digest() != cell.State().Digest() {
		t.Fatal("the received cell differs from the sender's")
	}
}

func TestSealRefuses(t *testing.T) {
	cell := testCell(t, 0)
	c := Cell{ID: cell.ID(), Heads: cell.Heads()}
	to := []*identity.Card{person(t, 1).Card}
	for name, f := range map[string]*File{
		"duplicate cell": {Cells: []Cell{c, c}},
		"no heads":       {Cells: []Cell{{ID: cell.ID()}}},
	} {
		if _, err := Seal(person(t, 0), to, f, SealOptions{}); err == nil {
			t.Errorf("%s: sealed", name)
		}
	}
	if _, err := Seal(person(t, 0), nil, &File{}, SealOptions{}); err == nil {
		t.Error("sealed to nobody")
	}
}

func TestNotForYou(t *testing.T) {
	data := seal(t, fileFor(t, testCell(t, 1), nil), 1, 2)
	if _, err := Open(person(t, 3), data); !errors.Is(err, ErrNotForYou) {
		t.Fatalf("got %v, want ErrNotForYou", err)
	}
	if _, err := Open(person(t, 0), data); !errors.Is(err, ErrNotForYou) {
		t.Fatalf("sender: got %v, want ErrNotForYou", err)
	}
}

func TestReaddressed(t *testing.T) {
	// Person 1 received a valid file and encrypts its envelope again to
	// person 3, hoping person 3 will take it as sent to them.
	env := signWire(t, person(t, 0), signedWire(t, person(t, 0)))
	if _, err := decodeEnvelope(person(t, 1).Card.ID(), env); err != nil {
		t.Fatalf("the genuine envelope is refused: %v", err)
	}
	data := sealEnvelope(t, env, person(t, 3).Card)
	if _, err := Open(person(t, 3), data); !errors.Is(err, ErrForged) {
		t.Fatalf("got %v, want ErrForged", err)
	}
}

func TestForged(t *testing.T) {
	a, mallory := person(t, 0), person(t, 4)
	me := person(t, 1)
	cases := map[string]func() []byte{
		"altered after signing": func() []byte {
			w := signedWire(t, a)
			signWire(t, a, w)
			w.Created++ // keeps the old signature
			return must(encMode.Marshal(w))
		},
		"signature flipped": func() []byte {
			w := signedWire(t, a)
			signWire(t, a, w)
			w.Signature[10] ^= 1
			return must(encMode.Marshal(w))
		},
		"signed by someone else": func() []byte {
			return signWire(t, mallory, signedWire(t, a))
		},
		"sender card replaced": func() []byte {
			w := signedWire(t, a)
			signWire(t, a, w)
			w.Sender = mallory.Card.Bytes()
			return must(encMode.Marshal(w))
		},
		"sender card damaged": func() []byte {
			w := signedWire(t, a)
			w.Sender = slices.Clone(w.Sender)
			w.Sender[len(w.Sender)-1] ^= 1
			return signWire(t, a, w)
		},
		"no signature": func() []byte {
			w := signedWire(t, a)
			return must(encMode.Marshal(w))
		},
	}
	for name, env := range cases {
		data := sealEnvelope(t, env(), me.Card)
		if _, err := Open(me, data); !errors.Is(err, ErrForged) {
			t.Errorf("%s: got %v, want ErrForged", name, err)
		}
	}
}

func TestEnvelopeRefusals(t *testing.T) {
	a, me := person(t, 0), person(t, 1)
	cases := map[string]struct {
		env  func() []byte
		want error
	}{
		"version 3": {func() []byte {
			w := signedWire(t, a)
			w.Version = Version + 1
			return signWire(t, a, w)
		}, ErrVersion},
		"version 0": {func() []byte {
			w := signedWire(t, a)
			w.Version = 0
			return signWire(t, a, w)
		}, ErrVersion},
		"not CBOR": {func() []byte { return []byte("hello") }, ErrDamaged},
		"empty":    {func() []byte { return nil }, ErrDamaged},
		"trailing byte": {func() []byte {
			return append(signWire(t, a, signedWire(t, a)), 0)
		}, ErrDamaged},
		"duplicate cell": {func() []byte {
			w := signedWire(t, a)
			w.Cells = append(w.Cells, w.Cells[0])
			return signWire(t, a, w)
		}, ErrDamaged},
		"duplicate recipient": {func() []byte {
			w := signedWire(t, a)
			w.Recipients = append(w.Recipients, w.Recipients[0])
			return signWire(t, a, w)
		}, ErrDamaged},
		"short cell id": {func() []byte {
			w := signedWire(t, a)
			w.Cells[0].ID = w.Cells[0].ID[:15]
			return signWire(t, a, w)
		}, ErrDamaged},
		"long head": {func() []byte {
			w := signedWire(t, a)
			w.Cells[0].Heads[0] = append(w.Cells[0].Heads[0], 0)
			return signWire(t, a, w)
		}, ErrDamaged},
		"no heads": {func() []byte {
			w := signedWire(t, a)
			w.Cells[0].Heads = [][]byte{}
			return signWire(t, a, w)
		}, ErrDamaged},
		"bad extra card": {func() []byte {
			w := signedWire(t, a)
			w.Cards[0] = []byte{1, 2, 3}
			return signWire(t, a, w)
		}, ErrDamaged},
		"sender among cards": {func() []byte {
			w := signedWire(t, a)
			w.Cards = sortedUnique(append(w.Cards, w.Sender))
			return signWire(t, a, w)
		}, ErrDamaged},
		"too many recipients": {func() []byte {
			w := signedWire(t, a)
			for i := range MaxRecipients {
				w.Recipients = append(w.Recipients, []byte{0xff, byte(i >> 8), byte(i), 13: 0, 15: 0})
			}
			return signWire(t, a, w)
		}, ErrDamaged},
		"null for cells": {func() []byte {
			w := signedWire(t, a)
			w.Cells = nil
			return signWire(t, a, w)
		}, ErrDamaged},
		"null for changes": {func() []byte {
			w := signedWire(t, a)
			w.Cells[0].Changes = nil
			return signWire(t, a, w)
		}, ErrDamaged},
		"non-canonical integer": {func() []byte {
			env := signWire(t, a, signedWire(t, a))
			// The version is encoded as one byte right after the map
			// header and the key 0x01; spell it with a needless 0x18.
			return slices.Concat(env[:2], []byte{0x18, env[2]}, env[3:])
		}, ErrDamaged},
		"unknown field": {func() []byte {
			env := signWire(t, a, signedWire(t, a))
			// Grow the map by one pair 9: 0 at the end.
			return slices.Concat([]byte{env[0] + 1}, env[1:], []byte{0x09, 0x00})
		}, ErrDamaged},
	}
	for name, tc := range cases {
		data := sealEnvelope(t, tc.env(), me.Card)
		if _, err := Open(me, data); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
}

func TestPlaintextRefusals(t *testing.T) {
	me := person(t, 1)
	env := signWire(t, person(t, 0), signedWire(t, person(t, 0)))
	body := must(compress(env))
	good := pad(body)
	encryptTo := func(p []byte) []byte { return must(encrypt(p, []age.Recipient{me.Card.Recipient()})) }
	if _, err := Open(me, encryptTo(good)); err != nil {
		t.Fatalf("the genuine plaintext is refused: %v", err)
	}
	cases := map[string][]byte{
		"non-zero padding":     append(slices.Clone(good[:len(good)-1]), 1),
		"padding too long":     append(slices.Clone(good), make([]byte, 1024)...),
		"padding too short":    good[:len(good)-1],
		"length past the end":  append([]byte{0xff, 0xff, 0xff, 0xff}, good[4:]...),
		"empty":                {},
		"trailing after body":  pad(append(slices.Clone(body), 0)),
		"not compressed":       pad(env),
		"compressed truncated": pad(body[:len(body)-3]),
	}
	for name, p := range cases {
		if _, err := Open(me, encryptTo(p)); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: got %v, want ErrDamaged", name, err)
		}
	}
}

func TestPadme(t *testing.T) {
	for n := range 1 << 17 {
		p := padme(n)
		if p < n || padme(p) != p {
			t.Fatalf("padme(%d) = %d", n, p)
		}
		if n >= 256 && float64(p-n) >= float64(n)*0.0625 {
			t.Fatalf("padme(%d) = %d: overhead over 6.25 %%", n, p)
		}
		if n >= 16 && float64(p-n) >= float64(n)*0.125 {
			t.Fatalf("padme(%d) = %d: overhead over 12.5 %%", n, p)
		}
	}
	// The number of distinct sizes grows very slowly.
	sizes := map[int]bool{}
	for n := 1 << 16; n < 1<<17; n++ {
		sizes[padme(n)] = true
	}
	if len(sizes) != 33 {
		t.Errorf("%d distinct sizes between 64 and 128 KiB, want 33", len(sizes))
	}
}

func TestSizesHideFewRatings(t *testing.T) {
	// The same incremental export with 1 to 7 new ratings, for
	// cells of several sizes, gives files of the same size.
	for _, n := range []int{0, 10, 50} {
		var sizes []int
		for k := 1; k <= 7; k++ {
			cell := testCell(t, n)
			since := cell.Heads()
			addRatings(t, cell, k)
			sizes = append(sizes, len(seal(t, fileFor(t, cell, since), 1)))
		}
		if slices.Min(sizes) != slices.Max(sizes) {
			t.Errorf("cell with %d ratings: sizes %v for 1 to 7 new ratings", n, sizes)
		}
	}
}

// plaintextSize returns the size of the plaintext of the age file data,
// computed from its length and header alone.
func plaintextSize(tb testing.TB, data []byte) int {
	tb.Helper()
	i := bytes.Index(data, []byte("\n--- "))
	if i < 0 {
		tb.Fatal("no header end")
	}
	header := i + 1 + bytes.IndexByte(data[i+1:], '\n') + 1
	payload := len(data) - header - 16 // nonce
	chunks := (payload + 65536 + 16 - 1) / (65536 + 16)
	return payload - 16*chunks
}

func TestSizesArePadded(t *testing.T) {
	// Every plaintext has a Padmé length of at least MinPaddedSize, so a
	// file's size tells only the recipient bucket and that length.
	cell := testCell(t, 0)
	n := 60
	if testenv.Race {
		n = 15
	}
	for k := range n {
		addRatings(t, cell, 1+k%7)
		p := plaintextSize(t, seal(t, fileFor(t, cell, nil), 1))
		if p < MinPaddedSize || padme(p) != p {
			t.Fatalf("plaintext of %d bytes is not a padded size", p)
		}
	}
}
