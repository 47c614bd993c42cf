package core

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/store"
)

// interleaved is the app and the command line on one home: the app
// makes its change from the cells it read, and the command line writes
// the home just before the app stores it.
type interleaved struct {
	*appOpen
	cli                *Service
	fromBo             []byte // a sync file from Bo with his rating of Mal
	anaID, boID, malID identity.ID
}

func newInterleaved(t *testing.T) *interleaved {
	sc := &interleaved{appOpen: newAppOpen(t)}
	sc.anaID, sc.boID, sc.malID = sc.app.Card().ID(), sc.appOpen.bo.Card().ID(), sc.mal.Card().ID()
	if _, err := sc.appOpen.bo.Rate(sc.malID, crdt.Rating{Safety: 2, Reliability: 2}, nil); err != nil {
		t.Fatal(err)
	}
	sc.fromBo = mustExport(t, sc.appOpen.bo, ExportRequest{To: to(sc.anaID)})
	sc.cli = sc.open()
	t.Cleanup(func() { sc.cli.Close() })
	return sc
}

// before makes the command line run change once, after the app made its
// change and before it stores it.
func (sc *interleaved) before(t *testing.T, change func(cli *Service) error) {
	sc.app.beforeWrite = func() {
		sc.app.beforeWrite = nil
		if err := change(sc.cli); err != nil {
			t.Errorf("the command line's change: %v", err)
		}
	}
}

// rating returns the safety author gave subject in the cell, 0 if none.
func rating(st *crdt.State, author, subject identity.ID) int {
	for _, r := range st.Ratings {
		if r.Author == author && r.Subject == subject {
			return r.Rating.Safety
		}
	}
	return 0
}

// TestAttackInterleavedChangeLost: while the app stores a change, the
// command line changes the same home. Neither change is lost, whatever
// each did: a rating, a vote, a sync file, a block, a contact's name.
func TestAttackInterleavedChangeLost(t *testing.T) {
	type check func(t *testing.T, s *Service, st *crdt.State, sc *interleaved)
	cliChanges := []struct {
		name   string
		change func(sc *interleaved, cli *Service) error
		kept   check
	}{
		{"rating", func(sc *interleaved, cli *Service) error {
			_, err := cli.Rate(sc.malID, crdt.Rating{Safety: 1, Reliability: 1}, nil)
			return err
		}, func(t *testing.T, _ *Service, st *crdt.State, sc *interleaved) {
			if rating(st, sc.anaID, sc.malID) != 1 {
				t.Errorf("the command line's rating of Mal is lost")
			}
		}},
		{"vote", func(sc *interleaved, cli *Service) error {
			_, err := cli.VoteExclude(sc.cell, sc.malID)
			return err
		}, func(t *testing.T, _ *Service, st *crdt.State, sc *interleaved) {
			if len(st.VotesAgainst(sc.malID)) != 1 && st.IsMember(sc.malID) {
				t.Errorf("the command line's vote against Mal is lost: %v", st.Votes)
			}
		}},
		{"import", func(sc *interleaved, cli *Service) error {
			_, err := cli.Import(ctx, sc.fromBo)
			return err
		}, func(t *testing.T, _ *Service, st *crdt.State, sc *interleaved) {
			if rating(st, sc.boID, sc.malID) != 2 {
				t.Errorf("the sync file the command line took in is lost")
			}
		}},
		{"block", func(sc *interleaved, cli *Service) error {
			_, err := cli.SetBlocked(sc.malID, true)
			return err
		}, func(t *testing.T, s *Service, _ *crdt.State, sc *interleaved) {
			if c, err := s.Contact(sc.malID); err != nil || !c.Blocked {
				t.Errorf("the command line's block of Mal is lost")
			}
		}},
		{"name", func(sc *interleaved, cli *Service) error {
			_, err := cli.RenameContact(sc.malID, "Malcolm")
			return err
		}, func(t *testing.T, s *Service, _ *crdt.State, sc *interleaved) {
			if c, err := s.Contact(sc.malID); err != nil || c.Petname != "Malcolm" {
				t.Errorf("the name the command line gave Mal is lost")
			}
		}},
	}
	appChanges := []struct {
		name   string
		change func(sc *interleaved) error
		kept   check
	}{
		{"rating", func(sc *interleaved) error {
			_, err := sc.app.Rate(sc.boID, crdt.Rating{Safety: 5, Reliability: 5}, nil)
			return err
		}, func(t *testing.T, _ *Service, st *crdt.State, sc *interleaved) {
			if rating(st, sc.anaID, sc.boID) != 5 {
				t.Errorf("the app's rating of Bo is lost")
			}
		}},
		{"import", func(sc *interleaved) error {
			_, err := sc.app.Import(ctx, sc.fromBo)
			return err
		}, func(t *testing.T, _ *Service, st *crdt.State, sc *interleaved) {
			if rating(st, sc.boID, sc.malID) != 2 {
				t.Errorf("the sync file the app took in is lost")
			}
		}},
	}
	for _, a := range appChanges {
		for _, c := range cliChanges {
			if a.name == "import" && c.name == "import" {
				continue
			}
			t.Run("app "+a.name+", command line "+c.name, func(t *testing.T) {
				sc := newInterleaved(t)
				sc.before(t, func(cli *Service) error { return c.change(sc, cli) })
				if err := a.change(sc); err != nil {
					t.Fatalf("the app's change: %v", err)
				}
				if sc.app.beforeWrite != nil {
					t.Fatal("the command line did not run between the app's reading and writing")
				}
				s := sc.open()
				defer s.Close()
				v := ok[*CellView](t)(s.FindCell("night"))
				st := v.cellState()
				c.kept(t, s, st, sc)
				a.kept(t, s, st, sc)
			})
		}
	}
}

