package core

import (
	"slices"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// recoverAndReplace gets the card old back on a new laptop through the
// guardians by (after it imports cell from from) and replaces it there.
func recoverAndReplace(t *testing.T, old identity.ID, by []*Service, from *Service, cell crdt.CellID) *Service {
	t.Helper()
	tmp, next := getCardBack(t, old, by)
	mustImport(t, tmp, mustExport(t, from, ExportRequest{Cells: []crdt.CellID{cell}}))
	res, err := tmp.ReplaceCard()
	if err != nil || !slices.Equal(res.Replaced, []string{"Night"}) || tmp.Card().ID() != next.ID() {
		t.Fatalf("ReplaceCard = %+v, %v", res, err)
	}
	return tmp
}

// TestSeizedTwiceWalk (issue 17, rounds of SCHEMA §4.5): Ana replaces her
// card A by B after a first seizure, chooses her guardians again (the
// device names them in her cell with B), and the laptop holding B is
// seized too. She replaces B by C with those guardians. On Bo's and Cy's
// devices C is the member, Ana's ratings and Bo's rating of her pass to
// C, and what either thief signs with A or B counts for nothing.
func TestSeizedTwiceWalk(t *testing.T) {
	ana := newService(t, "Ana")
	bo, cy, di := newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di")
	guardians := []*Service{bo, cy, di}
	for _, g := range guardians {
		meet(t, ana, g)
	}
	meet(t, bo, cy)
	night, err := ana.NewCell("Night")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, bo, night.ID)
	invite(t, ana, cy, night.ID)
	choose := func(s *Service) {
		t.Helper()
		if _, err := s.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID(), di.Card().ID()}, 2); err != nil {
			t.Fatal(err)
		}
		for _, g := range guardians {
			sendTo(t, s, g)
		}
		// Bo and Cy go on using the cell, building on the guardians.
		buildOn(t, bo, cy, s)
		if v, _ := s.FindCell("night"); !inForce(v, s.Card().ID()) {
			t.Fatal("Ana's guardians are not in force in her cell")
		}
	}
	rate(t, ana, bo.Card().ID(), 5)
	sendTo(t, ana, bo)
	rate(t, bo, ana.Card().ID(), 4)
	sendTo(t, bo, ana)
	choose(ana)

	clock := time.Now()
	a := ana.Card().ID()
	thiefA := seize(t, ana, &clock)
	second := recoverAndReplace(t, a, []*Service{bo, di}, bo, night.ID)
	b := second.Card().ID()
	sendTo(t, second, bo)
	sendTo(t, second, cy)
	for _, g := range guardians {
		if _, err := second.AddContact(g.Card().String(), "", true); err != nil {
			t.Fatal(err)
		}
	}
	choose(second)

	thiefB := seize(t, second, &clock)
	third := recoverAndReplace(t, b, []*Service{cy, di}, cy, night.ID)
	c := third.Card().ID()

	// Both thieves sign, after the replacements and backdated.
	clock = time.Now().Add(time.Hour)
	rate(t, thiefA, cy.Card().ID(), 1)
	rate(t, thiefB, cy.Card().ID(), 1)
	clock = time.Now().Add(-24 * time.Hour)
	rate(t, thiefB, bo.Card().ID(), 1)

	mustImport(t, bo, mustExport(t, thiefB, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	mustImport(t, bo, mustExport(t, third, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	mustImport(t, bo, mustExport(t, thiefA, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	mustImport(t, cy, mustExport(t, third, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	mustImport(t, cy, mustExport(t, thiefA, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	mustImport(t, cy, mustExport(t, thiefB, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	for _, s := range []*Service{bo, cy} {
		v, err := s.FindCell("night")
		if err != nil {
			t.Fatal(err)
		}
		if v.IsMember(a) || v.IsMember(b) || !v.IsMember(c) {
			t.Fatalf("%s: members A %v, B %v, C %v", s.Card().Pseudonym, v.IsMember(a), v.IsMember(b), v.IsMember(c))
		}
		for _, r := range v.cellState().Ratings {
			if r.Rating.Safety == 1 {
				t.Errorf("%s: a thief's rating counts: %+v", s.Card().Pseudonym, r)
			}
		}
		if !hasRating(v, c, bo.Card().ID(), 5) || !hasRating(v, bo.Card().ID(), c, 4) {
			t.Errorf("%s: Ana's ratings did not pass to C: %+v", s.Card().Pseudonym, v.cellState().Ratings)
		}
		if k, err := s.Contact(c); err != nil || k.Verified != InPerson || k.Name() != "Ana" {
			t.Errorf("%s: C as a contact: %+v, %v", s.Card().Pseudonym, k, err)
		}
	}
	vb, _ := bo.FindCell("night")
	vc, _ := cy.FindCell("night")
	if vb.cellState().Digest() != vc.cellState().Digest() {
		t.Fatal("Bo and Cy see the cell differently")
	}
}
