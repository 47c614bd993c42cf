package export

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fxamacker/cbor/v2"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// Version is the newest envelope format version this package writes. It
// reads versions [MinVersion] to Version: version 3 is version 2 with
// recovery entries (key 9), and is written only for files that carry
// them, so that every other file stays readable by version 2 readers;
// version 2 packs change chunks (see packChanges); version 1 carries them
// as they are.
const (
	Version    = 3
	MinVersion = 1
	// plainVersion is the version of a file without recovery entries.
	plainVersion = 2
)

// signatureTag is the domain separation tag prefixed to the canonical
// encoding of the envelope before signing.
const signatureTag = "trustdesk/sync/v1\x00"

// Field limits of the envelope. They bound what a file can make a reader
// allocate and check, and are part of the format (see FORMAT.md).
const (
	// MaxRecipients is the largest number of people a sync file can be
	// addressed to.
	MaxRecipients = 1000
	// MaxCells is the largest number of cells in one sync file.
	MaxCells = 1000
	// MaxHeads is the largest number of heads (or "since" heads) given
	// for one cell.
	MaxHeads = 1024
	// MaxCards is the largest number of extra cards in one sync file.
	MaxCards = 10000
	// maxCardSize is the largest encoded card (identity refuses more).
	maxCardSize = 256
	// maxArray is the largest CBOR array the decoder accepts: the largest of
	// the limits above.
	maxArray = MaxCards
)

// wireEnvelope is the envelope exactly as encoded. Keys are small integers;
// optional fields are omitted when empty.
type wireEnvelope struct {
	Version    uint64     `cbor:"1,keyasint"`
	Sender     []byte     `cbor:"2,keyasint"`
	Recipients [][]byte   `cbor:"3,keyasint"`
	Created    uint64     `cbor:"4,keyasint"`
	FileID     []byte     `cbor:"5,keyasint"`
	Cells      []wireCell `cbor:"6,keyasint"`
	Cards      [][]byte   `cbor:"7,keyasint,omitempty"`
	Signature  []byte     `cbor:"8,keyasint,omitempty"`
	// Recovery is only in version 3 envelopes.
	Recovery *wireRecovery `cbor:"9,keyasint,omitempty"`
}

// wireRecovery is the recovery part of an envelope (FORMAT.md §6.2).
type wireRecovery struct {
	Pieces [][]byte `cbor:"1,keyasint,omitempty"`
	Held   [][]byte `cbor:"2,keyasint,omitempty"`
}

// wireCell is one cell's entry in the envelope.
type wireCell struct {
	ID      []byte   `cbor:"1,keyasint"`
	Heads   [][]byte `cbor:"2,keyasint"`
	Changes []byte   `cbor:"3,keyasint"`
	Since   [][]byte `cbor:"4,keyasint,omitempty"`
}

// wireVersion reads only the version of an envelope, ignoring everything
// else, so that a newer format is reported as such.
type wireVersion struct {
	Version *uint64 `cbor:"1,keyasint"`
}

var (
	encMode     cbor.EncMode
	decMode     cbor.DecMode
	versionMode cbor.DecMode
)

func init() {
	var err error
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	strict := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:   8,
		MaxArrayElements:  maxArray,
		MaxMapPairs:       16,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		UTF8:              cbor.UTF8RejectInvalid,
	}
	decMode, err = strict.DecMode()
	if err != nil {
		panic(err)
	}
	lenient := strict
	lenient.ExtraReturnErrors = cbor.ExtraDecErrorNone
	lenient.DupMapKey = cbor.DupMapKeyQuiet
	lenient.MaxArrayElements = 1 << 20
	lenient.MaxMapPairs = 1 << 10
	lenient.MaxNestedLevels = 32
	lenient.TagsMd = cbor.TagsAllowed
	lenient.IndefLength = cbor.IndefLengthAllowed
	versionMode, err = lenient.DecMode()
	if err != nil {
		panic(err)
	}
}

