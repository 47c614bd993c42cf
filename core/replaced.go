package core

import (
	"fmt"
	"slices"
	"strings"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
	"trustdesk/store"
)

// CardReplacement is a replacement of someone's card that one of this
// device's cells holds: the old card, the new one, and the guardians who
// confirmed it (crdt/SCHEMA.md §4.5).
type CardReplacement struct {
	// Cell is the cell's name.
	Cell string
	// Old is the replaced card and New the card that replaced it, by
	// the names this device shows.
	Old Person
	New Person
	// Guardians are the guardians who confirmed it, by the names this
	// device shows, sorted by name, this device's owner aside (You);
	// Unknown counts those whose card this device does not hold.
	Guardians []Person
	You       bool
	Unknown   int
	// OnlyInvited is true when this device's owner is only invited to
	// the cell: there the replacement changes nothing on this device
	// (see [CellChanges.OnlyInvited]).
	OnlyInvited bool
	// StillIn lists, by name, sorted, my cells (joined) where the old
	// card is still a member: there whoever holds it can still act
	// (core/oldcards.go).
	StillIn []string
}

// Replacements returns, by cell name, the replacements of the card with
// id, and of the card it replaced, that this device's cells hold, with
// the guardians who confirmed each.
func (s *Service) Replacements(id identity.ID) ([]CardReplacement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cells, err := s.loadCells()
	if err != nil {
		return nil, err
	}
	type found struct {
		st *crdt.State
		r  crdt.Replacement
	}
	var hits []found
	keys := map[[32]byte]bool{}
	for _, c := range sortedCells(cells) {
		st := c.State()
		for _, r := range st.Replaced { // none in most cells
			if r.Old == id || r.New == id {
				hits = append(hits, found{st, r})
				for _, k := range r.ConfirmedBy {
					keys[k] = true
				}
			}
		}
	}
	if len(hits) == 0 {
		return nil, nil
	}
	var out []CardReplacement
	err = s.db.View(func(tx *store.Tx) error {
		byKey, err := guardianCards(tx, s.me(), cells, keys)
		if err != nil {
			return err
		}
		names, err := s.names(tx, cells)
		if err != nil {
			return err
		}
		me := s.me().Card.ID()
		for _, h := range hits {
			cr := CardReplacement{Cell: h.st.Name, Old: person(names, h.r.Old), New: person(names, h.r.New), Guardians: []Person{}, OnlyInvited: h.st.IsInvited(me)}
			for _, c := range cells {
				if st := c.State(); st.IsMember(h.r.Old) && wasMember(st, me) && !st.IsInvited(me) {
					cr.StillIn = append(cr.StillIn, st.Name)
				}
			}
			slices.Sort(cr.StillIn)
			for _, k := range h.r.ConfirmedBy {
				if g, ok := byKey[k]; ok && g == me {
					cr.You = true
				} else if ok {
					cr.Guardians = append(cr.Guardians, person(names, g))
				} else {
					cr.Unknown++
				}
			}
			slices.SortFunc(cr.Guardians, func(a, b Person) int { return strings.Compare(a.Name, b.Name) })
			out = append(out, cr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b CardReplacement) int { return strings.Compare(a.Cell, b.Cell) })
	return out, nil
}

// refuseReplaced returns ErrCardReplaced when a new card replaced the
// card id in one of my cells (not one I am only invited to): nothing goes
// to it, since whoever holds it now may not be its owner.
func (s *Service) refuseReplaced(id identity.ID) error {
	replaced, err := s.replacedNow()
	if err != nil {
		return err
	}
	if replaced[id] {
		return ErrCardReplaced
	}
	return nil
}

// replacedNow returns the cards replaced by a new one in my cells (see
// replacedCards).
func (s *Service) replacedNow() (map[identity.ID]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cells, err := s.loadCells()
	if err != nil {
		return nil, err
	}
	return replacedCards(cells, s.me().Card.ID()), nil
}

// guardianCards returns the ids of the cards, among the user's own, their
// contacts and the cards published in cells, whose signing keys are
// among keys.
func guardianCards(tx *store.Tx, me *identity.Identity, cells map[crdt.CellID]*crdt.Cell, keys map[[32]byte]bool) (map[[32]byte]identity.ID, error) {
	out := map[[32]byte]identity.ID{}
	add := func(c *identity.Card) {
		var k [32]byte
		if len(c.SigningKey) == len(k) {
			copy(k[:], c.SigningKey)
			if keys[k] {
				out[k] = c.ID()
			}
		}
	}
	add(me.Card)
	own, err := listContacts(tx)
	if err != nil {
		return nil, err
	}
	for _, c := range own {
		add(c.Card)
	}
	for _, c := range cells {
		for _, card := range c.State().Cards {
			add(card)
		}
	}
	return out, nil
}

// Sentence says in plain words, for the page of the person whose card is
// id, what r did and which guardians confirmed it.
func (r CardReplacement) Sentence(id identity.ID) string {
	var s string
	if id == r.Old.ID {
		s = fmt.Sprintf("In %s this card was replaced by a new one (%s)", r.Cell, r.New.Name)
	} else {
		s = fmt.Sprintf("In %s this card took the place of an old one (%s)", r.Cell, r.Old.Name)
	}
	var who []string
	if r.You {
		who = append(who, "you")
	}
	for i, g := range r.Guardians {
		if i == 0 && len(r.Guardians)+r.Unknown > 1 {
			who = append(who, "their guardians "+g.Name)
		} else if i == 0 {
			who = append(who, "their guardian "+g.Name)
		} else {
			who = append(who, g.Name)
		}
	}
	if r.Unknown > 0 {
		unknown := words.Count(r.Unknown, "guardian", "guardians")
		if len(who) > 0 {
			unknown = words.Count(r.Unknown, "other", "others")
		}
		who = append(who, unknown+" this computer does not know")
	}
	s += ", confirmed by " + words.JoinAnd(who) + "."
	if r.OnlyInvited {
		s += " You have not joined that cell: nothing changes on this computer."
	} else if len(r.StillIn) > 0 {
		pages := "their pages say"
		if len(r.StillIn) == 1 {
			pages = "that cell's page says"
		}
		s += " The old card is still a member of " + words.JoinAnd(r.StillIn) + ": " + pages + " what to do."
	}
	return s
}
