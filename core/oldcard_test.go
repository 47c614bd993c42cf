package core

import (
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// friendsOfAna returns Ana and Bo, Cy and Di, each of whom met her in
// person (and Bo met Cy), with Night, Ana's cell, where Bo and Cy are
// members.
func friendsOfAna(t *testing.T) (ana, bo, cy, di *Service, night crdt.CellID) {
	ana = newService(t, "Ana")
	bo, cy, di = newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di")
	for _, g := range []*Service{bo, cy, di} {
		meet(t, ana, g)
	}
	meet(t, bo, cy)
	night = ok[*CellView](t)(ana.NewCell("Night")).ID
	invite(t, ana, bo, night)
	invite(t, ana, cy, night)
	return ana, bo, cy, di, night
}

// oldCardScene: Ana is in Night (her guardians Bo, Cy and Di in force)
// and in Bo's cell Day, where Bo vouched for her and her guardians never
// came into force; Ana is one of Bo's guardians. Her laptop is seized
// with its passphrase (thief); she gets her card back through Bo and Di
// and replaces it in Night, and Bo's device follows.
type oldCardScene struct {
	ana, bo, cy, di, thief *Service
	night, day             crdt.CellID
	old                    identity.ID
	newCard                *identity.Card
	// followed is what Bo's device said when it took the replacement in.
	followed *ImportSummary
}

// beforeFollow, if not nil, runs just before Bo's device takes in the
// replacement.
func newOldCardScene(t *testing.T, beforeFollow func(sc *oldCardScene)) *oldCardScene {
	ana, bo, cy, di, night := friendsOfAna(t)
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID(), di.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.SetGuardians([]identity.ID{ana.Card().ID(), cy.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	nightOnly := func(from, to *Service) {
		id := to.Card().ID()
		mustImport(t, to, mustExport(t, from, ExportRequest{To: &id, Cells: []crdt.CellID{night}}))
	}
	for _, g := range []*Service{bo, cy, di} {
		sendTo(t, ana, g) // Night and the recovery pieces
	}
	sendTo(t, bo, ana) // Bo's piece
	rate(t, bo, ana.Card().ID(), 4)
	nightOnly(bo, cy)
	rate(t, cy, bo.Card().ID(), 5)
	nightOnly(cy, bo)
	nightOnly(bo, ana)
	if v, _ := ana.FindCell("night"); !inForce(v, ana.Card().ID()) {
		t.Fatal("Ana's guardians are not in force in Night")
	}
	day := ok[*CellView](t)(bo.NewCell("Day")).ID
	invite(t, bo, ana, day)

	sc := &oldCardScene{ana: ana, bo: bo, cy: cy, di: di, night: night, day: day, old: ana.Card().ID()}
	clock := time.Now()
	sc.thief = seize(t, ana, &clock)
	var tmp *Service
	tmp, sc.newCard = getCardBack(t, sc.old, []*Service{bo, di})
	mustImport(t, tmp, mustExport(t, bo, ExportRequest{Cells: []crdt.CellID{night}}))
	if res, err := tmp.ReplaceCard(); err != nil || !slices.Equal(res.Replaced, []string{"Night"}) {
		t.Fatalf("ReplaceCard = %+v, %v", res, err)
	}
	if beforeFollow != nil {
		beforeFollow(sc)
	}
	sc.followed = mustImport(t, bo, mustExport(t, tmp, ExportRequest{Cells: []crdt.CellID{night}}))
	if c, err := bo.Contact(sc.newCard.ID()); err != nil || c.Verified != InPerson {
		t.Fatalf("Bo's device did not follow the replacement: %+v, %v", c, err)
	}
	return sc
}

// TestAttackOldCardKeepsTrustElsewhere: in oldCardScene, the thief, still
// a member of Day with the old card, finds Cy unsafe there, and his file
// reaches Bo just before Ana's replacement. Bo's device knows the old
// card was replaced by its owner's guardians: what it says must count for
// nothing in Bo's scores, in any cell (DESIGN: "after which the old
// card's new words count for nothing"), and the old card is no longer
// "verified in person".
func TestAttackOldCardKeepsTrustElsewhere(t *testing.T) {
	sc := newOldCardScene(t, func(sc *oldCardScene) {
		if _, err := sc.thief.Rate(sc.cy.Card().ID(), crdt.Rating{Safety: 1, Reliability: 1}, []crdt.CellID{sc.day}); err != nil {
			t.Fatal(err)
		}
		id := sc.bo.Card().ID()
		mustImport(t, sc.bo, mustExport(t, sc.thief, ExportRequest{To: &id, Cells: []crdt.CellID{sc.day}}))
	})
	bo, cy, old := sc.bo, sc.cy, sc.old
	if v, _ := bo.FindCell("day"); v == nil || !hasRating(v, old, cy.Card().ID(), 1) {
		t.Fatal("the thief's rating is not in Day on Bo's device")
	}

	if c, _ := bo.Contact(old); c == nil || c.Verified == InPerson {
		t.Errorf("the old card on Bo's device: %+v, still verified in person", c)
	}
	res, err := bo.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Person(old.String()); p != nil && p.Trust > 0 {
		t.Errorf("the old card has trust %.2f on Bo's device", p.Trust)
	}
	if p := res.Person(cy.Card().ID().String()); p != nil && p.Flags > 0 {
		t.Errorf("the thief's rating flags Cy on Bo's device: %+v", p.Ratings)
	} else if p != nil {
		for _, r := range p.Ratings {
			if r.RaterID == old.String() {
				t.Logf("the old card's rating of Cy: weight %.3f, why %q", r.Weight, r.Why)
			}
		}
	}
}

// TestReplacedInTwoCellsNames: Ana's guardians are in force in two cells
// she shares with Bo, and her replacement replaces her card in both. Bo's
// device, taking both in, names the new card "Ana", verified in person,
// and the old one "Ana (old card)", as after one cell.
func TestReplacedInTwoCellsNames(t *testing.T) {
	ana, bo, cy, di, night := friendsOfAna(t)
	day := ok[*CellView](t)(ana.NewCell("Day")).ID
	invite(t, ana, bo, day)
	invite(t, ana, cy, day)
	cells := []crdt.CellID{night, day}
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID(), di.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Service{bo, cy, di} {
		sendTo(t, ana, g)
	}
	rate(t, bo, ana.Card().ID(), 4)
	sendTo(t, bo, cy)
	rate(t, cy, bo.Card().ID(), 5)
	sendTo(t, cy, bo)
	sendTo(t, bo, ana)
	for _, name := range []string{"night", "day"} {
		if v, _ := ana.FindCell(name); !inForce(v, ana.Card().ID()) {
			t.Fatalf("Ana's guardians are not in force in %s", name)
		}
	}
	old := ana.Card().ID()
	tmp, newCard := getCardBack(t, old, []*Service{bo, di})
	mustImport(t, tmp, mustExport(t, bo, ExportRequest{Cells: cells}))
	if res, err := tmp.ReplaceCard(); err != nil || len(res.Replaced) != 2 {
		t.Fatalf("ReplaceCard = %+v, %v", res, err)
	}
	mustImport(t, bo, mustExport(t, tmp, ExportRequest{Cells: cells}))
	if c, err := bo.Contact(newCard.ID()); err != nil || c.Verified != InPerson || c.Name() != "Ana" {
		t.Errorf("the new card on Bo's device: %+v, %v", c, err)
	}
	if c, _ := bo.Contact(old); c == nil || c.Name() != "Ana (old card)" {
		t.Errorf("the old card on Bo's device: %+v", c)
	}
}

// TestAttackThiefReplacesInAnotherCell: Ana's guardians are in force in
// Night; in Day, which she shares with Cy, she never named any. The thief
// who holds her laptop and passphrase names two fakes as her guardians in
// Day, Cy builds on them (an ordinary rating), and the thief replaces her
// card there by one of his own. Ana then replaces her card in Night with
// her real guardians. Cy's device now holds two different new cards for
// Ana's old one, and cannot know which is hers: neither may be "Ana,
// verified in person" (before, the thief's, which came first, was, for
// good), and the import says what happened. The same when Ana's
// replacement reaches Cy first.
func TestAttackThiefReplacesInAnotherCell(t *testing.T) {
	for _, thiefFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "thief first", false: "owner first"}[thiefFirst], func(t *testing.T) {
			thiefReplacesInAnotherCell(t, thiefFirst)
		})
	}
}

