package export

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"trustdesk/identity"
)

func TestPieceRoundTrip(t *testing.T) {
	ana, bo, cy := person(t, 0), person(t, 1), person(t, 2)
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	p := &Piece{Kind: KindPiece, Owner: ana.Card.ID(), Set: SetID{7}, Created: created, Need: 2, Of: 3, X: 3, Y: []byte{1, 2, 3}}
	sealed := must(SealPiece(bo.Card, p))
	got, err := OpenPiece(bo, sealed)
	if err != nil || got.Owner != p.Owner || got.Set != p.Set || !got.Created.Equal(created) ||
		got.Need != 2 || got.Of != 3 || got.X != 3 || !bytes.Equal(got.Y, p.Y) {
		t.Fatalf("OpenPiece = %+v, %v", got, err)
	}
	p.Confirm = bytes.Repeat([]byte{9}, 64)
	if got, err := OpenPiece(bo, must(SealPiece(bo.Card, p))); err != nil || !bytes.Equal(got.Confirm, p.Confirm) {
		t.Fatalf("a piece with a confirmation: %+v, %v", got, err)
	}
	if _, err := OpenPiece(cy, sealed); !errors.Is(err, ErrNotForYou) {
		t.Errorf("another person: %v, want ErrNotForYou", err)
	}
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	if _, err := OpenPiece(bo, bad); !errors.Is(err, ErrDamaged) {
		t.Errorf("altered: %v, want ErrDamaged", err)
	}
	for name, q := range map[string]Piece{
		"number 0":          {Kind: KindPiece, Created: created, Need: 2, Of: 3, X: 0, Y: []byte{1}},
		"number past Of":    {Kind: KindPiece, Created: created, Need: 2, Of: 3, X: 4, Y: []byte{1}},
		"need more than of": {Kind: KindPiece, Created: created, Need: 4, Of: 3, X: 1, Y: []byte{1}},
		"no bytes":          {Kind: KindPiece, Created: created, Need: 1, Of: 1, X: 1},
		"unknown kind":      {Kind: 9, Created: created},
		"no time":           {Kind: KindRetired},
		"short confirm":     {Kind: KindPiece, Created: created, Need: 1, Of: 1, X: 1, Y: []byte{1}, Confirm: []byte{1}},
		"retired confirm":   {Kind: KindRetired, Created: created, Confirm: make([]byte, 64)},
	} {
		if _, err := SealPiece(bo.Card, &q); err == nil {
			t.Errorf("%s: sealed", name)
		}
	}
	// An age file for Bo that is not a recovery entry is damaged.
	var buf bytes.Buffer
	w := must(ageEncrypt(&buf, bo.Card))
	w.Write([]byte("hello"))
	w.Close()
	if _, err := OpenPiece(bo, buf.Bytes()); !errors.Is(err, ErrDamaged) {
		t.Errorf("not a recovery entry: %v, want ErrDamaged", err)
	}
}

// TestRecoveryInEnvelope: recovery entries travel signed in a version 3
// file, and a file without them is still version 2.
func TestRecoveryInEnvelope(t *testing.T) {
	ana, bo := person(t, 0), person(t, 1)
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	sealed := must(SealPiece(bo.Card, &Piece{Kind: KindRetired, Owner: ana.Card.ID(), Set: SetID{1}, Created: created}))
	f := &File{Cells: []Cell{}, Pieces: [][]byte{sealed}, Held: []SetID{{5}, {4}}}
	data := must(Seal(ana, []*identity.Card{bo.Card}, f, SealOptions{Now: created}))
	got, err := Open(bo, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Pieces) != 1 || !bytes.Equal(got.Pieces[0], sealed) || len(got.Held) != 2 || got.Held[0] != (SetID{4}) {
		t.Fatalf("pieces %d, held %v", len(got.Pieces), got.Held)
	}
	if v := envelopeVersion(t, bo, data); v != 3 {
		t.Errorf("a file with recovery entries is version %d, want 3", v)
	}
	plain := must(Seal(ana, []*identity.Card{bo.Card}, &File{Cells: []Cell{}}, SealOptions{Now: created}))
	if v := envelopeVersion(t, bo, plain); v != 2 {
		t.Errorf("a file without recovery entries is version %d, want 2", v)
	}

	// A version 2 envelope with key 9, correctly signed, is damaged.
	w := must(toWire(f))
	w.Version = 2
	signed := must(encMode.Marshal(w))
	w.Signature = ana.Sign(append([]byte(signatureTag), signed...))
	env := must(encMode.Marshal(w))
	if _, err := decodeEnvelope(bo.Card.ID(), env); !errors.Is(err, ErrDamaged) {
		t.Errorf("version 2 with recovery entries: %v, want ErrDamaged", err)
	}
	// Changing a held set after signing is forged.
	w.Version = 3
	signed = must(encMode.Marshal(&wireEnvelope{Version: 3, Sender: w.Sender, Recipients: w.Recipients, Created: w.Created, FileID: w.FileID, Cells: w.Cells, Recovery: w.Recovery}))
	w.Signature = ana.Sign(append([]byte(signatureTag), signed...))
	if _, err := decodeEnvelope(bo.Card.ID(), must(encMode.Marshal(w))); err != nil {
		t.Fatalf("version 3 re-signed: %v", err)
	}
	w.Recovery.Held[0] = bytes.Repeat([]byte{1}, 16)
	if _, err := decodeEnvelope(bo.Card.ID(), must(encMode.Marshal(w))); !errors.Is(err, ErrForged) {
		t.Errorf("altered held set: %v, want ErrForged", err)
	}
}

