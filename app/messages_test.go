package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
)

// TestMessagesGoWhenOld checks that a message goes once it is old news:
// the rating form's "choose" once a choice is made, and "Saved as…" under
// Send once a sync file is received.
func TestMessagesGoWhenOld(t *testing.T) {
	w := newCellWorld(t)
	sharedCell(t, w)
	u := w.u

	u.ShowRate(w.ann.Card().ID(), nil)
	f := u.Rate
	test.Tap(f.Save)
	if f.Message.Hidden || !strings.Contains(f.Message.Text, "how safe") {
		t.Fatalf("saving an empty form says %q", f.Message.Text)
	}
	f.Safety.SetSelected(f.Safety.Options[4])
	if !f.Message.Hidden {
		t.Errorf("after choosing how safe, the form still says %q", f.Message.Text)
	}
	u.Back()

	s := u.Sync
	s.Person.SetSelected("Ann")
	test.Tap(s.Make)
	u.Wait()
	test.Tap(s.CopyText)
	if s.PassedOn.Hidden {
		t.Fatal("copying says nothing")
	}
	s.ReceiveText(string(fileFrom(t, w.ann, w.mara.Card().ID(), w.bob.Card().ID())))
	u.Wait()
	if s.Preview == nil {
		t.Fatalf("no preview: %q", u.LastError)
	}
	if !s.PassedOn.Hidden {
		t.Errorf("after receiving, Send still says %q", s.PassedOn.Text)
	}
}

// TestReceiveButtonsStayPut checks that what appears under Send (the file
// made, where it went) never moves the Receive buttons, so the next click
// does not miss.
func TestReceiveButtonsStayPut(t *testing.T) {
	w := newCellWorld(t)
	sharedCell(t, w)
	u, s := w.u, w.u.Sync
	u.Tabs.SelectIndex(3)
	where := func() []fyne.Position {
		var out []fyne.Position
		for _, b := range []*widget.Button{s.OpenFile, s.Paste, s.Scan, s.OpenPictures} {
			out = append(out, fyne.CurrentApp().Driver().AbsolutePositionForObject(b))
		}
		return out
	}
	before := where()
	s.Person.SetSelected("Ann")
	test.Tap(s.Make)
	u.Wait()
	test.Tap(s.CopyText)
	if after := where(); !samePositions(before, after) {
		t.Errorf("the Receive buttons moved from %v to %v", before, after)
	}
}

func samePositions(a, b []fyne.Position) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDialogKeysAndWords checks Enter and Escape in dialogs, the plain
// error message, and the same words for a card not verified yet.
func TestDialogKeysAndWords(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)

	// Enter creates the new cell.
	u.Tabs.SelectIndex(2)
	test.Tap(u.Cells.NewCell)
	test.Type(u.Cells.NewCellName, "Book club")
	u.Cells.NewCellName.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if _, err := u.Svc.FindCell("Book club"); err != nil {
		t.Fatalf("Enter did not create the cell: %v", err)
	}

	// Escape closes "Save a backup" from the passphrase field, and any
	// dialog when no field has the keyboard.
	test.Tap(u.You.Backup)
	if u.Win.Canvas().Overlays().Top() == nil {
		t.Fatal("Save a backup opened nothing")
	}
	test.Type(u.You.Pass1, "some words")
	u.You.Pass1.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if top := u.Win.Canvas().Overlays().Top(); top != nil {
		t.Fatal("Escape did not close Save a backup")
	}
	u.ShowError(core.ErrEmptyName)
	u.Win.Canvas().Unfocus()
	u.Win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if top := u.Win.Canvas().Overlays().Top(); top != nil {
		t.Fatal("Escape did not close the message")
	}

	// An error is said in plain text, with no large icon behind it.
	u.ShowError(core.ErrEmptyName)
	for _, o := range test.LaidOutObjects(u.Win.Canvas().Overlays().Top()) {
		if _, ok := o.(*widget.Icon); ok {
			t.Error("the error message has an icon behind its text")
		}
	}
	u.closeDialog()

	// The paste-card dialog and the person page use the same words.
	test.Tap(u.People.AddByText)
	if want := verifiedWords(core.Unverified); !strings.Contains(dialogTexts(u), `"`+want+`"`) {
		t.Errorf("the paste-card dialog says %q, the person page %q", dialogTexts(u), want)
	}
	u.closeDialog()
}

// TestPageKeepsMenu opens a person's page: the list of screens stays
// beside it, and choosing one closes the page.
func TestPageKeepsMenu(t *testing.T) {
	w := newWorld(t)
	w.u.ShowPerson(id(w.bea))
	var cells *widget.Button
	for _, o := range test.LaidOutObjects(w.u.Win.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Cells" {
			cells = b
		}
	}
	if cells == nil {
		t.Fatal("the person's page hides the list of screens")
	}
	test.Tap(cells)
	if w.u.Person != nil || w.u.Shown() != w.u.Tabs || w.u.Tabs.SelectedIndex() != 2 {
		t.Error("choosing Cells from a person's page did not show Cells")
	}
}
