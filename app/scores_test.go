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
	"trustdesk/reputation"
)

// meters returns every reputation bar laid out in the window.
func meters(u *UI) []*meter {
	var out []*meter
	for _, o := range test.LaidOutObjects(u.Win.Content()) {
		if m, ok := o.(*meter); ok && m.Visible() {
			out = append(out, m)
		}
	}
	return out
}

// checkBars checks that every bar on screen has its score beside it (none
// without a score) and opens the legend when tapped.
func checkBars(t *testing.T, u *UI, where string, want int) {
	t.Helper()
	ms := meters(u)
	if len(ms) < want {
		t.Fatalf("%s: %d bars, want at least %d", where, len(ms), want)
	}
	numbered := 0
	for i, m := range ms {
		if m.value > 0 && m.Number.Text == "" || m.value == 0 && m.Number.Text != "" {
			t.Errorf("%s: bar %d is %.0f%% full with the number %q", where, i, 100*m.value, m.Number.Text)
		}
		if m.Number.Text != "" {
			numbered++
		}
		u.Legend = nil
		test.Tap(m)
		if u.Legend == nil {
			t.Fatalf("%s: bar %d does not open the legend", where, i)
		}
		u.Dialog.Hide()
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
	u.Changed()

	// One rating: its own words, and the score as a number.
	var row PersonRow
	for _, r := range u.People.Shown {
		if r.Contact.ID() == bob {
			row = r
		}
	}
	if row.Score == nil || row.Score.Safety == nil {
		t.Fatal("Bob has no score after a rating")
	}
	view := newPersonRowView(u.ShowLegend)
	view.set(row)
	if want := "1 rating: " + SafetyWords[5]; view.badge.known.Text != want {
		t.Errorf("one rating is shown as %q, want %q", view.badge.known.Text, want)
	}
	if want := fmt.Sprintf("%.1f", *row.Score.Safety); view.badge.safety.Number.Text != want {
		t.Errorf("the safety bar says %q, the score is %s", view.badge.safety.Number.Text, want)
	}

	// Every bar on People, on the cell and on the person's page.
	u.Win.Resize(fyne.NewSize(1040, 720))
	u.Tabs.SelectIndex(0)
	checkBars(t, u, "People", 2)
	test.Tap(u.People.Legend)
	if u.Legend == nil || !strings.Contains(dialogTexts(u), "Teal") || !strings.Contains(dialogTexts(u), reputation.ConfidenceWords(0.2)) {
		t.Fatalf("the legend says %q", dialogTexts(u))
	}
	u.Dialog.Hide()
	u.Tabs.SelectIndex(2)
	u.Cells.Select(cell)
	checkBars(t, u, "the cell", 2)

	// Ann rates Bob later; her rating counts less than Mara's own but is
	// newer, so it comes first.
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
	u.Changed()
	u.ShowPerson(bob)
	p := u.Person
	if len(p.Ratings) != 2 {
		t.Fatalf("%d ratings shown", len(p.Ratings))
	}
	if first, second := p.Ratings[0].String(), p.Ratings[1].String(); !strings.Contains(first, "20 November 2026") || !strings.Contains(second, "1 October 2026") {
		t.Errorf("not newest first:\n%s\n%s", first, second)
	}
	if p.Badge == nil || strings.HasPrefix(p.Badge.known.Text, "1 rating") {
		t.Errorf("two ratings shown as %v", p.Badge)
	}
	checkBars(t, u, "the person's page", 2)
}