func envelopeVersion(t *testing.T, me *identity.Identity, data []byte) uint64 {
	t.Helper()
	env := must(decompress(must(unpad(must(decrypt(me.AgeIdentity(), data))))))
	var v wireVersion
	if err := versionMode.Unmarshal(env, &v); err != nil || v.Version == nil {
		t.Fatal(err)
	}
	return *v.Version
}

// FuzzOpenPiece feeds OpenPiece arbitrary bytes, starting from a real
// entry: it must never panic, and refuse with a documented error.
func FuzzOpenPiece(f *testing.F) {
	bo := loadBo(f)
	p := committedPiece
	f.Add(must(SealPiece(bo.Card, &p)))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := OpenPiece(bo, b)
		if err != nil && !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrNotForYou) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("undocumented error: %v", err)
		}
	})
}

// TestChangeEntries: a request to confirm a change of guardians and a
// guardian's confirmation travel sealed; malformed ones are refused.
func TestChangeEntries(t *testing.T) {
	ana, bo := person(t, 0), person(t, 1)
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ask := &Piece{Kind: KindChange, Owner: ana.Card.ID(), Set: SetID{8}, Created: created, Need: 2, Of: 3, Y: bytes.Repeat([]byte{7}, 48)}
	got, err := OpenPiece(bo, must(SealPiece(bo.Card, ask)))
	if err != nil || got.Kind != KindChange || got.Need != 2 || got.Of != 3 || !bytes.Equal(got.Y, ask.Y) || got.Set != ask.Set {
		t.Fatalf("change: %+v, %v", got, err)
	}
	agree := &Piece{Kind: KindAgree, Owner: ana.Card.ID(), Set: SetID{8}, Created: created, Confirm: bytes.Repeat([]byte{9}, 64)}
	got, err = OpenPiece(ana, must(SealPiece(ana.Card, agree)))
	if err != nil || got.Kind != KindAgree || !bytes.Equal(got.Confirm, agree.Confirm) || got.Y != nil {
		t.Fatalf("agree: %+v, %v", got, err)
	}
	for name, q := range map[string]Piece{
		"commitments short": {Kind: KindChange, Created: created, Need: 2, Of: 3, Y: make([]byte, 47)},
		"too many":          {Kind: KindChange, Created: created, Need: 2, Of: 21, Y: make([]byte, 16*21)},
		"need 0":            {Kind: KindChange, Created: created, Need: 0, Of: 1, Y: make([]byte, 16)},
		"change confirm":    {Kind: KindChange, Created: created, Need: 1, Of: 1, Y: make([]byte, 16), Confirm: make([]byte, 64)},
		"agree without":     {Kind: KindAgree, Created: created},
		"agree with bytes":  {Kind: KindAgree, Created: created, Confirm: make([]byte, 64), Y: []byte{1}},
	} {
		if _, err := SealPiece(bo.Card, &q); err == nil {
			t.Errorf("%s: sealed", name)
		}
	}
}
