package core

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/internal/words"
)

// TestOldCardStillMemberSaid: in oldCardScene, Ana's card was replaced in
// Night and her old card, now the thief's, is still a member of Bo's cell
// Day. Bo's device says so on Day's page (not on Night's, where the card
// is replaced), offers the vote, and the import that brought the
// replacement names Day; once Bo voted, the page says so and offers no
// second vote.
func TestOldCardStillMemberSaid(t *testing.T) {
	sc := newOldCardScene(t, nil)
	bo := sc.bo
	if got := ok[[]OldCard](t)(bo.OldCards(sc.night)); len(got) != 0 {
		t.Errorf("Night, where the card was replaced, lists %+v", got)
	}
	got := ok[[]OldCard](t)(bo.OldCards(sc.day))
	if len(got) != 1 {
		t.Fatalf("Day lists %+v, want Ana's old card", got)
	}
	o := got[0]
	if o.Old.ID != sc.old || o.Name != "Ana" || !slices.Equal(o.ReplacedIn, []string{"Night"}) ||
		len(o.New) != 1 || o.New[0].ID != sc.newCard.ID() || o.Rival || !o.Trusted || !o.Suggest() {
		t.Errorf("Day's old card: %+v", o)
	}
	want := "Ana's old card is still a member here. Their card was replaced in Night (confirmed by their guardians): whoever holds the old card now is not Ana. Vote it out?"
	if s := o.Sentence(); s != want {
		t.Errorf("Sentence() = %q, want %q", s, want)
	}

	var still []string
	for _, cc := range sc.followed.Cells {
		for _, r := range cc.Replaced {
			if r.ID == sc.old {
				still = r.StillIn
			}
		}
	}
	if !slices.Equal(still, []string{"Day"}) {
		t.Errorf("the import names %q as cells where the old card is still a member, want Day", still)
	}
	if s := sc.followed.String(); !strings.Contains(s, "still a member of Day, where") {
		t.Errorf("Bo is told %q", s)
	}

	rs := ok[[]CardReplacement](t)(bo.Replacements(sc.old))
	if len(rs) != 1 || !strings.HasSuffix(rs[0].Sentence(sc.old), " The old card is still a member of Day: that cell's page says what to do.") {
		t.Errorf("the old card's page: %+v", rs)
	}

	// With Cy in Day, Bo's vote alone does not exclude the old card.
	invite(t, bo, sc.cy, sc.day)
	if _, err := bo.VoteExclude(sc.day, sc.old); err != nil {
		t.Fatal(err)
	}
	got = ok[[]OldCard](t)(bo.OldCards(sc.day))
	if len(got) != 1 || got[0].Suggest() || !got[0].Voted || !strings.HasSuffix(got[0].Sentence(), "You voted to exclude it.") {
		t.Fatalf("after Bo's vote: %+v", got)
	}
	if _, err := sc.cy.VoteExclude(sc.day, sc.old); err != nil {
		t.Fatal(err)
	}
	id := bo.Card().ID()
	mustImport(t, bo, mustExport(t, sc.cy, ExportRequest{To: &id, Cells: []crdt.CellID{sc.day}}))
	if got := ok[[]OldCard](t)(bo.OldCards(sc.day)); len(got) != 0 {
		t.Errorf("after the old card was voted out, Day lists %+v", got)
	}
	if _, err := bo.OldCards(crdt.CellID{}); !errors.Is(err, ErrNoSuchCell) {
		t.Errorf("a cell Bo does not hold: %v", err)
	}
}

