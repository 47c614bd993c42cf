package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
)

func TestYouWipe(t *testing.T) {
	home := newHome(t, "Mara")
	u := startUI(t, home, testPass)
	y := u.you
	test.Tap(y.wipeButton)
	if !u.yes.Disabled() {
		t.Fatal("wipe can be confirmed without typing WIPE")
	}
	test.Type(y.wipeConfirm, "wipe")
	if !u.yes.Disabled() {
		t.Fatal("lower-case wipe is enough")
	}
	test.Tap(u.no)
	if u.svc == nil || !core.HasIdentity(home) {
		t.Fatal("Cancel wiped")
	}
	test.Tap(y.wipeButton)
	test.Type(y.wipeConfirm, wipeWord)
	tapYes(t, u)
	if core.HasIdentity(home) {
		t.Fatal("the card is still there")
	}
	if u.svc != nil || u.start == nil || !u.start.firstRun {
		t.Fatal("after wiping the app does not offer to make a card")
	}
}

// TestYouCardAndBackup copies my card and saves backups.
func TestYouCardAndBackup(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)

	// Copy my card.
	{
		y := u.you
		if y.name.Text != "Mara" || y.cardText.Text != u.svc.Card().String() || y.myCode.Image == nil {
			t.Fatal("my card is not shown")
		}
		test.Tap(y.copyButton)
		if got := u.app.Clipboard().Content(); got != u.svc.Card().String() {
			t.Fatalf("clipboard = %q", got)
		}
		// No card number in hexadecimal, only when it was made.
		if strings.Contains(y.details.Text, u.svc.Card().ID().String()[:4]) || !strings.Contains(y.details.Text, "made on") {
			t.Fatalf("details = %q", y.details.Text)
		}
	}

	// Save my card as a picture, from You and from Meet in person: the
	// picture is what "Open a picture of a card…" reads.
	for where, button := range map[string]*widget.Button{"You": u.you.savePicture, "Meet in person": u.meet.saveCardPicture} {
		if button == nil || button.Hidden || !strings.Contains(button.Text, "picture") {
			t.Fatalf("%s: no button to save my card as a picture", where)
		}
		path := filepath.Join(t.TempDir(), cardPictureName)
		w, err := storage.Writer(storage.NewFileURI(path))
		if err != nil {
			t.Fatal(err)
		}
		u.saveCardPicture(w)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		card, err := readCardPicture(f)
		f.Close()
		if err != nil || card != u.svc.Card().String() {
			t.Fatalf("%s: the saved picture reads as %q, %v", where, card, err)
		}
		if !strings.Contains(dialogText(u), "Open a picture of a card") {
			t.Errorf("%s: after saving: %q", where, dialogText(u))
		}
	}
	test.Tap(u.meet.copyCard)
	if got := u.app.Clipboard().Content(); got != u.svc.Card().String() {
		t.Fatalf("Meet in person copies %q", got)
	}

	// Backup passphrases that are refused.
	{
		y := u.you
		test.Tap(y.backup)
		y.pass1.SetText("backup words")
		y.pass2.SetText("backup wordz")
		tapYes(t, u)
		wantError(t, u, core.ErrPassphraseMismatch)
		test.Tap(y.backup)
		y.pass1.SetText("short")
		y.pass2.SetText("short")
		tapYes(t, u)
		if !strings.Contains(u.lastError, "longer passphrase") {
			t.Fatalf("short backup passphrase: %q", u.lastError)
		}
	}

	// A backup that restores.
	{
		u.lastError = ""
		var buf bytes.Buffer
		u.you.saveBackup(&buf, []byte("backup words"), nil)
		u.wait()
		if u.lastError != "" || buf.Len() == 0 {
			t.Fatalf("backup: %q, %d bytes", u.lastError, buf.Len())
		}
		s, err := core.Restore(t.TempDir(), &buf, []byte("backup words"), testCore)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Card().String() != u.svc.Card().String() {
			t.Fatal("the backup holds another card")
		}
	}
}

// TestYouChangePassphrase refuses two different passphrases, changes it
// and locks.
func TestYouChangePassphrase(t *testing.T) {
	home := newHome(t, "Mara")
	u := startUI(t, home, testPass)

	// Two different passphrases.
	{
		test.Tap(u.you.changePassphrase)
		u.you.pass1.SetText("a brand new passphrase")
		u.you.pass2.SetText("another new passphrase")
		tapYes(t, u)
		wantError(t, u, core.ErrPassphraseMismatch)
	}

	// A new passphrase, then lock.
	{
		u.lastError = ""
		y := u.you
		test.Tap(y.changePassphrase)
		y.pass1.SetText("a brand new passphrase")
		y.pass2.SetText("a brand new passphrase")
		tapYes(t, u)
		if u.lastError != "" {
			t.Fatal(u.lastError)
		}
		test.Tap(y.lock)
		if u.svc != nil || u.tabs != nil || u.start == nil || u.start.firstRun {
			t.Fatal("Lock did not go back to the unlock screen")
		}
		u.start.passphrase.SetText(testPass)
		test.Tap(u.start.unlockButton)
		u.wait()
		if u.svc != nil {
			t.Fatal("the old passphrase still unlocks")
		}
		u.start.passphrase.SetText("a brand new passphrase")
		test.Tap(u.start.unlockButton)
		u.wait()
		if u.svc == nil {
			t.Fatal("the new passphrase does not unlock")
		}
	}
}
