package core

import (
	"testing"
	"time"

	"trustdesk/crdt"
)

// TestAttackStartKeptFromStaleCells: the desktop app stays open while
// the command line changes the same home (here: Ana flags Mal). The open
// app holds the cells as it read them; what it then works out must not
// be kept under the key of the home as it is now, or every later start
// shows the cells and reputation from before the change (Mal not
// flagged) until something else changes.
func TestAttackStartKeptFromStaleCells(t *testing.T) {
	sc := newAppOpen(t)
	clk, open, app, bo, mal, cell := sc.clk, sc.open, sc.app, sc.bo, sc.mal, sc.cell
	if _, err := app.Cells(); err != nil {
		t.Fatal(err)
	}

	// Ana flags Mal from the command line.
	cli := open()
	if _, err := cli.Rate(mal.Card().ID(), crdt.Rating{Safety: 1, Reliability: 1, Day: clk.now().Format(time.DateOnly), Note: "took the money"}, nil); err != nil {
		t.Fatal(err)
	}
	cli.Close()

	// The app shows its pages again, then closes.
	if _, err := app.Cells(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Reputation(); err != nil {
		t.Fatal(err)
	}
	app.Close()

	s := open()
	got := startShows(t, s)
	forgetStart(t, s)
	s.Close()
	s = open()
	defer s.Close()
	if want := startShows(t, s); got != want {
		t.Fatalf("a start after the app kept its stale cells shows\n%s\ncomputing shows\n%s", got, want)
	}

	// Its own changes do not make a service read every cell again.
	if _, err := s.Rate(bo.Card().ID(), crdt.Rating{Safety: 4, Reliability: 4}, nil); err != nil {
		t.Fatal(err)
	}
	held := func() map[crdt.CellID]*crdt.Cell {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.cells
	}
	before := held()
	if _, err := s.Reputation(); err != nil || before == nil || len(held()) == 0 || held()[cell] != before[cell] {
		t.Fatalf("after its own rating the service read its cells again (%v)", err)
	}
}

// appOpen: Ana's home (clk's time), where she met Bo and Mal, who met
// each other, and invited both to Night; app is her desktop app, open on
// the home, which read the cells (Night's page); open opens the home
// again, as the command line does.
type appOpen struct {
	clk     *clock
	open    func() *Service
	app     *Service
	bo, mal *Service
	cell    crdt.CellID
}

func newAppOpen(t *testing.T) *appOpen {
	sc := &appOpen{clk: &clock{t: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)}}
	home := t.TempDir()
	ana := anaAt(t, home, sc.clk)
	sc.bo, sc.mal = newService(t, "Bo"), newService(t, "Mal")
	meet(t, ana, sc.bo)
	meet(t, ana, sc.mal)
	meet(t, sc.bo, sc.mal)
	sc.cell = ok[*CellView](t)(ana.NewCell("Night")).ID
	invite(t, ana, sc.bo, sc.cell)
	invite(t, ana, sc.mal, sc.cell)
	mustImport(t, sc.bo, mustExport(t, ana, ExportRequest{To: to(sc.bo.Card().ID())}))
	ana.Close()
	sc.open = opener(t, home, sc.clk)
	sc.app = sc.open()
	t.Cleanup(func() { sc.app.Close() })
	if _, err := sc.app.OldCards(sc.cell); err != nil { // the cell's page: it reads the cells
		t.Fatal(err)
	}
	return sc
}
