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
	s := u.Start
	test.Type(s.Name, "Mara")

	// Too short a passphrase is refused with a hint.
	test.Type(s.NewPassphrase, "short")
	if !strings.HasPrefix(s.Strength.Text, "Too short") {
		t.Errorf("strength of a short passphrase = %q", s.Strength.Text)
	}
	test.Type(s.Repeat, "short")
	test.Tap(s.Create)
	u.Wait()
	if u.Svc != nil || s.CreateMessage.Hidden || !strings.Contains(s.CreateMessage.Text, "longer passphrase") {
		t.Fatalf("a short passphrase was accepted; message %q", s.CreateMessage.Text)
	}

	// Two different passphrases are refused.
	s.NewPassphrase.SetText(testPass)
	s.Repeat.SetText(testPass + "x")
	test.Tap(s.Create)
	u.Wait()
	if u.Svc != nil || s.CreateMessage.Text != explain(core.ErrPassphraseMismatch) {
		t.Fatalf("different passphrases: message %q", s.CreateMessage.Text)
	}
	if s.Strength.Text != "Strong." {
		t.Errorf("strength of %q = %q", testPass, s.Strength.Text)
	}

	// A name is needed.
	s.Repeat.SetText(testPass)
	s.Name.SetText("")
	test.Tap(s.Create)
	u.Wait()
	if u.Svc != nil || s.CreateMessage.Hidden {
		t.Fatal("a card without a name was made")
	}

	s.Name.SetText("Mara")
	test.Tap(s.Create)
	u.Wait()
	if u.Svc == nil || u.Tabs == nil {
		t.Fatalf("the card was not made: %q %q", s.CreateMessage.Text, u.LastError)
	}
	if got := u.Svc.Card().Pseudonym; got != "Mara" {
		t.Fatalf("card name = %q", got)
	}
	if !core.HasIdentity(home) {
		t.Fatal("nothing was saved")
	}
}

func TestMakeCardBadName(t *testing.T) {
	u := startUI(t, t.TempDir(), "")
	s := u.Start
	s.Name.SetText(strings.Repeat("x", 41))
	s.NewPassphrase.SetText(testPass)
	s.Repeat.SetText(testPass)
	test.Tap(s.Create)
	u.Wait()
	if u.Svc != nil || !strings.Contains(s.CreateMessage.Text, "1 to 40") {
		t.Fatalf("a 41-letter name: message %q", s.CreateMessage.Text)
	}
}

func TestUnlockWrongThenRight(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), "")
	s := u.Start
	if s.FirstRun || s.Passphrase == nil {
		t.Fatal("a home with a card does not ask for the passphrase")
	}
	test.Tap(s.Unlock)
	u.Wait()
	if u.Svc != nil || s.UnlockMessage.Hidden {
		t.Fatal("an empty passphrase was tried")
	}
	test.Type(s.Passphrase, "not it")
	test.Tap(s.Unlock)
	u.Wait()
	if u.Svc != nil {
		t.Fatal("unlocked with a wrong passphrase")
	}
	if s.UnlockMessage.Hidden || !strings.HasPrefix(s.UnlockMessage.Text, "Wrong passphrase") {
		t.Fatalf("wrong passphrase: message %q", s.UnlockMessage.Text)
	}
	if s.Passphrase.Text != "" {
		t.Error("the wrong passphrase stays in the field")
	}
	test.Type(s.Passphrase, testPass)
	s.Passphrase.OnSubmitted(s.Passphrase.Text)
	u.Wait()
	if u.Svc == nil || u.Svc.Card().Pseudonym != "Mara" {
		t.Fatal("the right passphrase did not unlock")
	}
}

func TestUnlockFromOptions(t *testing.T) {
	home := newHome(t, "Mara")
	u := startUI(t, home, testPass)
	if u.Svc == nil {
		t.Fatal("the passphrase from the options did not unlock")
	}
	u = startUI(t, home, "wrong one")
	if u.Svc != nil {
		t.Fatal("a wrong passphrase from the options unlocked")
	}
	if !strings.HasPrefix(u.Start.UnlockMessage.Text, "Wrong passphrase") {
		t.Fatalf("message %q", u.Start.UnlockMessage.Text)
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
	s := u.Start
	s.Choices.SelectIndex(1)
	test.Tap(s.Restore)
	if u.Svc != nil || !strings.Contains(s.RestoreMessage.Text, "Choose the backup file") {
		t.Fatalf("restore without a file: %q", s.RestoreMessage.Text)
	}
	if err := s.UseBackup("mara.tdbackup", bytes.NewReader(backup.Bytes())); err != nil {
		t.Fatal(err)
	}
	if s.BackupName.Text != "mara.tdbackup" {
		t.Errorf("chosen file shown as %q", s.BackupName.Text)
	}
	test.Tap(s.Restore)
	if !strings.Contains(s.RestoreMessage.Text, "Type the passphrase") {
		t.Fatalf("restore without a passphrase: %q", s.RestoreMessage.Text)
	}
	test.Type(s.BackupPassphrase, "wrong words")
	test.Tap(s.Restore)
	u.Wait()
	if u.Svc != nil || !strings.HasPrefix(s.RestoreMessage.Text, "Wrong passphrase") {
		t.Fatalf("wrong backup passphrase: %q", s.RestoreMessage.Text)
	}
	test.Type(s.BackupPassphrase, "backup words here")
	test.Tap(s.Restore)
	u.Wait()
	if u.Svc == nil || u.Svc.Card().String() != card {
		t.Fatalf("the backup was not restored: %q %q", s.RestoreMessage.Text, u.LastError)
	}
}

func TestRestoreDamagedBackup(t *testing.T) {
	u := startUI(t, t.TempDir(), "")
	s := u.Start
	if err := s.UseBackup("junk.png", strings.NewReader("not a backup at all")); err != nil {
		t.Fatal(err)
	}
	s.BackupPassphrase.SetText("whatever words")
	test.Tap(s.Restore)
	u.Wait()
	if u.Svc != nil || s.RestoreMessage.Hidden || s.RestoreMessage.Text == "" {
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
