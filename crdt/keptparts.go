package crdt

import (
	"bytes"
	"crypto/sha256"

	"trustdesk/identity"
)

// The derived state kept in parts (SCHEMA.md §7, "The derived state
// kept"). A rating made on the device changes the kept state by one
// rating: instead of encoding and writing the whole state again, the
// device writes a small part after it holding what the rating added, and
// a start reads the whole state (the base) and applies the parts in order
// as the rules applied them (State.addRating, as withRatings does). Each part names the header
// the state stood at before it and the one after it, so that parts apply
// only to the state they were made on: a part that does not follow, a
// damaged one, or one of other rules or another form makes the whole
// kept state ignored, and the cell is derived again from its statements.
// After maxStateParts parts, or any change that is not a rating made on
// the device appended to the kept state, the state is written whole
// again and the parts deleted, in the same transaction.

// maxStateParts is how many parts a kept state may have after its base:
// the next change writes the state whole again. A start applies at most
// this many, each a binary search in the ratings for each rating.
const maxStateParts = 16

// statePartFormat is the form of a kept state's part: a keptState
// record with From set, whose body is the ratings it adds (appendedForm).
const statePartFormat = 1

// appendedForm is a rating made on the device as a part keeps it: what
// withRatings reads of the statement, the rating as the state keeps it
// and the statements it builds on.
type appendedForm struct {
	_      struct{} `cbor:",toarray"`
	Rating ratingForm
	Prev   [][]byte
}

// keptChain is what a cell knows of the state its store keeps: the
// digest of the header it was kept for with its parts (nil: not known),
// how many parts follow its base, and the ratings made on the device
// since, appended in order to the state kept (end: the state they give).
type keptChain struct {
	header []byte
	parts  int
	end    *State
	added  []*Statement
}

// clone returns a copy of k whose added ratings are its own.
func (k keptChain) clone() keptChain {
	k.added = k.added[:len(k.added):len(k.added)]
	return k
}

// keptAppended notes that st is last with s appended: the chain follows if
// last is where it ended. The caller holds c.mu.
func (c *Cell) keptAppended(last, st *State, s *Statement) {
	if c.kept.header != nil && last != nil && last == c.kept.end {
		c.kept.added = append(c.kept.added, s)
		c.kept.end = st
		return
	}
	c.kept.end = nil // the chain no longer reaches c's state
}

// statePart returns the part that brings the state kept to st, kept for
// the header digested as to; ok false when st is not the kept state with
// ratings made on the device appended, or the state already has
// maxStateParts parts. The caller holds c.mu.
func (c *Cell) statePart(st *State, to []byte) (b []byte, ok bool, err error) {
	k := c.kept
	if k.header == nil || st != k.end || len(k.added) == 0 || k.parts >= maxStateParts {
		return nil, false, nil
	}
	forms := make([]appendedForm, len(k.added))
	for i, s := range k.added {
		r := RatingRecord{Statement: s.id, Cell: s.Cell, Author: s.Author, Subject: s.Subject, Rating: s.Rating, Seq: s.Seq, Created: s.Created}
		forms[i] = appendedForm{Rating: ratingFormOf(r), Prev: sidsOf(s.Prev)}
	}
	body, err := snapshotEnc.Marshal(forms)
	if err != nil {
		return nil, false, err
	}
	p := newKept(statePartFormat, to, body)
	p.From = k.header
	b, err = snapshotEnc.Marshal(p)
	return b, err == nil, err
}

// applyParts returns st, kept for the header digested as at, with parts
// applied in order, and the digest of the header the result is for; nil
// if a part is damaged, of another form or rules, or does not follow.
func applyParts(st *State, at []byte, parts [][]byte) (*State, []byte) {
	if len(parts) > maxStateParts {
		return nil, nil
	}
	for _, b := range parts {
		p, ok := readKept(b, statePartFormat)
		if !ok || !bytes.Equal(p.From, at) || len(p.Header) != sha256.Size {
			return nil, nil
		}
		var forms []appendedForm
		if keptDec.Unmarshal(p.State, &forms) != nil || len(forms) == 0 {
			return nil, nil
		}
		for _, f := range forms {
			s, ok := f.statement(st.Cell)
			if !ok {
				return nil, nil
			}
			st.addRating(s) // st is this start's own copy
		}
		at = p.Header
	}
	return st, at
}

// statement turns f back into the rating statement of cell it keeps;
// false if an id has the wrong length or the rating is of another cell.
func (f *appendedForm) statement(cell CellID) (*Statement, bool) {
	d := stateDecoder{ok: true}
	r := d.rating(&f.Rating)
	s := &Statement{
		Kind: KindRate, Cell: r.Cell, Author: r.Author, Subject: r.Subject, Seq: r.Seq,
		Rating: r.Rating, Created: r.Created, Prev: d.sids(f.Prev),
	}
	s.id = r.Statement
	return s, d.ok && r.Cell == cell && s.id != (StatementID{}) && s.Author != (identity.ID{})
}
