package core

// # Changing guardians
//
// Once my guardians are in force in a cell, whoever holds my card could
// otherwise swap them for accomplices; so a change of guardians needs the
// agreement of as many of the guardians in force as a replacement does
// (crdt/SCHEMA.md §4.5). SetGuardians then keeps the change waiting: each
// file to a guardian in force carries the change (export/FORMAT.md §6.2);
// the guardian meets me, types the code my device shows for the change
// and writes me a file with their agreement (AgreeToChange). When enough
// agreements came in, the new pieces are made, the old ones retired, and
// every cell of mine gets the change with the agreements in it.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
	"trustdesk/store"
)

// bucketAsked holds, on a guardian's device, the newest change of
// guardians each owner asked it to agree to: group nil, key = the owner's
// id.
const bucketAsked = "asked"

// Errors about changing guardians.
var (
	// ErrNoChange means the person asked no change of guardians of this
	// device.
	ErrNoChange = errors.New("that person has not asked you to agree to new guardians")
	// ErrChangeCode means the code typed is not the code of the change.
	ErrChangeCode = errors.New("the code is not the one of the change this device received")
)

// pendingChange is a change of my guardians waiting for the agreement of
// the guardians in force, or the change that made my guardians.
type pendingChange struct {
	Set     []byte          `cbor:"1,keyasint"` // the change's id
	Created int64           `cbor:"2,keyasint"`
	IDs     [][]byte        `cbor:"3,keyasint"` // the new guardians
	Keys    [][]byte        `cbor:"4,keyasint"` // their signing keys
	Need    int             `cbor:"5,keyasint"`
	Agreed  []confirmRecord `cbor:"6,keyasint,omitempty"`
}

func (p *pendingChange) keys() []ed25519.PublicKey {
	ks := make([]ed25519.PublicKey, len(p.Keys))
	for i, k := range p.Keys {
		ks[i] = k
	}
	return ks
}

// nonce is the change's id, which the agreements sign.
func (p *pendingChange) nonce() [16]byte { return nonceOf(p.Set) }

// nonceOf returns the 16 bytes of a change's id as stored.
func nonceOf(b []byte) [16]byte {
	var n [16]byte
	copy(n[:], b)
	return n
}

func (p *pendingChange) ids() []identity.ID {
	ids := make([]identity.ID, len(p.IDs))
	for i, id := range p.IDs {
		ids[i] = identity.ID(id)
	}
	return ids
}

// confirmations returns the agreements as confirmations of the change.
func (p *pendingChange) confirmations() []crdt.Confirmation {
	var cs []crdt.Confirmation
	for _, a := range p.Agreed {
		if len(a.Key) == 32 {
			cs = append(cs, crdt.Confirmation{Key: [32]byte(a.Key), Signature: a.Signature})
		}
	}
	return cs
}

// askedRecord is a change of guardians an owner asked me to agree to.
type askedRecord struct {
	Owner       []byte `cbor:"1,keyasint"` // the owner's card
	Set         []byte `cbor:"2,keyasint"`
	Created     int64  `cbor:"3,keyasint"`
	Need        int    `cbor:"4,keyasint"`
	Commitments []byte `cbor:"5,keyasint"`
	// Agreed is set once I made my agreement to it (AgreeToChange).
	Agreed bool `cbor:"6,keyasint,omitempty"`
	// Received is when the ask came in, by this device's clock (0 if
	// kept by an older build; see supersedes).
	Received int64 `cbor:"7,keyasint,omitempty"`
	// Replaced lists the changes this ask replaced here, the latest last
	// (at most maxReplaced): a file that brings one of them again does
	// not bring it back (see supersedes).
	Replaced [][]byte `cbor:"8,keyasint,omitempty"`
}

func (a *askedRecord) commitments() []crdt.Commitment {
	gs := make([]crdt.Commitment, len(a.Commitments)/16)
	for i := range gs {
		copy(gs[i][:], a.Commitments[16*i:])
	}
	return gs
}

// changeCode is the code both devices show for a change of owner's
// guardians, compared in person: twelve digits made from what the
// guardian agrees to.
func changeCode(owner identity.ID, need int, gs []crdt.Commitment, nonce [16]byte) string {
	sum := sha256.Sum256(crdt.ChangeMessage(owner, need, gs, nonce))
	var b strings.Builder
	for i := range 3 {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%04d", binary.BigEndian.Uint32(sum[4*i:])%10000)
	}
	return b.String()
}

