package core

import (
	"slices"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// TestAttackOldCardKeepsTrustElsewhere: Ana is in Night (her guardians
// in force) and in Bo's cell Day, where Bo vouched for her and her
// guardians never came into force. Her laptop is seized with its
// passphrase; she gets her card back through Bo and Di and replaces it
// in Night, and Bo's device follows. The thief, still a member of Day
// with the old card, finds Cy unsafe there. Bo's device knows the old
// card was replaced by its owner's guardians: what it says from then on
// must count for nothing in Bo's scores, in any cell (DESIGN: "after
// which the old card's new words count for nothing"), and the old card
// is no longer "verified in person".
func TestAttackOldCardKeepsTrustElsewhere(t *testing.T) {
	ana := newService(t, "Ana")
	bo, cy, di := newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di")
	for _, g := range []*Service{bo, cy, di} {
		meet(t, ana, g)
	}
	meet(t, bo, cy)
	night := ok[*CellView](t)(ana.NewCell("Night"))
	invite(t, ana, bo, night.ID)
	invite(t, ana, cy, night.ID)
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID(), di.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	nightOnly := func(from, to *Service) {
		id := to.Card().ID()
		mustImport(t, to, mustExport(t, from, ExportRequest{To: &id, Cells: []crdt.CellID{night.ID}}))
	}
	for _, g := range []*Service{bo, cy, di} {
		sendTo(t, ana, g) // Night and the recovery pieces
	}
	rate(t, bo, ana.Card().ID(), 4)
	nightOnly(bo, cy)
	rate(t, cy, bo.Card().ID(), 5)
	nightOnly(cy, bo)
	nightOnly(bo, ana)
	if v, _ := ana.FindCell("night"); !inForce(v, ana.Card().ID()) {
		t.Fatal("Ana's guardians are not in force in Night")
	}
	day := ok[*CellView](t)(bo.NewCell("Day"))
	invite(t, bo, ana, day.ID)

	old := ana.Card().ID()
	clock := time.Now()
	thief := seize(t, ana, &clock)
	tmp, newCard := getCardBack(t, old, []*Service{bo, di})
	mustImport(t, tmp, mustExport(t, bo, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	if res, err := tmp.ReplaceCard(); err != nil || !slices.Equal(res.Replaced, []string{"Night"}) {
		t.Fatalf("ReplaceCard = %+v, %v", res, err)
	}
	mustImport(t, bo, mustExport(t, tmp, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	if c, err := bo.Contact(newCard.ID()); err != nil || c.Verified != InPerson {
		t.Fatalf("Bo's device did not follow the replacement: %+v, %v", c, err)
	}

	// The thief, in Day, finds Cy unsafe.
	if _, err := thief.Rate(cy.Card().ID(), crdt.Rating{Safety: 1, Reliability: 1}, []crdt.CellID{day.ID}); err != nil {
		t.Fatal(err)
	}
	id := bo.Card().ID()
	mustImport(t, bo, mustExport(t, thief, ExportRequest{To: &id, Cells: []crdt.CellID{day.ID}}))
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
