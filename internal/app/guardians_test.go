package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/identity"
)

// newPerson makes a home of its own for name, verified in person both ways
// with svc.
func newPerson(t *testing.T, svc *core.Service, name string) *core.Service {
	t.Helper()
	p, err := core.Init(t.TempDir(), name, []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	meetBoth(t, svc, p)
	return p
}

// meetBoth has a and b verify each other in person, as Meet in person
// does.
func meetBoth(t *testing.T, a, b *core.Service) {
	t.Helper()
	if _, err := a.AddContact(b.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddContact(a.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
}

// labels returns the texts of the labels in c and below, one a line.
func labels(o fyne.CanvasObject) string {
	switch o := o.(type) {
	case *widget.Label:
		return o.Text + "\n"
	case *fyne.Container:
		var b strings.Builder
		for _, c := range o.Objects {
			b.WriteString(labels(c))
		}
		return b.String()
	}
	return ""
}

// carry exports from one to the other and imports it.
func carry(t *testing.T, from, to *core.Service) *core.ImportSummary {
	t.Helper()
	id := to.Card().ID()
	res, err := from.Export(core.ExportRequest{To: &id})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := to.Import(context.Background(), res.Data)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestGuardiansChooseAndHelp: Mara chooses two guardians on You; the
// panel says their pieces have not reached them; Bea, who chose Mara as a
// guardian, appears as "You hold a recovery piece for Bea", and Mara helps
// her through the safety code question.
func TestGuardiansChooseAndHelp(t *testing.T) {
	w := newWorld(t)
	u := w.u
	bo := newPerson(t, u.svc, "Bo")
	di := newPerson(t, u.svc, "Di")
	p := u.you.guardians
	if !strings.Contains(p.status.Text, "your guardians can help you get your card back") {
		t.Fatalf("status without guardians: %q", p.status.Text)
	}
	test.Tap(p.choose)
	if len(p.picks) != 3 { // Bea, Bo and Di are verified in person
		t.Fatalf("%d people to choose from", len(p.picks))
	}
	p.picks[bo.Card().ID()].SetChecked(true)
	p.picks[di.Card().ID()].SetChecked(true)
	if p.need.Selected != "2" {
		t.Fatalf("need = %q", p.need.Selected)
	}
	tapDialog(t, u, "Make recovery pieces")
	tapDialog(t, u, "OK")
	if !strings.Contains(p.status.Text, "2 of your 2 guardians") || len(p.rows.Objects) != 2 {
		t.Fatalf("after choosing: %q, %d rows", p.status.Text, len(p.rows.Objects))
	}
	carry(t, u.svc, bo)
	carry(t, bo, u.svc)
	u.changed()
	if !strings.Contains(labels(p.rows), "Bo has your recovery piece.") || !strings.Contains(labels(p.rows), "Di does not have it yet") {
		t.Fatalf("rows: %q", labels(p.rows))
	}

	// Eve chooses Mara and Bo; her file brings Mara a piece.
	eve := newPerson(t, u.svc, "Eve")
	if _, err := eve.AddContact(bo.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := eve.SetGuardians([]identity.ID{u.svc.Card().ID(), bo.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	carry(t, eve, u.svc)
	u.changed()
	if got := labels(p.held); !strings.Contains(got, "You hold a recovery piece for Eve.") {
		t.Fatalf("held: %q", got)
	}
	tmp, err := core.StartRecovery(t.TempDir(), "Eve", []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	p.askRelease(core.Person{ID: eve.Card().ID(), Name: "Eve"})
	p.tempCard.SetText(tmp.Card().String())
	tapDialog(t, u, "Next")
	if code := identity.SafetyCode(u.svc.Card(), tmp.Card()); !strings.Contains(dialogText(u), code) {
		t.Fatalf("the safety code %s is not shown: %q", code, dialogText(u))
	}
	tapDialog(t, u, "It is the same")
	c, err := u.svc.FindContact(tmp.Card().ID().String())
	if err != nil || c.Verified != core.InPerson {
		t.Fatalf("the temporary card is not verified in person: %v", err)
	}
}

// TestGetMyCardBack: on the first-run screen, "Get my card back" makes a
// temporary card; the You screen counts the pieces that come; with the
// second, the app shows Ana's own card.
func TestGetMyCardBack(t *testing.T) {
	ana, err := core.Init(t.TempDir(), "Ana", []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	defer ana.Close()
	bo, cy := newPerson(t, ana, "Bo"), newPerson(t, ana, "Cy")
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	carry(t, ana, bo)
	carry(t, ana, cy)

	u := startUI(t, t.TempDir(), "")
	f := u.start.recovering
	if f == nil {
		t.Fatal("no Get my card back form on the first-run screen")
	}
	test.Type(f.name, "Ana")
	f.passphrase.SetText(testPass)
	f.repeat.SetText(testPass)
	test.Tap(f.startButton)
	u.wait()
	if u.svc == nil || u.you == nil {
		t.Fatalf("no temporary card: %q", f.message.Text)
	}
	p := u.you.guardians
	if u.tabs.Selected().Text != "You" || p.content.Title != "Getting your card back" || !strings.Contains(p.progress.Text, "No recovery pieces") {
		t.Fatalf("after starting: tab %q, %q, %q", u.tabs.Selected().Text, p.content.Title, p.progress.Text)
	}
	release := func(g *core.Service) {
		t.Helper()
		meetBoth(t, u.svc, g)
		res, err := g.ReleasePiece(ana.Card().ID(), u.svc.Card().ID())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := u.svc.Import(context.Background(), res.Data); err != nil {
			t.Fatal(err)
		}
		u.changed()
	}
	release(bo)
	if got := u.you.guardians.progress.Text; got != "2 of 2 pieces needed, 1 received." {
		t.Fatalf("after one piece: %q", got)
	}
	release(cy)
	if u.svc.Card().ID() != ana.Card().ID() || u.you.name.Text != "Ana" || u.you.guardians.content.Title != "Guardians" {
		t.Fatalf("after two pieces the app shows %q (%s)", u.you.name.Text, u.you.guardians.content.Title)
	}
	if u.tabs.Selected().Text != "You" {
		t.Errorf("tab %q", u.tabs.Selected().Text)
	}
	if got := dialogText(u); !strings.Contains(got, "This computer holds your own card again, Ana.") {
		t.Errorf("no word that the card is back: %q", got)
	}
}

// TestChangeGuardiansOnYou: once Mara's guardians are named in her cell,
// choosing others on You says the change waits for their agreement and
// shows the code; on the guardian's side, Eve's request shows with an
// Agree button that takes only the right code.
func TestChangeGuardiansOnYou(t *testing.T) {
	w := newWorld(t)
	u := w.u
	bo := newPerson(t, u.svc, "Bo")
	di := newPerson(t, u.svc, "Di")
	p := u.you.guardians
	if _, err := u.svc.SetGuardians([]identity.ID{bo.Card().ID(), di.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := u.svc.NewCell("Night"); err != nil {
		t.Fatal(err)
	}
	u.changed()
	test.Tap(p.choose)
	p.picks[bo.Card().ID()].SetChecked(false)
	for id, ch := range p.picks {
		if id != bo.Card().ID() {
			ch.SetChecked(true)
		}
	}
	tapDialog(t, u, "Make recovery pieces")
	st, err := u.svc.Guardians()
	if err != nil || st.Pending == nil {
		t.Fatalf("no change waits: %+v, %v", st, err)
	}
	if got := dialogText(u); !strings.Contains(got, "take over once 2 of your present guardians (Bo and Di) agree") || !strings.Contains(got, st.Pending.Code) {
		t.Fatalf("the dialog says %q", got)
	}
	tapDialog(t, u, "OK")
	if got := labels(p.rows); !strings.Contains(got, st.Pending.Code) || !strings.Contains(got, "Agreed so far: nobody yet") {
		t.Fatalf("rows: %q", got)
	}

	// Eve, whose guardians Mara and Bo are named in her cell, asks Mara.
	eve := newPerson(t, u.svc, "Eve")
	for _, c := range []*core.Service{bo, di} {
		if _, err := eve.AddContact(c.Card().String(), "", true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eve.SetGuardians([]identity.ID{u.svc.Card().ID(), bo.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	carry(t, eve, u.svc)
	if _, err := eve.NewCell("Day"); err != nil {
		t.Fatal(err)
	}
	est, err := eve.SetGuardians([]identity.ID{bo.Card().ID(), di.Card().ID()}, 2)
	if err != nil || est.Pending == nil {
		t.Fatalf("Eve's change: %+v, %v", est, err)
	}
	carry(t, eve, u.svc)
	u.changed()
	if got := labels(p.held); !strings.Contains(got, "Eve asks you to agree to their new guardians") {
		t.Fatalf("held: %q", got)
	}
	p.askAgree(core.Person{ID: eve.Card().ID(), Name: "Eve"})
	p.agreeCode.SetText("0000 0000 0000")
	tapDialog(t, u, "Agree")
	if got := dialogText(u); !strings.Contains(got, "not the code of the change") {
		t.Fatalf("a wrong code: %q", got)
	}
	// Once Mara agreed, the list says so instead of asking again.
	if _, err := u.svc.AgreeToChange(eve.Card().ID(), est.Pending.Code); err != nil {
		t.Fatal(err)
	}
	u.changed()
	if got := labels(p.held); !strings.Contains(got, "You agreed to Eve's new guardians") || strings.Contains(got, "Eve asks you") {
		t.Fatalf("held after agreeing: %q", got)
	}
}

// TestGuardiansTellSameNamesApart: two people verified in person under
// the same name ("Ines") are told apart where guardians are chosen and
// in the list of guardians, as on the People list, so the user knows
// which Ines gets a recovery piece.
func TestGuardiansTellSameNamesApart(t *testing.T) {
	w := newWorld(t)
	u := w.u
	ines1, ines2 := newPerson(t, u.svc, "Ines"), newPerson(t, u.svc, "Ines")
	p := u.you.guardians
	test.Tap(p.choose)
	one, two := p.picks[ines1.Card().ID()], p.picks[ines2.Card().ID()]
	if one == nil || two == nil {
		t.Fatal("an Ines is missing from the people to choose from")
	}
	if one.Text == two.Text || !strings.Contains(one.Text, ines1.Card().ID().String()[:8]) {
		t.Fatalf("the two are shown as %q and %q", one.Text, two.Text)
	}
	one.SetChecked(true)
	p.picks[w.bea.Card().ID()].SetChecked(true)
	tapDialog(t, u, "Make recovery pieces")
	tapDialog(t, u, "OK")
	if got := labels(p.rows); !strings.Contains(got, ines1.Card().ID().String()[:8]) {
		t.Fatalf("the list of guardians does not say which Ines: %q", got)
	}
}