// TestInterleavedChangeGivesUp: when another program changes the cells
// every time, a change is tried a bounded number of times, then refused
// with a plain sentence, and nothing of it is stored.
func TestInterleavedChangeGivesUp(t *testing.T) {
	sc := newInterleaved(t)
	tries := 0
	sc.app.beforeWrite = func() {
		tries++
		if _, err := sc.cli.Rate(sc.malID, crdt.Rating{Safety: 1 + tries%5, Reliability: 1}, nil); err != nil {
			t.Errorf("the command line's rating: %v", err)
		}
	}
	_, err := sc.app.Rate(sc.boID, crdt.Rating{Safety: 5, Reliability: 5}, nil)
	if !errors.Is(err, ErrChangedElsewhere) || Explain(err) == "" {
		t.Fatalf("the app's rating: %v (%q)", err, Explain(err))
	}
	if tries != maxStaleTries {
		t.Errorf("tried %d times, want %d", tries, maxStaleTries)
	}
	sc.app.beforeWrite = nil
	s := sc.open()
	defer s.Close()
	st := ok[*CellView](t)(s.FindCell("night")).cellState()
	if rating(st, sc.anaID, sc.boID) != 0 || rating(st, sc.anaID, sc.malID) != 1+tries%5 {
		t.Errorf("after giving up: Bo %d, Mal %d", rating(st, sc.anaID, sc.boID), rating(st, sc.anaID, sc.malID))
	}
}

// TestExplainOtherProgram: both ways another program on the home can stop
// a change say so in one plain sentence.
func TestExplainOtherProgram(t *testing.T) {
	for _, err := range []error{ErrChangedElsewhere, fmt.Errorf("store: begin: %w", store.ErrBusy)} {
		if got := Explain(err); !strings.Contains(got, "Another trustdesk window or command") || !strings.Contains(got, "nothing was changed") {
			t.Errorf("Explain(%v) = %q", err, got)
		}
	}
}