// encodeEnvelope checks f, signs it as sender and returns the envelope bytes.
// f.Sender and f.Recipients must already be set.
func encodeEnvelope(sender *identity.Identity, f *File) ([]byte, error) {
	w, err := toWire(f)
	if err != nil {
		return nil, err
	}
	signed, err := encMode.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("encode envelope: %w", err)
	}
	w.Signature = sender.Sign(append([]byte(signatureTag), signed...))
	return encMode.Marshal(w)
}

// toWire converts f to its wire form, sorting what the format keeps sorted
// and refusing what it does not allow.
func toWire(f *File) (*wireEnvelope, error) {
	if f.Sender == nil {
		return nil, errors.New("no sender card")
	}
	if len(f.Recipients) == 0 {
		return nil, errors.New("no recipients")
	}
	if len(f.Recipients) > MaxRecipients {
		return nil, fmt.Errorf("%d recipients, more than %d", len(f.Recipients), MaxRecipients)
	}
	if len(f.Cells) > MaxCells {
		return nil, fmt.Errorf("%d cells, more than %d", len(f.Cells), MaxCells)
	}
	if len(f.Cards) > MaxCards {
		return nil, fmt.Errorf("%d cards, more than %d", len(f.Cards), MaxCards)
	}
	if f.Created.Unix() <= 0 {
		return nil, errors.New("creation time before 1970")
	}
	if len(f.Pieces) > MaxPieces || len(f.Held) > MaxHeld {
		return nil, fmt.Errorf("%d recovery entries and %d held sets, more than %d", len(f.Pieces), len(f.Held), MaxPieces)
	}
	w := &wireEnvelope{
		Version: plainVersion,
		Sender:  f.Sender.Bytes(),
		Created: uint64(f.Created.Unix()),
		FileID:  bytes.Clone(f.ID[:]),
		Cells:   make([]wireCell, 0, len(f.Cells)),
	}
	for _, id := range f.Recipients {
		w.Recipients = append(w.Recipients, bytes.Clone(id[:]))
	}
	w.Recipients = sortedUnique(w.Recipients)
	for _, c := range f.Cells {
		if len(c.Heads) == 0 {
			return nil, fmt.Errorf("cell %s: no heads", c.ID)
		}
		if len(c.Heads) > MaxHeads || len(c.Since) > MaxHeads {
			return nil, fmt.Errorf("cell %s: more than %d heads", c.ID, MaxHeads)
		}
		wc := wireCell{
			ID:      bytes.Clone(c.ID[:]),
			Heads:   hashesToWire(c.Heads),
			Changes: packChanges(c.Changes),
			Since:   hashesToWire(c.Since),
		}
		if wc.Changes == nil {
			wc.Changes = []byte{}
		}
		w.Cells = append(w.Cells, wc)
	}
	slices.SortFunc(w.Cells, func(a, b wireCell) int { return bytes.Compare(a.ID, b.ID) })
	for i := 1; i < len(w.Cells); i++ {
		if bytes.Equal(w.Cells[i-1].ID, w.Cells[i].ID) {
			return nil, fmt.Errorf("cell %x given twice", w.Cells[i].ID)
		}
	}
	sender := f.Sender.Bytes()
	for _, c := range f.Cards {
		if c == nil {
			return nil, errors.New("nil card")
		}
		if b := c.Bytes(); !bytes.Equal(b, sender) {
			w.Cards = append(w.Cards, b)
		}
	}
	w.Cards = sortedUnique(w.Cards)
	if len(f.Pieces) > 0 || len(f.Held) > 0 {
		r := &wireRecovery{}
		for _, p := range f.Pieces {
			if len(p) == 0 || len(p) > MaxSealedPiece {
				return nil, fmt.Errorf("recovery entry of %d bytes", len(p))
			}
			r.Pieces = append(r.Pieces, bytes.Clone(p))
		}
		for _, h := range f.Held {
			r.Held = append(r.Held, bytes.Clone(h[:]))
		}
		r.Pieces, r.Held = sortedUnique(r.Pieces), sortedUnique(r.Held)
		w.Version, w.Recovery = Version, r
	}
	return w, nil
}

