package core

import (
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// TestAttackMoreFoundUnsafeCountsMe: Bo, a member of Ana's cell, flags
// sixty people he published the cards of, and Ana herself; Cy flags the
// sixty too, so Ana comes after the first fifty. The People list shows
// the first fifty and says how many more are found unsafe, one click
// away: that number must not count Ana, who is on no list of people.
func TestAttackMoreFoundUnsafeCountsMe(t *testing.T) {
	ana, bo, cy := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy")
	meet(t, ana, bo)
	meet(t, ana, cy)
	meet(t, bo, cy)
	night := ok[*CellView](t)(ana.NewCell("Night")).ID
	invite(t, ana, bo, night)
	invite(t, ana, cy, night)
	sendTo(t, ana, bo)
	var cards []*identity.Card
	for range FlaggedAtStart + 10 {
		cards = append(cards, newCard(t, "Stranger"))
	}
	low := crdt.Rating{Safety: 1, Reliability: 1, Day: time.Now().UTC().Format(time.DateOnly)}
	flag := func(s *Service, subjects []*identity.Card) {
		t.Helper()
		ok[*CellView](t)(s.changeCell(night, func(c *crdt.Cell) error {
			if _, err := c.PublishCards(s.me(), subjects, time.Now()); err != nil {
				return err
			}
			rs := make([]crdt.Rating, len(subjects))
			for i := range rs {
				rs[i] = low
			}
			_, err := c.RateMany(s.me(), subjects, rs, time.Now())
			return err
		}))
	}
	flag(bo, append(cards, ana.Card()))
	sendTo(t, bo, cy)
	flag(cy, cards)
	sendTo(t, bo, ana)
	sendTo(t, cy, ana)

	rep, err := ana.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	if sc := rep.Person(ana.Card().ID().String()); sc == nil || sc.Flags == 0 {
		t.Fatalf("Ana is not flagged: %+v", sc)
	}
	contacts, more, err := ana.OwnContactsAndFlagged(rep)
	if err != nil {
		t.Fatal(err)
	}
	all, err := ana.Contacts()
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, c := range all {
		if sc := rep.Person(c.ID().String()); sc != nil && sc.Flags > 0 {
			flagged++
		}
	}
	shown := 0
	for _, c := range contacts {
		if sc := rep.Person(c.ID().String()); sc != nil && sc.Flags > 0 {
			shown++
		}
	}
	if shown+more != flagged {
		t.Errorf("the first view shows %d found unsafe and says %d more, but the list of everyone holds %d", shown, more, flagged)
	}
}
