package core

import (
	"testing"

	"trustdesk/crdt"
)

// TestAttackStaleWriteLosesChange: the desktop app stays open while the
// command line rates Mal in the same home; then the app rates Bo. The
// app's cells are from before the command line's rating: storing its
// change must not write over what the command line stored.
func TestAttackStaleWriteLosesChange(t *testing.T) {
	sc := newAppOpen(t)
	open, app, bo, mal := sc.open, sc.app, sc.bo, sc.mal
	cli := open()
	if _, err := cli.Rate(mal.Card().ID(), crdt.Rating{Safety: 1, Reliability: 1}, nil); err != nil {
		t.Fatal(err)
	}
	cli.Close()
	if _, err := app.Rate(bo.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5}, nil); err != nil {
		t.Logf("the app's rating: %v", err)
		if _, err := app.Rate(bo.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5}, nil); err != nil {
			t.Errorf("the app's rating again: %v", err)
		}
	}
	app.Close()

	s := open()
	defer s.Close()
	v, err := s.FindCell("night")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range v.cellState().Ratings {
		got[r.Subject.String()] = r.Rating.Safety
	}
	if got[mal.Card().ID().String()] != 1 {
		t.Errorf("the command line's rating of Mal is lost: %v", got)
	}
	if got[bo.Card().ID().String()] != 5 {
		t.Errorf("the app's rating of Bo is lost: %v", got)
	}
}

// BenchmarkHeldCells is what asking for the cells costs a service that
// holds them: since TestAttackStaleWriteLosesChange, reading the stored
// headers of its three cells to see whether another program changed
// them.
func BenchmarkHeldCells(b *testing.B) {
	ana, _, _ := threeCells(b)
	ana.mu.Lock()
	defer ana.mu.Unlock()
	for b.Loop() {
		if cells, err := ana.loadCells(); err != nil || len(cells) != 3 {
			b.Fatal(len(cells), err)
		}
	}
}
