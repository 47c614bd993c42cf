package app

import (
	"testing"

	"fyne.io/fyne/v2"
)

// TestCellPageShowsPeopleAndVotesFirst: in the window a 1366×768 screen
// leaves with large text (FYNE_SCALE=1.5), a cell's page opens on what a
// member needs first: the open vote to exclude someone, then who is in the
// cell, three of its four members without scrolling. The rules and the
// rare actions (change the rules, leave), which took the top of the page,
// come after the people.
func TestCellPageShowsPeopleAndVotesFirst(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.cells
	w.marketOfFour(t)
	voteAgainst(t, u, row(t, s, "Cy"))
	tapDialog(t, u, "Vote to exclude")
	u.tabs.SelectIndex(2)
	u.win.Resize(largeTextScreen)
	s.scroll.ScrollToTop()
	d := fyne.CurrentApp().Driver()
	bottom := func(o fyne.CanvasObject) float32 { return d.AbsolutePositionForObject(o).Y + o.Size().Height }
	if len(s.memberRows) != 4 {
		t.Fatalf("%d member rows", len(s.memberRows))
	}
	height := u.win.Canvas().Size().Height
	if !s.votes.Visible() || bottom(s.votes) > d.AbsolutePositionForObject(s.memberRows[0].name).Y {
		t.Errorf("the open vote is not above the members (votes end at %.0f, the first member at %.0f)",
			bottom(s.votes), d.AbsolutePositionForObject(s.memberRows[0].name).Y)
	}
	seen := 0
	for _, r := range s.memberRows {
		if bottom(r.status) <= height {
			seen++
		}
	}
	if seen < 3 {
		t.Errorf("%d of the %d members show before a scroll", seen, len(s.memberRows))
	}
	if y := d.AbsolutePositionForObject(s.rules).Y; y < bottom(s.memberRows[len(s.memberRows)-1].status) {
		t.Errorf("the rules (at %.0f) come before the people", y)
	}
}