func hashesToWire(hs []crdt.ChangeHash) [][]byte {
	if len(hs) == 0 {
		return nil
	}
	out := make([][]byte, len(hs))
	for i, h := range hs {
		out[i] = bytes.Clone(h[:])
	}
	return sortedUnique(out)
}

// sortedUnique sorts byte strings and removes duplicates.
func sortedUnique(bs [][]byte) [][]byte {
	slices.SortFunc(bs, bytes.Compare)
	return slices.CompactFunc(bs, bytes.Equal)
}

// envelopeError is a refusal of an envelope: Kind is the sentinel error
// (ErrDamaged, ErrForged or ErrVersion) and Reason says what is wrong.
func envelopeError(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}

// decodeEnvelope decodes and checks an envelope addressed to me, in the
// steps of FORMAT.md §6 "Reading an envelope". It returns ErrVersion for
// another format version, ErrDamaged for anything that is not a well-formed,
// canonically encoded envelope, and ErrForged if the sender card or
// signature is invalid or me is not a recipient.
func decodeEnvelope(me identity.ID, b []byte) (*File, error) {
	w, err := decodeWireEnvelope(b) // steps 1 and 2
	if err != nil {
		return nil, err
	}
	sender, err := verifyEnvelope(b, w) // step 3
	if err != nil {
		return nil, err
	}
	f, err := checkEnvelopeFields(sender, w) // step 4
	if err != nil {
		return nil, err
	}
	// Step 5, last: was it really made for me? A valid envelope signed for
	// others and encrypted again to me is a re-addressed file.
	if _, found := slices.BinarySearchFunc(f.Recipients, me, func(a, b identity.ID) int {
		return bytes.Compare(a[:], b[:])
	}); !found {
		return nil, envelopeError(ErrForged, "re-addressed: the sender did not address it to you")
	}
	return f, nil
}

// decodeWireEnvelope reads the version leniently, then the whole envelope
// strictly, and requires its canonical encoding (FORMAT.md §6, reading
// steps 1 and 2).
func decodeWireEnvelope(b []byte) (*wireEnvelope, error) {
	var v wireVersion
	if err := versionMode.Unmarshal(b, &v); err != nil {
		return nil, envelopeError(ErrDamaged, "envelope: %v", err)
	}
	if v.Version == nil {
		return nil, envelopeError(ErrDamaged, "envelope without a version")
	}
	if *v.Version < MinVersion || *v.Version > Version {
		return nil, fmt.Errorf("%w: envelope version %d", ErrVersion, *v.Version)
	}
	var w wireEnvelope
	if err := decMode.Unmarshal(b, &w); err != nil {
		return nil, envelopeError(ErrDamaged, "envelope: %v", err)
	}
	// Canonical form: re-encoding gives the same bytes. This refuses
	// non-minimal integers and lengths, unsorted map keys and empty
	// optional fields.
	if again, err := encMode.Marshal(&w); err != nil || !bytes.Equal(again, b) {
		return nil, envelopeError(ErrDamaged, "envelope is not canonically encoded")
	}
	return &w, nil
}

