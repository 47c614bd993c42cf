package core

// # Guardians: getting a lost card back
//
// A person chooses N guardians among their contacts verified in person and
// how many of them, K, are needed. What makes the card this card is the
// private identity serialization: the Ed25519 seed (signing), the X25519
// secret (decrypting sync files) and the card itself (pseudonym, creation
// time, self-signature), that is identity.Identity.MarshalBinary. It is
// split K-of-N (internal/shamir) and each guardian's piece travels sealed
// to that guardian inside the ordinary sync files (export/FORMAT.md §6.2).
// On a new device the person makes a temporary card; each guardian who
// meets them and compares the safety code of that temporary card sends it
// their piece, which the device takes only from someone it verified in
// person; K pieces give the same card back (same id), and cells come
// back through ordinary sync with the guardians and others.
//
// The threat model (what holds and what does not) is in
// export/FORMAT.md §6.2.

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
	"trustdesk/internal/shamir"
	"trustdesk/internal/words"
	"trustdesk/store"
)

// Store buckets and keys of the recovery pieces.
const (
	// bucketGuardians holds my own guardians and the pieces made for
	// them: group nil, key keyGuardians.
	bucketGuardians = "guardians"
	// bucketHeld holds the pieces I keep for others: group nil, key =
	// the owner's id.
	bucketHeld = "held"
	// bucketRecovery holds, on a device getting a card back, the pieces
	// received so far: group nil, key keyRecovery.
	bucketRecovery = "recovery"
)

var (
	keyGuardians = []byte("set")
	keyRecovery  = []byte("pieces")
	// keyUnnamed (in bucketGuardians) holds the id of the set of my
	// guardians kept but not yet named in my cells: written with the set,
	// deleted once NameGuardiansInCells named it. A start that finds it
	// names them (a kill or a full disk came between; see open).
	keyUnnamed = []byte("unnamed")
)

// Errors about guardians and recovery.
var (
	// ErrGuardians means the guardians chosen cannot be used: too few,
	// the same person twice, not verified in person, blocked, or yourself.
	ErrGuardians = errors.New("choose at least two different people you verified in person as guardians")
	// ErrIsGuardian means a contact to remove is one of my guardians, or
	// one of the new guardians a change of mine waits for.
	ErrIsGuardian = errors.New("that person is one of your guardians: choose other guardians first")
	// ErrNeed means the number of guardians needed is out of range.
	ErrNeed = errors.New("the number of guardians needed must be at least 2 and at most the number of guardians")
	// ErrNoPiece means this device holds no recovery piece for that person.
	ErrNoPiece = errors.New("you hold no recovery piece for that person")
	// ErrNotRecovering means the home is not getting a card back.
	ErrNotRecovering = errors.New("this device is not getting a card back")
	// ErrReleaseUnverified means a recovery piece was to be released to a
	// card not verified in person.
	ErrReleaseUnverified = errors.New("compare the safety code in person before you help someone get their card back")
)

// MaxGuardians is the largest number of guardians.
const MaxGuardians = 20

// DefaultNeed returns how many of n guardians are needed by default:
// about two thirds, at least 2.
func DefaultNeed(n int) int {
	return max(2, (2*n+2)/3)
}

// guardianSet is my current split and its guardians (stored as CBOR).
type guardianSet struct {
	Set       []byte           `cbor:"1,keyasint"`
	Created   int64            `cbor:"2,keyasint"`
	Need      int              `cbor:"3,keyasint"`
	Guardians []guardianRecord `cbor:"4,keyasint"`
	Retiring  []retiringRecord `cbor:"5,keyasint,omitempty"`
	// Pending is a change of guardians waiting for the agreement of
	// these guardians; Applied is the change that made them, whose
	// agreements change the guardians in cells reached later.
	Pending *pendingChange `cbor:"6,keyasint,omitempty"`
	Applied *pendingChange `cbor:"7,keyasint,omitempty"`
}

type guardianRecord struct {
	ID      []byte `cbor:"1,keyasint"`
	X       uint8  `cbor:"2,keyasint"`
	Y       []byte `cbor:"3,keyasint"`
	Reached bool   `cbor:"4,keyasint,omitempty"`
}

// retiringRecord is a former guardian whose device is still to be told
// to forget an old piece.
type retiringRecord struct {
	ID      []byte `cbor:"1,keyasint"`
	Set     []byte `cbor:"2,keyasint"`
	Created int64  `cbor:"3,keyasint"`
}

// heldRecord is a piece I keep for someone (stored as CBOR).
type heldRecord struct {
	Owner    []byte `cbor:"1,keyasint"` // the owner's card
	Set      []byte `cbor:"2,keyasint"`
	Created  int64  `cbor:"3,keyasint"`
	Need     int    `cbor:"4,keyasint"`
	Of       int    `cbor:"5,keyasint"`
	X        uint8  `cbor:"6,keyasint"`
	Y        []byte `cbor:"7,keyasint"`
	Received int64  `cbor:"8,keyasint"`
	// Forgotten marks a piece the owner retired: it is gone (Y is empty),
	// and the record stays so that this device may tell the owner so in a
	// file even when they share no cell.
	Forgotten bool `cbor:"9,keyasint,omitempty"`
	// Replaced lists the splits whose pieces this one replaced here, the
	// latest last (at most maxReplaced): a file that brings one of them
	// again does not bring it back (see supersedes).
	Replaced [][]byte `cbor:"10,keyasint,omitempty"`
}

// recoveryRecord is what a device getting a card back has received.
type recoveryRecord struct {
	Pieces []recoveryPiece `cbor:"1,keyasint"`
}

