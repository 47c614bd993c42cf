// Package fewvotes holds, for the tests of several trustdesk packages,
// the home of someone in an ordinary small cell with a few more open
// votes than a cell's page lists ([core.ShownVotes]), none of them
// about her: Mara founded "Garden", admitted [N] people who accepted,
// and each of them voted for rules of their own, none reaching the
// number needed. Unlike the cell of thousands of fakes
// (internal/fakevotes) it is made in a few seconds, so it is made
// anew each time. It is an ordinary (not _test) package so that the
// tests of core's users can share it; the test binary that calls
// [Home] must let the checking worker run (internal/workergate), as
// taking in a sync file starts it.
package fewvotes

import (
	"context"
	"fmt"
	"path/filepath"

	"trustdesk/core"
	"trustdesk/crdt"
)

const (
	// N is how many people besides Mara the cell holds, each with an
	// open vote on the rules: one more than a page lists.
	N = core.ShownVotes + 1
	// CellName is the cell's name.
	CellName = "Garden"
	// Passphrase is the passphrase of every home.
	Passphrase = "few votes"
)

// Rules returns the rules person i (0 to N-1) voted for: each votes for
// different rules, so no rules are one vote from coming in.
func Rules(i int) crdt.Policy { return crdt.Policy{AdmitVouches: 1, ExcludeQuorum: i + 1} }

// Home makes Mara's home in the empty folder home, and the homes of the
// others in folders under others, and returns Mara's home, unlocked,
// with the cell and every vote taken in. opt is the options of every
// home (a low WorkFactor keeps it fast).
func Home(home, others string, opt core.Options) (mara *core.Service, err error) {
	mara, err = core.Init(home, "Mara", []byte(Passphrase), opt)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			mara.Close()
			mara = nil
		}
	}()
	v, err := mara.NewCell(CellName)
	if err != nil {
		return nil, err
	}
	people := make([]*core.Service, N)
	for i := range people {
		p, err := core.Init(filepath.Join(others, fmt.Sprint(i)), fmt.Sprintf("Person %d", i+1), []byte(Passphrase), opt)
		if err != nil {
			return nil, err
		}
		defer p.Close()
		people[i] = p
		if err := join(mara, p, v.ID); err != nil {
			return nil, fmt.Errorf("%s joins: %w", p.Card().Pseudonym, err)
		}
	}
	for i, p := range people {
		if _, err := p.SetPolicy(v.ID, Rules(i)); err != nil {
			return nil, err
		}
		if err := send(p, mara, v.ID); err != nil {
			return nil, err
		}
	}
	return mara, nil
}

// join has mara and p exchange cards, mara admit p into cell and p
// accept; each sees what the other did.
func join(mara, p *core.Service, cell crdt.CellID) error {
	if _, err := mara.AddContact(p.Card().String(), "", true); err != nil {
		return err
	}
	if _, err := p.AddContact(mara.Card().String(), "", true); err != nil {
		return err
	}
	if _, err := mara.Admit(cell, p.Card().ID()); err != nil {
		return err
	}
	if err := send(mara, p, cell); err != nil {
		return err
	}
	if _, err := p.JoinCell(cell); err != nil {
		return err
	}
	return send(p, mara, cell)
}

// send carries what from knows of cell to to.
func send(from, to *core.Service, cell crdt.CellID) error {
	id := to.Card().ID()
	res, err := from.Export(core.ExportRequest{To: &id, Cells: []crdt.CellID{cell}})
	if err != nil {
		return err
	}
	_, err = to.Import(context.Background(), res.Data)
	return err
}
