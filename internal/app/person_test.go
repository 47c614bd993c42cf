package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"trustdesk/core"
)

func TestPersonShowsCardCodeAndReputation(t *testing.T) {
	w := newWorld(t)
	r := crdtRating(4, 5)
	r.Note = "Lent me her scale"
	r.Tags = []string{"kind"}
	if _, err := w.u.svc.Rate(id(w.bea), r, nil); err != nil {
		t.Fatal(err)
	}
	w.u.changed()
	w.u.showPerson(id(w.bea))
	p := w.u.person
	if p.verified.Text == "" || !strings.HasPrefix(p.verified.Text, "Verified in person") {
		t.Errorf("how verified: %q", p.verified.Text)
	}
	c, _ := w.u.svc.FindContact("Bea")
	want := strings.Fields(w.u.svc.SafetyCode(c))
	lines := strings.Split(p.code.text(), "\n")
	if len(lines) != 3 || len(want) != 12 {
		t.Fatalf("safety code shown as %q", p.code.text())
	}
	for i, l := range lines {
		if got := strings.Fields(l); strings.Join(got, " ") != strings.Join(want[i*4:i*4+4], " ") {
			t.Errorf("line %d of the code = %q", i, l)
		}
	}
	if len(p.ratings) != 1 {
		t.Fatalf("%d ratings shown", len(p.ratings))
	}
	line := p.ratings[0].String()
	for _, part := range []string{"You", "Market", "felt safe", "always reliable", "kind", "Lent me her scale", "Counts"} {
		if !strings.Contains(line, part) {
			t.Errorf("rating line %q lacks %q", line, part)
		}
	}
	if !p.verifyButton.Hidden {
		t.Error("a person verified in person can be verified again")
	}
}

// TestPersonActions goes through the actions on a person's page in turn,
// on one world.
func TestPersonActions(t *testing.T) {
	w := newWorld(t)

	// Vouching record and oneself.
	{
		w.u.showPerson(id(w.u.svc)) // Mara herself is not a contact
		if w.u.person != nil {
			t.Fatal("a page opened for oneself")
		}
		w.u.lastError = ""
		w.u.showPerson(id(w.bea))
		if len(w.u.person.vouchLabels) != 0 {
			t.Fatalf("Bea vouched for nobody, yet %d entries", len(w.u.person.vouchLabels))
		}
	}

	// Rate.
	{
		w.u.showPerson(id(w.bea))
		test.Tap(w.u.person.rate)
		if w.u.rate == nil || w.u.rate.contact.Name() != "Bea" {
			t.Fatal("Rate does not open the form")
		}
	}

	// Verify.
	{
		if _, err := w.u.svc.AddContact(w.cy.Card().String(), "", false); err != nil {
			t.Fatal(err)
		}
		w.u.showPerson(id(w.cy))
		p := w.u.person
		if p.verifyButton.Hidden || !strings.HasPrefix(p.verified.Text, "Not verified") {
			t.Fatalf("Cy shows %q", p.verified.Text)
		}
		test.Tap(p.verifyButton)
		if !strings.Contains(w.u.yes.Text, "mark as verified in person") {
			t.Fatalf("the button says %q", w.u.yes.Text)
		}
		test.Tap(w.u.no)
		if c, _ := w.u.svc.FindContact("Cy"); c.Verified != core.Unverified {
			t.Fatal("Cancel verified Cy")
		}
		test.Tap(p.verifyButton)
		tapYes(t, w.u)
		if c, _ := w.u.svc.FindContact("Cy"); c.Verified != core.InPerson {
			t.Fatalf("Cy is %s", c.Verified)
		}
		if !p.verifyButton.Hidden || !strings.HasPrefix(p.verified.Text, "Verified in person") {
			t.Fatalf("the page was not updated: %q", p.verified.Text)
		}
	}

	// Rename.
	{
		w.u.showPerson(id(w.bea))
		p := w.u.person
		test.Tap(p.renameButton)
		p.newName.SetText("  Bea from the market ")
		tapYes(t, w.u)
		if p.name.Text != "Bea from the market" {
			t.Fatalf("name shown = %q", p.name.Text)
		}
		if got := shownNames(w.u.people); got != "Bea from the market,Cy" {
			t.Fatalf("People = %s", got)
		}
		test.Tap(p.renameButton)
		p.newName.SetText("   ")
		tapYes(t, w.u)
		wantError(t, w.u, core.ErrEmptyName)
	}

	// Block.
	{
		w.u.showPerson(id(w.bea))
		p := w.u.person
		test.Tap(p.blockButton)
		tapYes(t, w.u)
		c, _ := w.u.svc.FindContact("Bea")
		if !c.Blocked || p.blockButton.Text != "Unblock…" || !strings.HasPrefix(p.verified.Text, "Blocked") {
			t.Fatalf("blocked = %v, button %q", c.Blocked, p.blockButton.Text)
		}
		test.Tap(p.blockButton)
		tapYes(t, w.u)
		if c, _ := w.u.svc.FindContact("Bea"); c.Blocked || p.blockButton.Text != "Block…" {
			t.Fatal("Bea is still blocked")
		}
	}

	// Remove.
	{
		w.u.showPerson(id(w.bea))
		p := w.u.person
		test.Tap(p.removeButton)
		test.Tap(w.u.no)
		if _, err := w.u.svc.FindContact("Bea"); err != nil {
			t.Fatal("Cancel removed Bea")
		}
		test.Tap(p.removeButton)
		tapYes(t, w.u)
		if _, err := w.u.svc.FindContact(id(w.bea).String()); err == nil {
			t.Fatal("Bea is still there")
		}
		if w.u.person != nil || w.u.shownScreen() != w.u.tabs {
			t.Fatal("the page of a removed person stays open")
		}
		if len(w.u.people.shownRows) != 1 {
			t.Fatalf("People = %s", shownNames(w.u.people))
		}
	}
}

// TestPersonPageTellsSameNamesApart: the pages of two people called Ines
// say which Ines they are about, as the People list does; the page of
// someone whose name is nobody else's shows the name alone.
func TestPersonPageTellsSameNamesApart(t *testing.T) {
	w := newWorld(t)
	u := w.u
	ines := []*someone{newSomeone(t, "Ines"), newSomeone(t, "Ines")}
	for _, p := range ines {
		if _, err := u.svc.AddContact(p.Card().String(), "", true); err != nil {
			t.Fatal(err)
		}
	}
	u.changed()
	for _, p := range ines {
		u.showPerson(p.Card().ID())
		if want := "Ines · " + p.Card().ID().String()[:8]; u.person.name.Text != want {
			t.Errorf("the page says %q, want %q", u.person.name.Text, want)
		}
		u.closePages()
	}
	u.showPerson(w.bea.Card().ID())
	if u.person.name.Text != "Bea" {
		t.Errorf("Bea's page says %q", u.person.name.Text)
	}
}