// getRecovery returns the pieces received by a device getting a card
// back, or nil if it is not getting one back. A record that cannot be
// read (damaged on disk, or of a form this build does not read) is there
// all the same, the device is getting its card back, and reads as no
// piece received: the guardians' files bring their pieces again. Failing
// on it instead kept every import failing, the guardians' files too, and
// the card never came back (TestDamagedRecoveryRecord).
func getRecovery(tx *store.Tx) (*recoveryRecord, error) {
	b, err := tx.Get(bucketRecovery, nil, keyRecovery)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case errors.Is(err, store.ErrDamaged):
		return &recoveryRecord{Pieces: []recoveryPiece{}}, nil
	case err != nil:
		return nil, err
	}
	var r recoveryRecord
	if cbor.Unmarshal(b, &r) != nil {
		return &recoveryRecord{Pieces: []recoveryPiece{}}, nil
	}
	return &r, nil
}

// getHeld returns the record of the piece I hold for owner, or nil. A
// record that cannot be read (damaged on disk, or of a form this build
// does not read) reads as no piece held: failing on it kept every file to
// or from the owner failing, and the owner, seeing the set no longer
// listed under held, sends the piece again (noteHeld)
// (TestDamagedHeldPiece).
func getHeld(tx *store.Tx, owner []byte) (*heldRecord, error) {
	b, err := tx.Get(bucketHeld, nil, owner)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrDamaged):
		return nil, nil
	case err != nil:
		return nil, err
	}
	var h heldRecord
	if cbor.Unmarshal(b, &h) != nil {
		return nil, nil
	}
	return &h, nil
}

type recoveryPiece struct {
	From    []byte `cbor:"1,keyasint"`
	Owner   []byte `cbor:"2,keyasint"`
	Set     []byte `cbor:"3,keyasint"`
	Created int64  `cbor:"4,keyasint"`
	Need    int    `cbor:"5,keyasint"`
	Of      int    `cbor:"6,keyasint"`
	X       uint8  `cbor:"7,keyasint"`
	Y       []byte `cbor:"8,keyasint"`
	// Confirm is the guardian's confirmation that the card may be
	// replaced by this device's temporary card, checked with Key.
	Confirm []byte `cbor:"9,keyasint,omitempty"`
	Key     []byte `cbor:"10,keyasint,omitempty"`
}

func getRecord[T any](tx *store.Tx, bucket string, key []byte) (*T, error) {
	b, err := tx.Get(bucket, nil, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var v T
	if err := cbor.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("read %s: %w", bucket, err)
	}
	return &v, nil
}

func putRecord(tx *store.Tx, bucket string, key []byte, v any) error {
	b, err := cborEnc.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(bucket, nil, key, b)
}

// Guardian is one of my guardians as shown to me.
type Guardian struct {
	Person
	// Reached is true once a file from them says their device holds the
	// piece.
	Reached bool `json:"reached"`
	// Replaced is true when one of my cells holds a replacement of this
	// guardian's card by a new one: their old computer, which holds my
	// piece and their old card (which confirms for me), is lost or in
	// other hands, so I should choose my guardians again.
	Replaced bool `json:"replaced,omitempty"`
}

// GuardianStatus is who holds my recovery pieces.
type GuardianStatus struct {
	// Need is how many guardians must help; zero when there are none.
	Need      int        `json:"need"`
	Guardians []Guardian `json:"guardians"`
	// Retiring are former guardians whose devices have not yet confirmed
	// that they forgot their old piece.
	Retiring []Person `json:"retiring,omitempty"`
	// Since is when the current pieces were made.
	Since time.Time `json:"since,omitzero"`
	// Pending is a change of guardians waiting for the agreement of
	// these guardians, or nil.
	Pending *PendingGuardians `json:"pending,omitempty"`
}

// SetGuardians makes new recovery pieces of my card, K = need of them
// needed, one for each guardian (contacts verified in person), and retires
// the pieces of earlier guardians. need 0 means [DefaultNeed]. The pieces
// travel in the next sync files to each guardian.
//
// When guardians of mine are already in force in one of my cells, the
// change waits for the agreement of as many of them as are needed
// (GuardianStatus.Pending): each meets me and agrees on their device
// ([Service.AgreeToChange]); once enough agreements came in, the new
// pieces are made and my cells get the change. Choosing again while a
// change waits replaces it.
func (s *Service) SetGuardians(ids []identity.ID, need int) (*GuardianStatus, error) {
	n := len(ids)
	if n < 2 || n > MaxGuardians {
		return nil, ErrGuardians
	}
	if need == 0 {
		need = DefaultNeed(n)
	}
	if need < 2 || need > n {
		return nil, ErrNeed
	}
	seen := map[identity.ID]bool{}
	for _, id := range ids {
		if seen[id] || id == s.me().Card.ID() {
			return nil, ErrGuardians
		}
		seen[id] = true
	}
	waits, err := s.changeWaits(ids, need)
	if err != nil || waits {
		return s.guardiansOr(err)
	}
	return s.split(ids, need, nil)
}

// guardiansOr returns err, or else what Guardians returns.
func (s *Service) guardiansOr(err error) (*GuardianStatus, error) {
	if err != nil {
		return nil, err
	}
	return s.Guardians()
}

