package app

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/identity"
)

// anaWithGuardians returns Ana, with Bo and Cy, each verified in person
// with her, as her guardians (two needed), and Night, her cell with Bo,
// where they are in force (Bo rated her).
func anaWithGuardians(t *testing.T) (ana, bo, cy *core.Service, night *core.CellView) {
	t.Helper()
	ana, err := core.Init(t.TempDir(), "Ana", []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ana.Close() })
	bo, cy = newPerson(t, ana, "Bo"), newPerson(t, ana, "Cy")
	if night, err = ana.NewCell("Night"); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.Admit(night.ID, bo.Card().ID()); err != nil {
		t.Fatal(err)
	}
	carry(t, ana, bo)
	if _, err := bo.JoinCell(night.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	carry(t, ana, bo)
	carry(t, ana, cy)
	if _, err := bo.Rate(ana.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5}, nil); err != nil {
		t.Fatal(err)
	}
	return ana, bo, cy, night
}

// TestReplaceMyCard: Ana's card comes back through Bo and Cy on a new
// computer; You offers to replace it; after asking, the app shows the new
// card and says where the old one was replaced.
func TestReplaceMyCard(t *testing.T) {
	ana, bo, cy, _ := anaWithGuardians(t)

	u := startUI(t, t.TempDir(), "")
	f := u.start.recovering
	test.Type(f.name, "Ana")
	f.passphrase.SetText(testPass)
	f.repeat.SetText(testPass)
	test.Tap(f.startButton)
	u.wait()
	temp := u.svc.Card()
	if !u.you.replace.content.Hidden {
		t.Fatal("the replace panel shows before the card is back")
	}
	for _, g := range []*core.Service{bo, cy} {
		meetBoth(t, u.svc, g)
		res, err := g.ReleasePiece(ana.Card().ID(), temp.ID())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := u.svc.Import(context.Background(), res.Data); err != nil {
			t.Fatal(err)
		}
		u.changed()
	}
	carry(t, bo, u.svc)
	u.changed()
	p := u.you.replace
	if p.content.Hidden || p.replaceButton.Hidden || p.content.Title != "If your old computer was taken" || !strings.Contains(p.status.Text, "2 of them confirmed it") {
		t.Fatalf("after the card is back: %q %q", p.content.Title, p.status.Text)
	}
	test.Tap(p.replaceButton)
	if !strings.Contains(dialogText(u), "It cannot be undone.") {
		t.Fatalf("no question first: %q", dialogText(u))
	}
	test.Tap(u.yes)
	u.wait()
	if u.svc.Card().ID() != temp.ID() || u.you.name.Text != "Ana" {
		t.Fatalf("after replacing the app shows %s", u.you.name.Text)
	}
	if got := dialogText(u); !strings.Contains(got, "Your old card was replaced in Night") {
		t.Errorf("no word of the replacement: %q", got)
	}
	if p := u.you.replace; p.content.Hidden || !p.replaceButton.Hidden || !strings.Contains(p.status.Text, "this card took the place of your old one") {
		t.Errorf("afterwards You says %q", p.status.Text)
	}

	// Bo's device takes the replacement in; Ana's old card's page says
	// who confirmed it, not only "(old card)": Bo himself, and Cy,
	// whose card Bo does not hold. Her new card's page says it too.
	carry(t, u.svc, bo)
	ub := startUI(t, t.TempDir(), "")
	ub.unlocked(bo)
	for _, w := range []struct {
		id   identity.ID
		want string
	}{
		{ana.Card().ID(), "In Night this card was replaced by a new one (Ana), confirmed by you and 1 other this computer does not know."},
		{temp.ID(), "In Night this card took the place of an old one (Ana (old card)), confirmed by you and 1 other this computer does not know."},
	} {
		ub.showPerson(w.id)
		if ub.person == nil || len(ub.person.replaced) != 1 || ub.person.replaced[0].Text != w.want {
			t.Errorf("Bo's page of %s does not say %q", w.id, w.want)
		} else if !slices.Contains(ub.person.body.Objects, fyne.CanvasObject(ub.person.replaced[0])) {
			t.Errorf("the words are not on the page")
		}
	}
}