func thiefReplacesInAnotherCell(t *testing.T, thiefFirst bool) {
	ana, bo, cy, di, night := friendsOfAna(t)
	day := ok[*CellView](t)(cy.NewCell("Day")).ID
	invite(t, cy, ana, day)
	// The thief's copy of Ana's home is from before she chose guardians
	// (or he backdates): her naming of them in Day never left her laptop.
	old := ana.Card().ID()
	thief, clock := seizeThenGuardians(t, ana, bo, cy, di, night)
	if v, _ := ana.FindCell("night"); !inForce(v, ana.Card().ID()) {
		t.Fatal("Ana's guardians are not in force in Night")
	}
	tDev, dayOnly := thiefReplacesWithFakes(t, thief, cy, day, clock)
	tNew := tDev.me()
	if thiefFirst {
		t.Logf("Cy is told: %s", dayOnly(tDev, cy))
	}

	tmp, newCard := getCardBack(t, old, []*Service{bo, di})
	mustImport(t, tmp, mustExport(t, bo, ExportRequest{Cells: []crdt.CellID{night}}))
	if res, err := tmp.ReplaceCard(); err != nil || !slices.Equal(res.Replaced, []string{"Night"}) {
		t.Fatalf("ReplaceCard = %+v, %v", res, err)
	}
	sum := mustImport(t, cy, mustExport(t, tmp, ExportRequest{Cells: []crdt.CellID{night}}))
	t.Logf("Cy is told: %s", sum)
	if !thiefFirst {
		if c, err := cy.Contact(newCard.ID()); err != nil || c.Verified != InPerson {
			t.Fatalf("Ana's replacement alone: her new card on Cy's device %+v, %v", c, err)
		}
		sum = dayOnly(tDev, cy)
		t.Logf("Cy is told: %s", sum)
	}
	for _, c := range []*identity.Card{tNew.Card, newCard} {
		if got, err := cy.Contact(c.ID()); err == nil && got.Verified == InPerson {
			t.Errorf("%s (%s) is verified in person on Cy's device", got.Name(), c.ID())
		}
	}
	if s := sum.String(); !strings.Contains(s, "two different new cards") {
		t.Errorf("Cy is told %q", s)
	}
}

