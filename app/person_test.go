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
	if _, err := w.u.Svc.Rate(id(w.bea), r, nil); err != nil {
		t.Fatal(err)
	}
	w.u.Changed()
	w.u.ShowPerson(id(w.bea))
	p := w.u.Person
	if p.Verified.Text == "" || !strings.HasPrefix(p.Verified.Text, "Verified in person") {
		t.Errorf("how verified: %q", p.Verified.Text)
	}
	c, _ := w.u.Svc.FindContact("Bea")
	want := strings.Fields(w.u.Svc.SafetyCode(c))
	lines := strings.Split(p.Code.Text(), "\n")
	if len(lines) != 3 || len(want) != 12 {
		t.Fatalf("safety code shown as %q", p.Code.Text())
	}
	for i, l := range lines {
		if got := strings.Fields(l); strings.Join(got, " ") != strings.Join(want[i*4:i*4+4], " ") {
			t.Errorf("line %d of the code = %q", i, l)
		}
	}
	if len(p.Ratings) != 1 {
		t.Fatalf("%d ratings shown", len(p.Ratings))
	}
	line := p.Ratings[0].String()
	for _, part := range []string{"You", "Market", "felt safe", "always reliable", "kind", "Lent me her scale", "Counts"} {
		if !strings.Contains(line, part) {
			t.Errorf("rating line %q lacks %q", line, part)
		}
	}
	if !p.Verify.Hidden {
		t.Error("a person verified in person can be verified again")
	}
}

// TestPersonActions goes through the actions on a person's page in turn,
// on one world.
func TestPersonActions(t *testing.T) {
	w := newWorld(t)

	// Vouching record and oneself.
	{
		w.u.ShowPerson(id(w.u.Svc)) // Mara herself is not a contact
		if w.u.Person != nil {
			t.Fatal("a page opened for oneself")
		}
		w.u.LastError = ""
		w.u.ShowPerson(id(w.bea))
		if len(w.u.Person.Vouches) != 0 {
			t.Fatalf("Bea vouched for nobody, yet %d entries", len(w.u.Person.Vouches))
		}
	}

	// Rate.
	{
		w.u.ShowPerson(id(w.bea))
		test.Tap(w.u.Person.Rate)
		if w.u.Rate == nil || w.u.Rate.Contact.Name() != "Bea" {
			t.Fatal("Rate does not open the form")
		}
	}

	// Verify.
	{
		if _, err := w.u.Svc.AddContact(w.cy.Card().String(), "", false); err != nil {
			t.Fatal(err)
		}
		w.u.ShowPerson(id(w.cy))
		p := w.u.Person
		if p.Verify.Hidden || !strings.HasPrefix(p.Verified.Text, "Not verified") {
			t.Fatalf("Cy shows %q", p.Verified.Text)
		}
		test.Tap(p.Verify)
		if !strings.Contains(w.u.Yes.Text, "mark as verified in person") {
			t.Fatalf("the button says %q", w.u.Yes.Text)
		}
		test.Tap(w.u.No)
		if c, _ := w.u.Svc.FindContact("Cy"); c.Verified != core.Unverified {
			t.Fatal("Cancel verified Cy")
		}
		test.Tap(p.Verify)
		tapYes(t, w.u)
		if c, _ := w.u.Svc.FindContact("Cy"); c.Verified != core.InPerson {
			t.Fatalf("Cy is %s", c.Verified)
		}
		if !p.Verify.Hidden || !strings.HasPrefix(p.Verified.Text, "Verified in person") {
			t.Fatalf("the page was not updated: %q", p.Verified.Text)
		}
	}

	// Rename.
	{
		w.u.ShowPerson(id(w.bea))
		p := w.u.Person
		test.Tap(p.Rename)
		p.NewName.SetText("  Bea from the market ")
		tapYes(t, w.u)
		if p.Name.Text != "Bea from the market" {
			t.Fatalf("name shown = %q", p.Name.Text)
		}
		if got := shownNames(w.u.People); got != "Bea from the market,Cy" {
			t.Fatalf("People = %s", got)
		}
		test.Tap(p.Rename)
		p.NewName.SetText("   ")
		tapYes(t, w.u)
		wantError(t, w.u, core.ErrEmptyName)
	}

	// Block.
	{
		w.u.ShowPerson(id(w.bea))
		p := w.u.Person
		test.Tap(p.Block)
		tapYes(t, w.u)
		c, _ := w.u.Svc.FindContact("Bea")
		if !c.Blocked || p.Block.Text != "Unblock…" || !strings.HasPrefix(p.Verified.Text, "Blocked") {
			t.Fatalf("blocked = %v, button %q", c.Blocked, p.Block.Text)
		}
		test.Tap(p.Block)
		tapYes(t, w.u)
		if c, _ := w.u.Svc.FindContact("Bea"); c.Blocked || p.Block.Text != "Block…" {
			t.Fatal("Bea is still blocked")
		}
	}

	// Remove.
	{
		w.u.ShowPerson(id(w.bea))
		p := w.u.Person
		test.Tap(p.Remove)
		test.Tap(w.u.No)
		if _, err := w.u.Svc.FindContact("Bea"); err != nil {
			t.Fatal("Cancel removed Bea")
		}
		test.Tap(p.Remove)
		tapYes(t, w.u)
		if _, err := w.u.Svc.FindContact(id(w.bea).String()); err == nil {
			t.Fatal("Bea is still there")
		}
		if w.u.Person != nil || w.u.Shown() != w.u.Tabs {
			t.Fatal("the page of a removed person stays open")
		}
		if len(w.u.People.Shown) != 1 {
			t.Fatalf("People = %s", shownNames(w.u.People))
		}
	}
}
