package app

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/export/qr"
	"trustdesk/identity"
	"trustdesk/reputation"
)

// shownNames returns the names on the People list, in order.
func shownNames(s *peopleScreen) string {
	var names []string
	for _, r := range s.shownRows {
		names = append(names, r.contact.Name())
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
	svc := w.u.svc
	laterBy(t, time.Hour)
	if _, err := svc.AddContact(w.cy.Card().String(), "", false); err != nil {
		t.Fatal(err)
	}
	// Mara finds Bea safe; Cy is unrated.
	if _, err := svc.Rate(id(w.bea), crdtRating(5, 4), nil); err != nil {
		t.Fatal(err)
	}
	w.u.changed()
	p := w.u.people
	if got := shownNames(p); got != "Bea,Cy" {
		t.Fatalf("People = %s", got)
	}
	if p.shownRows[0].score == nil || p.shownRows[0].score.Safety == nil {
		t.Fatal("Bea has no score")
	}
	if p.shownRows[1].score != nil && p.shownRows[1].score.Safety != nil {
		t.Fatal("Cy has a score without ratings")
	}
	rowView := newPersonRowView(nil)
	rowView.set(p.shownRows[0])
	if rowView.how.Text != "Verified in person" || rowView.badge.known.Text == "no ratings yet" {
		t.Errorf("Bea's row: %q, %q", rowView.how.Text, rowView.badge.known.Text)
	}
	rowView.set(p.shownRows[1])
	if rowView.how.Text != "Not verified yet" || rowView.badge.known.Text != "no ratings yet" {
		t.Errorf("Cy's row: %q, %q", rowView.how.Text, rowView.badge.known.Text)
	}

	p.sort.SetSelected(sortRecent)
	if got := shownNames(p); got != "Cy,Bea" {
		t.Errorf("recently added first = %s", got)
	}
	p.sort.SetSelected(sortSafety)
	if got := shownNames(p); got != "Bea,Cy" {
		t.Errorf("safest first = %s", got)
	}
	test.Type(p.search, "c")
	if got := shownNames(p); got != "Cy" {
		t.Errorf("search c = %s", got)
	}
	p.search.SetText("zz")
	if len(p.shownRows) != 0 || p.empty.Hidden || !strings.Contains(p.empty.Text, "zz") {
		t.Errorf("search zz shows %s, empty note %q", shownNames(p), p.empty.Text)
	}
	p.search.SetText("")
	p.list.Select(0)
	if w.u.person == nil || w.u.person.name.Text != "Bea" {
		t.Fatal("tapping Bea does not open her page")
	}
}

func TestPeopleEmpty(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)
	if len(u.people.shownRows) != 0 || u.people.empty.Hidden {
		t.Fatal("an empty list says nothing")
	}
}