// thiefReplacesWithFakes: the thief, holding a copy of the card of his
// device's owner, names two fakes as their guardians in day, a cell of
// cy's where the owner never named any; cy builds on them (an ordinary
// rating) and the thief replaces the card there by one of his own, on
// tDev (which does not send it yet). dayOnly sends day from one to
// another.
func thiefReplacesWithFakes(t *testing.T, thief, cy *Service, day crdt.CellID, clock time.Time) (tDev *Service, dayOnly func(from, to *Service) *ImportSummary) {
	t.Helper()
	a := thief.me()
	old := a.Card.ID()
	f1, f2 := ok[*identity.Identity](t)(identity.New("F1", clock)), ok[*identity.Identity](t)(identity.New("F2", clock))
	tDev = newService(t, "Ana") // the thief's new card, on a device of his
	tNew := tDev.me()
	dayOnly = func(from, to *Service) *ImportSummary {
		t.Helper()
		id := to.Card().ID()
		return mustImport(t, to, mustExport(t, from, ExportRequest{To: &id, Cells: []crdt.CellID{day}}))
	}
	ok[*CellView](t)(thief.changeCell(day, func(c *crdt.Cell) error {
		_, err := c.NameGuardians(a, []ed25519.PublicKey{f1.Card.SigningKey, f2.Card.SigningKey}, 2, clock)
		return err
	}))
	dayOnly(thief, cy)
	if _, err := cy.Rate(old, crdt.Rating{Safety: 4, Reliability: 4}, []crdt.CellID{day}); err != nil {
		t.Fatal(err)
	}
	dayOnly(cy, thief)
	ok[*CellView](t)(thief.changeCell(day, func(c *crdt.Cell) error {
		if _, err := c.Replace(a, tNew, []crdt.Confirmation{crdt.Confirm(f1, old, tNew.Card), crdt.Confirm(f2, old, tNew.Card)}, clock); err != nil {
			return err
		}
		_, err := tDev.addCell(c)
		return err
	}))
	return tDev, dayOnly
}

// TestGuardianCardReplacedIsSaid: in oldCardScene, Ana was one of Bo's
// guardians. Her old laptop, now the thief's, holds a piece of Bo's card,
// and her old card confirms for Bo: Bo's guardians say so, and ask him to
// choose again.
func TestGuardianCardReplacedIsSaid(t *testing.T) {
	sc := newOldCardScene(t, nil)
	st, err := sc.bo.Guardians()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range st.Guardians {
		if (g.ID == sc.old) != g.Replaced {
			t.Errorf("Bo's guardian %s (%s): replaced %v", g.Name, g.ID, g.Replaced)
		}
	}
	if !slices.ContainsFunc(st.Guardians, func(g Guardian) bool { return g.ID == sc.old }) {
		t.Fatalf("Ana's old card is not among Bo's guardians: %+v", st.Guardians)
	}
}

