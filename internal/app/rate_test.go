package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/crdt"
)

// ticked returns the cells ticked in the form.
func ticked(f *rateForm) []crdt.CellID {
	var out []crdt.CellID
	for i, c := range f.cells {
		if c.Checked {
			out = append(out, f.cellIDs[i])
		}
	}
	return out
}

func TestRateWordsForEveryStep(t *testing.T) {
	for i := 1; i <= 5; i++ {
		if safetyWords[i] == "" || reliabilityWords[i] == "" {
			t.Fatalf("step %d has no words", i)
		}
	}
	if safetyWords[1] != "felt unsafe" || safetyWords[5] != "felt completely safe" ||
		reliabilityWords[1] != "did not show up" || reliabilityWords[5] != "always reliable" {
		t.Fatal("the ends of the scales are worded wrongly")
	}
}

func TestRate(t *testing.T) {
	w := newWorld(t)
	other, err := w.u.svc.NewCell("Rides")
	if err != nil {
		t.Fatal(err)
	}
	w.u.showRate(id(w.bea), nil)
	f := w.u.rate
	if len(f.cells) != 2 {
		t.Fatalf("%d cells offered", len(f.cells))
	}
	if got := ticked(f); len(got) != 1 || got[0] != w.market {
		t.Fatalf("ticked %v, want only Market", got)
	}
	if f.day.date == nil || f.day.date.Format(time.DateOnly) != time.Now().Format(time.DateOnly) {
		t.Fatalf("day = %v, want today", f.day.date)
	}
	if want := time.Now().Format("2 Jan 2006"); f.day.button.Text != want {
		t.Fatalf("the day reads %q, want %q in every language setting", f.day.button.Text, want)
	}
	test.Tap(f.day.button)
	if _, ok := w.u.win.Canvas().Overlays().Top().(*widget.PopUp); !ok {
		t.Fatal("tapping the day opens no calendar")
	}
	w.u.win.Canvas().Overlays().Top().Hide()

	test.Tap(f.saveButton)
	if f.message.Hidden || !strings.Contains(f.message.Text, "safe") {
		t.Fatalf("no safety mark: %q", f.message.Text)
	}
	f.safety.SetSelected(f.safety.Options[3])
	test.Tap(f.saveButton)
	if !strings.Contains(f.message.Text, "reliable") {
		t.Fatalf("no reliability mark: %q", f.message.Text)
	}
	f.reliability.SetSelected(f.reliability.Options[1])
	f.day.setDate(time.Now().AddDate(1, 0, 0))
	test.Tap(f.saveButton)
	if !strings.Contains(f.message.Text, "future") {
		t.Fatalf("a day next year: %q", f.message.Text)
	}
	f.day.setDate(time.Now())

	test.Type(f.note, strings.Repeat("é", crdt.MaxNoteRunes+1))
	if !strings.HasPrefix(f.counter.Text, "281 of 280") {
		t.Fatalf("counter = %q", f.counter.Text)
	}
	test.Tap(f.saveButton)
	if !strings.Contains(f.message.Text, "too long") {
		t.Fatalf("long note: %q", f.message.Text)
	}
	f.note.SetText("Came late, but was kind")
	f.tags.SetText("Market, late, market, ")
	for _, c := range f.cells {
		c.SetChecked(false)
	}
	test.Tap(f.saveButton)
	if !strings.Contains(f.message.Text, "Tick at least one cell") {
		t.Fatalf("no cell: %q", f.message.Text)
	}
	for i, c := range f.cells {
		if f.cellIDs[i] == w.market {
			c.SetChecked(true)
		}
	}
	test.Tap(f.saveButton)
	if w.u.lastError != "" || !f.message.Hidden {
		t.Fatalf("save failed: %q %q", f.message.Text, w.u.lastError)
	}
	if w.u.rate != nil {
		t.Fatal("the form stays open after saving")
	}
	rep, err := w.u.reputation()
	if err != nil {
		t.Fatal(err)
	}
	sc := rep.Person(id(w.bea).String())
	if sc == nil || len(sc.Ratings) != 1 {
		t.Fatal("the rating is not counted")
	}
	got := sc.Ratings[0]
	if got.Safety != 4 || got.Reliability != 2 || got.Note != "Came late, but was kind" ||
		strings.Join(got.Tags, ",") != "market,late" || got.Cell != "Market" {
		t.Fatalf("saved %+v", got)
	}
	_ = other
}

// TestRateCellChoice ticks the cells asked for, and needs one ticked for
// someone in no shared cell.
func TestRateCellChoice(t *testing.T) {
	w := newWorld(t)

	// Cells chosen by the caller.
	{
		rides, err := w.u.svc.NewCell("Rides")
		if err != nil {
			t.Fatal(err)
		}
		w.u.showRate(id(w.bea), []crdt.CellID{rides.ID})
		if got := ticked(w.u.rate); len(got) != 1 || got[0] != rides.ID {
			t.Fatalf("ticked %v, want only Rides", got)
		}
	}

	// Someone in no shared cell.
	{
		if _, err := w.u.svc.AddContact(w.cy.Card().String(), "", true); err != nil {
			t.Fatal(err)
		}
		w.u.showRate(id(w.cy), nil)
		f := w.u.rate
		if len(ticked(f)) != 0 {
			t.Fatal("a cell Cy is not in was ticked")
		}
		f.safety.SetSelected(f.safety.Options[4])
		f.reliability.SetSelected(f.reliability.Options[4])
		test.Tap(f.saveButton)
		if f.message.Hidden {
			t.Fatal("saved without a cell")
		}
		f.cells[0].SetChecked(true)
		test.Tap(f.saveButton)
		if w.u.rate != nil || w.u.lastError != "" {
			t.Fatalf("rating Cy in Market failed: %q %q", f.message.Text, w.u.lastError)
		}
	}
}

// TestRateTellsLookAlikeCellsApart: the cells offered for a rating are
// named as everywhere else (core.CellLabels), so two cells whose names
// look alike, here "Market" and "Mаrket" with a Cyrillic "а", are never
// two boxes with the same words: ticking the wrong one would send the
// rating, note included, to the wrong people.
func TestRateTellsLookAlikeCellsApart(t *testing.T) {
	w := newWorld(t)
	double, err := w.u.svc.NewCell("M\u0430rket")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.u.svc.Admit(double.ID, w.bea.Card().ID()); err != nil {
		t.Fatal(err)
	}
	w.u.showRate(id(w.bea), nil)
	f := w.u.rate
	if len(f.cells) != 2 {
		t.Fatalf("%d cells offered, want 2", len(f.cells))
	}
	if a, b := f.cells[0].Text, f.cells[1].Text; a == b || !strings.Contains(a, "founded by") || !strings.Contains(b, "founded by") {
		t.Errorf("the two cells are offered as %q and %q", a, b)
	}
}
