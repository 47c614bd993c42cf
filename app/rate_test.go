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
func ticked(f *RateForm) []crdt.CellID {
	var out []crdt.CellID
	for i, c := range f.Cells {
		if c.Checked {
			out = append(out, f.CellIDs[i])
		}
	}
	return out
}

func TestRateWordsForEveryStep(t *testing.T) {
	for i := 1; i <= 5; i++ {
		if SafetyWords[i] == "" || ReliabilityWords[i] == "" {
			t.Fatalf("step %d has no words", i)
		}
	}
	if SafetyWords[1] != "felt unsafe" || SafetyWords[5] != "felt completely safe" ||
		ReliabilityWords[1] != "did not show up" || ReliabilityWords[5] != "always reliable" {
		t.Fatal("the ends of the scales are worded wrongly")
	}
}

func TestRate(t *testing.T) {
	w := newWorld(t)
	other, err := w.u.Svc.NewCell("Rides")
	if err != nil {
		t.Fatal(err)
	}
	w.u.ShowRate(id(w.bea), nil)
	f := w.u.Rate
	if len(f.Cells) != 2 {
		t.Fatalf("%d cells offered", len(f.Cells))
	}
	if got := ticked(f); len(got) != 1 || got[0] != w.market {
		t.Fatalf("ticked %v, want only Market", got)
	}
	if f.Day.Date == nil || f.Day.Date.Format(time.DateOnly) != time.Now().Format(time.DateOnly) {
		t.Fatalf("day = %v, want today", f.Day.Date)
	}
	if want := time.Now().Format("2 Jan 2006"); f.Day.Button.Text != want {
		t.Fatalf("the day reads %q, want %q in every language setting", f.Day.Button.Text, want)
	}
	test.Tap(f.Day.Button)
	if _, ok := w.u.Win.Canvas().Overlays().Top().(*widget.PopUp); !ok {
		t.Fatal("tapping the day opens no calendar")
	}
	w.u.Win.Canvas().Overlays().Top().Hide()

	test.Tap(f.Save)
	if f.Message.Hidden || !strings.Contains(f.Message.Text, "safe") {
		t.Fatalf("no safety mark: %q", f.Message.Text)
	}
	f.Safety.SetSelected(f.Safety.Options[3])
	test.Tap(f.Save)
	if !strings.Contains(f.Message.Text, "reliable") {
		t.Fatalf("no reliability mark: %q", f.Message.Text)
	}
	f.Reliability.SetSelected(f.Reliability.Options[1])
	f.Day.SetDate(time.Now().AddDate(1, 0, 0))
	test.Tap(f.Save)
	if !strings.Contains(f.Message.Text, "future") {
		t.Fatalf("a day next year: %q", f.Message.Text)
	}
	f.Day.SetDate(time.Now())

	test.Type(f.Note, strings.Repeat("é", crdt.MaxNoteRunes+1))
	if !strings.HasPrefix(f.Counter.Text, "281 of 280") {
		t.Fatalf("counter = %q", f.Counter.Text)
	}
	test.Tap(f.Save)
	if !strings.Contains(f.Message.Text, "too long") {
		t.Fatalf("long note: %q", f.Message.Text)
	}
	f.Note.SetText("Came late, but was kind")
	f.Tags.SetText("Market, late, market, ")
	for _, c := range f.Cells {
		c.SetChecked(false)
	}
	test.Tap(f.Save)
	if !strings.Contains(f.Message.Text, "Tick at least one cell") {
		t.Fatalf("no cell: %q", f.Message.Text)
	}
	for i, c := range f.Cells {
		if f.CellIDs[i] == w.market {
			c.SetChecked(true)
		}
	}
	test.Tap(f.Save)
	if w.u.LastError != "" || !f.Message.Hidden {
		t.Fatalf("save failed: %q %q", f.Message.Text, w.u.LastError)
	}
	if w.u.Rate != nil {
		t.Fatal("the form stays open after saving")
	}
	rep, err := w.u.Reputation()
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
		rides, err := w.u.Svc.NewCell("Rides")
		if err != nil {
			t.Fatal(err)
		}
		w.u.ShowRate(id(w.bea), []crdt.CellID{rides.ID})
		if got := ticked(w.u.Rate); len(got) != 1 || got[0] != rides.ID {
			t.Fatalf("ticked %v, want only Rides", got)
		}
	}

	// Someone in no shared cell.
	{
		if _, err := w.u.Svc.AddContact(w.cy.Card().String(), "", true); err != nil {
			t.Fatal(err)
		}
		w.u.ShowRate(id(w.cy), nil)
		f := w.u.Rate
		if len(ticked(f)) != 0 {
			t.Fatal("a cell Cy is not in was ticked")
		}
		f.Safety.SetSelected(f.Safety.Options[4])
		f.Reliability.SetSelected(f.Reliability.Options[4])
		test.Tap(f.Save)
		if f.Message.Hidden {
			t.Fatal("saved without a cell")
		}
		f.Cells[0].SetChecked(true)
		test.Tap(f.Save)
		if w.u.Rate != nil || w.u.LastError != "" {
			t.Fatalf("rating Cy in Market failed: %q %q", f.Message.Text, w.u.LastError)
		}
	}
}