// TestAttackOldCardStillReceives: in oldCardScene, the old card is still
// a member of Day (it could not be replaced there). Bo's device knows it
// was replaced: whoever holds it now is not Ana, so Bo's files, for the
// cell or for that card, no longer go to it (as to someone blocked).
func TestAttackOldCardStillReceives(t *testing.T) {
	sc := newOldCardScene(t, nil)
	invite(t, sc.bo, sc.cy, sc.day)
	res, err := sc.bo.Export(ExportRequest{Cells: []crdt.CellID{sc.day}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Recipients {
		if r.ID == sc.old {
			t.Errorf("Bo's file for Day goes to the old card (%s)", r.Name)
		}
	}
	if _, err := sc.thief.Import(ctx, res.Data); err == nil {
		t.Error("the thief's copy takes in Bo's file for Day")
	}
	if _, err := sc.bo.Export(ExportRequest{To: &sc.old}); !errors.Is(err, ErrCardReplaced) {
		t.Errorf("a file to the old card: %v, want ErrCardReplaced", err)
	}

}

// TestCompetingReplacementTakesBackVerification: Ana's guardians are Bo,
// Cy and Di, two needed. After the seizure she replaces her card in Night
// with Bo's and Di's confirmations, and Cy's device follows: her new card
// is "Ana, verified in person". Then the thief's replacement arrives,
// confirmed by all three (coerced): it has more confirmations and counts
// instead (crdt/SCHEMA.md §4.5). Cy's device cannot know which new card
// is Ana's: neither stays verified in person.
func TestCompetingReplacementTakesBackVerification(t *testing.T) {
	ana, bo, cy, di, night := friendsOfAna(t)
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID(), di.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Service{bo, cy, di} {
		sendTo(t, ana, g)
	}
	buildOn(t, bo, cy, ana)
	old := ana.Card().ID()
	clock := time.Now()
	thief := seize(t, ana, &clock)
	tmp, newCard := getCardBack(t, old, []*Service{bo, di})
	mustImport(t, tmp, mustExport(t, bo, ExportRequest{Cells: []crdt.CellID{night}}))
	if res, err := tmp.ReplaceCard(); err != nil || len(res.Replaced) != 1 {
		t.Fatalf("ReplaceCard = %+v, %v", res, err)
	}
	mustImport(t, cy, mustExport(t, tmp, ExportRequest{Cells: []crdt.CellID{night}}))
	if c, err := cy.Contact(newCard.ID()); err != nil || c.Verified != InPerson {
		t.Fatalf("Cy's device did not follow Ana's replacement: %+v, %v", c, err)
	}

	tDev := newService(t, "Ana")
	tNew, a := tDev.me(), thief.me()
	ok[*CellView](t)(thief.changeCell(night, func(c *crdt.Cell) error {
		cs := []crdt.Confirmation{crdt.Confirm(bo.me(), old, tNew.Card), crdt.Confirm(cy.me(), old, tNew.Card), crdt.Confirm(di.me(), old, tNew.Card)}
		if _, err := c.Replace(a, tNew, cs, clock); err != nil {
			return err
		}
		_, err := tDev.addCell(c)
		return err
	}))
	id := cy.Card().ID()
	sum := mustImport(t, cy, mustExport(t, tDev, ExportRequest{To: &id, Cells: []crdt.CellID{night}}))
	t.Logf("Cy is told: %s", sum)
	if s := sum.String(); strings.Contains(s, "new member") || !strings.Contains(s, "two different new cards") {
		t.Errorf("Cy is told %q", s)
	}
	v, err := cy.FindCell("night")
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := v.cellState().ReplacedBy(old); !ok || r.New != tNew.Card.ID() {
		t.Fatalf("the thief's replacement does not count instead: %+v", r)
	}
	for _, c := range []*identity.Card{tNew.Card, newCard} {
		if got, err := cy.Contact(c.ID()); err == nil && got.Verified == InPerson {
			t.Errorf("%s (%s) is verified in person on Cy's device", got.Name(), c.ID())
		}
	}
}

// seizeThenGuardians: the thief takes a copy of Ana's home, then Ana names
// Bo and Di her guardians in Night, sends it to Bo and Cy only (Di gets his
// piece), and Bo and Cy build on it. The thief's copy knows nothing of her
// guardians. It returns the thief's device and its clock.
func seizeThenGuardians(t *testing.T, ana, bo, cy, di *Service, night crdt.CellID) (*Service, time.Time) {
	t.Helper()
	clock := time.Now()
	thief := seize(t, ana, &clock)
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), di.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Service{bo, cy} {
		id := g.Card().ID()
		mustImport(t, g, mustExport(t, ana, ExportRequest{To: &id, Cells: []crdt.CellID{night}}))
	}
	sendTo(t, ana, di) // Di's piece
	buildOn(t, bo, cy, ana)
	return thief, clock
}
