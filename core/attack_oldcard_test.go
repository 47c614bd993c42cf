package core

import (
	"errors"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// TestAttackThiefAsksGuardiansAfterReplacement: in oldCardScene, after
// Ana replaced her card with Bo's and Di's help, the thief holding her
// old card chooses other guardians and asks Bo, one of her guardians
// still, to agree. Bo's device knows the old card was replaced: the ask
// is not Ana's and is not kept (the import says so), and no agreement
// goes to the old card, which would let the thief name his own guardians
// wherever the old card is still a member and replace it there with a
// card of his, out of reach of the vote against it.
func TestAttackThiefAsksGuardiansAfterReplacement(t *testing.T) {
	sc := newOldCardScene(t, nil)
	st, err := sc.thief.SetGuardians([]identity.ID{sc.cy.Card().ID(), sc.di.Card().ID()}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending == nil {
		t.Fatalf("the thief's change of guardians does not wait for agreement: %+v", st)
	}
	id := sc.bo.Card().ID()
	res, err := sc.thief.Export(ExportRequest{To: &id})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := sc.bo.Import(ctx, res.Data)
	if err != nil {
		t.Fatalf("the old card's file: %v", err)
	}
	t.Logf("Bo is told: %s", sum)
	if sum.Recovery != nil && sum.Recovery.Asked != "" {
		t.Errorf("Bo's device keeps the old card's ask to change guardians: %q", sum)
	}
	if !strings.Contains(sum.String(), "was replaced") {
		t.Errorf("Bo is not told the ask comes from a replaced card: %q", sum)
	}
	if _, err := sc.bo.AgreeToChange(sc.old, st.Pending.Code); !errors.Is(err, ErrCardReplaced) && !errors.Is(err, ErrNoChange) {
		t.Errorf("Bo agrees to the old card's change of guardians: %v, want ErrCardReplaced", err)
	}
}

// TestAttackThiefAskListedAfterReplacement: in oldCardScene, the thief
// holding Ana's old card asks Bo, her guardian, to agree to new
// guardians just before Ana's replacement reaches Bo. Once it has, the
// ask is no longer listed as Ana's: agreeing to it is refused
// (ErrCardReplaced), and a list that still shows "Ana asks you to agree"
// sends Bo to her to compare a code for the thief's change.
func TestAttackThiefAskListedAfterReplacement(t *testing.T) {
	sc := newOldCardScene(t, func(sc *oldCardScene) {
		if _, err := sc.thief.SetGuardians([]identity.ID{sc.cy.Card().ID(), sc.di.Card().ID()}, 2); err != nil {
			t.Fatal(err)
		}
		id := sc.bo.Card().ID()
		mustImport(t, sc.bo, mustExport(t, sc.thief, ExportRequest{To: &id}))
		if asked, err := sc.bo.AskedChanges(); err != nil || len(asked) != 1 {
			t.Fatalf("before the replacement Bo is asked %+v, %v; want the old card's ask", asked, err)
		}
	})
	asked, err := sc.bo.AskedChanges()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range asked {
		if a.Owner.ID == sc.old {
			t.Errorf("after the replacement Bo is still asked by the old card: %+v", a)
		}
	}
}

// TestFileFromReplacedCardSaysSo: in oldCardScene, the thief rates Cy
// with Ana's old card in Day, where it could not be replaced, and sends
// Bo a file. Bo's device takes it in (what the old card signs counts or
// not by each cell's rules, crdt/SCHEMA.md §4.5), and its summary says
// that the card was replaced and what its words weigh: before, it said
// "1 new rating in Day", as from anyone.
func TestFileFromReplacedCardSaysSo(t *testing.T) {
	sc := newOldCardScene(t, nil)
	if _, err := sc.thief.Rate(sc.cy.Card().ID(), crdt.Rating{Safety: 1, Reliability: 1}, []crdt.CellID{sc.day}); err != nil {
		t.Fatal(err)
	}
	id := sc.bo.Card().ID()
	sum := mustImport(t, sc.bo, mustExport(t, sc.thief, ExportRequest{To: &id, Cells: []crdt.CellID{sc.day}}))
	if sum.NewStatements == 0 {
		t.Errorf("the old card's file is not taken in: %q", sum)
	}
	if !sum.SenderReplaced || !strings.Contains(sum.String(), "their card was replaced by a new one: what it says counts for nothing in your scores") {
		t.Errorf("Bo is not told the file comes from a replaced card: %q", sum)
	}
	// A file from the new card says nothing of the kind.
	if sum := sendTo(t, sc.bo, sc.cy); sum.SenderReplaced {
		t.Errorf("a file from Bo says his card was replaced: %q", sum)
	}
}
