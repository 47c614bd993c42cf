package core

import (
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/store"
)

// keptFor reports whether the reputation of the day of s's clock is
// kept for the home as it is.
func keptFor(t *testing.T, s *Service, now time.Time) bool {
	t.Helper()
	var got bool
	err := s.db.View(func(tx *store.Tx) error {
		inputs, _, err := s.startInputs(tx)
		got = readStart(tx, startReputation(now), inputs, now) != nil
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// computedToday returns what a start on the day of clk shows when it
// computes: what was kept of the list of cells, the reputation's source
// and the day's reputation forgotten first (the other days' kept).
func computedToday(t *testing.T, open func() *Service, clk *clock) string {
	t.Helper()
	s := open()
	err := s.db.Update(func(tx *store.Tx) error {
		for _, k := range [][]byte{startCells, startDetail, startRepSource, startReputation(clk.now())} {
			if err := tx.Delete(bucketStart, nil, k); err != nil {
				return err
			}
		}
		return nil
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = open()
	defer s.Close()
	return startShows(t, s)
}

// startedHome returns randomHome(seed) started once (what a start shows
// kept for the day of its clock), the clock and what opens it.
func startedHome(t *testing.T, seed uint64) (*clock, string, func() *Service) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)}
	home := randomHome(t, seed, clk)
	open := opener(t, home, clk)
	s := open()
	defer s.Close()
	startShows(t, s)
	return clk, home, open
}

// TestWeekKeptAheadAfterCommand: a command of the command line that
// changed the home (a renamed contact, as the command line makes it) keeps,
// before it closes, the reputation of each of the next daysAhead days;
// the first start of each of those days reads it and shows what a start
// that computes shows that day, with a rating of a contact shown that
// was made ahead and comes due the next day, and a later one of the same
// contact that comes due within the week. Those starts keep nothing
// ahead in turn (they computed nothing): more than a week after the
// command, nothing is kept, and that start computes.
func TestWeekKeptAheadAfterCommand(t *testing.T) {
	for seed := range uint64(2) {
		clk, home, open := startedHome(t, seed)
		// A rating made by a clock 50 hours ahead (due from tomorrow
		// on, madeBy), then a command with the clock right: its
		// close keeps the next days ahead.
		s := opener(t, home, &clock{t: clk.now().Add(50 * time.Hour)})()
		contacts, _ := s.OwnContacts()
		if _, err := s.Rate(contacts[0].ID(), crdt.Rating{Safety: 2, Reliability: 4, Day: clk.now().Format(time.DateOnly)}, nil); err != nil {
			t.Fatal(err)
		}
		s.Close()
		// And a later rating of the same contact by a clock 100 hours
		// ahead: due from the third day on, within the week kept
		// ahead, where it replaces the one before.
		s = opener(t, home, &clock{t: clk.now().Add(100 * time.Hour)})()
		if _, err := s.Rate(contacts[0].ID(), crdt.Rating{Safety: 5, Reliability: 1, Day: clk.now().Format(time.DateOnly)}, nil); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = open()
		if _, err := s.RenameContact(contacts[0].ID(), "Later"); err != nil {
			t.Fatal(err)
		}
		s.Close()
		for day := 1; day <= daysAhead+1; day++ {
			after := 24 * time.Hour
			if day > daysAhead {
				// More than a week after the command: the
				// starts between read and kept nothing ahead.
				after = (daysAhead + 1) * 24 * time.Hour
			}
			clk.add(after)
			s = open()
			if got, want := keptFor(t, s, clk.now()), day <= daysAhead; got != want {
				t.Fatalf("seed %d, day %d after the command: the day's reputation kept %v, want %v", seed, day, got, want)
			}
			shows := startShows(t, s)
			s.Close()
			if computed := computedToday(t, open, clk); computed != shows {
				t.Fatalf("seed %d, day %d after the command: a start shows\n%s\ncomputing shows\n%s", seed, day, shows, computed)
			}
		}
	}
}

// TestComputingStartKeepsWeekAhead: a start of the command line that
// computed the day's reputation (nothing kept for the day) the day after
// another start keeps the next days' ahead before it closes; the starts
// of those days read it, show what computing shows, and keep nothing
// ahead themselves. A start that computes more than a day after the
// last one (a home started every few days) keeps nothing ahead.
func TestComputingStartKeepsWeekAhead(t *testing.T) {
	clk, _, open := startedHome(t, 1)
	aheadOf := func() bool {
		s := open()
		defer s.Close()
		return keptFor(t, s, clk.now().AddDate(0, 0, daysAhead))
	}
	// The import of randomHome kept the week after it: past it, a
	// start computes and, with nothing kept for yesterday, keeps
	// nothing ahead.
	clk.add((daysAhead + 2) * 24 * time.Hour)
	s := open()
	startShows(t, s)
	s.Close()
	if aheadOf() {
		t.Fatal("a start more than a week after the last one kept the week ahead")
	}
	clk.add(24 * time.Hour)
	s = open()
	if keptFor(t, s, clk.now()) {
		t.Fatal("the next day, the day's reputation is kept")
	}
	startShows(t, s)
	s.Close()
	for day := 1; day <= daysAhead; day++ {
		clk.add(24 * time.Hour)
		s = open()
		if !keptFor(t, s, clk.now()) {
			t.Fatalf("day %d after a start that computed: the day's reputation is not kept", day)
		}
		shows := startShows(t, s)
		s.Close()
		if aheadOf() {
			t.Fatalf("day %d after a start that computed: a start that read kept a week ahead", day)
		}
		if computed := computedToday(t, open, clk); computed != shows {
			t.Fatalf("day %d after a start that computed: a start shows\n%s\ncomputing shows\n%s", day, shows, computed)
		}
	}
	clk.add(3 * 24 * time.Hour)
	s = open()
	startShows(t, s)
	s.Close()
	if aheadOf() {
		t.Fatal("a start three days after the last one kept the week ahead")
	}
}
