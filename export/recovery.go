package export

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"filippo.io/age"

	"trustdesk/identity"
)

// Limits of the recovery part of an envelope (FORMAT.md §6.2).
const (
	// MaxPieces is the largest number of sealed recovery entries in one
	// sync file.
	MaxPieces = 1000
	// MaxHeld is the largest number of piece set ids one sync file says
	// its sender holds.
	MaxHeld = 1000
	// MaxSealedPiece is the largest sealed recovery entry, in bytes.
	MaxSealedPiece = 4096
	// maxPieceData is the largest piece a writer seals: the private
	// serialization of an identity is well below it.
	maxPieceData = 1024
)

// A SetID names one split of a person's card into recovery pieces: all the
// pieces of one split carry it, and pieces of different splits never
// combine.
type SetID [16]byte

// PieceKind says what a recovery entry is.
type PieceKind uint8

const (
	// KindPiece is a recovery piece: the recipient is to keep it, or (in a
	// file to a card being brought back) to combine it with others.
	KindPiece PieceKind = 1
	// KindRetired tells a guardian that the pieces of a set are no longer
	// needed: its device forgets them.
	KindRetired PieceKind = 2
	// KindChange asks one of the owner's guardians in force to confirm a
	// change of guardians: Need of Of new guardians, Y their commitments
	// (crdt.ChangeCommitments, 16 bytes each).
	KindChange PieceKind = 3
	// KindAgree is a guardian's confirmation of the change Set of the
	// owner's guardians: Confirm is the signature (crdt.ChangeMessage).
	KindAgree PieceKind = 4
)

// A Piece is one recovery entry, sealed to one person with [SealPiece].
type Piece struct {
	Kind PieceKind
	// Owner is the id of the card the piece helps bring back.
	Owner identity.ID
	// Set is the split the piece belongs to.
	Set SetID
	// Created is when the split was made, in whole seconds: a guardian
	// keeps the newest set of each owner.
	Created time.Time
	// Need is how many pieces of the set bring the card back (KindPiece
	// only); Of is how many were made.
	Need, Of int
	// X is the piece's number, 1 to Of, and Y its bytes (KindPiece only;
	// for KindChange, Y holds the new guardians' commitments).
	X byte
	Y []byte
	// Confirm, in a piece released to a card being brought back, is the
	// guardian's confirmation that Owner's card is replaced by the
	// recipient's card (crdt.ConfirmMessage, 64 bytes); in a KindAgree
	// entry, the confirmation of a change of guardians; nil otherwise.
	Confirm []byte
}

// wirePiece is a Piece as encoded (FORMAT.md §6.2).
type wirePiece struct {
	Kind    uint64 `cbor:"1,keyasint"`
	Owner   []byte `cbor:"2,keyasint"`
	Set     []byte `cbor:"3,keyasint"`
	Created uint64 `cbor:"4,keyasint"`
	Need    uint64 `cbor:"5,keyasint,omitempty"`
	Of      uint64 `cbor:"6,keyasint,omitempty"`
	X       uint64 `cbor:"7,keyasint,omitempty"`
	Y       []byte `cbor:"8,keyasint,omitempty"`
	Confirm []byte `cbor:"9,keyasint,omitempty"`
}

// confirmSize is the size of a guardian's confirmation (an Ed25519
// signature).
const confirmSize = 64

// A change of guardians names at most maxChangeGuardians guardians
// (crdt.MaxGuardians), each by a commitment of commitmentSize bytes.
const (
	maxChangeGuardians = 20
	commitmentSize     = 16
)

// pieceTag starts the plaintext of a sealed recovery entry, so that no
// other age file for the same person is taken for one.
const pieceTag = "trustdesk/piece/v1\x00"