// PendingGuardians is a change of my guardians that waits for the
// agreement of my guardians in force.
type PendingGuardians struct {
	// Need of Guardians will be needed once the change is made.
	Need      int      `json:"need"`
	Guardians []Person `json:"guardians"`
	// Agreed are the guardians in force who agreed so far; Needed is how
	// many of them must.
	Agreed []Person `json:"agreed"`
	Needed int      `json:"needed"`
	// Code is what each guardian in force compares with me in person.
	Code string `json:"code"`
}

// pendingStatus describes set.Pending for me.
func (s *Service) pendingStatus(set *guardianSet, names map[identity.ID]string) *PendingGuardians {
	p := set.Pending
	if p == nil {
		return nil
	}
	gs := crdt.ChangeCommitments(s.me(), p.keys())
	out := &PendingGuardians{Need: p.Need, Guardians: []Person{}, Agreed: []Person{}, Needed: set.Need, Code: changeCode(s.me().Card.ID(), p.Need, gs, p.nonce())}
	for _, id := range p.ids() {
		out.Guardians = append(out.Guardians, person(names, id))
	}
	for _, a := range p.Agreed {
		out.Agreed = append(out.Agreed, person(names, identity.ID(a.From)))
	}
	return out
}

// changeWaits keeps the choice of guardians ids, need of them needed,
// waiting for agreements when guardians of mine are named in one of my
// cells and they are not my guardians already. It reports whether it did.
func (s *Service) changeWaits(ids []identity.ID, need int) (bool, error) {
	cells, err := s.cellsNow()
	if err != nil {
		return false, err
	}
	me := s.me()
	if !slices.ContainsFunc(sortedCells(cells), func(c *crdt.Cell) bool { return c.State().NamedGuardians(me.Card.ID()) }) {
		return false, nil
	}
	waits := false
	err = s.db.Update(func(tx *store.Tx) error {
		set, err := getRecord[guardianSet](tx, bucketGuardians, keyGuardians)
		if err != nil || set == nil {
			return err
		}
		if set.Need == need && len(set.Guardians) == len(ids) && !slices.ContainsFunc(set.Guardians, func(g guardianRecord) bool { return !slices.Contains(ids, identity.ID(g.ID)) }) {
			return nil // the same guardians: new pieces at once
		}
		p := &pendingChange{Set: make([]byte, 16), Created: s.opt.now().Unix(), Need: need}
		rand.Read(p.Set)
		for _, id := range ids {
			c, err := getContact(tx, id)
			if err != nil {
				return err
			}
			if c.Verified != InPerson || c.Blocked {
				return fmt.Errorf("%w (%s)", ErrGuardians, c.Name())
			}
			p.IDs = append(p.IDs, id[:])
			p.Keys = append(p.Keys, c.Card.SigningKey)
		}
		set.Pending, waits = p, true
		return putRecord(tx, bucketGuardians, keyGuardians, set)
	})
	return waits, err
}

// changeOut adds to file, for recipient r, the change of my guardians
// waiting for r's agreement, if r is one of my guardians who has not
// agreed yet.
func (s *Service) changeOut(set *guardianSet, r *identity.Card, file *export.File) error {
	p := set.Pending
	id := r.ID()
	if p == nil || !slices.ContainsFunc(set.Guardians, func(g guardianRecord) bool { return identity.ID(g.ID) == id }) ||
		slices.ContainsFunc(p.Agreed, func(a confirmRecord) bool { return identity.ID(a.From) == id }) {
		return nil
	}
	var y []byte
	for _, g := range crdt.ChangeCommitments(s.me(), p.keys()) {
		y = append(y, g[:]...)
	}
	sealed, err := export.SealPiece(r, &export.Piece{Kind: export.KindChange, Owner: s.me().Card.ID(), Set: export.SetID(p.Set),
		Created: time.Unix(p.Created, 0).UTC(), Need: p.Need, Of: len(p.IDs), Y: y})
	if err != nil {
		return err
	}
	file.Pieces = append(file.Pieces, sealed)
	return nil
}

// takeChangeAsk keeps, on a guardian's device, the newest change of
// guardians its sender asks it to agree to (see supersedes), if it holds
// a piece for them. now is this device's clock.
func takeChangeAsk(tx *store.Tx, sender *identity.Card, p *export.Piece, now int64, senderName string, news *RecoveryNews) error {
	id := sender.ID()
	h, err := getHeld(tx, id[:])
	if err != nil || h == nil || h.Forgotten {
		return err
	}
	old, err := getRecord[askedRecord](tx, bucketAsked, id[:])
	if err != nil {
		return err
	}
	if string(h.Set) == string(p.Set[:]) || replacedHere(h.Replaced, p.Set[:]) {
		return nil // the pieces of this change came already: it was made
	}
	a := &askedRecord{Owner: sender.Bytes(), Set: p.Set[:], Created: p.Created.Unix(), Need: p.Need, Commitments: p.Y, Received: now}
	if old != nil {
		if !supersedes(a.Created, now, old.Created, old.Received) || string(old.Set) == string(a.Set) ||
			replacedHere(old.Replaced, a.Set) {
			return nil
		}
		a.Replaced = afterReplacing(old.Replaced, old.Set)
	}
	news.Asked = senderName
	return putRecord(tx, bucketAsked, id[:], a)
}