// TestPeopleAdd adds people from pasted text and from pictures, and meets
// each way it can fail.
func TestPeopleAdd(t *testing.T) {
	w := newWorld(t)

	// Text that is no card, and my own card.
	{
		p := w.u.people
		test.Tap(p.addByText)
		test.Type(p.cardText, "hello there")
		tapYes(t, w.u)
		wantError(t, w.u, identity.ErrMalformed)

		test.Tap(p.addByText)
		p.cardText.SetText(w.u.svc.Card().String())
		tapYes(t, w.u)
		wantError(t, w.u, core.ErrOwnCard)
		if len(p.shownRows) != 1 {
			t.Fatalf("the list changed: %s", shownNames(p))
		}
	}

	// A pasted card with a name of my own.
	{
		w.u.lastError = ""
		p := w.u.people
		test.Tap(p.addByText)
		test.Type(p.cardText, "  "+strings.ToLower(w.cy.Card().String())+"\n")
		test.Type(p.cardName, "Cyrus")
		tapYes(t, w.u)
		if w.u.lastError != "" {
			t.Fatal(w.u.lastError)
		}
		c, err := w.u.svc.FindContact("Cyrus")
		if err != nil {
			t.Fatal(err)
		}
		if c.Verified != core.Unverified || c.Card.Pseudonym != "Cy" {
			t.Fatalf("added %q as %s", c.Card.Pseudonym, c.Verified)
		}
		if w.u.person == nil || w.u.person.name.Text != "Cyrus" {
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
		w.u.people.addCard(other.Card.String(), "")
		if !strings.Contains(dialogText(w.u), "already have someone called Bea") {
			t.Fatalf("no warning about the second Bea: %q", dialogText(w.u))
		}
		// Added anyway, both are on the list, told apart by the start of
		// their ids; nobody else's row changes.
		if _, err := w.u.svc.AddContact(other.Card.String(), "", true); err != nil {
			t.Fatal(err)
		}
		w.u.changed()
		rowView := newPersonRowView(nil)
		var beas []string
		for _, r := range w.u.people.shownRows {
			rowView.set(r)
			switch r.contact.Name() {
			case "Bea":
				beas = append(beas, rowView.name.Text)
			case "Cyrus":
				if strings.Contains(rowView.name.Text, " · ") {
					t.Errorf("Cyrus's row reads %q", rowView.name.Text)
				}
			}
		}
		if len(beas) != 2 || beas[0] == beas[1] || !strings.HasPrefix(beas[0], "Bea · ") || !strings.HasPrefix(beas[1], "Bea · ") {
			t.Errorf("the two Beas read %q", beas)
		}
	}

	// Pictures.
	{
		w.u.lastError = ""
		p := w.u.people
		p.addPicture(bytes.NewReader(cardPNG(t, w.cy)))
		if w.u.lastError != "" {
			t.Fatal(w.u.lastError)
		}
		tapYes(t, w.u)
		if _, err := w.u.svc.FindContact("Cy"); err != nil {
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
		w.u.lastError = ""
		p.addPicture(&blank)
		wantError(t, w.u, qr.ErrNoCode)
		w.u.lastError = ""
		p.addPicture(strings.NewReader("no picture"))
		wantError(t, w.u, qr.ErrNoCode)

		// A QR code that holds something else.
		other, err := qr.CardPNG("https://example.org", 4)
		if err != nil {
			t.Fatal(err)
		}
		p.addPicture(bytes.NewReader(other))
		if w.u.lastError != explain(errNotCard) {
			t.Fatalf("a code that is no card: %q", w.u.lastError)
		}
	}
}

// TestPeopleIntroducedOnRequest: the People list shows the people
// introduced through Mara's cells from the start while they are few; with
// more than everyoneAtStart (a member can publish thousands) it first
// shows the people Mara added or met and those someone she trusts found
// unsafe (a flood of cards must not hide a cheat), a search finds the
// others too, and the check shows them all. The Sync screen, also read at a start, offers
// her own contacts and the members of her cells.
func TestPeopleIntroducedOnRequest(t *testing.T) {
	u := startUI(t, t.TempDir(), "")
	mara, err := core.Init(u.opts.Home, "Mara", []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	bo, err := core.Init(t.TempDir(), "Bo", []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	defer bo.Close()
	if _, err := mara.AddContact(bo.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.AddContact(mara.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	cell, err := bo.NewCell("Market")
	if err != nil {
		t.Fatal(err)
	}
	dee := newSomeone(t, "Dee")
	if _, err := bo.AddContact(dee.Card().String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Rate(dee.Card().ID(), crdtRating(4, 4), []crdt.CellID{cell.ID}); err != nil {
		t.Fatal(err)
	}
	eve := newSomeone(t, "Eve")
	if _, err := bo.AddContact(eve.Card().String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Rate(eve.Card().ID(), crdtRating(1, 2), []crdt.CellID{cell.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Admit(cell.ID, mara.Card().ID()); err != nil {
		t.Fatal(err)
	}
	to := mara.Card().ID()
	res, err := bo.Export(core.ExportRequest{To: &to})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mara.Import(context.Background(), res.Data); err != nil {
		t.Fatal(err)
	}
	// Few people introduced: the list shows them from the start.
	u.unlocked(mara)
	if got := shownNames(u.people); got != "Bo,Dee,Eve" {
		t.Fatalf("People = %s, want Bo,Dee,Eve", got)
	}
	// More than the list shows at the start (thousands, in life).
	defer func(n int) { everyoneAtStart = n }(everyoneAtStart)
	everyoneAtStart = 0
	u.unlocked(mara)
	p := u.people
	if got := shownNames(p); got != "Bo,Eve" {
		t.Fatalf("People = %s, want Bo and Eve, whom Bo found unsafe", got)
	}
	test.Type(p.search, "de")
	if got := shownNames(p); got != "Dee" {
		t.Fatalf(`search "de" = %s, want Dee`, got)
	}
	p.search.SetText("")
	if got := shownNames(p); got != "Bo,Eve" {
		t.Fatalf("People after the search = %s, want Bo,Eve", got)
	}
	test.Tap(p.everyone)
	if got := shownNames(p); got != "Bo,Dee,Eve" {
		t.Fatalf("People with everyone = %s, want Bo,Dee,Eve", got)
	}
	// A sync file goes to my own contacts and the members of my cells:
	// Dee, only rated in a cell, is not offered.
	u.sync.Refresh()
	if got := strings.Join(u.sync.person.Options, ","); got != "Bo" {
		t.Fatalf("the sync file can go to %s, want Bo", got)
	}
}

// rowViews returns the People list's rows on screen in o, top to bottom.
func rowViews(o fyne.CanvasObject) []*personRowView {
	var rows []*personRowView
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch o := o.(type) {
		case *personRowView:
			rows = append(rows, o)
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(o).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	d := fyne.CurrentApp().Driver()
	slices.SortFunc(rows, func(a, b *personRowView) int {
		return cmp.Compare(d.AbsolutePositionForObject(a).Y, d.AbsolutePositionForObject(b).Y)
	})
	return rows
}

// TestPeopleRowsKeepBarWords: on the People list, a row flagged unsafe
// ("3 people felt unsafe"), with a long name and the longest way its card
// was learned, keeps the words "Safety" and "Reliability" beside its bars
// in every small window, leaving out how much is known first, and its
// bars stand where the bars of the plain rows above it stand. Set
// TRUSTDESK_PICTURES to a folder to keep a picture of each size there.
func TestPeopleRowsKeepBarWords(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)
	s := u.people
	score := func(safety, reliability float64, raters, flags int) *reputation.Score {
		return &reputation.Score{Safety: &safety, Reliability: &reliability, SafetyLow: &safety,
			Confidence: 0.8, Raters: raters, Flags: flags}
	}
	row := func(name string, v core.Verification, blocked bool, sc *reputation.Score) personRow {
		return personRow{contact: &core.Contact{Card: newSomeone(t, name).Card(), Verified: v, Blocked: blocked, Added: time.Now()}, score: sc}
	}
	s.all = []personRow{
		row("Amir", core.Introduced, false, score(4, 3.1, 2, 0)),
		row("Bea", core.InPerson, false, nil),
		row("Kit Alexandrovna-Okonkwo", core.Introduced, true, score(2.4, 3, 5, 3)),
		row("Lev", core.Introduced, false, score(3.1, 2.3, 10, 0)),
	}
	s.filter()
	u.tabs.SelectIndex(0)
	for _, size := range []fyne.Size{smallScreen, narrowScreen, largeTextScreen, {Width: 1040, Height: 720}} {
		u.win.Resize(size)
		if dir := os.Getenv("TRUSTDESK_PICTURES"); dir != "" {
			savePicture(t, u.win.Canvas(), filepath.Join(dir, fmt.Sprintf("people-rows-%.0fx%.0f.png", size.Width, size.Height)))
		}
		rows := rowViews(u.win.Canvas().Content())
		if len(rows) != len(s.all) {
			t.Fatalf("%v: %d rows on screen", size, len(rows))
		}
		d := fyne.CurrentApp().Driver()
		at := func(o fyne.CanvasObject) float32 { return d.AbsolutePositionForObject(o).X }
		for _, r := range rows {
			if !r.badge.safetyWord.Visible() || !r.badge.reliabilityWord.Visible() {
				t.Errorf("%v: the bars beside %q lost their words", size, r.name.Text)
			}
			if x, want := at(r.badge.safety), at(rows[0].badge.safety); x != want {
				t.Errorf("%v: the safety bar beside %q stands at %.0f, the first row's at %.0f", size, r.name.Text, x, want)
			}
			if r.badge.flags.Visible() && r.badge.flags.Clipped() {
				t.Errorf("%v: %q is cut short beside %q", size, r.badge.flags.Text, r.name.Text)
			}
		}
	}
}
