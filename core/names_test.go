package core

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/store"
)

// TestAttack7NamesResolveSafely is attack 7 of issue 12: a member
// publishes a card called "Mir" in a cell; after the import "mir" must not
// name it instead of the verified "Mirelda".
func TestAttack7NamesResolveSafely(t *testing.T) {
	ana, bo := newService(t, "Ana"), newService(t, "Bo")
	meet(t, ana, bo)
	mirelda := newCard(t, "Mirelda")
	if _, err := ana.AddContact(mirelda.String(), "", true); err != nil {
		t.Fatal(err)
	}
	cell, err := ana.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, bo, cell.ID)
	// Bo, hostile, publishes the fake card by rating it in the cell.
	fake := newCard(t, "Mir")
	if _, err := bo.AddContact(fake.String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Rate(fake.ID(), crdt.Rating{Safety: 5, Reliability: 5, Day: "2026-01-01"}, []crdt.CellID{cell.ID}); err != nil {
		t.Fatal(err)
	}
	mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))
	got, err := ana.FindContact(fake.ID().String())
	if err != nil || got.Verified != Introduced {
		t.Fatalf("the fake card after the import: %+v, %v", got, err)
	}

	var amb *AmbiguousError
	_, err = ana.FindContact("mir")
	if !errors.As(err, &amb) || len(amb.Candidates) != 2 {
		t.Fatalf(`FindContact("mir") = %v, want both cards listed`, err)
	}
	msg := err.Error()
	for _, want := range []string{"Mirelda (verified in person", "Mir (introduced through a cell"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ambiguity %q does not say %q", msg, want)
		}
	}
	for query, want := range map[string]identity.ID{
		"mirelda":                  mirelda.ID(),
		"mire":                     mirelda.ID(),
		fake.ID().String():         fake.ID(),
		fake.ID().String()[:10]:    fake.ID(),
		mirelda.ID().String()[:10]: mirelda.ID(),
	} {
		if c, err := ana.FindContact(query); err != nil || c.ID() != want {
			t.Errorf("FindContact(%q) = %v, %v", query, c, err)
		}
	}
	// A card that copies the name exactly is listed too, never chosen.
	clone := newCard(t, "Mirelda")
	if _, err := ana.AddContact(clone.String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.FindContact("mirelda"); !errors.As(err, &amb) {
		t.Fatalf("two Mireldas, one verified: %v", err)
	}
	// The private name Ana gives is hers: it names its contact.
	if _, err := ana.RenameContact(mirelda.ID(), "Mir"); err != nil {
		t.Fatal(err)
	}
	if c, err := ana.FindContact("mir"); err != nil || c.ID() != mirelda.ID() {
		t.Fatalf("FindContact by private name = %v, %v", c, err)
	}
	// Without a verified contact in the way, an exact name still wins
	// over a longer one that starts the same.
	if _, err := ana.AddContact(newCard(t, "Dee").String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.AddContact(newCard(t, "Deena").String(), "", false); err != nil {
		t.Fatal(err)
	}
	if c, err := ana.FindContact("dee"); err != nil || c.Card.Pseudonym != "Dee" {
		t.Fatalf(`FindContact("dee") = %v, %v`, c, err)
	}
}

// TestPetnamePlain: the private name of a contact follows the same rule
// as names on cards (attack 8).
func TestPetnamePlain(t *testing.T) {
	s := newService(t, "Ana")
	mir := newCard(t, "Mirelda")
	if _, err := s.AddContact(mir.String(), "", true); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Mir\u200b", "\u202eadlerim", "Mir\u3164", "Mi\u2066r", "Mir\u2800", "Mi\u2028r"} {
		if _, err := s.RenameContact(mir.ID(), name); !errors.Is(err, identity.ErrPseudonym) {
			t.Errorf("RenameContact(%+q) = %v", name, err)
		}
		if _, err := s.AddContact(mir.String(), name, false); !errors.Is(err, identity.ErrPseudonym) {
			t.Errorf("AddContact with name %+q = %v", name, err)
		}
	}
}

