package app

import (
	"bytes"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"trustdesk/core"
)

func TestMakeCard(t *testing.T) {
	home := t.TempDir()
	u := startUI(t, home, "")
	s := u.start
	test.Type(s.name, "Mara")

	// Too short a passphrase is refused with a hint.
	test.Type(s.newPassphrase, "short")
	if !strings.HasPrefix(s.strength.Text, "Too short") {
		t.Errorf("strength of a short passphrase = %q", s.strength.Text)
	}
	test.Type(s.repeat, "short")
	test.Tap(s.createButton)
	u.wait()
	if u.svc != nil || s.createMessage.Hidden || !strings.Contains(s.createMessage.Text, "longer passphrase") {
		t.Fatalf("a short passphrase was accepted; message %q", s.createMessage.Text)
	}

	// Two different passphrases are refused.
	s.newPassphrase.SetText(testPass)
	s.repeat.SetText(testPass + "x")
	test.Tap(s.createButton)
	u.wait()
	if u.svc != nil || s.createMessage.Text != explain(core.ErrPassphraseMismatch) {
		t.Fatalf("different passphrases: message %q", s.createMessage.Text)
	}
	if s.strength.Text != "Strong." {
		t.Errorf("strength of %q = %q", testPass, s.strength.Text)
	}

	// A name is needed.
	s.repeat.SetText(testPass)
	s.name.SetText("")
	test.Tap(s.createButton)
	u.wait()
	if u.svc != nil || s.createMessage.Hidden {
		t.Fatal("a card without a name was made")
	}

	s.name.SetText("Mara")
	test.Tap(s.createButton)
	u.wait()
	if u.svc == nil || u.tabs == nil {
		t.Fatalf("the card was not made: %q %q", s.createMessage.Text, u.lastError)
	}
	if got := u.svc.Card().Pseudonym; got != "Mara" {
		t.Fatalf("card name = %q", got)
	}
	if !core.HasIdentity(home) {
		t.Fatal("nothing was saved")
	}
}

func TestMakeCardBadName(t *testing.T) {
	u := startUI(t, t.TempDir(), "")
	s := u.start
	s.name.SetText(strings.Repeat("x", 41))
	s.newPassphrase.SetText(testPass)
	s.repeat.SetText(testPass)
	test.Tap(s.createButton)
	u.wait()
	if u.svc != nil || !strings.Contains(s.createMessage.Text, "1 to 40") {
		t.Fatalf("a 41-letter name: message %q", s.createMessage.Text)
	}
}

func TestUnlockWrongThenRight(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), "")
	s := u.start
	if s.firstRun || s.passphrase == nil {
		t.Fatal("a home with a card does not ask for the passphrase")
	}
	test.Tap(s.unlockButton)
	u.wait()
	if u.svc != nil || s.unlockMessage.Hidden {
		t.Fatal("an empty passphrase was tried")
	}
	test.Type(s.passphrase, "not it")
	test.Tap(s.unlockButton)
	u.wait()
	if u.svc != nil {
		t.Fatal("unlocked with a wrong passphrase")
	}
	if s.unlockMessage.Hidden || !strings.HasPrefix(s.unlockMessage.Text, "Wrong passphrase") {
		t.Fatalf("wrong passphrase: message %q", s.unlockMessage.Text)
	}
	if s.passphrase.Text != "" {
		t.Error("the wrong passphrase stays in the field")
	}
	test.Type(s.passphrase, testPass)
	s.passphrase.OnSubmitted(s.passphrase.Text)
	u.wait()
	if u.svc == nil || u.svc.Card().Pseudonym != "Mara" {
		t.Fatal("the right passphrase did not unlock")
	}
}

func TestUnlockFromOptions(t *testing.T) {
	home := newHome(t, "Mara")
	u := startUI(t, home, testPass)
	if u.svc == nil {
		t.Fatal("the passphrase from the options did not unlock")
	}
	u = startUI(t, home, "wrong one")
	if u.svc != nil {
		t.Fatal("a wrong passphrase from the options unlocked")
	}
	if !strings.HasPrefix(u.start.unlockMessage.Text, "Wrong passphrase") {
		t.Fatalf("message %q", u.start.unlockMessage.Text)
	}
}

func TestRestoreBackup(t *testing.T) {
	src, err := core.Init(t.TempDir(), "Mara", []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	var backup bytes.Buffer
	if err := src.Backup(&backup, []byte("backup words here")); err != nil {
		t.Fatal(err)
	}
	card := src.Card().String()
	src.Close()

	u := startUI(t, t.TempDir(), "")
	s := u.start
	s.choices.SelectIndex(1)
	test.Tap(s.restoreButton)
	if u.svc != nil || !strings.Contains(s.restoreMessage.Text, "Choose the backup file") {
		t.Fatalf("restore without a file: %q", s.restoreMessage.Text)
	}
	if err := s.useBackup("mara.tdbackup", bytes.NewReader(backup.Bytes())); err != nil {
		t.Fatal(err)
	}
	if s.backupName.Text != "mara.tdbackup" {
		t.Errorf("chosen file shown as %q", s.backupName.Text)
	}
	test.Tap(s.restoreButton)
	if !strings.Contains(s.restoreMessage.Text, "Type the passphrase") {
		t.Fatalf("restore without a passphrase: %q", s.restoreMessage.Text)
	}
	test.Type(s.backupPassphrase, "wrong words")
	test.Tap(s.restoreButton)
	u.wait()
	if u.svc != nil || !strings.HasPrefix(s.restoreMessage.Text, "Wrong passphrase") {
		t.Fatalf("wrong backup passphrase: %q", s.restoreMessage.Text)
	}
	test.Type(s.backupPassphrase, "backup words here")
	test.Tap(s.restoreButton)
	u.wait()
	if u.svc == nil || u.svc.Card().String() != card {
		t.Fatalf("the backup was not restored: %q %q", s.restoreMessage.Text, u.lastError)
	}
}

func TestRestoreDamagedBackup(t *testing.T) {
	u := startUI(t, t.TempDir(), "")
	s := u.start
	if err := s.useBackup("junk.png", strings.NewReader("not a backup at all")); err != nil {
		t.Fatal(err)
	}
	s.backupPassphrase.SetText("whatever words")
	test.Tap(s.restoreButton)
	u.wait()
	if u.svc != nil || s.restoreMessage.Hidden || s.restoreMessage.Text == "" {
		t.Fatal("a damaged backup gives no message")
	}
}

func TestPassphraseHint(t *testing.T) {
	for _, c := range []struct {
		p  string
		ok bool
	}{{"", false}, {"abc", false}, {"abcdefgh", true}, {"correct horse battery", true}} {
		if _, ok := passphraseHint(c.p); ok != c.ok {
			t.Errorf("passphraseHint(%q) ok = %v", c.p, ok)
		}
	}
}