// split makes new recovery pieces for the guardians ids, need of them
// needed, retires the old ones and names or changes the guardians in my
// cells; applied is the change that made them, if any.
func (s *Service) split(ids []identity.ID, need int, applied *pendingChange) (*GuardianStatus, error) {
	n := len(ids)
	seen := map[identity.ID]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	secret, err := s.me().MarshalBinary()
	if err != nil {
		return nil, err
	}
	pieces, err := shamir.Split(secret, n, need)
	clear(secret)
	if err != nil {
		return nil, err
	}
	set := &guardianSet{Set: make([]byte, 16), Created: s.opt.now().Unix(), Need: need, Applied: applied}
	if applied != nil {
		copy(set.Set, applied.Set) // the pieces of a change carry its id
	} else {
		rand.Read(set.Set)
	}
	s.beforeWriting()
	err = s.db.Update(func(tx *store.Tx) error {
		for i, id := range ids {
			c, err := getContact(tx, id)
			if err != nil {
				return err
			}
			if c.Verified != InPerson || c.Blocked {
				return fmt.Errorf("%w (%s)", ErrGuardians, c.Name())
			}
			set.Guardians = append(set.Guardians, guardianRecord{ID: id[:], X: pieces[i].X, Y: pieces[i].Y})
		}
		old, err := getRecord[guardianSet](tx, bucketGuardians, keyGuardians)
		if err != nil {
			return err
		}
		if applied != nil && (old == nil || old.Pending == nil || string(old.Pending.Set) != string(applied.Set)) {
			return errChangeMade // by another program on this home
		}
		if old != nil {
			// Former guardians are told to forget the old piece; those
			// chosen again get a newer one, which replaces it.
			for _, r := range old.Retiring {
				if !seen[identity.ID(r.ID)] {
					set.Retiring = append(set.Retiring, r)
				}
			}
			for _, g := range old.Guardians {
				if !seen[identity.ID(g.ID)] {
					set.Retiring = append(set.Retiring, retiringRecord{ID: g.ID, Set: old.Set, Created: old.Created})
				}
			}
		}
		if err := tx.Put(bucketGuardians, nil, keyUnnamed, set.Set); err != nil {
			return err
		}
		return putRecord(tx, bucketGuardians, keyGuardians, set)
	})
	if err == nil && s.afterGuardiansKept != nil {
		err = s.afterGuardiansKept()
	}
	if err != nil {
		return nil, err
	}
	if err := s.NameGuardiansInCells(); err != nil {
		return nil, err
	}
	return s.Guardians()
}