// maxReplaced is how many replaced splits or asks a record remembers.
const maxReplaced = 8

// afterReplacing returns the list of replaced splits or asks replaced,
// with sets added last, the oldest dropped beyond maxReplaced.
func afterReplacing(replaced [][]byte, sets ...[]byte) [][]byte {
	out := append(slices.Clone(replaced), sets...)
	return out[max(0, len(out)-maxReplaced):]
}

// replacedHere reports whether set is one of the splits or asks
// replaced (see afterReplacing).
func replacedHere(replaced [][]byte, set []byte) bool {
	return slices.ContainsFunc(replaced, func(r []byte) bool { return bytes.Equal(r, set) })
}

// supersedes reports whether a split of my card or an ask to agree to a
// change, made at created (by its owner's word) and coming in now (by
// this device's clock), takes the place of the one held, made at
// oldCreated and come in at oldReceived (0: not known, kept by an older
// build): when it was made later, or when the one held was made more
// than crdt.DayAllowance ahead of this device's clock when it came in
// and this one is not. Without the second, a split or an ask "made"
// years ahead (by a modified client, or by an owner whose clock was once
// set wrong) stayed newer than everything its owner made after it, for
// good: the guardian silently kept a piece of a split long replaced, or
// showed a code the owner's device no longer shows
// (TestAttackPieceMadeAheadHeldForever, TestAttackAskMadeAheadHeldForever).
func supersedes(created, now, oldCreated, oldReceived int64) bool {
	return created >= oldCreated || madeAhead(oldCreated, oldReceived) && !madeAhead(created, now)
}

// madeAhead reports whether something made at created (by its maker's
// word) came in more than crdt.DayAllowance before that, at received (0:
// not known).
func madeAhead(created, received int64) bool {
	return received > 0 && created > received+int64(crdt.DayAllowance/time.Second)
}

// forgetAsked forgets the change of guardians owner asked of this device
// once it was made: the pieces it made carry its id (set), and the
// retirement of my piece (set nil) comes with a change too. It returns
// the changes the ask forgotten replaced, for the held piece to remember
// (see heldRecord.Replaced).
func forgetAsked(tx *store.Tx, owner identity.ID, set []byte) ([][]byte, error) {
	a, err := getRecord[askedRecord](tx, bucketAsked, owner[:])
	if err != nil || a == nil || set != nil && string(a.Set) != string(set) {
		return nil, err
	}
	return a.Replaced, tx.Delete(bucketAsked, nil, owner[:])
}

// takeAgreement keeps a guardian's agreement to the change of my
// guardians that waits, if it checks out.
func (s *Service) takeAgreement(tx *store.Tx, sender *identity.Card, p *export.Piece, senderName string, news *RecoveryNews) error {
	me := s.me()
	if p.Owner != me.Card.ID() {
		return nil
	}
	set, err := getRecord[guardianSet](tx, bucketGuardians, keyGuardians)
	if err != nil || set == nil || set.Pending == nil || string(set.Pending.Set) != string(p.Set[:]) {
		return err
	}
	id := sender.ID()
	pc := set.Pending
	if !slices.ContainsFunc(set.Guardians, func(g guardianRecord) bool { return identity.ID(g.ID) == id }) ||
		slices.ContainsFunc(pc.Agreed, func(a confirmRecord) bool { return identity.ID(a.From) == id }) {
		return nil
	}
	if !ed25519.Verify(sender.SigningKey, crdt.ChangeMessage(me.Card.ID(), pc.Need, crdt.ChangeCommitments(me, pc.keys()), pc.nonce()), p.Confirm) {
		return nil
	}
	pc.Agreed = append(pc.Agreed, confirmRecord{From: id[:], Key: sender.SigningKey, Signature: p.Confirm})
	news.Agreed = senderName
	return putRecord(tx, bucketGuardians, keyGuardians, set)
}

// errChangeMade means the change of guardians to apply was made, or
// replaced, by another program on the same home since it was read.
var errChangeMade = errors.New("the change of guardians was made meanwhile")

