package core

import (
	"bytes"
	"context"
	"errors"
	"unicode/utf8"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
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
			in.Statements = append(in.Statements, StatementView{Kind: "unreadable", Reason: words.Reason(r.Reason), Detail: r.Detail})
			continue
		}
		rejected[r.ID] = r
	}
	stmts, err := cell.ReadStatements()
	if err != nil {
		return nil, err
	}
	for _, stm := range stmts {
		v := StatementView{ID: stm.ID(), Kind: stm.Kind.String(), Author: person(names, stm.Author), Counted: true}
		if r, bad := rejected[stm.ID()]; bad {
			v.Counted = false
			v.Reason, v.Detail = words.Reason(r.Reason), r.Detail
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