// Guardians says who holds my recovery pieces and whether they reached them.
func (s *Service) Guardians() (*GuardianStatus, error) {
	st := &GuardianStatus{Guardians: []Guardian{}}
	s.mu.Lock()
	cells, err := s.loadCells()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	replaced := replacedCards(cells, s.me().Card.ID())
	err = s.db.View(func(tx *store.Tx) error {
		set, err := getRecord[guardianSet](tx, bucketGuardians, keyGuardians)
		if err != nil || set == nil {
			return err
		}
		var ids []identity.ID
		for _, g := range set.Guardians {
			ids = append(ids, identity.ID(g.ID))
		}
		for _, r := range set.Retiring {
			ids = append(ids, identity.ID(r.ID))
		}
		names, err := s.contactNames(tx, ids...)
		if err != nil {
			return err
		}
		st.Need = set.Need
		st.Since = time.Unix(set.Created, 0).UTC()
		for _, g := range set.Guardians {
			id := identity.ID(g.ID)
			st.Guardians = append(st.Guardians, Guardian{Person: person(names, id), Reached: g.Reached, Replaced: replaced[id]})
		}
		for _, r := range set.Retiring {
			st.Retiring = append(st.Retiring, person(names, identity.ID(r.ID)))
		}
		st.Pending = s.pendingStatus(set, names)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// contactNames maps the user's own contacts, and the people of ids if
// this device holds their cards (people only introduced through a cell
// included: someone in a cell can name me a guardian), to the name this
// device shows. It does not read every person introduced through a cell:
// the guardians screen is read at every start.
func (s *Service) contactNames(tx *store.Tx, ids ...identity.ID) (map[identity.ID]string, error) {
	cs, err := listContacts(tx)
	if err != nil {
		return nil, err
	}
	names := map[identity.ID]string{}
	for _, c := range cs {
		names[c.ID()] = c.Name()
	}
	for _, id := range ids {
		if _, ok := names[id]; ok {
			continue
		}
		c, err := getContact(tx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		names[id] = c.Name()
	}
	return names, nil
}

// HeldPiece is a recovery piece this device keeps for someone.
type HeldPiece struct {
	// Owner is the person whose card the piece helps bring back.
	Owner Person `json:"owner"`
	// Need and Of: how many pieces bring the card back, of how many.
	Need     int       `json:"need"`
	Of       int       `json:"of"`
	Received time.Time `json:"received"`
	// pseudonym is the name on the owner's card.
	pseudonym string
}

// Sentence says it in plain words.
func (h HeldPiece) Sentence() string {
	return fmt.Sprintf("You hold a recovery piece for %s.", h.Owner.Name)
}

// HeldPieces lists the recovery pieces this device keeps for others.
func (s *Service) HeldPieces() ([]HeldPiece, error) {
	var out []HeldPiece
	err := eachRecord(s, bucketHeld, "held piece", func(id identity.ID, h *heldRecord, names map[identity.ID]string) {
		if h.Forgotten {
			return
		}
		var pseudonym string
		if card, err := identity.DecodeCard(h.Owner); err == nil {
			pseudonym = card.Pseudonym
		}
		if _, ok := names[id]; !ok {
			names[id] = pseudonym
		}
		out = append(out, HeldPiece{Owner: person(names, id), Need: h.Need, Of: h.Of, Received: time.Unix(h.Received, 0).UTC(), pseudonym: pseudonym})
	})
	return out, err
}

// eachRecord calls f with each record of bucket (group nil, keyed by a
// person's id), decoded, and the names this device shows; what names
// a record that does not decode.
func eachRecord[T any](s *Service, bucket, what string, f func(id identity.ID, v *T, names map[identity.ID]string)) error {
	return s.db.View(func(tx *store.Tx) error {
		recs, err := tx.List(bucket, nil)
		if err != nil {
			return err
		}
		ids := make([]identity.ID, len(recs))
		for i, r := range recs {
			if len(r.Key) != len(ids[i]) {
				return fmt.Errorf("read %s: a record is not filed under a person", what)
			}
			ids[i] = identity.ID(r.Key)
		}
		names, err := s.contactNames(tx, ids...)
		if err != nil {
			return err
		}
		for i, r := range recs {
			var v T
			if err := cbor.Unmarshal(r.Value, &v); err != nil {
				return fmt.Errorf("read %s: %w", what, err)
			}
			f(ids[i], &v, names)
		}
		return nil
	})
}

// ReleasePiece makes a sync file for the temporary card of someone getting
// their card back: it carries the piece this device holds for owner. to
// must be a contact verified in person (the safety code compared face to
// face).
func (s *Service) ReleasePiece(owner, to identity.ID) (*ExportResult, error) {
	if err := s.refuseReplaced(to); err != nil {
		return nil, err
	}
	var h *heldRecord
	var card *identity.Card
	err := s.db.Update(func(tx *store.Tx) error {
		var err error
		if h, err = getHeld(tx, owner[:]); err != nil {
			return err
		}
		if h == nil || h.Forgotten {
			return ErrNoPiece
		}
		c, err := getContact(tx, to)
		if err != nil {
			return err
		}
		if c.Verified != InPerson {
			return ErrReleaseUnverified
		}
		if c.Blocked {
			return ErrBlocked
		}
		card = c.Card
		// The temporary card gets a name of its own, so that it is never
		// taken for the owner's real card in the list of people.
		if c.Petname == "" {
			name := c.Card.Pseudonym
			if oc, err := getContact(tx, owner); err == nil {
				name = oc.Name()
			}
			if pet, err := normalizePetname(name + temporaryCard); err == nil {
				c.Petname = pet
				if err := putContact(tx, c); err != nil {
					return err
				}
			}
		}
		// The owner is on a new device: what this device knew they had
		// of each cell is gone with the old one, so the next files to
		// them carry whole cells again.
		return tx.DeleteGroup(bucketPeer, owner[:])
	})
	if err != nil {
		return nil, err
	}
	// The piece carries my confirmation that the owner's card may be
	// replaced by the card I met (crdt/SCHEMA.md §4.5).
	p := &export.Piece{Kind: export.KindPiece, Owner: owner, Set: export.SetID(h.Set), Created: time.Unix(h.Created, 0).UTC(),
		Need: h.Need, Of: h.Of, X: h.X, Y: h.Y, Confirm: crdt.Confirm(s.me(), owner, card).Signature}
	sealed, err := export.SealPiece(card, p)
	if err != nil {
		return nil, err
	}
	file := &export.File{Cells: []export.Cell{}, Pieces: [][]byte{sealed}}
	data, err := export.Seal(s.me(), []*identity.Card{card}, file, export.SealOptions{Now: s.opt.now()})
	if err != nil {
		return nil, err
	}
	names := map[identity.ID]string{to: card.Pseudonym}
	return &ExportResult{Data: data, Recipients: []Person{person(names, to)}}, nil
}

// FindHeldPiece finds whose recovery piece to release from a query (as
// FindContact) or, when query is empty, the only piece held or the one of
// the person named like the temporary card.
func (s *Service) FindHeldPiece(query string, temp *identity.Card) (identity.ID, error) {
	held, err := s.HeldPieces()
	if err != nil {
		return identity.ID{}, err
	}
	if len(held) == 0 {
		return identity.ID{}, ErrNoPiece
	}
	if query != "" {
		c, err := s.FindContact(query)
		if err != nil {
			return identity.ID{}, err
		}
		for _, h := range held {
			if h.Owner.ID == c.ID() {
				return c.ID(), nil
			}
		}
		return identity.ID{}, ErrNoPiece
	}
	var match []HeldPiece
	for _, h := range held {
		if len(held) == 1 || (temp != nil && (strings.EqualFold(h.pseudonym, temp.Pseudonym) || strings.EqualFold(h.Owner.Name, temp.Pseudonym))) {
			match = append(match, h)
		}
	}
	if len(match) != 1 {
		return identity.ID{}, ErrWhosePiece
	}
	return match[0].Owner.ID, nil
}

// ErrWhosePiece means several recovery pieces are held and none is clearly
// for the temporary card.
var ErrWhosePiece = errors.New("you hold recovery pieces for several people: say whose card to bring back")

// recoveryOut is what goes into a file for recipients: pieces not yet
// arrived, retirements, and the sets I hold for them.
func (s *Service) recoveryOut(tx *store.Tx, recipients []*identity.Card, file *export.File) error {
	set, err := getRecord[guardianSet](tx, bucketGuardians, keyGuardians)
	if err != nil {
		return err
	}
	for _, r := range recipients {
		id := r.ID()
		if set != nil {
			for _, g := range set.Guardians {
				if identity.ID(g.ID) == id && !g.Reached {
					p := &export.Piece{Kind: export.KindPiece, Owner: s.me().Card.ID(), Set: export.SetID(set.Set),
						Created: time.Unix(set.Created, 0).UTC(), Need: set.Need, Of: len(set.Guardians), X: g.X, Y: g.Y}
					sealed, err := export.SealPiece(r, p)
					if err != nil {
						return err
					}
					file.Pieces = append(file.Pieces, sealed)
				}
			}
			if err := s.changeOut(set, r, file); err != nil {
				return err
			}
			for _, g := range set.Retiring {
				if identity.ID(g.ID) == id {
					p := &export.Piece{Kind: export.KindRetired, Owner: s.me().Card.ID(), Set: export.SetID(g.Set), Created: time.Unix(g.Created, 0).UTC()}
					sealed, err := export.SealPiece(r, p)
					if err != nil {
						return err
					}
					file.Pieces = append(file.Pieces, sealed)
				}
			}
		}
		h, err := getHeld(tx, id[:])
		if err != nil {
			return err
		}
		if h != nil && !h.Forgotten {
			file.Held = append(file.Held, export.SetID(h.Set))
		}
	}
	return nil
}

// concernsRecovery reports whether this device has something to say to
// id about recovery pieces even when they share no cell: id is my
// guardian or former guardian, or I hold (or held) a piece for them.
func (s *Service) concernsRecovery(tx *store.Tx, id identity.ID) (bool, error) {
	h, err := getHeld(tx, id[:])
	if err != nil || h != nil {
		return h != nil, err
	}
	set, err := getRecord[guardianSet](tx, bucketGuardians, keyGuardians)
	if err != nil || set == nil {
		return false, err
	}
	return slices.ContainsFunc(set.Guardians, func(g guardianRecord) bool { return identity.ID(g.ID) == id }) ||
		slices.ContainsFunc(set.Retiring, func(r retiringRecord) bool { return identity.ID(r.ID) == id }), nil
}

// recoveryIn is what a sync file brings about recovery pieces, read before
// the import is applied.
type recoveryIn struct {
	pieces []*export.Piece // entries sealed to me
	// fromOldCard is set when the sender's card was replaced by a new one
	// in one of my cells: whoever holds it now may not be its owner, so
	// what it says of its own pieces and guardians is left out
	// (TestAttackThiefAsksGuardiansAfterReplacement).
	fromOldCard bool
}

// openRecovery opens the entries of file sealed to me. An entry for me
// that is damaged refuses the whole file.
func (s *Service) openRecovery(file *export.File) (*recoveryIn, error) {
	in := &recoveryIn{}
	for _, sealed := range file.Pieces {
		p, err := export.OpenPiece(s.me(), sealed)
		if errors.Is(err, export.ErrNotForYou) {
			continue
		}
		if err != nil {
			return nil, err
		}
		in.pieces = append(in.pieces, p)
	}
	return in, nil
}

// RecoveryNews is what a sync file changed about recovery pieces.
type RecoveryNews struct {
	// HeldFor is set when this device now keeps a recovery piece for the
	// sender.
	HeldFor string `json:"held_for,omitempty"`
	// Forgot is set when the sender told this device to forget the piece
	// it held for them.
	Forgot string `json:"forgot,omitempty"`
	// Reached is set when the file says the sender's device holds my piece.
	Reached string `json:"reached,omitempty"`
	// Progress is set on a device getting a card back.
	Progress *RecoveryProgress `json:"progress,omitempty"`
	// Asked is set when the sender asks this device to agree to their
	// new guardians; Agreed when the sender agreed to mine; Changed when
	// that made my new guardians; NotChanged when enough agreed but one
	// of the new guardians can no longer be one (no longer verified in
	// person, or blocked), so nothing changed.
	Asked  string `json:"asked,omitempty"`
	Agreed string `json:"agreed,omitempty"`
	// FromOldCard is set when the sender's card was replaced by a new one
	// and the file said something about its own recovery pieces or
	// guardians: it was left out.
	FromOldCard string `json:"from_old_card,omitempty"`
	// Unmet is set on a device getting a card back when the sender sent a
	// piece but is not someone this device verified in person: the piece
	// was not taken.
	Unmet      string `json:"unmet,omitempty"`
	Changed    bool   `json:"changed,omitempty"`
	NotChanged bool   `json:"not_changed,omitempty"`
}

// RecoveryProgress is how far a device is in getting a card back.
type RecoveryProgress struct {
	// Need pieces of Of bring the card back; Received have come.
	Need     int `json:"need"`
	Of       int `json:"of"`
	Received int `json:"received"`
	// Recovered is true once the card is back; Name and ID are then the
	// card's.
	Recovered bool   `json:"recovered"`
	Name      string `json:"name,omitempty"`
	ID        string `json:"id,omitempty"`
}

// Sentence says it in plain words.
func (p *RecoveryProgress) Sentence() string {
	ph := p.phrase()
	return strings.ToUpper(ph[:1]) + ph[1:] + "."
}

// phrase says it as part of a sentence.
func (p *RecoveryProgress) phrase() string {
	switch {
	case p.Recovered:
		return fmt.Sprintf("your card is back: you are %s again (card %s), and your cells come back as your people send you sync files", p.Name, p.ID)
	case p.Need == 0:
		return "no recovery pieces received yet: ask your guardians to help you get your card back"
	}
	return fmt.Sprintf("%s of %s pieces needed, %s received", words.Number(p.Need), words.Number(p.Of), words.Number(p.Received))
}

func (n *RecoveryNews) empty() bool {
	return n == nil || (n.HeldFor == "" && n.Forgot == "" && n.Reached == "" && n.Progress == nil && n.Asked == "" && n.Agreed == "" && n.FromOldCard == "" && n.Unmet == "" && !n.Changed && !n.NotChanged)
}

// applyRecovery stores what a checked file brings about recovery pieces,
// inside the import transaction. It returns the recovered identity when
// the pieces now give the card back.
func (s *Service) applyRecovery(tx *store.Tx, file *export.File, in *recoveryIn, senderName string) (*RecoveryNews, *identity.Identity, error) {
	news := &RecoveryNews{}
	recovering, err := getRecovery(tx)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range in.pieces {
		if err := s.takePiece(tx, file, p, recovering, in.fromOldCard, senderName, news); err != nil {
			return nil, nil, err
		}
	}
	var got *identity.Identity
	if recovering != nil {
		if got, err = s.recoverWith(tx, recovering, news); err != nil {
			return nil, nil, err
		}
	}
	if err := noteHeld(tx, file, senderName, news); err != nil {
		return nil, nil, err
	}
	return news, got, nil
}

// takePiece takes in one piece or retirement from the sender's file: a
// piece for the card this device is getting back, or one the sender asks
// this device to hold (or no longer hold) for them. Of an old card
// (fromOldCard) it takes in only agreements to my own change.
func (s *Service) takePiece(tx *store.Tx, file *export.File, p *export.Piece, recovering *recoveryRecord, fromOldCard bool, senderName string, news *RecoveryNews) error {
	sender := file.Sender.ID()
	switch {
	case recovering != nil && p.Kind == export.KindPiece:
		met, err := metInPerson(tx, sender)
		if err != nil {
			return err
		}
		if !met {
			news.Unmet = senderName
			return nil
		}
		rp := recoveryPiece{From: sender[:], Owner: p.Owner[:], Set: p.Set[:], Created: p.Created.Unix(), Need: p.Need, Of: p.Of, X: p.X, Y: p.Y}
		s.keepConfirmation(&rp, file.Sender, p.Confirm)
		recovering.keep(rp)
	case p.Kind == export.KindAgree:
		return s.takeAgreement(tx, file.Sender, p, senderName, news)
	case p.Owner != sender:
		// Only the owner hands out or retires their pieces, and asks
		// for a change of guardians.
	case fromOldCard:
		news.FromOldCard = senderName
	case p.Kind == export.KindChange:
		return takeChangeAsk(tx, file.Sender, p, s.opt.now().Unix(), senderName, news)
	case p.Kind == export.KindPiece:
		return s.holdPiece(tx, file.Sender, p, senderName, news)
	case p.Kind == export.KindRetired:
		old, err := getHeld(tx, sender[:])
		if err != nil {
			return err
		}
		if old != nil && !old.Forgotten && string(old.Set) == string(p.Set[:]) {
			if _, err := forgetAsked(tx, sender, nil); err != nil {
				return err
			}
			gone := heldRecord{Owner: old.Owner, Set: old.Set, Created: old.Created, Received: old.Received, Forgotten: true, Replaced: old.Replaced}
			if err := putRecord(tx, bucketHeld, sender[:], gone); err != nil {
				return err
			}
			news.Forgot = senderName
		}
	}
	return nil
}

// metInPerson reports whether a device getting a card back takes pieces
// from the sender: someone it verified in person and did not block. Only
// the person knows who their guardians are; without this, anyone who
// learned the temporary card could send pieces of a card of their own,
// named as the person, and the device would take that card (with keys
// the sender holds) as the one got back, or fill its kept pieces with
// made-up ones (FORMAT §6.2).
func metInPerson(tx *store.Tx, id identity.ID) (bool, error) {
	c, err := getContact(tx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.Verified == InPerson && !c.Blocked, nil
}

// keepMet drops the pieces of senders this device no longer takes pieces
// from (see metInPerson): kept by an earlier version, which took pieces
// from anyone, or sent by someone blocked since.
func keepMet(tx *store.Tx, r *recoveryRecord) error {
	kept := r.Pieces[:0]
	for _, p := range r.Pieces {
		var from identity.ID
		copy(from[:], p.From)
		met, err := metInPerson(tx, from)
		if err != nil {
			return err
		}
		if met {
			kept = append(kept, p)
		}
	}
	clear(r.Pieces[len(kept):])
	r.Pieces = kept
	return nil
}

// holdPiece keeps the piece of its sender's card the sender asks this
// device to hold, unless it is of a split older than the one held (see
// supersedes), retired, or replaced here before (a file brought again).
func (s *Service) holdPiece(tx *store.Tx, sender *identity.Card, p *export.Piece, senderName string, news *RecoveryNews) error {
	id := sender.ID()
	old, err := getHeld(tx, id[:])
	if err != nil {
		return err
	}
	now := s.opt.now().Unix()
	if old != nil && (!supersedes(p.Created.Unix(), now, old.Created, old.Received) || old.Forgotten && string(old.Set) == string(p.Set[:]) ||
		replacedHere(old.Replaced, p.Set[:])) {
		return nil // an older split than the one held, or one retired or replaced
	}
	// The pieces a change made answer it.
	answered, err := forgetAsked(tx, id, p.Set[:])
	if err != nil {
		return err
	}
	h := heldRecord{Owner: sender.Bytes(), Set: p.Set[:], Created: p.Created.Unix(), Need: p.Need, Of: p.Of, X: p.X, Y: p.Y, Received: now}
	switch {
	case old == nil:
		news.HeldFor = senderName
	case old.Forgotten || string(old.Set) != string(h.Set):
		news.HeldFor = senderName
		h.Replaced = afterReplacing(old.Replaced, old.Set)
	default:
		h.Received, h.Replaced = old.Received, old.Replaced
	}
	h.Replaced = afterReplacing(h.Replaced, answered...)
	return putRecord(tx, bucketHeld, id[:], h)
}

// keep adds rp to the pieces received as the one received last: in the
// place of the piece its sender sent before, if any (a guardian holds
// one piece of a card, so a sender counts for one piece, the latest),
// and beyond maxRecoveryPieces in the place of the piece received
// longest ago; a piece received again (a file imported again) moves to
// the end as it was. A device getting its card back knows nobody, so no
// sender can come first for who they are, only for when: one file
// carrying that many made-up pieces (TestAttackRecoveryFloodedByOneFile),
// or a ring of made-up cards each sending one
// (TestAttackRecoveryFilledByARing), filled the record for good, and the
// guardians' pieces were dropped. Now the pieces of the last
// maxRecoveryPieces senders are kept: a guardian's piece gives way only
// to that many files from others imported after it.
func (r *recoveryRecord) keep(rp recoveryPiece) {
	if i := slices.IndexFunc(r.Pieces, func(q recoveryPiece) bool {
		return string(q.Set) == string(rp.Set) && q.X == rp.X && string(q.Y) == string(rp.Y)
	}); i >= 0 {
		rp = r.Pieces[i]
		r.Pieces = slices.Delete(r.Pieces, i, i+1)
	}
	r.Pieces = slices.DeleteFunc(r.Pieces, func(q recoveryPiece) bool { return string(q.From) == string(rp.From) })
	r.Pieces = append(r.Pieces[max(0, len(r.Pieces)+1-maxRecoveryPieces):], rp)
}

// recoverWith keeps the pieces received so far and, once they bring the
// card back, makes it this device's card. It returns the card got back,
// or nil.
func (s *Service) recoverWith(tx *store.Tx, recovering *recoveryRecord, news *RecoveryNews) (*identity.Identity, error) {
	if err := keepMet(tx, recovering); err != nil {
		return nil, err
	}
	if err := putRecord(tx, bucketRecovery, keyRecovery, recovering); err != nil {
		return nil, err
	}
	var got *identity.Identity
	var used []recoveryPiece
	news.Progress, got, used = progress(recovering)
	if got == nil {
		return nil, nil
	}
	secret, err := got.MarshalBinary()
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	set := helpers(recovering, used)
	if err := s.keepSuccessor(tx, recovering, got, set); err != nil {
		return nil, err
	}
	// The guardians who helped are guardians of the card in force in
	// its cells: a change of guardians will need their agreement.
	if set != nil {
		if err := putRecord(tx, bucketGuardians, keyGuardians, set); err != nil {
			return nil, err
		}
	}
	if err := tx.Put(bucketSelf, nil, keyIdentity, secret); err != nil {
		return nil, err
	}
	if err := tx.Delete(bucketRecovery, nil, keyRecovery); err != nil {
		return nil, err
	}
	// The card back is the one the guardians' contacts know; a contact
	// entry for it on this device would be my own card.
	own := got.Card.ID()
	if err := deleteContact(tx, own); err != nil {
		return nil, err
	}
	return got, nil
}

// helpers returns, for a device that got its card back with the pieces
// used, the guardians who released pieces of that split, as my
// guardians (their pieces arrived long ago), or nil: each sender of a
// piece of it that lies on the split (see onSplit). The id of a split is
// no secret to the people in a cell of its owner (a guardian's file to
// the cell lists it as held): a made-up piece of it, sent by a made-up
// card, made that card one of my guardians here
// (TestAttackRecoveryPiecesOfTheRealSet).
func helpers(r *recoveryRecord, used []recoveryPiece) *guardianSet {
	if len(used) == 0 {
		return nil
	}
	u := used[0]
	want, err := shamir.Combine(shamirPieces(used))
	if err != nil {
		return nil
	}
	defer clear(want)
	set := &guardianSet{Set: u.Set, Created: u.Created, Need: u.Need}
	for _, p := range r.Pieces {
		if string(p.Set) != string(u.Set) || string(p.Owner) != string(u.Owner) || p.Need != u.Need || !onSplit(used, p, want) ||
			set.has(identity.ID(p.From)) {
			continue
		}
		set.Guardians = append(set.Guardians, guardianRecord{ID: p.From, X: p.X, Y: p.Y, Reached: true})
	}
	return set
}

// has reports whether id is one of the guardians of set (none if set is
// nil).
func (set *guardianSet) has(id identity.ID) bool {
	return set != nil && slices.ContainsFunc(set.Guardians, func(g guardianRecord) bool { return identity.ID(g.ID) == id })
}

// onSplit reports whether p lies on the split whose pieces used (need
// pieces of distinct numbers) give secret: p with need-1 of the others
// give it too. A wrong byte of p would change the byte of the secret it
// is combined into, its factor at 0 being non-zero.
func onSplit(used []recoveryPiece, p recoveryPiece, secret []byte) bool {
	others := slices.DeleteFunc(slices.Clone(used), func(q recoveryPiece) bool { return q.X == p.X })
	if len(others) < len(used)-1 {
		return false
	}
	got, err := shamir.Combine(shamirPieces(append(others[:len(used)-1], p)))
	defer clear(got)
	return err == nil && bytes.Equal(got, secret)
}

// shamirPieces returns the numbers and bytes of ps.
func shamirPieces(ps []recoveryPiece) []shamir.Piece {
	out := make([]shamir.Piece, len(ps))
	for i, p := range ps {
		out[i] = shamir.Piece{X: p.X, Y: p.Y}
	}
	return out
}

// noteHeld records what the sender's file says they hold of my pieces.
func noteHeld(tx *store.Tx, file *export.File, senderName string, news *RecoveryNews) error {
	sender := file.Sender.ID()
	set, err := getRecord[guardianSet](tx, bucketGuardians, keyGuardians)
	if err != nil || set == nil {
		return err
	}
	changed := false
	for i, g := range set.Guardians {
		if identity.ID(g.ID) != sender {
			continue
		}
		holds := slices.Contains(file.Held, export.SetID(set.Set))
		if holds != g.Reached {
			// A guardian's file lists what it holds for each recipient;
			// one that no longer lists my set lost it (a damaged record,
			// a device restored from an older backup): my next file to
			// them carries the piece again.
			set.Guardians[i].Reached = holds
			if holds {
				news.Reached = senderName
			}
			changed = true
		}
	}
	set.Retiring = slices.DeleteFunc(set.Retiring, func(r retiringRecord) bool {
		gone := identity.ID(r.ID) == sender && !slices.Contains(file.Held, export.SetID(r.Set))
		changed = changed || gone
		return gone
	})
	if !changed {
		return nil
	}
	return putRecord(tx, bucketGuardians, keyGuardians, set)
}

// progress says how far the pieces received go, and rebuilds the card
// when they are enough: for each split, any Need pieces of it whose
// combination is an identity matching its own card, with the owner's id
// (it returns those pieces too). It tries the splits and pieces received
// last first: the tries are bounded (maxCombinations), and the subsets
// of made-up pieces received before, of a split of their own or of the
// real one, used them up before the guardians' pieces received after
// them were tried (TestAttackRecoveryPiecesOfTheRealSet).
func progress(r *recoveryRecord) (*RecoveryProgress, *identity.Identity, []recoveryPiece) {
	best := &RecoveryProgress{}
	bySet := map[string][]recoveryPiece{}
	var order []string
	for _, p := range slices.Backward(r.Pieces) {
		if _, ok := bySet[string(p.Set)]; !ok {
			order = append(order, string(p.Set))
		}
		bySet[string(p.Set)] = append(bySet[string(p.Set)], p)
	}
	budget := maxCombinations
	for _, k := range order {
		ps := bySet[k]
		need := ps[0].Need
		// Pieces of the same owner and need; a piece number given twice
		// with different bytes (one of them wrong) is kept twice, and
		// counted once.
		var use []recoveryPiece
		numbers := map[uint8]bool{}
		for _, p := range ps {
			if p.Need == need && string(p.Owner) == string(ps[0].Owner) {
				use = append(use, p)
				numbers[p.X] = true
			}
		}
		n := len(numbers)
		if best.Need == 0 || float64(n)/float64(need) > float64(best.Received)/float64(best.Need) {
			best = &RecoveryProgress{Need: need, Of: ps[0].Of, Received: min(n, need)}
		}
		if n < need {
			continue
		}
		if id, used := combineAny(use, need, identity.ID(ps[0].Owner), &budget); id != nil {
			return &RecoveryProgress{Need: need, Of: ps[0].Of, Received: need, Recovered: true, Name: id.Card.Pseudonym, ID: id.Card.ID().String()}, id, used
		}
	}
	return best, nil, nil
}

// Bounds on the work a device getting a card back does for pieces from
// strangers: it keeps at most maxRecoveryPieces, and tries at most
// maxCombinations subsets of them (some may be wrong) per import.
const (
	maxRecoveryPieces = 64
	maxCombinations   = 5000
)

// combineAny tries subsets of need pieces until one rebuilds an identity
// with the owner's id, or the budget of tries is spent. It returns the
// identity and the pieces that rebuilt it, or nil.
func combineAny(ps []recoveryPiece, need int, owner identity.ID, budget *int) (*identity.Identity, []recoveryPiece) {
	var found *identity.Identity
	var used []recoveryPiece
	var pick func(start int, chosen []recoveryPiece) bool
	pick = func(start int, chosen []recoveryPiece) bool {
		if len(chosen) == need {
			if *budget <= 0 {
				return true
			}
			*budget--
			secret, err := shamir.Combine(shamirPieces(chosen))
			if err != nil {
				return false
			}
			id, err := identity.UnmarshalIdentity(secret)
			clear(secret)
			if err == nil && id.Card.ID() == owner {
				found, used = id, slices.Clone(chosen)
				return true
			}
			return false
		}
		for i := start; i < len(ps); i++ {
			if pick(i+1, append(chosen, ps[i])) {
				return true
			}
		}
		return false
	}
	pick(0, nil)
	return found, used
}

// StartRecovery makes a temporary card named name in an empty home, for
// getting a lost card back: guardians release their pieces to it.
func StartRecovery(home, name string, passphrase []byte, opt Options) (*Service, error) {
	s, err := Init(home, name, passphrase, opt)
	if err != nil {
		return nil, err
	}
	err = s.db.Update(func(tx *store.Tx) error {
		return putRecord(tx, bucketRecovery, keyRecovery, &recoveryRecord{Pieces: []recoveryPiece{}})
	})
	if err != nil {
		s.Close()
		_ = store.Wipe(home)
		return nil, err
	}
	return s, nil
}

// Recovery says how far this device is in getting a card back; it returns
// ErrNotRecovering when it is not getting one back.
func (s *Service) Recovery() (*RecoveryProgress, error) {
	var p *RecoveryProgress
	err := s.db.View(func(tx *store.Tx) error {
		r, err := getRecovery(tx)
		if err != nil {
			return err
		}
		if r == nil {
			return ErrNotRecovering
		}
		if err := keepMet(tx, r); err != nil {
			return err
		}
		p, _, _ = progress(r)
		return nil
	})
	return p, err
}

// refuseGuardian returns ErrIsGuardian if id is one of my guardians, or
// one of the new guardians a change of mine waits for: their contact
// holds the card my cells know them by (signingKeys), and without it no
// change or naming of my guardians could be made, and every import that
// names them in a cell failed after taking its file in
// (TestRemoveGuardianRefused).
func refuseGuardian(tx *store.Tx, id identity.ID) error {
	set, err := getRecord[guardianSet](tx, bucketGuardians, keyGuardians)
	if err != nil || set == nil {
		return err
	}
	is := func(b []byte) bool { return identity.ID(b) == id }
	for _, g := range set.Guardians {
		if is(g.ID) {
			return ErrIsGuardian
		}
	}
	if set.Pending != nil && slices.ContainsFunc(set.Pending.IDs, is) {
		return ErrIsGuardian
	}
	return nil
}
