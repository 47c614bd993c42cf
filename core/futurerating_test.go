package core

import (
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/store"
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
	cell := nightMarket(t, ana, mal, cy)
	day := future.Add(crdt.DayAllowance).Format(time.DateOnly)
	if _, err := mal.Rate(cy.Card().ID(), crdt.Rating{Safety: 1, Reliability: 1, Day: day}, []crdt.CellID{cell}); err != nil {
		t.Fatal(err)
	}
	// Ana rates too, today, so the score has something honest in it.
	if _, err := ana.Rate(cy.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5, Day: now.Format(time.DateOnly)}, []crdt.CellID{cell}); err != nil {
		t.Fatal(err)
	}
	mustImport(t, ana, mustExport(t, mal, ExportRequest{To: to(ana.Card().ID())}))
	v, err := ana.FindCell(cell.String())
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

// TestAttackRatingsMadeAheadEveryMinute: a member whose client signs
// ratings "made" ahead of the device's clock, spread a minute apart,
// made each one come due at its own minute, and the reputation kept at
// a start held only until the next one came due: every start a minute
// later computed the reputation again. The ratings that count are a
// function of the day (madeBy), so what the first start of a day keeps
// holds for the whole day, whatever was made ahead.
func TestAttackRatingsMadeAheadEveryMinute(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)}
	home := t.TempDir()
	ana := anaAt(t, home, clk)
	malClk := &clock{t: clk.now()}
	mal, err := Init(t.TempDir(), "Mal", []byte("correct horse"), Options{WorkFactor: 10, Now: malClk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mal.Close() })
	cy := newService(t, "Cy")
	cell := nightMarket(t, ana, mal, cy)
	if _, err := mal.AddContact(cy.Card().String(), "", false); err != nil {
		t.Fatal(err)
	}
	// One due within the day by the clock's time, one the day after.
	for i, ahead := range []time.Duration{24*time.Hour + time.Minute, 40 * time.Hour} {
		malClk.t = clk.now().Add(ahead)
		subject := []*Service{ana, cy}[i]
		if _, err := mal.Rate(subject.Card().ID(), crdt.Rating{Safety: 1, Reliability: 1, Day: malClk.t.Format(time.DateOnly)}, []crdt.CellID{cell}); err != nil {
			t.Fatal(err)
		}
	}
	mustImport(t, ana, mustExport(t, mal, ExportRequest{To: to(ana.Card().ID())}))
	ana.Close()
	s := opener(t, home, clk)()
	defer s.Close()
	forgetStart(t, s)
	startShows(t, s)
	var b []byte
	err = s.db.View(func(tx *store.Tx) error {
		b, err = tx.Get(bucketStart, nil, startReputation(clk.now()))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	k := decodeKeptStart(t, b)
	day := dayOf(clk.now())
	if from, until := time.Unix(0, k.From).UTC(), time.Unix(0, k.Until).UTC(); !from.Equal(day) || !until.Equal(day.Add(24*time.Hour)) {
		t.Errorf("the reputation is kept from %v until %v, want the day %v", from, until, day)
	}
}

// nightMarket makes Ana meet Mal and Cy and invite both to her new cell,
// and Mal take her file: the cell's id.
func nightMarket(t *testing.T, ana, mal, cy *Service) crdt.CellID {
	t.Helper()
	meet(t, ana, mal)
	meet(t, ana, cy)
	cell, err := ana.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, mal, cell.ID)
	invite(t, ana, cy, cell.ID)
	mustImport(t, mal, mustExport(t, ana, ExportRequest{To: to(mal.Card().ID())}))
	return cell.ID
}