// SealPiece encrypts p to one person's card, as an age file with a
// single X25519 recipient, to be put in [File.Pieces].
func SealPiece(to *identity.Card, p *Piece) ([]byte, error) {
	w := wirePiece{Kind: uint64(p.Kind), Owner: bytes.Clone(p.Owner[:]), Set: bytes.Clone(p.Set[:]), Created: uint64(p.Created.Unix())}
	switch p.Kind {
	case KindPiece:
		if p.Need < 1 || p.Of < p.Need || p.Of > 255 || p.X == 0 || int(p.X) > p.Of || len(p.Y) == 0 || len(p.Y) > maxPieceData {
			return nil, errors.New("seal recovery piece: malformed piece")
		}
		if p.Confirm != nil && len(p.Confirm) != confirmSize {
			return nil, errors.New("seal recovery piece: malformed confirmation")
		}
		w.Need, w.Of, w.X, w.Y, w.Confirm = uint64(p.Need), uint64(p.Of), uint64(p.X), p.Y, p.Confirm
	case KindRetired:
		if p.Confirm != nil {
			return nil, errors.New("seal recovery piece: confirmation in a retired entry")
		}
	case KindChange:
		if p.Need < 1 || p.Of < p.Need || p.Of > maxChangeGuardians || len(p.Y) != commitmentSize*p.Of || p.X != 0 || p.Confirm != nil {
			return nil, errors.New("seal recovery piece: malformed change of guardians")
		}
		w.Need, w.Of, w.Y = uint64(p.Need), uint64(p.Of), p.Y
	case KindAgree:
		if len(p.Confirm) != confirmSize || p.Need != 0 || p.Of != 0 || p.X != 0 || p.Y != nil {
			return nil, errors.New("seal recovery piece: malformed confirmation of a change")
		}
		w.Confirm = p.Confirm
	default:
		return nil, errors.New("seal recovery piece: unknown kind")
	}
	if p.Created.Unix() <= 0 {
		return nil, errors.New("seal recovery piece: creation time before 1970")
	}
	b, err := encMode.Marshal(w)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	aw, err := ageEncrypt(&buf, to)
	if err != nil {
		return nil, err
	}
	aw.Write([]byte(pieceTag))
	aw.Write(b)
	clear(b)
	if err := aw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// OpenPiece decrypts and checks a sealed recovery entry. It returns an
// error wrapping [ErrNotForYou] if the entry is sealed to someone else
// (the usual case in a file for several people) and [ErrDamaged] if it is
// not a well-formed entry.
func OpenPiece(me *identity.Identity, sealed []byte) (*Piece, error) {
	if len(sealed) > MaxSealedPiece {
		return nil, fmt.Errorf("%w: recovery entry of %d bytes", ErrDamaged, len(sealed))
	}
	if err := checkHeader(sealed); err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), me.AgeIdentity())
	if err != nil {
		if _, ok := errors.AsType[*age.NoIdentityMatchError](err); ok {
			return nil, ErrNotForYou
		}
		return nil, fmt.Errorf("%w: recovery entry: %v", ErrDamaged, err)
	}
	plain, err := io.ReadAll(io.LimitReader(r, MaxSealedPiece))
	if err != nil {
		return nil, fmt.Errorf("%w: recovery entry: %v", ErrDamaged, err)
	}
	defer clear(plain)
	body, ok := bytes.CutPrefix(plain, []byte(pieceTag))
	if !ok {
		return nil, fmt.Errorf("%w: not a recovery entry", ErrDamaged)
	}
	var w wirePiece
	if err := decMode.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: recovery entry: %v", ErrDamaged, err)
	}
	if again, err := encMode.Marshal(&w); err != nil || !bytes.Equal(again, body) {
		return nil, fmt.Errorf("%w: recovery entry is not canonically encoded", ErrDamaged)
	}
	p := &Piece{Kind: PieceKind(w.Kind)}
	if len(w.Owner) != len(p.Owner) || len(w.Set) != len(p.Set) || w.Created == 0 || w.Created > 1<<40 {
		return nil, fmt.Errorf("%w: malformed recovery entry", ErrDamaged)
	}
	copy(p.Owner[:], w.Owner)
	copy(p.Set[:], w.Set)
	p.Created = time.Unix(int64(w.Created), 0).UTC()
	switch p.Kind {
	case KindPiece:
		if w.Need < 1 || w.Of < w.Need || w.Of > 255 || w.X < 1 || w.X > w.Of || len(w.Y) == 0 || len(w.Y) > maxPieceData {
			return nil, fmt.Errorf("%w: malformed recovery piece", ErrDamaged)
		}
		if w.Confirm != nil && len(w.Confirm) != confirmSize {
			return nil, fmt.Errorf("%w: malformed confirmation", ErrDamaged)
		}
		p.Need, p.Of, p.X, p.Y, p.Confirm = int(w.Need), int(w.Of), byte(w.X), bytes.Clone(w.Y), bytes.Clone(w.Confirm)
	case KindRetired:
		if w.Need != 0 || w.Of != 0 || w.X != 0 || w.Y != nil || w.Confirm != nil {
			return nil, fmt.Errorf("%w: malformed recovery entry", ErrDamaged)
		}
	case KindChange:
		if w.Need < 1 || w.Of < w.Need || w.Of > maxChangeGuardians || uint64(len(w.Y)) != commitmentSize*w.Of || w.X != 0 || w.Confirm != nil {
			return nil, fmt.Errorf("%w: malformed change of guardians", ErrDamaged)
		}
		p.Need, p.Of, p.Y = int(w.Need), int(w.Of), bytes.Clone(w.Y)
	case KindAgree:
		if len(w.Confirm) != confirmSize || w.Need != 0 || w.Of != 0 || w.X != 0 || w.Y != nil {
			return nil, fmt.Errorf("%w: malformed confirmation of a change", ErrDamaged)
		}
		p.Confirm = bytes.Clone(w.Confirm)
	default:
		return nil, fmt.Errorf("%w: recovery entry of unknown kind %d", ErrDamaged, w.Kind)
	}
	return p, nil
}

// ageEncrypt starts an age file to one card.
func ageEncrypt(w io.Writer, to *identity.Card) (io.WriteCloser, error) {
	return age.Encrypt(w, to.Recipient())
}