// applyChange makes the change of my guardians that waits, once enough of
// the guardians in force agreed to it: new pieces, the old ones retired,
// and the change in my cells. It reports whether it did. It reads the
// change in one transaction and writes it in another, which makes sure
// the change still waits: two programs on one home (the app and the
// command line) make it once, else the second would make other pieces
// and the guardians could hold pieces of two splits
// (TestChangeOfGuardiansMadeOnce).
func (s *Service) applyChange() (bool, error) {
	var p *pendingChange
	err := s.db.View(func(tx *store.Tx) error {
		set, err := getRecord[guardianSet](tx, bucketGuardians, keyGuardians)
		if err == nil && set != nil && set.Pending != nil && len(set.Pending.Agreed) >= set.Need {
			p = set.Pending
		}
		return err
	})
	if err != nil || p == nil {
		return false, err
	}
	_, err = s.split(p.ids(), p.Need, p)
	if errors.Is(err, errChangeMade) {
		return false, nil
	}
	return err == nil, err
}

// ChangeRequest is a change of guardians someone asked this device to
// agree to.
type ChangeRequest struct {
	Owner Person `json:"owner"`
	// Need of Of new guardians will be needed.
	Need int `json:"need"`
	Of   int `json:"of"`
	// Code is what the owner's device shows for the change.
	Code string `json:"code"`
	// Agreed is true once I made my agreement to it: the ask stays until
	// the change is made, in case my sync file did not reach them.
	Agreed bool `json:"agreed"`
}

// AskedChanges lists the changes of guardians people asked this device
// to agree to, leaving out the asks of cards replaced since by a new one:
// agreeing to them is refused (ErrCardReplaced), and whoever holds such
// a card may not be its owner (TestAttackThiefAskListedAfterReplacement).
func (s *Service) AskedChanges() ([]ChangeRequest, error) {
	replaced, err := s.replacedNow()
	if err != nil {
		return nil, err
	}
	var out []ChangeRequest
	err = eachRecord(s, bucketAsked, "asked change", func(id identity.ID, a *askedRecord, names map[identity.ID]string) {
		if replaced[id] {
			return
		}
		out = append(out, ChangeRequest{Owner: person(names, id), Need: a.Need, Of: len(a.Commitments) / 16, Code: changeCode(id, a.Need, a.commitments(), nonceOf(a.Set)), Agreed: a.Agreed})
	})
	return out, err
}

// AgreeToChange makes a sync file for owner carrying my agreement to the
// change of their guardians they asked of me. code is the code owner's
// device shows, read out in person: digits only count, and it must be the
// code of the change this device holds. Nothing goes to a card replaced
// by a new one (ErrCardReplaced).
func (s *Service) AgreeToChange(owner identity.ID, code string) (*ExportResult, error) {
	if err := s.refuseReplaced(owner); err != nil {
		return nil, err // TestAttackThiefAsksGuardiansAfterReplacement
	}
	var a *askedRecord
	var c *Contact
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		if a, err = getRecord[askedRecord](tx, bucketAsked, owner[:]); err != nil {
			return err
		}
		if a == nil {
			return ErrNoChange
		}
		c, err = getContact(tx, owner)
		return err
	})
	if err != nil {
		return nil, err
	}
	if c.Blocked {
		return nil, ErrBlocked
	}
	gs := a.commitments()
	if digits(code) != digits(changeCode(owner, a.Need, gs, nonceOf(a.Set))) {
		return nil, ErrChangeCode
	}
	p := &export.Piece{Kind: export.KindAgree, Owner: owner, Set: export.SetID(a.Set), Created: time.Unix(a.Created, 0).UTC(),
		Confirm: crdt.ConfirmChange(s.me(), owner, a.Need, gs, nonceOf(a.Set)).Signature}
	sealed, err := export.SealPiece(c.Card, p)
	if err != nil {
		return nil, err
	}
	file := &export.File{Cells: []export.Cell{}, Pieces: [][]byte{sealed}}
	data, err := export.Seal(s.me(), []*identity.Card{c.Card}, file, export.SealOptions{Now: s.opt.now()})
	if err != nil {
		return nil, err
	}
	if err := s.db.Update(func(tx *store.Tx) error { return markAgreed(tx, owner, a.Set) }); err != nil {
		return nil, err
	}
	return &ExportResult{Data: data, Recipients: []Person{{ID: owner, Name: c.Name()}}}, nil
}

// markAgreed notes that I agreed to the change set owner asked of me, if
// it is still the one asked (not made, nor followed by a newer ask).
func markAgreed(tx *store.Tx, owner identity.ID, set []byte) error {
	a, err := getRecord[askedRecord](tx, bucketAsked, owner[:])
	if err != nil || a == nil || a.Agreed || string(a.Set) != string(set) {
		return err
	}
	a.Agreed = true
	return putRecord(tx, bucketAsked, owner[:], a)
}

// digits keeps the digits of s.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