// TestAttackThiefReplacementPushesNoVote: the thief holding a copy of
// Ana's laptop names two fakes as her guardians in Day, a cell of Cy's
// where she never named any, Cy builds on them, and the thief replaces
// her card there. Ana still uses her card, in Noon with Cy: Cy's device
// must not ask Cy to vote Ana out of Noon (the fakes are nobody Cy met).
// Then Ana, who learns of the seizure, replaces her card in Night with
// her real guardians: two different new cards, and Noon still offers no
// vote, and says to meet her.
func TestAttackThiefReplacementPushesNoVote(t *testing.T) {
	ana, bo, cy, di, night := friendsOfAna(t)
	day := ok[*CellView](t)(cy.NewCell("Day")).ID
	invite(t, cy, ana, day)
	noon := ok[*CellView](t)(cy.NewCell("Noon")).ID
	invite(t, cy, ana, noon)
	old := ana.Card().ID()
	thief, clock := seizeThenGuardians(t, ana, bo, cy, di, night)

	tDev, dayOnly := thiefReplacesWithFakes(t, thief, cy, day, clock)
	sum := dayOnly(tDev, cy)
	t.Logf("Cy is told: %s", sum)

	check := func(when string, rival bool) {
		t.Helper()
		got := ok[[]OldCard](t)(cy.OldCards(noon))
		if len(got) != 1 || got[0].Old.ID != old {
			t.Fatalf("%s: Noon lists %+v, want Ana's card", when, got)
		}
		o := got[0]
		t.Logf("%s: Noon says %q", when, o.Sentence())
		if o.Suggest() || o.Trusted && !rival || o.Rival != rival || strings.Contains(o.Sentence(), "Vote it out") {
			t.Errorf("%s: Noon offers a vote against the card Ana may hold: %+v, %q", when, o, o.Sentence())
		}
		if !strings.Contains(o.Sentence(), "before anyone votes") {
			t.Errorf("%s: Noon says %q", when, o.Sentence())
		}
	}
	check("the thief's replacement alone", false)

	tmp, _ := getCardBack(t, old, []*Service{bo, di})
	mustImport(t, tmp, mustExport(t, bo, ExportRequest{Cells: []crdt.CellID{night}}))
	if res, err := tmp.ReplaceCard(); err != nil || !slices.Equal(res.Replaced, []string{"Night"}) {
		t.Fatalf("ReplaceCard = %+v, %v", res, err)
	}
	sum = mustImport(t, cy, mustExport(t, tmp, ExportRequest{Cells: []crdt.CellID{night}}))
	t.Logf("Cy is told: %s", sum)
	if s := sum.String(); !strings.Contains(s, "still a member of Noon: meet them in person") {
		t.Errorf("Cy is told %q", s)
	}
	check("two new cards", true)
}

// TestOldCardSentences: every way a cell's page speaks of an old card is
// plain: it never says key, hash or signature, and it asks for the vote
// only when it is offered.
func TestOldCardSentences(t *testing.T) {
	base := OldCard{Old: Person{Name: "Ana (old card)"}, Name: "Ana", ReplacedIn: []string{"Night"}, New: []Person{{Name: "Ana"}}}
	for _, c := range []struct {
		name string
		edit func(o *OldCard)
		vote bool
	}{
		{"trusted", func(o *OldCard) { o.Trusted, o.CanVote = true, true }, true},
		{"voted", func(o *OldCard) { o.Trusted, o.Voted = true, true }, false},
		{"not a member", func(o *OldCard) { o.Trusted = true }, false},
		{"untrusted", func(o *OldCard) { o.CanVote = true }, false},
		{"rival", func(o *OldCard) {
			o.Trusted, o.CanVote, o.Rival = true, true, true
			o.ReplacedIn = []string{"Day", "Night"}
		}, false},
	} {
		o := base
		c.edit(&o)
		s := o.Sentence()
		if w := words.Jargon.FindString(s); w != "" {
			t.Errorf("%s: %q says %q", c.name, s, w)
		}
		if o.Suggest() != c.vote || strings.Contains(s, "Vote it out?") != c.vote {
			t.Errorf("%s: Suggest() = %v, %q", c.name, o.Suggest(), s)
		}
	}
}

// TestOldCardsWhenTheStoreMoved: Bo's app holds its cells, resting, and
// reads Night's statements back to tell whether Ana's replacement can be
// relied on. When the command line stores Night in between, the app reads
// the cells again: the old card is still shown as replaced by a card Bo
// can rely on, not as an untrusted one.
func TestOldCardsWhenTheStoreMoved(t *testing.T) {
	sc := newOldCardScene(t, nil)
	cli := sc.bo
	app, err := Unlock(cli.home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	// Night's page: the app reads the cells and holds them, resting.
	if _, err := app.OldCards(sc.night); err != nil {
		t.Fatal(err)
	}
	moved := false
	app.afterHeaders = func() {
		if moved {
			return
		}
		moved = true
		if _, err := cli.Rate(sc.cy.Card().ID(), crdt.Rating{Safety: 4, Reliability: 4}, []crdt.CellID{sc.night}); err != nil {
			t.Errorf("the command line's rating: %v", err)
		}
	}
	got, err := app.OldCards(sc.day)
	if err != nil {
		t.Fatalf("%v (%q)", err, Explain(err))
	}
	if !moved {
		t.Fatal("the command line did not run between the headers and the reading")
	}
	if len(got) != 1 || !got[0].Trusted {
		t.Errorf("Day's old cards after the store moved: %+v", got)
	}
}