// verifyEnvelope decodes the sender card of w, the envelope whose canonical
// bytes are b, and checks that the sender signed exactly this (FORMAT.md §6,
// reading step 3).
func verifyEnvelope(b []byte, w *wireEnvelope) (*identity.Card, error) {
	sender, err := identity.DecodeCard(w.Sender)
	if err != nil {
		return nil, envelopeError(ErrForged, "sender card: %v", err)
	}
	sig := w.Signature
	if len(sig) != 64 {
		return nil, envelopeError(ErrForged, "signature of %d bytes", len(sig))
	}
	// The signed bytes are the canonical encoding without key 8. As b is
	// canonical, that pair (0x08, then a 64-byte string: 0x58 0x40 and
	// the signature) is its end, and the map header is the single byte
	// 0xa0 + number of pairs, so they are b with one pair fewer and the
	// last pair cut off, with no need to encode them again.
	var msg []byte
	if w.Recovery == nil {
		tail := append([]byte{0x08, 0x58, 0x40}, sig...)
		if len(b) < 1+len(tail) || b[0] < 0xa1 || b[0] > 0xb7 || !bytes.Equal(b[len(b)-len(tail):], tail) {
			return nil, envelopeError(ErrDamaged, "envelope does not end with its signature")
		}
		msg = make([]byte, 0, len(signatureTag)+len(b)-len(tail))
		msg = append(msg, signatureTag...)
		msg = append(msg, b[0]-1)
		msg = append(msg, b[1:len(b)-len(tail)]...)
	} else {
		// Key 9 follows the signature: encode the map without key 8.
		unsigned := *w
		unsigned.Signature = nil
		e, err := encMode.Marshal(&unsigned)
		if err != nil {
			return nil, envelopeError(ErrDamaged, "envelope: %v", err)
		}
		msg = append([]byte(signatureTag), e...)
	}
	if !sender.VerifySignature(msg, sig) {
		return nil, envelopeError(ErrForged, "signature does not match the sender card")
	}
	return sender, nil
}

// checkEnvelopeFields checks every field of w against the table of
// FORMAT.md §6 (reading step 4) and returns the file it describes.
func checkEnvelopeFields(sender *identity.Card, w *wireEnvelope) (*File, error) {
	f := &File{Sender: sender}
	if w.Created == 0 || w.Created > 1<<40 {
		return nil, envelopeError(ErrDamaged, "creation time %d out of range", w.Created)
	}
	f.Created = time.Unix(int64(w.Created), 0).UTC()
	if len(w.FileID) != len(f.ID) {
		return nil, envelopeError(ErrDamaged, "file id of %d bytes", len(w.FileID))
	}
	copy(f.ID[:], w.FileID)

	if len(w.Recipients) == 0 || len(w.Recipients) > MaxRecipients {
		return nil, envelopeError(ErrDamaged, "%d recipients", len(w.Recipients))
	}
	if err := checkSorted(w.Recipients, len(identity.ID{})); err != nil {
		return nil, envelopeError(ErrDamaged, "recipients: %v", err)
	}
	f.Recipients = make([]identity.ID, len(w.Recipients))
	for i, r := range w.Recipients {
		f.Recipients[i] = identity.ID(r)
	}

	var err error
	if f.Cells, err = cellsFromWire(w); err != nil {
		return nil, err
	}
	if f.Cards, err = cardsFromWire(w); err != nil {
		return nil, err
	}
	if err := recoveryFromWire(w, f); err != nil {
		return nil, err
	}
	return f, nil
}

// cellsFromWire checks the cells of w: their ids, order, heads and changes,
// unpacked in a version 2 or 3 envelope (FORMAT.md §6.1).
func cellsFromWire(w *wireEnvelope) ([]Cell, error) {
	if w.Cells == nil || len(w.Cells) > MaxCells {
		return nil, envelopeError(ErrDamaged, "%d cells", len(w.Cells))
	}
	cells := make([]Cell, len(w.Cells))
	var err error
	for i, wc := range w.Cells {
		if len(wc.ID) != len(crdt.CellID{}) {
			return nil, envelopeError(ErrDamaged, "cell id of %d bytes", len(wc.ID))
		}
		if i > 0 && bytes.Compare(w.Cells[i-1].ID, wc.ID) >= 0 {
			return nil, envelopeError(ErrDamaged, "cells out of order or given twice")
		}
		c := &cells[i]
		c.ID = crdt.CellID(wc.ID)
		if len(wc.Heads) == 0 || len(wc.Heads) > MaxHeads {
			return nil, envelopeError(ErrDamaged, "cell %s: %d heads", c.ID, len(wc.Heads))
		}
		if c.Heads, err = hashesFromWire(wc.Heads); err != nil {
			return nil, envelopeError(ErrDamaged, "cell %s: heads: %v", c.ID, err)
		}
		if len(wc.Since) > MaxHeads {
			return nil, envelopeError(ErrDamaged, "cell %s: %d since heads", c.ID, len(wc.Since))
		}
		if c.Since, err = hashesFromWire(wc.Since); err != nil {
			return nil, envelopeError(ErrDamaged, "cell %s: since: %v", c.ID, err)
		}
		if wc.Changes == nil || len(wc.Changes) > crdt.MaxDocumentSize {
			return nil, envelopeError(ErrDamaged, "cell %s: %d bytes of changes", c.ID, len(wc.Changes))
		}
		c.Changes = wc.Changes
		if w.Version >= 2 {
			if c.Changes, err = unpackChanges(wc.Changes); err != nil {
				return nil, envelopeError(ErrDamaged, "cell %s: %v", c.ID, err)
			}
		}
	}

	return cells, nil
}

