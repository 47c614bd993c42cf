package core

import (
	"errors"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
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
	for _, name := range []string{"Mir\u200b", "\u202eadlerim", "Mir\u3164", "Mi\u2066r"} {
		if _, err := s.RenameContact(mir.ID(), name); !errors.Is(err, identity.ErrPseudonym) {
			t.Errorf("RenameContact(%+q) = %v", name, err)
		}
		if _, err := s.AddContact(mir.String(), name, false); !errors.Is(err, identity.ErrPseudonym) {
			t.Errorf("AddContact with name %+q = %v", name, err)
		}
	}
}
