package core

import (
	"bytes"
	"context"
	"errors"
	"unicode/utf8"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// What kinds of file [Inspect] recognises.
const (
	KindCard         = "card"
	KindCellDocument = "cell document"
	KindCellChanges  = "cell changes"
)

// ErrUnknownFile means a file is not one trustdesk recognises.
var ErrUnknownFile = errors.New("not a trustdesk file")

// Inspection says what a file is and what it holds.
type Inspection struct {
	// Kind is one of the Kind constants.
	Kind string
	// Card is set for a card.
	Card *identity.Card
	// Cell is set for cell documents and changes: the derived state of
	// what the file holds on its own.
	Cell *crdt.State
	// Statements lists every statement in a cell file, counted or not.
	Statements []StatementView
}

// StatementView is one statement of a cell, for people to read.
type StatementView struct {
	ID      crdt.StatementID
	Kind    string
	Author  Person
	Counted bool
	// Reason says in plain words why it does not count (empty if it
	// counts); Detail says it for people who know the format.
	Reason, Detail string
}

// automergeMagic starts every Automerge document and change chunk.
var automergeMagic = []byte{0x85, 0x6f, 0x4a, 0x83}

// Inspect says what data is without changing anything: a card, or a cell
// document or change chunk (checked in a child process first, like every
// Automerge byte from outside). It returns ErrUnknownFile for anything else,
// and the checker's errors (crdt.ErrDamaged, crdt.ErrCouldNotCheck,
// crdt.ErrTooLarge) for damaged cell data.
func Inspect(ctx context.Context, checker *crdt.Checker, data []byte) (*Inspection, error) {
	if bytes.HasPrefix(data, automergeMagic) {
		return inspectCell(ctx, checker, data)
	}
	text := bytes.TrimSpace(data)
	if len(text) < 8192 && utf8.Valid(text) && bytes.HasPrefix(bytes.ToUpper(text), []byte("TD")) {
		card, err := identity.ParseCard(string(text))
		if err != nil {
			return nil, err
		}
		return &Inspection{Kind: KindCard, Card: card}, nil
	}
	return nil, ErrUnknownFile
}

func inspectCell(ctx context.Context, checker *crdt.Checker, data []byte) (*Inspection, error) {
	if checker == nil {
		checker = &crdt.Checker{}
	}
	kind := KindCellDocument
	if len(data) > 8 && data[8] != 0 {
		kind = KindCellChanges
	}
	cell, _, err := checker.LoadUntrusted(ctx, data)
	if err != nil {
		return nil, err
	}
	st := cell.State()
	names := map[identity.ID]string{}
	for id, card := range st.Cards {
		names[id] = card.Pseudonym
	}
	in := &Inspection{Kind: kind, Cell: st}
	rejected := map[crdt.StatementID]crdt.Rejected{}
	for _, r := range st.Invalid {
		if r.ID == (crdt.StatementID{}) {
			in.Statements = append(in.Statements, StatementView{Kind: "unreadable", Reason: ReasonWords(r.Reason), Detail: r.Detail})
			continue
		}
		rejected[r.ID] = r
	}
	for _, stm := range cell.Statements() {
		v := StatementView{ID: stm.ID(), Kind: stm.Kind.String(), Author: person(names, stm.Author), Counted: true}
		if r, bad := rejected[stm.ID()]; bad {
			v.Counted = false
			v.Reason, v.Detail = ReasonWords(r.Reason), r.Detail
		}
		in.Statements = append(in.Statements, v)
	}
	return in, nil
}

// LooksLikeSyncFile reports whether data looks like a sync file (binary or
// pasted text), without opening it.
func LooksLikeSyncFile(data []byte) bool {
	t := bytes.TrimSpace(data)
	return bytes.HasPrefix(t, []byte("age-encryption.org/")) || bytes.HasPrefix(t, []byte("-----BEGIN AGE ENCRYPTED FILE-----"))
}

// ReasonWords says in plain words why an entry of a cell does not count.
func ReasonWords(r crdt.Reason) string {
	switch r {
	case crdt.ReasonMalformed:
		return "it cannot be read"
	case crdt.ReasonWrongCell:
		return "it was made for another cell"
	case crdt.ReasonUnknownAuthor:
		return "its author's card is not in the cell"
	case crdt.ReasonBadSignature:
		return "it was altered, or is not by the person it names"
	case crdt.ReasonMissingPrev:
		return "it builds on an entry that has not arrived yet"
	case crdt.ReasonNoAuthority:
		return "its author was not allowed to do this at the time"
	case crdt.ReasonExcluded:
		return "its author was being voted out at the time"
	case crdt.ReasonLeft:
		return "its author was leaving the cell at the time"
	case crdt.ReasonDuplicateFound:
		return "it claims to start a cell that was already started"
	case crdt.ReasonSuperseded:
		return "a later rating by the same person replaces it"
	case crdt.ReasonReplaced:
		return "it was made with a card its owner replaced, after the replacement or beside it"
	case crdt.ReasonNotConfirmed:
		return "not enough of the person's guardians confirmed this new card"
	}
	return string(r)
}
