package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/identity"
)

// TestUnverifiedAsksFirst: vouching for or sending to a card nobody
// compared in person asks first (attack 7 of issue 12).
func TestUnverifiedAsksFirst(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.cells
	mir, err := identity.New("Mir", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.mara.AddContact(mir.Card.String(), "", false); err != nil {
		t.Fatal(err)
	}
	u.changed()
	newCellThroughDialog(t, u, "Garden street")

	admitThroughDialog(t, u, "Mir")
	if !strings.Contains(dialogText(u), "Not verified yet") {
		t.Fatalf("admitting Mir did not ask; dialog says %q", dialogText(u))
	}
	tapDialog(t, u, "Cancel")
	if len(s.selected.Members()) != 1 {
		t.Fatalf("cancelled, yet %d members", len(s.selected.Members()))
	}
	admitThroughDialog(t, u, "Mir")
	tapDialog(t, u, "Vouch for them anyway")
	if r := row(t, s, "Mir"); !strings.Contains(r.status.Text, "vouched for by you") {
		t.Fatalf("Mir after confirming: %q", r.status.Text)
	}
	// A verified contact is admitted without the question.
	admitThroughDialog(t, u, "Ann")
	if r := row(t, s, "Ann"); !strings.Contains(r.status.Text, "vouched for by you") {
		t.Fatalf("Ann: %q", r.status.Text)
	}

	// Sending a sync file to Mir asks too.
	y := u.sync
	y.Refresh()
	y.to.SetSelected(toPerson)
	y.person.SetSelected("Mir")
	test.Tap(y.makeButton)
	if !strings.Contains(dialogText(u), "Not verified yet") {
		t.Fatalf("sending to Mir did not ask; dialog says %q", dialogText(u))
	}
	tapDialog(t, u, "Cancel")
	u.wait()
	if y.madeFile != nil {
		t.Fatal("a sync file was made although the question was cancelled")
	}
	test.Tap(y.makeButton)
	tapDialog(t, u, "Send it anyway")
	u.wait()
	if y.madeFile == nil {
		t.Fatalf("no sync file made after confirming; error %q", u.lastError)
	}
}

// TestLookAlikeCellsShowFounder: a cell pushed with a name like one of
// mine is listed with its founder and the start of its id.
func TestLookAlikeCellsShowFounder(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.cells
	mine, err := w.mara.NewCell("Garden street")
	if err != nil {
		t.Fatal(err)
	}
	fake, err := w.ann.NewCell("garden  Street")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ann.Admit(fake.ID, w.mara.Card().ID()); err != nil {
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
	s.Refresh()
	if len(s.views) != 2 {
		t.Fatalf("%d cells listed", len(s.views))
	}
	if got := s.label(fake); got != "garden  Street (founded by Ann · "+fake.ID.String()[:4]+")" {
		t.Errorf("the pushed cell reads %q", got)
	}
	if got := s.label(mine); !strings.HasPrefix(got, "Garden street (founded by ") || got == s.label(fake) {
		t.Errorf("my cell reads %q", got)
	}
	s.selectCell(fake.ID)
	if s.titleLabel.Text != fake.Name || !strings.HasPrefix(s.summary.Text, "Named like another of your cells: this is the one founded by Ann · ") {
		t.Errorf("title %q, then %q", s.titleLabel.Text, s.summary.Text)
	}
	// In the narrow list of a 1366×768 screen with large text, what
	// tells the two apart opens the line under the name, where it is
	// never cut short.
	u.tabs.SelectIndex(2)
	u.win.Resize(largeTextScreen)
	details := map[string]bool{}
	for _, o := range test.LaidOutObjects(u.win.Content()) {
		l, ok := o.(*widget.Label)
		if !ok || !strings.HasPrefix(l.Text, "founded by ") {
			continue
		}
		d := strings.Join(strings.SplitN(l.Text, " · ", 3)[:2], " · ")
		details[d] = true
		if need := widget.NewLabel(d).MinSize().Width; l.Size().Width < need {
			t.Errorf("%q is cut short: %.0f wide, needs %.0f", d, l.Size().Width, need)
		}
	}
	if len(details) != 2 {
		t.Errorf("the list tells the two cells apart by %v", details)
	}
}
