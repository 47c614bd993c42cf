package app

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"trustdesk/core"
	"trustdesk/export/qr"
	"trustdesk/identity"
)

// shownNames returns the names on the People list, in order.
func shownNames(s *PeopleScreen) string {
	var names []string
	for _, r := range s.Shown {
		names = append(names, r.Contact.Name())
	}
	return strings.Join(names, ",")
}

// cardPNG returns a picture of the QR code of s's card.
func cardPNG(t *testing.T, s carded) []byte {
	t.Helper()
	b, err := qr.CardPNG(s.Card().String(), 4)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPeopleListSearchAndSort(t *testing.T) {
	w := newWorld(t)
	svc := w.u.Svc
	laterBy(t, time.Hour)
	if _, err := svc.AddContact(w.cy.Card().String(), "", false); err != nil {
		t.Fatal(err)
	}
	// Mara finds Bea safe; Cy is unrated.
	if _, err := svc.Rate(id(w.bea), crdtRating(5, 4), nil); err != nil {
		t.Fatal(err)
	}
	w.u.Changed()
	p := w.u.People
	if got := shownNames(p); got != "Bea,Cy" {
		t.Fatalf("People = %s", got)
	}
	if p.Shown[0].Score == nil || p.Shown[0].Score.Safety == nil {
		t.Fatal("Bea has no score")
	}
	if p.Shown[1].Score != nil && p.Shown[1].Score.Safety != nil {
		t.Fatal("Cy has a score without ratings")
	}
	rowView := newPersonRowView(nil)
	rowView.set(p.Shown[0])
	if rowView.how.Text != "Verified in person" || rowView.badge.known.Text == "no ratings yet" {
		t.Errorf("Bea's row: %q, %q", rowView.how.Text, rowView.badge.known.Text)
	}
	rowView.set(p.Shown[1])
	if rowView.how.Text != "Not verified yet" || rowView.badge.known.Text != "no ratings yet" {
		t.Errorf("Cy's row: %q, %q", rowView.how.Text, rowView.badge.known.Text)
	}

	p.Sort.SetSelected(SortRecent)
	if got := shownNames(p); got != "Cy,Bea" {
		t.Errorf("recently added first = %s", got)
	}
	p.Sort.SetSelected(SortSafety)
	if got := shownNames(p); got != "Bea,Cy" {
		t.Errorf("safest first = %s", got)
	}
	test.Type(p.Search, "c")
	if got := shownNames(p); got != "Cy" {
		t.Errorf("search c = %s", got)
	}
	p.Search.SetText("zz")
	if len(p.Shown) != 0 || p.Empty.Hidden || !strings.Contains(p.Empty.Text, "zz") {
		t.Errorf("search zz shows %s, empty note %q", shownNames(p), p.Empty.Text)
	}
	p.Search.SetText("")
	p.List.Select(0)
	if w.u.Person == nil || w.u.Person.Name.Text != "Bea" {
		t.Fatal("tapping Bea does not open her page")
	}
}

func TestPeopleEmpty(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)
	if len(u.People.Shown) != 0 || u.People.Empty.Hidden {
		t.Fatal("an empty list says nothing")
	}
}

// TestPeopleAdd adds people from pasted text and from pictures, and meets
// each way it can fail.
func TestPeopleAdd(t *testing.T) {
	w := newWorld(t)

	// Text that is no card, and my own card.
	{
		p := w.u.People
		test.Tap(p.AddByText)
		test.Type(p.CardText, "hello there")
		tapYes(t, w.u)
		wantError(t, w.u, identity.ErrMalformed)

		test.Tap(p.AddByText)
		p.CardText.SetText(w.u.Svc.Card().String())
		tapYes(t, w.u)
		wantError(t, w.u, core.ErrOwnCard)
		if len(p.Shown) != 1 {
			t.Fatalf("the list changed: %s", shownNames(p))
		}
	}

	// A pasted card with a name of my own.
	{
		w.u.LastError = ""
		p := w.u.People
		test.Tap(p.AddByText)
		test.Type(p.CardText, "  "+strings.ToLower(w.cy.Card().String())+"\n")
		test.Type(p.CardName, "Cyrus")
		tapYes(t, w.u)
		if w.u.LastError != "" {
			t.Fatal(w.u.LastError)
		}
		c, err := w.u.Svc.FindContact("Cyrus")
		if err != nil {
			t.Fatal(err)
		}
		if c.Verified != core.Unverified || c.Card.Pseudonym != "Cy" {
			t.Fatalf("added %q as %s", c.Card.Pseudonym, c.Verified)
		}
		if w.u.Person == nil || w.u.Person.Name.Text != "Cyrus" {
			t.Fatal("the new person's page is not open")
		}
		if !strings.Contains(shownNames(p), "Cyrus") {
			t.Fatalf("the list does not show Cyrus: %s", shownNames(p))
		}
	}

	// A second Bea with another card.
	{
		other, err := identity.New("Bea", w.u.now())
		if err != nil {
			t.Fatal(err)
		}
		w.u.People.AddCard(other.Card.String(), "")
		if !strings.Contains(dialogTexts(w.u), "already have someone called Bea") {
			t.Fatalf("no warning about the second Bea: %q", dialogTexts(w.u))
		}
	}

	// Pictures.
	{
		w.u.LastError = ""
		p := w.u.People
		p.AddPicture(bytes.NewReader(cardPNG(t, w.cy)))
		if w.u.LastError != "" {
			t.Fatal(w.u.LastError)
		}
		tapYes(t, w.u)
		if _, err := w.u.Svc.FindContact("Cy"); err != nil {
			t.Fatalf("Cy was not added: %v", err)
		}

		// A picture without a code, and a file that is no picture.
		var blank bytes.Buffer
		img := image.NewGray(image.Rect(0, 0, 64, 64))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		img.Set(3, 3, color.Black)
		if err := png.Encode(&blank, img); err != nil {
			t.Fatal(err)
		}
		w.u.LastError = ""
		p.AddPicture(&blank)
		wantError(t, w.u, qr.ErrNoCode)
		w.u.LastError = ""
		p.AddPicture(strings.NewReader("no picture"))
		wantError(t, w.u, qr.ErrNoCode)

		// A QR code that holds something else.
		other, err := qr.CardPNG("https://example.org", 4)
		if err != nil {
			t.Fatal(err)
		}
		p.AddPicture(bytes.NewReader(other))
		if w.u.LastError != explain(errNotCard) {
			t.Fatalf("a code that is no card: %q", w.u.LastError)
		}
	}
}
