package core

// # Replacing a card after a seized laptop
//
// When a person chooses guardians, their device names them in each of
// their cells (a guardians statement, crdt/SCHEMA.md §4.5): salted
// commitments, so cell members learn how many guardians there are, not who.
// The first one named in a cell stays: the thief of the laptop cannot name
// his own; the guardians change only with the agreement of those in force
// (guardians_change.go).
//
// A guardian who releases a recovery piece to the temporary card of the
// person (they compared its safety code in person) also confirms that the
// old card may be replaced by that temporary card. Once the card is back,
// the device keeps the temporary card and the confirmations; ReplaceCard
// then replaces the old card by the temporary one in every cell where the
// guardians in force confirmed it, and the device goes on with the new
// card. Where a cell holds the replacement, what the old card signs
// outside its past counts for nothing, and what it said before (and what
// was said about it) passes to the new card. Devices that see a
// replacement pass a contact's verification on to the new card.

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
	"trustdesk/store"
)

// bucketSuccessor holds, on a device that got its card back through its
// guardians, the temporary card (the new card of a replacement) and the
// guardians' confirmations: group nil, key keySuccessor.
const bucketSuccessor = "successor"

var keySuccessor = []byte("next")

// temporaryCard ends the name a guardian's device gives the temporary card
// of someone getting their card back.
const temporaryCard = " (temporary card)"

// successorRecord is stored as CBOR.
type successorRecord struct {
	Identity      []byte          `cbor:"1,keyasint"` // the temporary identity (MarshalBinary)
	Old           []byte          `cbor:"2,keyasint"` // the card brought back
	Confirmations []confirmRecord `cbor:"3,keyasint"`
}

type confirmRecord struct {
	From      []byte `cbor:"1,keyasint"` // the guardian's id
	Key       []byte `cbor:"2,keyasint"` // their signing key
	Signature []byte `cbor:"3,keyasint"`
}

// ErrNoReplacement means this device cannot replace its card: it did not
// get it back through guardians, or it replaced it already.
var ErrNoReplacement = errors.New("this device has no new card to replace your card with: get your card back through your guardians first")

// ErrNothingReplaced means no cell knew the guardians who confirmed.
var ErrNothingReplaced = errors.New("none of your cells knows enough of the guardians who met you: your card stays as it is")

// nameGuardiansInCells names my guardians (their signing keys, need) in
// every cell where I am a member and have named none yet and, with the
// agreements of the guardians before them (in applied, the last change,
// if any), changes the guardians in force to them in the cells where
// other guardians are in force. The caller holds s.mu.
func (s *Service) nameGuardiansInCells(keys []ed25519.PublicKey, need int, applied *pendingChange) error {
	return s.afresh(func() error { return s.nameGuardiansNow(keys, need, applied) })
}

// nameGuardiansNow is nameGuardiansInCells from the cells as stored now.
func (s *Service) nameGuardiansNow(keys []ed25519.PublicKey, need int, applied *pendingChange) error {
	cells, err := s.loadCells()
	if err != nil {
		return err
	}
	me := s.me()
	var changed []*crdt.Cell
	for _, c := range cells {
		st := c.State()
		if !st.IsMember(me.Card.ID()) {
			continue
		}
		set, inForce := st.Guardians(me.Card.ID())
		change := inForce && applied != nil && !isGuardianSet(me, c.ID(), set, keys, need)
		if st.NamedGuardians(me.Card.ID()) && !change {
			continue
		}
		work, err := c.Clone()
		if err != nil {
			return err
		}
		if change {
			_, err = work.ChangeGuardians(me, keys, need, applied.nonce(), applied.confirmations(), s.opt.now())
			if errors.Is(err, crdt.ErrNotAllowed) {
				continue // agreed by other guardians than those in force here
			}
		} else {
			_, err = work.NameGuardians(me, keys, need, s.opt.now())
		}
		if err != nil {
			return err
		}
		changed = append(changed, work)
	}
	if len(changed) == 0 {
		return nil
	}
	_, err = s.saveCells(cells, changed...)
	return err
}

// isGuardianSet reports whether set is the guardians with keys, need of
// them needed, named first in cell or by a change.
func isGuardianSet(me *identity.Identity, cell crdt.CellID, set *crdt.GuardianSet, keys []ed25519.PublicKey, need int) bool {
	if set.Need != need {
		return false
	}
	if set.Changed {
		return slices.Equal(set.Guardians, crdt.ChangeCommitments(me, keys))
	}
	var gs []crdt.Commitment
	for _, k := range keys {
		gs = append(gs, crdt.Commit(cell, me.Card.ID(), k, crdt.GuardianSalt(me, cell, k)))
	}
	slices.SortFunc(gs, func(x, y crdt.Commitment) int { return bytes.Compare(x[:], y[:]) })
	return slices.Equal(set.Guardians, gs)
}

