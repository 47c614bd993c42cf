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
	y := u.You
	test.Tap(y.Wipe)
	if !u.Yes.Disabled() {
		t.Fatal("wipe can be confirmed without typing WIPE")
	}
	test.Type(y.WipeConfirm, "wipe")
	if !u.Yes.Disabled() {
		t.Fatal("lower-case wipe is enough")
	}
	test.Tap(u.No)
	if u.Svc == nil || !core.HasIdentity(home) {
		t.Fatal("Cancel wiped")
	}
	test.Tap(y.Wipe)
	test.Type(y.WipeConfirm, WipeWord)
	tapYes(t, u)
	if core.HasIdentity(home) {
		t.Fatal("the card is still there")
	}
	if u.Svc != nil || u.Start == nil || !u.Start.FirstRun {
		t.Fatal("after wiping the app does not offer to make a card")
	}
}

// TestYouCardAndBackup copies my card and saves backups.
func TestYouCardAndBackup(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)

	// Copy my card.
	{
		y := u.You
		if y.Name.Text != "Mara" || y.CardText.Text != u.Svc.Card().String() || y.MyCode.Image == nil {
			t.Fatal("my card is not shown")
		}
		test.Tap(y.Copy)
		if got := u.App.Clipboard().Content(); got != u.Svc.Card().String() {
			t.Fatalf("clipboard = %q", got)
		}
		// No card number in hexadecimal, only when it was made.
		if strings.Contains(y.Details.Text, u.Svc.Card().ID().String()[:4]) || !strings.Contains(y.Details.Text, "made on") {
			t.Fatalf("details = %q", y.Details.Text)
		}
	}

	// Save my card as a picture, from You and from Meet in person: the
	// picture is what "Open a picture of a card…" reads.
	for where, button := range map[string]*widget.Button{"You": u.You.SavePicture, "Meet in person": u.Meet.SaveCardPicture} {
		if button == nil || button.Hidden || !strings.Contains(button.Text, "picture") {
			t.Fatalf("%s: no button to save my card as a picture", where)
		}
		path := filepath.Join(t.TempDir(), cardPictureName)
		w, err := storage.Writer(storage.NewFileURI(path))
		if err != nil {
			t.Fatal(err)
		}
		u.SaveCardPicture(w)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		card, err := readCardPicture(f)
		f.Close()
		if err != nil || card != u.Svc.Card().String() {
			t.Fatalf("%s: the saved picture reads as %q, %v", where, card, err)
		}
		if !strings.Contains(dialogTexts(u), "Open a picture of a card") {
			t.Errorf("%s: after saving: %q", where, dialogTexts(u))
		}
	}
	test.Tap(u.Meet.CopyCard)
	if got := u.App.Clipboard().Content(); got != u.Svc.Card().String() {
		t.Fatalf("Meet in person copies %q", got)
	}

	// Backup passphrases that are refused.
	{
		y := u.You
		test.Tap(y.Backup)
		y.Pass1.SetText("backup words")
		y.Pass2.SetText("backup wordz")
		tapYes(t, u)
		wantError(t, u, core.ErrPassphraseMismatch)
		test.Tap(y.Backup)
		y.Pass1.SetText("short")
		y.Pass2.SetText("short")
		tapYes(t, u)
		if !strings.Contains(u.LastError, "longer passphrase") {
			t.Fatalf("short backup passphrase: %q", u.LastError)
		}
	}

	// A backup that restores.
	{
		u.LastError = ""
		var buf bytes.Buffer
		u.You.SaveBackup(&buf, []byte("backup words"), nil)
		u.Wait()
		if u.LastError != "" || buf.Len() == 0 {
			t.Fatalf("backup: %q, %d bytes", u.LastError, buf.Len())
		}
		s, err := core.Restore(t.TempDir(), &buf, []byte("backup words"), testCore)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Card().String() != u.Svc.Card().String() {
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
		test.Tap(u.You.ChangePassphrase)
		u.You.Pass1.SetText("a brand new passphrase")
		u.You.Pass2.SetText("another new passphrase")
		tapYes(t, u)
		wantError(t, u, core.ErrPassphraseMismatch)
	}

	// A new passphrase, then lock.
	{
		u.LastError = ""
		y := u.You
		test.Tap(y.ChangePassphrase)
		y.Pass1.SetText("a brand new passphrase")
		y.Pass2.SetText("a brand new passphrase")
		tapYes(t, u)
		if u.LastError != "" {
			t.Fatal(u.LastError)
		}
		test.Tap(y.Lock)
		if u.Svc != nil || u.Tabs != nil || u.Start == nil || u.Start.FirstRun {
			t.Fatal("Lock did not go back to the unlock screen")
		}
		u.Start.Passphrase.SetText(testPass)
		test.Tap(u.Start.Unlock)
		u.Wait()
		if u.Svc != nil {
			t.Fatal("the old passphrase still unlocks")
		}
		u.Start.Passphrase.SetText("a brand new passphrase")
		test.Tap(u.Start.Unlock)
		u.Wait()
		if u.Svc == nil {
			t.Fatal("the new passphrase does not unlock")
		}
	}
}
