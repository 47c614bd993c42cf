package core

import (
	"strings"
	"testing"
	"time"

	"trustdesk/export"
	"trustdesk/identity"
)

// TestAttackSenderCardTakesAnotherName: as in
// TestAttackVerifiedContactTakesAnotherName, Mal, whom Ana met in person
// and did not name, signs a newer card of his own named "Bo", but sends
// it only as the sender of a sync file (a modified client), not in a
// cell. The name Ana checked in person stays his on her device, and the
// import says what he now calls himself.
func TestAttackSenderCardTakesAnotherName(t *testing.T) {
	ana, mal, bo := newService(t, "Ana"), newService(t, "Mal"), newService(t, "Bo")
	meet(t, ana, mal)
	meet(t, ana, bo)
	renamed := renamedCard(t, mal.me(), "Bo", time.Now().Add(time.Hour))
	as := *mal.me()
	as.Card = renamed
	data, err := export.Seal(&as, []*identity.Card{ana.Card()}, &export.File{Cells: []export.Cell{}}, export.SealOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ana.Import(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Ana is told: %s", sum)
	c, err := ana.Contact(mal.Card().ID())
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "Mal" {
		t.Errorf("Mal is shown as %q on Ana's device", c.Name())
	}
	if c.Card.Pseudonym == "Bo" && !strings.Contains(sum.String(), `"Bo"`) {
		t.Errorf("Mal's newer card was taken without a word: %q", sum)
	}
}

// TestAttackPastedCardTakesAnotherName: the same newer card, pasted by
// Ana as Mal's card text (he sent it in a message), keeps the name she
// met him under too.
func TestAttackPastedCardTakesAnotherName(t *testing.T) {
	ana, mal, bo := newService(t, "Ana"), newService(t, "Mal"), newService(t, "Bo")
	meet(t, ana, mal)
	meet(t, ana, bo)
	renamed := renamedCard(t, mal.me(), "Bo", time.Now().Add(time.Hour))
	res, err := ana.AddContact(renamed.String(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Contact.Name() != "Mal" || res.Contact.Card.Pseudonym != "Bo" {
		t.Errorf("after pasting Mal's newer card he is shown as %q (card %q)", res.Contact.Name(), res.Contact.Card.Pseudonym)
	}
}