// guardianKeys returns the signing keys of my guardians, how many are
// needed and the change that made them (with the agreements of the
// guardians before them), or nil keys when I have none.
func (s *Service) guardianKeys() (keys []ed25519.PublicKey, need int, applied *pendingChange, err error) {
	err = s.db.View(func(tx *store.Tx) error {
		set, err := getRecord[guardianSet](tx, bucketGuardians, keyGuardians)
		if err != nil || set == nil {
			return err
		}
		if keys, err = signingKeys(tx, set.Guardians); err != nil {
			return err
		}
		need, applied = set.Need, set.Applied
		return nil
	})
	return keys, need, applied, err
}

// signingKeys returns the signing keys of the guardians gs.
func signingKeys(tx *store.Tx, gs []guardianRecord) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for _, g := range gs {
		c, err := getContact(tx, identity.ID(g.ID))
		if err != nil {
			return nil, err
		}
		keys = append(keys, c.Card.SigningKey)
	}
	return keys, nil
}

// NameGuardiansInCells names my guardians in the cells where I have named
// none yet (new cells, cells joined since): the first guardians named in a
// cell are the ones who can confirm a replacement of my card there. Where
// the guardians before my last change are still in force, it makes the
// change there with their agreements (guardians_change.go).
//
// Once my cells are told, it forgets that a set kept was still to be
// named (keyUnnamed), if it was the set it named.
func (s *Service) NameGuardiansInCells() error {
	var unnamed []byte
	err := s.db.View(func(tx *store.Tx) (err error) {
		unnamed, err = unnamedSet(tx)
		return err
	})
	if err != nil {
		return err
	}
	keys, need, applied, err := s.guardianKeys()
	if err == nil && keys != nil {
		s.mu.Lock()
		err = s.nameGuardiansInCells(keys, need, applied)
		s.mu.Unlock()
	}
	if err != nil || unnamed == nil {
		return err
	}
	return s.db.Update(func(tx *store.Tx) error {
		now, err := unnamedSet(tx)
		if err != nil || string(now) != string(unnamed) {
			return err // another program kept newer guardians meanwhile: it names them
		}
		return tx.Delete(bucketGuardians, nil, keyUnnamed)
	})
}

// unnamedSet returns the id of the set of my guardians kept and not yet
// named in my cells (keyUnnamed), or nil. A damaged note reads as
// damagedNote: the cells are told again, which the note only saves
// (TestDamagedUnnamedNote), and the note is then dropped; the home opens
// as if it were there.
func unnamedSet(tx *store.Tx) ([]byte, error) {
	b, err := tx.Get(bucketGuardians, nil, keyUnnamed)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case errors.Is(err, store.ErrDamaged):
		return damagedNote, nil
	}
	return b, err
}

// damagedNote stands for a keyUnnamed note that cannot be read: no set
// of guardians has this id.
var damagedNote = []byte("damaged")

// keepConfirmation records, on a device getting a card back, a guardian's
// confirmation that the card may be replaced by this device's temporary
// card, if it checks out.
func (s *Service) keepConfirmation(rp *recoveryPiece, sender *identity.Card, confirm []byte) {
	owner := identity.ID(rp.Owner)
	if confirm != nil && ed25519.Verify(sender.SigningKey, crdt.ConfirmMessage(owner, s.me().Card), confirm) {
		rp.Confirm, rp.Key = confirm, sender.SigningKey
	}
}

// keepSuccessor stores, when pieces gave card got back, the temporary
// card and the confirmations of got's replacement by it, those of the
// guardians who released pieces of the split that brought it back
// (helpers): a made-up card that sent a piece with a confirmation of its
// own counted as one more guardian who confirmed, in what the user is
// asked before replacing the card (TestAttackRecoveryPiecesOfTheRealSet).
func (s *Service) keepSuccessor(tx *store.Tx, r *recoveryRecord, got *identity.Identity, helpers *guardianSet) error {
	temp, err := s.me().MarshalBinary()
	if err != nil {
		return err
	}
	old := got.Card.ID()
	rec := &successorRecord{Identity: temp, Old: old[:]}
	for _, p := range r.Pieces {
		if p.Confirm != nil && identity.ID(p.Owner) == got.Card.ID() && helpers.has(identity.ID(p.From)) &&
			!slices.ContainsFunc(rec.Confirmations, func(c confirmRecord) bool { return string(c.Key) == string(p.Key) }) {
			rec.Confirmations = append(rec.Confirmations, confirmRecord{From: p.From, Key: p.Key, Signature: p.Confirm})
		}
	}
	err = putRecord(tx, bucketSuccessor, keySuccessor, rec)
	clear(temp)
	return err
}

