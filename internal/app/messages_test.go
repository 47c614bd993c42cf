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

	u.showRate(w.ann.Card().ID(), nil)
	f := u.rate
	test.Tap(f.saveButton)
	if f.message.Hidden || !strings.Contains(f.message.Text, "how safe") {
		t.Fatalf("saving an empty form says %q", f.message.Text)
	}
	f.safety.SetSelected(f.safety.Options[4])
	if !f.message.Hidden {
		t.Errorf("after choosing how safe, the form still says %q", f.message.Text)
	}
	u.back()

	s := u.sync
	s.person.SetSelected("Ann")
	test.Tap(s.makeButton)
	u.wait()
	test.Tap(s.copyText)
	if s.passedOn.Hidden {
		t.Fatal("copying says nothing")
	}
	s.receiveText(string(fileFrom(t, w.ann, w.mara.Card().ID(), w.bob.Card().ID())))
	u.wait()
	if s.previewed == nil {
		t.Fatalf("no preview: %q", u.lastError)
	}
	if !s.passedOn.Hidden {
		t.Errorf("after receiving, Send still says %q", s.passedOn.Text)
	}
}

// TestReceiveButtonsStayPut checks that what appears under Send (the file
// made, where it went) never moves the Receive buttons, so the next click
// does not miss.
func TestReceiveButtonsStayPut(t *testing.T) {
	w := newCellWorld(t)
	sharedCell(t, w)
	u, s := w.u, w.u.sync
	u.tabs.SelectIndex(3)
	where := func() []fyne.Position {
		var out []fyne.Position
		for _, b := range []*widget.Button{s.openFile, s.paste, s.scan, s.openPictures} {
			out = append(out, fyne.CurrentApp().Driver().AbsolutePositionForObject(b))
		}
		return out
	}
	before := where()
	s.person.SetSelected("Ann")
	test.Tap(s.makeButton)
	u.wait()
	test.Tap(s.copyText)
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
	u.tabs.SelectIndex(2)
	test.Tap(u.cells.newCell)
	test.Type(u.cells.newCellName, "Book club")
	u.cells.newCellName.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if _, err := u.svc.FindCell("Book club"); err != nil {
		t.Fatalf("Enter did not create the cell: %v", err)
	}

	// Escape closes "Save a backup" from the passphrase field, and any
	// dialog when no field has the keyboard.
	test.Tap(u.you.backup)
	if u.win.Canvas().Overlays().Top() == nil {
		t.Fatal("Save a backup opened nothing")
	}
	test.Type(u.you.pass1, "some words")
	u.you.pass1.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if top := u.win.Canvas().Overlays().Top(); top != nil {
		t.Fatal("Escape did not close Save a backup")
	}
	u.showError(core.ErrEmptyName)
	u.win.Canvas().Unfocus()
	u.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if top := u.win.Canvas().Overlays().Top(); top != nil {
		t.Fatal("Escape did not close the message")
	}

	// An error is said in plain text, with no large icon behind it.
	u.showError(core.ErrEmptyName)
	for _, o := range test.LaidOutObjects(u.win.Canvas().Overlays().Top()) {
		if _, ok := o.(*widget.Icon); ok {
			t.Error("the error message has an icon behind its text")
		}
	}
	u.closeDialog()

	// The paste-card dialog and the person page use the same words.
	test.Tap(u.people.addByText)
	if want := verifiedWords(core.Unverified); !strings.Contains(dialogText(u), `"`+want+`"`) {
		t.Errorf("the paste-card dialog says %q, the person page %q", dialogText(u), want)
	}
	u.closeDialog()
}

// TestPageKeepsMenu opens a person's page: the list of screens stays
// beside it, and choosing one closes the page.
func TestPageKeepsMenu(t *testing.T) {
	w := newWorld(t)
	w.u.showPerson(id(w.bea))
	var cells *widget.Button
	for _, o := range test.LaidOutObjects(w.u.win.Content()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Cells" {
			cells = b
		}
	}
	if cells == nil {
		t.Fatal("the person's page hides the list of screens")
	}
	test.Tap(cells)
	if w.u.person != nil || w.u.shownScreen() != w.u.tabs || w.u.tabs.SelectedIndex() != 2 {
		t.Error("choosing Cells from a person's page did not show Cells")
	}
}