// TestTwoProgramsRacing: the app and the command line rate at the same
// time, many times, on one home; every rating each made is in the cell
// (counted, the earlier ones of each as superseded). A rating may give up
// with ErrChangedElsewhere when the other program kept writing (both rate
// in a tight loop: the one that just wrote is ahead each time), and then
// changed nothing; any other error fails, as does a rating lost.
func TestTwoProgramsRacing(t *testing.T) {
	sc := newInterleaved(t)
	const each = 8
	before := ok[*CellView](t)(sc.app.FindCell("night")).cellState().Counted
	type outcome struct {
		made int
		err  error
	}
	done := make(chan outcome, 2)
	race := func(s *Service, subject identity.ID) {
		made := 0
		for i := range each {
			_, err := s.Rate(subject, crdt.Rating{Safety: 1 + i%5, Reliability: 1}, nil)
			if errors.Is(err, ErrChangedElsewhere) {
				continue
			}
			if err != nil {
				done <- outcome{made, err}
				return
			}
			made++
		}
		done <- outcome{made, nil}
	}
	go race(sc.app, sc.boID)
	go race(sc.cli, sc.malID)
	made := 0
	for range 2 {
		o := <-done
		if o.err != nil {
			t.Errorf("%v (%q)", o.err, Explain(o.err))
		}
		made += o.made
	}
	if t.Failed() {
		return
	}
	s := sc.open()
	defer s.Close()
	st := ok[*CellView](t)(s.FindCell("night")).cellState()
	if st.Counted != before+made {
		t.Errorf("%d statements count, want %d: a rating was lost or one given up was kept", st.Counted, before+made)
	}
	if made < each {
		t.Errorf("only %d of %d ratings were made", made, 2*each)
	}
}

// TestStaleKeptStateDropped: the app derives a cell whose state is not
// kept; before it keeps it, the command line changes the cell (and keeps
// the new state). The app's state, of the cell as it was, is dropped: the
// state kept is the one of the cell as stored.
func TestStaleKeptStateDropped(t *testing.T) {
	sc := newInterleaved(t)
	id := sc.cell
	if err := sc.app.db.Update(func(tx *store.Tx) error { return tx.Delete(bucketState, nil, id[:]) }); err != nil {
		t.Fatal(err)
	}
	sc.before(t, func(cli *Service) error {
		_, err := cli.Rate(sc.malID, crdt.Rating{Safety: 1, Reliability: 1}, nil)
		return err
	})
	sc.app.mu.Lock()
	sc.app.cells = nil
	_, err := sc.app.loadCells()
	sc.app.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if sc.app.beforeWrite != nil {
		t.Fatal("the command line did not run before the app kept the state")
	}
	err = sc.app.db.View(func(tx *store.Tx) error {
		header, err := tx.Get(bucketCell, nil, id[:])
		if err != nil {
			return err
		}
		if c, err := readKept(tx, id[:], header); err != nil || c == nil {
			t.Errorf("the state kept is not the stored cell's (%v)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStoreMovedAfterHeaders: the app finds its held cells still stored
// as it read them; before it reads one back (to rate in it, to make a
// sync file, to give its document), the command line stores the cell
// again. The app's call reads the cells again and succeeds, with the
// command line's change kept; it used to fail with "malformed data: the
// stored cell is not this one" (TestTwoProgramsRacing, now and then).
func TestStoreMovedAfterHeaders(t *testing.T) {
	calls := []struct {
		name string
		call func(sc *interleaved) error
	}{
		{"rate", func(sc *interleaved) error {
			_, err := sc.app.Rate(sc.boID, crdt.Rating{Safety: 5, Reliability: 5}, nil)
			return err
		}},
		{"export", func(sc *interleaved) error {
			_, err := sc.app.Export(ExportRequest{To: to(sc.boID)})
			return err
		}},
		{"import", func(sc *interleaved) error {
			_, err := sc.app.Import(context.Background(), sc.fromBo)
			return err
		}},
		{"document", func(sc *interleaved) error {
			_, err := sc.app.CellDocument(sc.cell)
			return err
		}},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			sc := newInterleaved(t)
			// The app holds its cells, resting: their statements are
			// read back from the store when needed.
			if _, err := sc.app.Cells(); err != nil {
				t.Fatal(err)
			}
			moved := false
			sc.app.afterHeaders = func() {
				if moved {
					return
				}
				moved = true
				if _, err := sc.cli.Rate(sc.malID, crdt.Rating{Safety: 1, Reliability: 1}, nil); err != nil {
					t.Errorf("the command line's rating: %v", err)
				}
			}
			if err := tc.call(sc); err != nil {
				t.Fatalf("%v (%q)", err, Explain(err))
			}
			if !moved {
				t.Fatal("the command line did not run between the headers and the reading")
			}
			sc.app.afterHeaders = nil
			s := sc.open()
			defer s.Close()
			st := ok[*CellView](t)(s.FindCell("night")).cellState()
			if rating(st, sc.anaID, sc.malID) != 1 {
				t.Errorf("the command line's rating was lost")
			}
		})
	}
}