// ReplacementStatus says whether this device can replace its card.
type ReplacementStatus struct {
	// Ready is true when the device got its card back through guardians
	// and can replace it by its new card.
	Ready bool `json:"ready"`
	// Confirmed is how many guardians confirmed the replacement.
	Confirmed int `json:"confirmed"`
	// NewCard is the card that would replace mine.
	NewCard *identity.Card `json:"-"`
	// Replaced lists the cells where my card was replaced by another
	// card (seen by a device still holding the old card).
	Replaced []string `json:"replaced,omitempty"`
	// Previous lists the cells where my card replaced an old one.
	Previous []string `json:"previous,omitempty"`
}

// Replacement says whether this device can replace its card, and where
// its card was replaced already.
func (s *Service) Replacement() (*ReplacementStatus, error) {
	st := &ReplacementStatus{}
	err := s.db.View(func(tx *store.Tx) error {
		rec, err := getRecord[successorRecord](tx, bucketSuccessor, keySuccessor)
		if err != nil || rec == nil {
			return err
		}
		next, err := identity.UnmarshalIdentity(rec.Identity)
		if err != nil {
			return err
		}
		st.Ready, st.Confirmed, st.NewCard = true, len(rec.Confirmations), next.Card
		return nil
	})
	if err != nil {
		return nil, err
	}
	views, err := s.Cells()
	if err != nil {
		return nil, err
	}
	me := s.me().Card.ID()
	for _, v := range views {
		cs := v.cellState()
		if cs == nil {
			continue
		}
		if _, ok := cs.ReplacedBy(me); ok {
			st.Replaced = append(st.Replaced, v.Name)
		}
		if slices.ContainsFunc(cs.Replaced, func(r crdt.Replacement) bool { return r.New == me }) {
			st.Previous = append(st.Previous, v.Name)
		}
	}
	return st, nil
}

// ReplaceResult is what ReplaceCard did.
type ReplaceResult struct {
	// Replaced lists the cells where my old card is now replaced; Kept
	// lists those where it could not be (no guardians of mine named
	// there, or too few of those who met me): there I am not a member
	// with the new card.
	Replaced []string `json:"replaced"`
	Kept     []string `json:"kept,omitempty"`
	// Card is my new card.
	Card *identity.Card `json:"-"`
	ID   string         `json:"id"`
}

// Sentence says what ReplaceCard did, in plain words.
func (r *ReplaceResult) Sentence() string {
	s := "Your old card was replaced in " + words.JoinAnd(r.Replaced) + ": what it says from now on counts for nothing there, once people get this change."
	if len(r.Kept) > 0 {
		s += " In " + words.JoinAnd(r.Kept) + " it could not be replaced (too few of the guardians who met you are known there): ask someone there to invite your new card." +
			" Until then, on the computers of those who get this change, what your old card says there, your earlier ratings too, counts for nothing."
	}
	return s
}

// ReplacedSentence says where my card was replaced by another, in plain
// words ("" if nowhere).
func (st *ReplacementStatus) ReplacedSentence() string {
	if len(st.Replaced) == 0 {
		return ""
	}
	return "In " + words.JoinAnd(st.Replaced) + " this card was replaced by a new one, made on another computer with the help of its owner's guardians. What this computer says there counts for nothing any more."
}

// PreviousSentence says where my card took the place of an old one ("" if
// nowhere).
func (st *ReplacementStatus) PreviousSentence() string {
	if len(st.Previous) == 0 {
		return ""
	}
	return "In " + words.JoinAnd(st.Previous) + " this card took the place of your old one."
}

