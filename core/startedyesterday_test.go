package core

import (
	"testing"
	"time"
)

// TestIdleStartKeepsNothingAhead: a start eight days after the last one
// (past the week kept ahead, whose last day, yesterday, is kept) computes
// and keeps nothing ahead: nobody started the home yesterday. A home
// started every day reads what was kept for a week, and the start after
// it computes and keeps the next week ahead. Before, the first kept
// yesterday's reputation and so kept the week ahead at every start.
func TestIdleStartKeepsNothingAhead(t *testing.T) {
	for _, daily := range []bool{false, true} {
		clk, _, open := startedHome(t, 3)
		if daily {
			for day := 1; day <= daysAhead; day++ {
				clk.add(24 * time.Hour)
				s := open()
				if !keptFor(t, s, clk.now()) {
					t.Fatalf("day %d after the import: the day's reputation is not kept", day)
				}
				startShows(t, s)
				s.Close()
			}
			clk.add(24 * time.Hour)
		} else {
			clk.add((daysAhead + 1) * 24 * time.Hour)
		}
		s := open()
		if keptFor(t, s, clk.now()) || !keptFor(t, s, clk.now().AddDate(0, 0, -1)) {
			t.Fatal("eight days after the import: the day's reputation is kept, or yesterday's is not")
		}
		startShows(t, s)
		s.Close()
		s = open()
		ahead := keptFor(t, s, clk.now().AddDate(0, 0, daysAhead))
		s.Close()
		if ahead != daily {
			t.Fatalf("started every day %v: the start that computed kept the week ahead %v", daily, ahead)
		}
	}
}
