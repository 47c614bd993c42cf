package core

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"trustdesk/identity"
)

// testOptions keeps the passphrase derivation cheap in tests.
var testOptions = Options{WorkFactor: 10}

func newService(t testing.TB, name string) *Service {
	t.Helper()
	s, err := Init(t.TempDir(), name, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newCard(t *testing.T, name string) *identity.Card {
	t.Helper()
	id, err := identity.New(name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return id.Card
}

func TestInitUnlockRoundTrip(t *testing.T) {
	home := t.TempDir()
	s, err := Init(home, "  Ana  ", []byte("pw"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	card := s.Card().String()
	s.Close()

	if _, err := Init(home, "Other", []byte("pw"), testOptions); !errors.Is(err, ErrIdentityExists) {
		t.Fatalf("second init: got %v, want ErrIdentityExists", err)
	}
	if _, err := Unlock(home, []byte("nope"), testOptions); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: got %v", err)
	}
	s, err = Unlock(home, []byte("pw"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Card().String() != card || s.Card().Pseudonym != "Ana" {
		t.Fatalf("unlocked a different identity: %q", s.Card().Pseudonym)
	}
	if _, err := Unlock(t.TempDir(), []byte("pw"), testOptions); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("empty home: got %v", err)
	}
}

func TestInitRefusesBadInput(t *testing.T) {
	if _, err := Init(t.TempDir(), "Ana", nil, testOptions); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatalf("empty passphrase: %v", err)
	}
	if _, err := Init(t.TempDir(), "   ", []byte("pw"), testOptions); !errors.Is(err, identity.ErrPseudonym) {
		t.Fatalf("empty name: %v", err)
	}
}

func TestContacts(t *testing.T) {
	s := newService(t, "Ana")
	mir := newCard(t, "Mirelda Oakthorn")
	mira := newCard(t, "Miranda")
	bo := newCard(t, "Bo")

	res, err := s.AddContact(mir.String(), "", false)
	if err != nil || !res.New || res.Contact.Verified != Unverified {
		t.Fatalf("add: %+v %v", res, err)
	}
	if _, err := s.AddContact(strings.ToLower(mira.String()), "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddContact(bo.String(), "Uncle Bo", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddContact(s.Card().String(), "", false); !errors.Is(err, ErrOwnCard) {
		t.Fatalf("own card: %v", err)
	}

	all, err := s.Contacts()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range all {
		names = append(names, c.Name())
	}
	if got := strings.Join(names, ","); got != "Miranda,Mirelda Oakthorn,Uncle Bo" {
		t.Fatalf("contacts = %s", got)
	}

	for query, want := range map[string]string{
		"mirel":              "Mirelda Oakthorn",
		"MIRELDA OAKTHORN":   "Mirelda Oakthorn",
		"miranda":            "Miranda",
		"uncle":              "Uncle Bo",
		"bo":                 "Uncle Bo", // the pseudonym
		bo.ID().String()[:6]: "Uncle Bo",
	} {
		c, err := s.FindContact(query)
		if err != nil || c.Name() != want {
			t.Errorf("FindContact(%q) = %v, %v; want %s", query, c, err, want)
		}
	}
	var amb *AmbiguousError
	if _, err := s.FindContact("mir"); !errors.As(err, &amb) || len(amb.Candidates) != 2 {
		t.Fatalf("ambiguous: %v", err)
	}
	if !strings.Contains(Explain(findErr(s, "mir")), "Miranda") {
		t.Fatalf("ambiguity explanation lacks the candidates: %s", Explain(findErr(s, "mir")))
	}
	if _, err := s.FindContact("zed"); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrItIsYou) {
		t.Fatalf("missing: %v", err)
	}
	// One's own name is not a contact, and the message says whose it is.
	for _, me := range []string{s.Card().Pseudonym, strings.ToUpper(s.Card().Pseudonym), s.Card().ID().String()} {
		err := findErr(s, me)
		if !errors.Is(err, ErrItIsYou) || !errors.Is(err, ErrNotFound) || Explain(err) != "That name is yours, not one of your contacts." {
			t.Fatalf("FindContact(own name %q) = %v (%s)", me, err, Explain(err))
		}
	}

	c, _ := s.FindContact("mirel")
	if c, err = s.VerifyContact(c.ID()); err != nil || c.Verified != InPerson {
		t.Fatalf("verify: %v %v", c, err)
	}
	if c, err = s.RenameContact(c.ID(), "Mira O"); err != nil || c.Name() != "Mira O" {
		t.Fatalf("rename: %v", err)
	}
	if c, err = s.SetBlocked(c.ID(), true); err != nil || !c.Blocked {
		t.Fatalf("block: %v", err)
	}
	// Adding the same card again keeps what we knew.
	res, err = s.AddContact(mir.String(), "", false)
	if err != nil || res.New || !res.Contact.Blocked || res.Contact.Verified != InPerson || res.Contact.Name() != "Mira O" {
		t.Fatalf("re-add lost state: %+v %v", res.Contact, err)
	}
	if c, err = s.SetBlocked(c.ID(), false); err != nil || c.Blocked {
		t.Fatalf("unblock: %v", err)
	}
	if err := s.RemoveContact(c.ID()); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveContact(c.ID()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove twice: %v", err)
	}
	if _, err := s.RenameContact(bo.ID(), " "); !errors.Is(err, ErrEmptyName) {
		t.Fatalf("empty rename: %v", err)
	}
}

func findErr(s *Service, q string) error {
	_, e := s.FindContact(q)
	return e
}

// A card with a known pseudonym but different keys is another person: it is
// stored apart, unverified, and the caller is told about the namesake.
func TestChangedKeyIsANewContact(t *testing.T) {
	s := newService(t, "Ana")
	old := newCard(t, "Mirelda")
	if _, err := s.AddContact(old.String(), "", true); err != nil {
		t.Fatal(err)
	}
	impostor := newCard(t, "Mirelda")
	res, err := s.AddContact(impostor.String(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.New || res.Contact.Verified != Unverified || len(res.SameName) != 1 || res.SameName[0].ID() != old.ID() {
		t.Fatalf("changed card treated as known: %+v", res)
	}
	all, _ := s.Contacts()
	if len(all) != 2 {
		t.Fatalf("want 2 contacts, have %d", len(all))
	}
	var amb *AmbiguousError
	if _, err := s.FindContact("Mirelda"); !errors.As(err, &amb) {
		t.Fatalf("two Mireldas must be ambiguous, got %v", err)
	}
}

func TestSafetyCodeSymmetric(t *testing.T) {
	a := newService(t, "Ana")
	b := newService(t, "Bo")
	ra, err := a.AddContact(b.Card().String(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := b.AddContact(a.Card().String(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	ca, cb := a.SafetyCode(ra.Contact), b.SafetyCode(rb.Contact)
	if ca != cb || len(strings.Fields(ca)) != 12 {
		t.Fatalf("safety codes differ or malformed: %q vs %q", ca, cb)
	}
}

func TestPassphraseBackupRestoreWipe(t *testing.T) {
	home := t.TempDir()
	s, err := Init(home, "Ana", []byte("old"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddContact(newCard(t, "Quillon").String(), "Q", true); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangePassphrase([]byte("new")); err != nil {
		t.Fatal(err)
	}
	var backup bytes.Buffer
	if err := s.Backup(&backup, []byte("new")); err != nil {
		t.Fatal(err)
	}
	card := s.Card().String()
	s.Close()
	if _, err := Unlock(home, []byte("old"), testOptions); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("old passphrase still opens: %v", err)
	}

	if _, err := Restore(home, bytes.NewReader(backup.Bytes()), []byte("new"), testOptions); !errors.Is(err, ErrIdentityExists) {
		t.Fatalf("restore over an identity: %v", err)
	}
	other := t.TempDir()
	if _, err := Restore(other, bytes.NewReader(backup.Bytes()), []byte("wrong"), testOptions); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("restore with a wrong passphrase: %v", err)
	}
	if HasIdentity(other) {
		t.Fatal("a failed restore left data behind")
	}
	r, err := Restore(other, bytes.NewReader(backup.Bytes()), []byte("new"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.FindContact("q")
	if err != nil || c.Verified != InPerson || r.Card().String() != card {
		t.Fatalf("restored data differs: %v %v", c, err)
	}
	r.Close()

	if err := Wipe(home); err != nil {
		t.Fatal(err)
	}
	if HasIdentity(home) {
		t.Fatal("wipe left the data")
	}
	if err := Wipe(home); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("wipe of nothing: %v", err)
	}
}

// TestNothingPersonalAtRest writes distinctive strings and checks that no
// file in the home holds them, nor any key of the identity, in plain form.
func TestNothingPersonalAtRest(t *testing.T) {
	home := t.TempDir()
	s, err := Init(home, "Zyxwvut Ana", []byte("pw"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	peer := newCard(t, "Qqqpseudonymqqq")
	if _, err := s.AddContact(peer.String(), "Petnamexyzzy", true); err != nil {
		t.Fatal(err)
	}
	secret, err := s.me().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	needles := map[string][]byte{
		"my pseudonym":      []byte("Zyxwvut"),
		"their pseudonym":   []byte("Qqqpseudonymqqq"),
		"petname":           []byte("Petnamexyzzy"),
		"my age secret":     []byte(s.me().AgeIdentity().String()),
		"my signing key":    s.me().Card.SigningKey,
		"my age key":        s.me().Card.AgeKey[:],
		"their signing key": peer.SigningKey,
	}
	// Any 16 bytes in a row of the private identity record would be a leak.
	for i := 0; i+16 <= len(secret); i += 4 {
		needles[fmt.Sprintf("identity bytes %d", i)] = secret[i : i+16]
	}
	check := func(when string) {
		files, _ := filepath.Glob(filepath.Join(home, "*"))
		if len(files) == 0 {
			t.Fatal("no files in home")
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for what, n := range needles {
				if bytes.Contains(b, n) {
					t.Errorf("%s: %s is readable in %s", when, what, filepath.Base(f))
				}
			}
		}
	}
	check("while open")
	s.Close()
	check("after close")
}
