package core

import (
	"testing"
	"time"

	"trustdesk/crdt"
)

// TestFutureRatingDoesNotOutlastDecay: a member whose device claims a
// time years ahead can sign a rating dated in that future (its day is
// within a day of the time the statement claims, so every device takes
// the statement). Scores count a rating dated in the future as made today,
// so such a rating would keep its full weight for years. A device leaves
// out of its scores every rating made, by its own signed time, more than
// crdt.DayAllowance after the device's clock, until that time comes.
func TestFutureRatingDoesNotOutlastDecay(t *testing.T) {
	now := time.Now().UTC()
	ana, cy := newService(t, "Ana"), newService(t, "Cy")
	future := now.Add(200 * 365 * 24 * time.Hour)
	mal, err := Init(t.TempDir(), "Mal", []byte("correct horse"), Options{WorkFactor: 10, Now: func() time.Time { return future }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mal.Close() })
	meet(t, ana, mal)
	meet(t, ana, cy)
	cell, err := ana.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, mal, cell.ID)
	invite(t, ana, cy, cell.ID)
	mustImport(t, mal, mustExport(t, ana, ExportRequest{To: to(mal.Card().ID())}))
	day := future.Add(crdt.DayAllowance).Format(time.DateOnly)
	if _, err := mal.Rate(cy.Card().ID(), crdt.Rating{Safety: 1, Reliability: 1, Day: day}, []crdt.CellID{cell.ID}); err != nil {
		t.Fatal(err)
	}
	// Ana rates too, today, so the score has something honest in it.
	if _, err := ana.Rate(cy.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5, Day: now.Format(time.DateOnly)}, []crdt.CellID{cell.ID}); err != nil {
		t.Fatal(err)
	}
	mustImport(t, ana, mustExport(t, mal, ExportRequest{To: to(ana.Card().ID())}))
	v, err := ana.FindCell(cell.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	if v.Ratings != 2 {
		t.Fatalf("the cell holds %d ratings that count, want 2 (the statement is well formed)", v.Ratings)
	}
	r, err := ana.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	sc := r.Person(cy.Card().ID().String())
	if sc == nil {
		t.Fatal("no score for Cy")
	}
	for _, e := range sc.Ratings {
		if e.RaterID == mal.Card().ID().String() {
			t.Errorf("the rating dated %s counts in Ana's scores on %s: weight %v", e.Day.Format(time.DateOnly), now.Format(time.DateOnly), e.Weight)
		}
	}
	if sc.Raters != 1 {
		t.Errorf("%d raters count, want 1 (Ana)", sc.Raters)
	}
}
