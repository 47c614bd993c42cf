package core

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// namedLikeImport is the summary of Ana's import of Bo's file, in which
// Bo rated in their cell one card of each name: Ana verified Mirelda in
// person.
func namedLikeImport(t *testing.T, names ...string) *ImportSummary {
	t.Helper()
	ana, bo := newService(t, "Ana"), newService(t, "Bo")
	meet(t, ana, bo)
	if _, err := ana.AddContact(newCard(t, "Mirelda").String(), "", true); err != nil {
		t.Fatal(err)
	}
	cell, err := ana.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, bo, cell.ID)
	for _, name := range names {
		c := newCard(t, name)
		if _, err := bo.AddContact(c.String(), "", false); err != nil {
			t.Fatal(err)
		}
		if _, err := bo.Rate(c.ID(), crdt.Rating{Safety: 5, Reliability: 5, Day: "2026-01-01"}, []crdt.CellID{cell.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))
}

// TestImportSaysCardNamedLikeVerified: a new card that calls itself by
// the name of a contact verified in person, a look-alike of it or its
// beginning is named in the summary as another person; an unrelated
// name is not.
func TestImportSaysCardNamedLikeVerified(t *testing.T) {
	sum := namedLikeImport(t, "Mir", "Cy")
	want := "a new card calls itself Mir, like your verified contact Mirelda: they are not the same person"
	if got := sum.String(); !strings.Contains(got, want) {
		t.Errorf("summary %q does not say %q", got, want)
	}
	for _, name := range []string{"MIRELDA", "Mіrelda" /* Cyrillic і */, "Mire lda", "M"} {
		sum := namedLikeImport(t, name)
		if len(sum.NamedLike) != 1 || sum.NamedLike[0].Card.Name != name || sum.NamedLike[0].Like.Name != "Mirelda" {
			t.Errorf("a card named %q: %+v (%s)", name, sum.NamedLike, sum)
		}
	}
	if sum := namedLikeImport(t, "Cy", "Mirko"); len(sum.NamedLike) != 0 {
		t.Errorf("cards named unlike Mirelda: %+v", sum.NamedLike)
	}
}

// TestImportOfManyCardsNamedLikeVerifiedIsOneLine: many such cards make
// one short phrase with their number, not a line each.
func TestImportOfManyCardsNamedLikeVerifiedIsOneLine(t *testing.T) {
	const n = 60
	names := make([]string, n)
	for i := range names {
		names[i] = "Mirelda"[:3+i%4]
	}
	sum := namedLikeImport(t, names...)
	if len(sum.NamedLike) != n {
		t.Fatalf("%d cards named like Mirelda, want %d", len(sum.NamedLike), n)
	}
	got := sum.String()
	want := fmt.Sprintf("%d new cards (Mir, Mire, Mirel and Mireld) call themselves like your verified contact Mirelda: they are other people", n)
	if !strings.Contains(got, want) || len(got) > 400 {
		t.Errorf("summary of %d cards named like Mirelda (%d characters): %q", n, len(got), got)
	}
}

// TestImportSaysIntroducedCardRenamedLikeVerified: a card first published
// as "Zed" whose newer card calls itself "Mir" is named in the summary
// that brings the newer card, as a new card would be.
func TestImportSaysIntroducedCardRenamedLikeVerified(t *testing.T) {
	ana, bo := newService(t, "Ana"), newService(t, "Bo")
	meet(t, ana, bo)
	if _, err := ana.AddContact(newCard(t, "Mirelda").String(), "", true); err != nil {
		t.Fatal(err)
	}
	night := ok[*CellView](t)(ana.NewCell("Night")).ID
	invite(t, ana, bo, night)
	zed, err := identity.New("Zed", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	publish := func(card *identity.Card) *ImportSummary {
		ok[*CellView](t)(bo.changeCell(night, func(c *crdt.Cell) error {
			_, err := c.PublishCard(bo.me(), card, time.Now())
			return err
		}))
		return sendTo(t, bo, ana)
	}
	if sum := publish(zed.Card); len(sum.NamedLike) != 0 {
		t.Fatalf("Zed's card: %+v", sum.NamedLike)
	}
	sum := publish(renamedCard(t, zed, "Mir", time.Now().Add(time.Hour)))
	if len(sum.NamedLike) != 1 || sum.NamedLike[0].Card.ID != zed.Card.ID() || !strings.Contains(sum.String(), "a new card calls itself Mir, like your verified contact Mirelda") {
		t.Errorf("Zed's newer card named Mir: %+v (%s)", sum.NamedLike, sum)
	}
}