// TestNobodyElseShowsAsYou: a member whose card is called "you" (or "Yоu"
// with a Cyrillic о), or copies a verified contact's name in another
// case, is never shown under the same name as me or as that contact: not
// in the cell's people, its votes, or the summary of their sync file.
func TestNobodyElseShowsAsYou(t *testing.T) {
	for _, pseudonym := range []string{"you", "YOU", "Y\u043eu", "ana", "Ana", "Ana\u00a0"} {
		t.Run(pseudonym, func(t *testing.T) {
			ana, mal, cy := newService(t, "Ana"), newService(t, pseudonym), newService(t, "Cy")
			meet(t, ana, mal)
			meet(t, ana, cy)
			// Ana also holds a verified contact called "Ana".
			if _, err := ana.AddContact(newCard(t, "Ana").String(), "", true); err != nil {
				t.Fatal(err)
			}
			cell, err := ana.NewCell("Night market")
			if err != nil {
				t.Fatal(err)
			}
			invite(t, ana, mal, cell.ID)
			invite(t, ana, cy, cell.ID)
			mustImport(t, mal, mustExport(t, ana, ExportRequest{To: to(mal.Card().ID())}))
			if _, err := mal.VoteExclude(cell.ID, cy.Card().ID()); err != nil {
				t.Fatal(err)
			}
			sum := mustImport(t, ana, mustExport(t, mal, ExportRequest{To: to(ana.Card().ID())}))
			v, err := ana.FindCell(cell.ID.String())
			if err != nil {
				t.Fatal(err)
			}
			shown := map[string]identity.ID{}
			for _, m := range v.Members() {
				if other, ok := shown[lookalikeKey(m.Name)]; ok {
					t.Errorf("%s and %s are both shown as %q", other, m.ID, m.Name)
				}
				shown[lookalikeKey(m.Name)] = m.ID
			}
			if len(v.Votes()) != 1 || len(v.Votes()[0].Voters) != 1 {
				t.Fatalf("votes: %+v", v.Votes())
			}
			voter := v.Votes()[0].Voters[0].Name
			if lookalikeKey(voter) == lookalikeKey("you") || lookalikeKey(voter) == lookalikeKey("Ana") {
				t.Errorf("Mal's vote is shown as from %q", voter)
			}
			if from := sum.From.Name; lookalikeKey(from) == lookalikeKey("you") || lookalikeKey(from) == lookalikeKey("Ana") {
				t.Errorf("Mal's sync file is shown as from %q", from)
			}
		})
	}
}

// TestSummaryNeverShowsSomeoneElseAsYou: a sync file brings a card new to
// this device, called "you", and its exclusion. The summary must not say
// "you excluded": a card first seen in the file is told apart like any
// other (see TestNobodyElseShowsAsYou).
func TestSummaryNeverShowsSomeoneElseAsYou(t *testing.T) {
	ana, bo, cy := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy")
	meet(t, ana, bo)
	meet(t, ana, cy)
	meet(t, bo, cy)
	cell, err := ana.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, bo, cell.ID)
	invite(t, ana, cy, cell.ID)
	mustImport(t, bo, mustExport(t, ana, ExportRequest{To: to(bo.Card().ID())}))
	mustImport(t, cy, mustExport(t, ana, ExportRequest{To: to(cy.Card().ID())}))
	// Bo and Cy invite a card called "you", then vote it out.
	fake := newCard(t, "you")
	if _, err := bo.AddContact(fake.String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Admit(cell.ID, fake.ID()); err != nil {
		t.Fatal(err)
	}
	mustImport(t, cy, mustExport(t, bo, ExportRequest{To: to(cy.Card().ID())}))
	if _, err := cy.VoteExclude(cell.ID, fake.ID()); err != nil {
		t.Fatal(err)
	}
	mustImport(t, bo, mustExport(t, cy, ExportRequest{To: to(bo.Card().ID())}))
	if _, err := bo.VoteExclude(cell.ID, fake.ID()); err != nil {
		t.Fatal(err)
	}
	sum := mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))
	if len(sum.Cells) != 1 || len(sum.Cells[0].Excluded) != 1 {
		t.Fatalf("summary: %s", sum)
	}
	if got := sum.Cells[0].Excluded[0].Name; lookalikeKey(got) == lookalikeKey("you") {
		t.Errorf("the summary names the excluded card %q: %s", got, sum)
	}
}

// TestNamesRemembered: a start names everyone once for the list of cells
// and once more for the reputation; the second time takes what the first
// made, and anything that changes a name (a new name for a contact, a
// contact removed) makes them again.
func TestNamesRemembered(t *testing.T) {
	ana, _, _, cards := introducedHome(t, "Mir", "Cy")
	cy := cards[1].ID()
	namesNow := func() map[identity.ID]string {
		t.Helper()
		var names map[identity.ID]string
		err := ana.db.View(func(tx *store.Tx) error {
			cells, err := ana.loadCells()
			if err != nil {
				return err
			}
			names, err = ana.names(tx, cells)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	nameInReputation := func() string {
		t.Helper()
		rep, err := ana.Reputation()
		if err != nil {
			t.Fatal(err)
		}
		p := rep.Person(cy.String())
		if p == nil {
			t.Fatal("Cy is not in the reputation")
		}
		return p.Name
	}
	first := namesNow()
	if got := nameInReputation(); got != "Cy" || first[cy] != "Cy" {
		t.Fatalf("Cy is named %q in the reputation, %q by names", got, first[cy])
	}
	if again := namesNow(); reflect.ValueOf(again).UnsafePointer() != reflect.ValueOf(first).UnsafePointer() {
		t.Fatal("names made again with nothing changed")
	}
	if _, err := ana.RenameContact(cy, "Cyrus"); err != nil {
		t.Fatal(err)
	}
	if got := nameInReputation(); got != "Cyrus" {
		t.Fatalf("after naming Cy Cyrus the reputation says %q", got)
	}
	if got := namesNow()[cy]; got != "Cyrus" {
		t.Fatalf("after naming Cy Cyrus names says %q", got)
	}
	if err := ana.RemoveContact(cy); err != nil {
		t.Fatal(err)
	}
	if got := nameInReputation(); got != "Cy" {
		t.Fatalf("after removing Cyrus the reputation says %q", got)
	}
}
