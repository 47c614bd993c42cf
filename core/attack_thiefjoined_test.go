package core

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"trustdesk/crdt"
)

// TestAttackThiefReplacementInJoinedCell: the thief holding Ana's card
// founds a cell as Ana with two fakes, and Bo, who met Ana, joins it. Only
// then does the thief name the fakes as Ana's guardians there, let them
// build on it and replace her card by one of his. Bo never built on those
// guardians: nothing passes to the thief's new card on his device, and
// Ana's real card must not lose anything there either (her trust, what
// Bo sends her, her asks of her guardians): it did, for every cell Bo
// shares with her, since replacedCards counted a replacement in any cell
// Bo joined. A replacement counts against the old card only where Bo's
// device would pass the old card's verification to the new one (SCHEMA
// §4.5): once Bo builds on the fakes' naming, it does.
func TestAttackThiefReplacementInJoinedCell(t *testing.T) {
	sc := newThiefCell(t, "Trap")
	bo, thief, fake, a, f1, f2, tNew, c, clock := sc.bo, sc.thief, sc.fake, sc.a, sc.f1, sc.f2, sc.tNew, sc.c, sc.clock
	st := ok[*crdt.Statement](t)
	st(c.Admit(a, bo.Card(), clock))
	if _, err := thief.addCell(c); err != nil {
		t.Fatal(err)
	}
	sendTo(t, thief, bo) // the invitation, from "Ana"
	if _, err := bo.JoinCell(c.ID()); err != nil {
		t.Fatal(err)
	}
	sendTo(t, bo, thief)
	c = ok[*crdt.Cell](t)(crdt.Load(ok[[]byte](t)(thief.CellDocument(c.ID()))))
	if !c.State().IsMember(bo.Card().ID()) {
		t.Fatal("Bo did not join the thief's cell")
	}
	st(c.NameGuardians(a, []ed25519.PublicKey{f1.Card.SigningKey, f2.Card.SigningKey}, 2, clock))
	day := clock.UTC().Format(time.DateOnly)
	st(c.Rate(f1, f2.Card, crdt.Rating{Safety: 5, Reliability: 5, Day: day}, clock))
	st(c.Rate(f2, f1.Card, crdt.Rating{Safety: 5, Reliability: 5, Day: day}, clock))
	st(c.Replace(a, tNew, []crdt.Confirmation{crdt.Confirm(f1, a.Card.ID(), tNew.Card), crdt.Confirm(f2, a.Card.ID(), tNew.Card)}, clock))
	if _, ok := c.State().ReplacedBy(a.Card.ID()); !ok {
		t.Fatal("the thief's replacement does not count in his own cell")
	}
	if _, err := fake.addCell(c); err != nil {
		t.Fatal(err)
	}
	sendTo(t, fake, bo)

	trusted := func() bool {
		t.Helper()
		if replaced, err := bo.replacedNow(); err != nil || replaced[a.Card.ID()] {
			return false
		}
		if _, err := bo.Export(ExportRequest{To: to(a.Card.ID())}); errors.Is(err, ErrCardReplaced) {
			return false
		}
		res, err := bo.Reputation()
		return err == nil && res.Person(a.Card.ID().String()) != nil && res.Person(a.Card.ID().String()).Trust > 0
	}
	if !trusted() {
		t.Fatal("the thief's replacement, by guardians Bo never built on, took Ana's real card from Bo's device")
	}
	if got, err := bo.Contact(tNew.Card.ID()); err == nil && got.Verified == InPerson {
		t.Fatalf("the thief's new card is %q, verified in person, on Bo's device", got.Name())
	}
	// Bo signs something in the cell: now he has built on the fakes'
	// naming, and his device follows the replacement (what SCHEMA §4.5
	// says this does not stop).
	rate(t, bo, f1.Card.ID(), 4)
	if trusted() {
		t.Fatal("once Bo built on the guardians, Ana's old card is still trusted on his device")
	}
}