// ReplaceCard replaces my card, got back through my guardians, by the
// temporary card this device made, in every cell where enough of the
// guardians in force confirmed it; from then on the device uses the new
// card. It fails with ErrNothingReplaced (and changes nothing) when no
// cell accepts the replacement.
func (s *Service) ReplaceCard() (*ReplaceResult, error) {
	var rec *successorRecord
	if err := s.db.View(func(tx *store.Tx) (err error) {
		rec, err = getRecord[successorRecord](tx, bucketSuccessor, keySuccessor)
		return err
	}); err != nil {
		return nil, err
	}
	if rec == nil || identity.ID(rec.Old) != s.me().Card.ID() {
		return nil, ErrNoReplacement
	}
	next, err := identity.UnmarshalIdentity(rec.Identity)
	if err != nil {
		return nil, fmt.Errorf("read new card: %w", err)
	}
	var confs []crdt.Confirmation
	for _, c := range rec.Confirmations {
		if len(c.Key) == 32 {
			confs = append(confs, crdt.Confirmation{Key: [32]byte(c.Key), Signature: c.Signature})
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.me()
	var res *ReplaceResult
	err = s.afresh(func() (err error) {
		res, err = s.replaceIn(old, next, confs)
		return err
	})
	if err != nil {
		return nil, err
	}
	secret, err := next.MarshalBinary()
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	err = s.db.Update(func(tx *store.Tx) error {
		if err := tx.Put(bucketSelf, nil, keyIdentity, secret); err != nil {
			return err
		}
		// The guardians of the old card are no guardians of the new one:
		// the person chooses them again.
		if err := tx.Delete(bucketGuardians, nil, keyGuardians); err != nil {
			return err
		}
		if err := tx.Delete(bucketGuardians, nil, keyUnnamed); err != nil {
			return err
		}
		return tx.Delete(bucketSuccessor, nil, keySuccessor)
	})
	if err != nil {
		return nil, err
	}
	s.self.Store(next)
	s.cells = nil
	slices.Sort(res.Replaced)
	slices.Sort(res.Kept)
	return res, nil
}

// replaceIn replaces old by next in every cell, from the cells as stored
// now, where enough guardians in force confirmed it (confs). The caller
// holds s.mu.
func (s *Service) replaceIn(old, next *identity.Identity, confs []crdt.Confirmation) (*ReplaceResult, error) {
	cells, err := s.loadCells()
	if err != nil {
		return nil, err
	}
	res := &ReplaceResult{Replaced: []string{}, Card: next.Card, ID: next.Card.ID().String()}
	var changed []*crdt.Cell
	for _, c := range cells {
		st := c.State()
		if !st.IsMember(old.Card.ID()) {
			continue
		}
		work, err := c.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := work.Replace(old, next, confs, s.opt.now()); errors.Is(err, crdt.ErrNotAllowed) {
			res.Kept = append(res.Kept, st.Name)
			continue
		} else if err != nil {
			return nil, err
		}
		changed = append(changed, work)
		res.Replaced = append(res.Replaced, st.Name)
	}
	if len(changed) == 0 {
		return nil, ErrNothingReplaced
	}
	if _, err := s.saveCells(cells, changed...); err != nil {
		return nil, err
	}
	return res, nil
}

// followReplacements passes what this device knows of a replaced card to
// its new card, for the replacements that count in c and did not in
// before: the new card gets the old contact's verification and name, and
// the old contact is named as an old card and is no longer verified in
// person. Only where this device's owner
// built on the old card's guardians (builtOnGuardians): a thief holding
// the card can make a cell of his own where fakes are its guardians and
// confirm his own new card, and send it as an invitation.
//
// A card replaced by different new cards in different cells of mine
// (all, the cells as they will be), or in one cell first by one and then
// by another (a competing replacement that won), was replaced by a thief
// at least once: one who named guardians of his own where the owner's
// were not in force, or had more of the guardians confirm his. This
// device cannot tell which new card is the person's, so none of them
// gets the old card's verification, and those that got it from the old
// card lose it (TestAttackThiefReplacesInAnotherCell,
// TestCompetingReplacementTakesBackVerification).
func (s *Service) followReplacements(tx *store.Tx, c, before *crdt.Cell, all map[crdt.CellID]*crdt.Cell) error {
	var stmts []*crdt.Statement
	var states map[crdt.CellID]*crdt.State
	for _, r := range c.State().Replaced {
		if r.NewCard == nil || r.New == s.me().Card.ID() {
			continue
		}
		if before != nil {
			if was, ok := before.State().ReplacedBy(r.Old); ok && was.New == r.New {
				continue
			}
		}
		if stmts == nil {
			var err error
			if stmts, err = c.ReadStatements(); err != nil {
				return err
			}
		}
		if !builtOnGuardians(stmts, c.State(), s.me().Card.ID(), r.Old) {
			continue
		}
		old, err := getContact(tx, r.Old)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		next, err := getContact(tx, r.New)
		if errors.Is(err, ErrNotFound) {
			next, err = &Contact{Card: r.NewCard, Verified: Introduced, Added: s.opt.now()}, nil
		}
		if err != nil {
			return err
		}
		if states == nil {
			states = make(map[crdt.CellID]*crdt.State, len(all))
			for id, x := range all {
				states[id] = x.State()
			}
		}
		rivals := rivalCards(states, c.ID(), s.me().Card.ID(), r.Old, r.New)
		if before != nil {
			// Another new card that counted here before (a competing
			// replacement arrived and won) is a rival too.
			if was, ok := before.State().ReplacedBy(r.Old); ok && !slices.Contains(rivals, was.New) {
				rivals = append(rivals, was.New)
			}
		}
		if err := s.takeBackPassed(tx, r.Old, rivals); err != nil {
			return err
		}
		if len(rivals) == 0 && old.Verified.rank() > next.Verified.rank() {
			next.Verified, next.PassedFrom = old.Verified, r.Old
		}
		if name := strings.TrimSuffix(old.Petname, oldCard); name != "" || strings.HasSuffix(next.Petname, temporaryCard) {
			next.Petname = name // the old card's own name, even where another replacement renamed it
		}
		next.Blocked = next.Blocked || old.Blocked
		if err := putContact(tx, next); err != nil {
			return err
		}
		// The old card is in a thief's hands, or nobody's: it is no
		// longer the person met in person (TestAttackOldCardKeepsTrustElsewhere).
		changed := old.Verified == InPerson
		if changed {
			old.Verified = Unverified
		}
		if pet, err := normalizePetname(strings.TrimSuffix(old.Name(), oldCard) + oldCard); err == nil && old.Petname != pet {
			old.Petname, changed = pet, true
		}
		if changed {
			if err := putContact(tx, old); err != nil {
				return err
			}
		}
	}
	return nil
}

// oldCard ends the name this device gives a replaced card.
const oldCard = " (old card)"

// rivalCards returns the new cards, other than next, that replace old in
// the cells of states other than cell, leaving out those that only invite
// me (there a replacement changes nothing on this device).
func rivalCards(states map[crdt.CellID]*crdt.State, cell crdt.CellID, me, old, next identity.ID) []identity.ID {
	var out []identity.ID
	for id, st := range states {
		if r, ok := st.ReplacedBy(old); ok && id != cell && r.New != next && !st.IsInvited(me) && !slices.Contains(out, r.New) {
			out = append(out, r.New)
		}
	}
	return out
}

// takeBackPassed takes back from the cards in rivals the verification
// that passed to them from old.
func (s *Service) takeBackPassed(tx *store.Tx, old identity.ID, rivals []identity.ID) error {
	for _, id := range rivals {
		c, err := getContact(tx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if c.PassedFrom != old {
			continue
		}
		c.Verified, c.PassedFrom = Introduced, identity.ID{}
		if err := putContact(tx, c); err != nil {
			return err
		}
	}
	return nil
}

// builtOnGuardians reports whether a statement of me that counts has in its
// past a naming of guardians by old that counts: I saw the guardians a
// replacement of old relies on before it, as a member of the cell (SCHEMA
// §4.5: the members who build on them put them in force).
func builtOnGuardians(stmts []*crdt.Statement, st *crdt.State, me, old identity.ID) bool {
	bad := map[crdt.StatementID]bool{}
	for _, r := range st.Invalid {
		bad[r.ID] = true
	}
	byID := make(map[crdt.StatementID]*crdt.Statement, len(stmts))
	named := map[crdt.StatementID]bool{}
	var queue []crdt.StatementID
	for _, x := range stmts {
		byID[x.ID()] = x
		switch {
		case bad[x.ID()]:
		case x.Kind == crdt.KindGuardians && x.Author == old && x.Confirmations == nil:
			named[x.ID()] = true
		case x.Author == me:
			queue = append(queue, x.ID())
		}
	}
	if len(named) == 0 || len(queue) == 0 {
		return false
	}
	seen := map[crdt.StatementID]bool{}
	for len(queue) > 0 {
		id := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if seen[id] {
			continue
		}
		seen[id] = true
		if named[id] {
			return true
		}
		if x := byID[id]; x != nil {
			queue = append(queue, x.Prev...)
		}
	}
	return false
}