// cardsFromWire checks and decodes the extra cards of w.
func cardsFromWire(w *wireEnvelope) ([]*identity.Card, error) {
	var cards []*identity.Card
	if len(w.Cards) > MaxCards {
		return nil, envelopeError(ErrDamaged, "%d cards", len(w.Cards))
	}
	if err := checkSorted(w.Cards, 0); err != nil {
		return nil, envelopeError(ErrDamaged, "cards: %v", err)
	}
	for _, cb := range w.Cards {
		if len(cb) > maxCardSize {
			return nil, envelopeError(ErrDamaged, "card of %d bytes", len(cb))
		}
		if bytes.Equal(cb, w.Sender) {
			return nil, envelopeError(ErrDamaged, "sender card repeated among the cards")
		}
		card, err := identity.DecodeCard(cb)
		if err != nil {
			return nil, envelopeError(ErrDamaged, "card: %v", err)
		}
		cards = append(cards, card)
	}

	return cards, nil
}

// recoveryFromWire checks the recovery entries of w (FORMAT.md §6.2), only
// in a version 3 envelope, and puts them into f.
func recoveryFromWire(w *wireEnvelope, f *File) error {
	if (w.Recovery != nil) != (w.Version >= 3) {
		return envelopeError(ErrDamaged, "recovery entries in a version %d envelope", w.Version)
	}
	if r := w.Recovery; r != nil {
		if len(r.Pieces) == 0 && len(r.Held) == 0 {
			return envelopeError(ErrDamaged, "empty recovery entries")
		}
		if len(r.Pieces) > MaxPieces || len(r.Held) > MaxHeld {
			return envelopeError(ErrDamaged, "%d recovery entries and %d held sets", len(r.Pieces), len(r.Held))
		}
		if err := checkSorted(r.Pieces, 0); err != nil {
			return envelopeError(ErrDamaged, "recovery entries: %v", err)
		}
		for _, p := range r.Pieces {
			if len(p) == 0 || len(p) > MaxSealedPiece {
				return envelopeError(ErrDamaged, "recovery entry of %d bytes", len(p))
			}
		}
		if err := checkSorted(r.Held, len(SetID{})); err != nil {
			return envelopeError(ErrDamaged, "held sets: %v", err)
		}
		f.Pieces = r.Pieces
		for _, h := range r.Held {
			f.Held = append(f.Held, SetID(h))
		}
	}

	return nil
}

// checkSorted reports whether bs is strictly increasing (sorted, no
// duplicates) and, when size is not zero, whether every element has that
// size.
func checkSorted(bs [][]byte, size int) error {
	for i, b := range bs {
		if size != 0 && len(b) != size {
			return fmt.Errorf("element of %d bytes, want %d", len(b), size)
		}
		if i > 0 && bytes.Compare(bs[i-1], b) >= 0 {
			return errors.New("out of order or given twice")
		}
	}
	return nil
}

func hashesFromWire(bs [][]byte) ([]crdt.ChangeHash, error) {
	if err := checkSorted(bs, len(crdt.ChangeHash{})); err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, nil
	}
	out := make([]crdt.ChangeHash, len(bs))
	for i, b := range bs {
		out[i] = crdt.ChangeHash(b)
	}
	return out, nil
}
