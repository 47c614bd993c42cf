package core

// # An old card still a member elsewhere
//
// A card replaced in one cell (its owner's guardians confirmed a new one,
// crdt/SCHEMA.md §4.5) stays a member of every other cell where the
// replacement could not be made: guardians not in force there, or the
// replacement never arrived. Whoever holds the old card now (a thief) can
// still rate, vote and admit there, and the cell's files go to it from
// members who do not know of the replacement. No new cell rule helps: the
// members vote it out with the ordinary exclusion vote. OldCards tells the
// cell's page which members are such old cards, and whether this device
// can say who holds them now.
//
// A thief holding a card can replace it himself where its owner's
// guardians were not in force (he names fakes as guardians first). So
// this device asks for a vote only when it trusts the replacement: one
// new card in all its cells, relying on guardians its owner built on as
// a member (as followReplacements), at least one of whom confirmed in
// front of someone this device's owner met (a guardian verified in person,
// or the owner). Otherwise it says what it knows and asks to meet the
// person before anyone votes: the old card may be the owner's.

import (
	"errors"
	"slices"
	"strings"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
	"trustdesk/store"
)

// OldCard is a current member of a cell whose card was replaced by a new
// one in another of this device's cells.
type OldCard struct {
	// Old is the old card, by the name this device shows; Name is the
	// person's name without "(old card)".
	Old  Person
	Name string
	// New lists the new cards that replaced it (more than one: a thief
	// replaced it at least once) and ReplacedIn the cells where, by name,
	// sorted.
	New        []Person
	ReplacedIn []string
	// Rival is true when different new cards replaced it: this device
	// cannot tell which is the person's, nor whether the person still
	// holds the old one.
	Rival bool
	// Trusted is true when the replacement relies on guardians this
	// device's owner built on and one of them is this device's owner or
	// someone they met in person: whoever holds the old card now is not
	// the person.
	Trusted bool
	// Voted is true when I voted to exclude the old card already.
	Voted bool
	// CanVote is true when I may vote to exclude it now (I am a member
	// and have not voted).
	CanVote bool
}

// Suggest reports whether the cell's page offers the vote: the
// replacement is trusted and I can vote.
func (o OldCard) Suggest() bool { return o.Trusted && !o.Rival && o.CanVote }

// Sentence says in plain words what this device knows about the old card
// and what to do.
func (o OldCard) Sentence() string {
	s := o.Name + "'s old card is still a member here."
	where := words.JoinAnd(o.ReplacedIn)
	switch {
	case o.Rival:
		return s + " It was replaced by two different new cards (in " + where + "): one of them is not " + o.Name +
			"'s, and this computer cannot tell which, nor whether " + o.Name + " still holds the old card. " +
			"Meet " + o.Name + " in person before anyone votes."
	case !o.Trusted:
		return s + " Their card was replaced in " + where + ", but not by guardians you saw named there or know in person: " +
			"it may be someone else's doing, and the old card may still be " + o.Name + "'s. Ask " + o.Name + " face to face before anyone votes."
	}
	s += " Their card was replaced in " + where + " (confirmed by their guardians): whoever holds the old card now is not " + o.Name + "."
	switch {
	case o.Voted:
		return s + " You voted to exclude it."
	case o.CanVote:
		return s + " Vote it out?"
	}
	return s + " The members can vote it out."
}

// OldCards returns the current members of the cell with id whose card was
// replaced by a new one in another of my cells (one I joined), sorted by
// name; none in most cells. Like a change, it reads the cells again when
// another program stored one while it read (afresh).
func (s *Service) OldCards(id crdt.CellID) ([]OldCard, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []OldCard
	err := s.afresh(func() error {
		c, cells, err := s.loadCell(id)
		if err != nil {
			return err
		}
		return s.db.View(func(tx *store.Tx) error {
			out, err = s.oldCardsIn(tx, c.State(), cells)
			return err
		})
	})
	return out, err
}

// oldCardsIn returns the current members of st whose card another cell
// of cells (one I joined) replaced.
func (s *Service) oldCardsIn(tx *store.Tx, st *crdt.State, cells map[crdt.CellID]*crdt.Cell) ([]OldCard, error) {
	me := s.me().Card.ID()
	type where struct {
		cell *crdt.Cell
		r    crdt.Replacement
	}
	found := map[identity.ID][]where{}
	for _, c := range sortedCells(cells) {
		cst := c.State()
		if cst == st || cst.IsInvited(me) || !wasMember(cst, me) {
			continue
		}
		for _, r := range cst.Replaced { // none in most cells
			if r.Old != me && st.IsMember(r.Old) {
				found[r.Old] = append(found[r.Old], where{c, r})
			}
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	names, err := s.names(tx, cells)
	if err != nil {
		return nil, err
	}
	var out []OldCard
	for old, ws := range found {
		o := OldCard{Old: person(names, old), CanVote: st.IsMember(me) && st.VotesToExclude(old) > 0}
		o.Name = strings.TrimSuffix(o.Old.Name, oldCard)
		for _, v := range st.VotesAgainst(old) {
			if v.Voter == me {
				o.Voted, o.CanVote = true, false
			}
		}
		for _, w := range ws {
			o.ReplacedIn = append(o.ReplacedIn, w.cell.State().Name)
			if !slices.ContainsFunc(o.New, func(p Person) bool { return p.ID == w.r.New }) {
				o.New = append(o.New, person(names, w.r.New))
			}
			if !o.Trusted {
				if o.Trusted, err = s.trustedReplacement(tx, w.cell, w.r, cells); err != nil {
					return nil, err
				}
			}
		}
		o.Rival = len(o.New) > 1
		slices.Sort(o.ReplacedIn)
		o.ReplacedIn = slices.Compact(o.ReplacedIn)
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b OldCard) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// trustedReplacement reports whether this device can rely on r, which
// counts in c: its owner built on the old card's guardians there, and
// one of the guardians who confirmed is its owner or a contact verified
// in person (a thief's fakes are strangers to the owner).
func (s *Service) trustedReplacement(tx *store.Tx, c *crdt.Cell, r crdt.Replacement, cells map[crdt.CellID]*crdt.Cell) (bool, error) {
	me := s.me().Card.ID()
	stmts, err := c.ReadStatements()
	if err != nil {
		return false, err
	}
	if !builtOnGuardians(stmts, c.State(), me, r.Old) {
		return false, nil
	}
	keys := map[[32]byte]bool{}
	for _, k := range r.ConfirmedBy {
		keys[k] = true
	}
	byKey, err := guardianCards(tx, s.me(), cells, keys)
	if err != nil {
		return false, err
	}
	for _, id := range byKey {
		if id == me {
			return true, nil
		}
		g, err := getContact(tx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if g.Verified == InPerson {
			return true, nil
		}
	}
	return false, nil
}
