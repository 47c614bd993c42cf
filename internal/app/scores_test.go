package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/internal/words"
	"trustdesk/reputation"
)

// meters returns every reputation bar laid out in the window.
func meters(u *ui) []*meter {
	var out []*meter
	for _, o := range test.LaidOutObjects(u.win.Content()) {
		if m, ok := o.(*meter); ok && m.Visible() {
			out = append(out, m)
		}
	}
	return out
}

// checkBars checks that every bar on screen has its score beside it (none
// without a score) and opens the legend when tapped.
func checkBars(t *testing.T, u *ui, where string, want int) {
	t.Helper()
	ms := meters(u)
	if len(ms) < want {
		t.Fatalf("%s: %d bars, want at least %d", where, len(ms), want)
	}
	numbered := 0
	for i, m := range ms {
		if m.value > 0 && m.number.Text == "" || m.value == 0 && m.number.Text != "" {
			t.Errorf("%s: bar %d is %.0f%% full with the number %q", where, i, 100*m.value, m.number.Text)
		}
		if m.number.Text != "" {
			numbered++
		}
		u.legend = nil
		test.Tap(m)
		if u.legend == nil {
			t.Fatalf("%s: bar %d does not open the legend", where, i)
		}
		u.dialog.Hide()
	}
	if numbered == 0 {
		t.Errorf("%s: no bar has a number beside it", where)
	}
}

// TestScoresSayWhatPeopleEntered rates Bob once, then has Ann rate him
// later: the screens show the numbers beside the bars, the one rating's
// own words while it is the only one, a legend from every bar, and the
// ratings newest first.
func TestScoresSayWhatPeopleEntered(t *testing.T) {
	w := newCellWorld(t)
	cell := sharedCell(t, w)
	u := w.u
	bob := w.bob.Card().ID()
	if _, err := w.mara.Rate(bob, crdt.Rating{Safety: 5, Reliability: 4, Day: "2026-10-01"}, []crdt.CellID{cell}); err != nil {
		t.Fatal(err)
	}
	u.changed()

	// One rating: its own words, and the score as a number.
	var row personRow
	for _, r := range u.people.shownRows {
		if r.contact.ID() == bob {
			row = r
		}
	}
	if row.score == nil || row.score.Safety == nil {
		t.Fatal("Bob has no score after a rating")
	}
	view := newPersonRowView(u.showLegend)
	view.set(row)
	if want := "1 rating: " + safetyWords[5]; view.badge.known.Text != want {
		t.Errorf("one rating is shown as %q, want %q", view.badge.known.Text, want)
	}
	if want := fmt.Sprintf("%.1f", *row.score.Safety); view.badge.safety.number.Text != want {
		t.Errorf("the safety bar says %q, the score is %s", view.badge.safety.number.Text, want)
	}

	// Every bar on People, on the cell and on the person's page.
	u.win.Resize(fyne.NewSize(1040, 720))
	u.tabs.SelectIndex(0)
	checkBars(t, u, "People", 2)
	test.Tap(u.people.legend)
	if u.legend == nil || !strings.Contains(dialogText(u), "Teal") || !strings.Contains(dialogText(u), reputation.ConfidenceWords(0.2)) {
		t.Fatalf("the legend says %q", dialogText(u))
	}
	u.dialog.Hide()
	u.tabs.SelectIndex(2)
	u.cells.selectCell(cell)
	checkBars(t, u, "the cell", 2)

	// Ann rates Bob later; her rating is newer, so it comes first. Mara
	// rated nobody but verified Ann in person, so Ann's praise counts as
	// much as Mara trusts her: less than Mara's own.
	if _, err := w.ann.Rate(bob, crdt.Rating{Safety: 3, Reliability: 3, Day: "2026-11-20", Note: "late twice"}, []crdt.CellID{cell}); err != nil {
		t.Fatal(err)
	}
	to := w.mara.Card().ID()
	res, err := w.ann.Export(core.ExportRequest{To: &to})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.mara.Import(context.Background(), res.Data); err != nil {
		t.Fatal(err)
	}
	u.changed()
	u.showPerson(bob)
	p := u.person
	if len(p.ratings) != 2 {
		t.Fatalf("%d ratings shown", len(p.ratings))
	}
	if first, second := p.ratings[0].String(), p.ratings[1].String(); !strings.Contains(first, "20 November 2026") || !strings.Contains(second, "1 October 2026") {
		t.Errorf("not newest first:\n%s\n%s", first, second)
	}
	if ann := p.ratings[0].String(); !strings.Contains(ann, "Counts ") || strings.Contains(ann, words.Why(reputation.WhyKnownLittle)) {
		t.Errorf("Ann's rating says\n%s\nwant it to count, less than your own", ann)
	}
	if p.badge == nil || p.badge.known.Text != "2 ratings, "+reputation.ConfidenceWords(0.9) {
		t.Errorf("two ratings that count, one your own, shown as %v", p.badge)
	}
	checkBars(t, u, "the person's page", 2)
}
