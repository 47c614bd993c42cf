package core

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/store"
)

// ids returns the ids of contacts.
func ids(contacts []*Contact) []identity.ID {
	out := make([]identity.ID, len(contacts))
	for i, c := range contacts {
		out[i] = c.ID()
	}
	return out
}

// introducedHome is Ana's home after Bo, a member of her cell, published
// the cards of fakes there; Ana verified "Mirelda" in person. It returns
// Ana, reopened, her home, and the cards.
func introducedHome(t *testing.T, fakes ...string) (*Service, string, *identity.Card, []*identity.Card) {
	t.Helper()
	home := t.TempDir()
	ana, err := Init(home, "Ana", []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	bo := newService(t, "Bo")
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
	var cards []*identity.Card
	for _, name := range fakes {
		c := newCard(t, name)
		if _, err := bo.AddContact(c.String(), "", false); err != nil {
			t.Fatal(err)
		}
		if _, err := bo.Rate(c.ID(), crdt.Rating{Safety: 5, Reliability: 5, Day: "2026-01-01"}, []crdt.CellID{cell.ID}); err != nil {
			t.Fatal(err)
		}
		cards = append(cards, c)
	}
	mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))
	ana.Close()
	ana, err = Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ana.Close() })
	return ana, home, mirelda, cards
}

// TestIntroducedFoundAfterRestart: people only introduced through a cell
// are not read at a start (OwnContacts leaves them out), yet after a
// restart they are still found by id and by name, listed among everyone,
// and still never taken for a verified contact with a look-alike name.
// Naming, blocking or verifying one makes them the user's own contact;
// removing one forgets them.
func TestIntroducedFoundAfterRestart(t *testing.T) {
	ana, _, mirelda, cards := introducedHome(t, "Mir", "MIRELDA", "Cy")
	mir, loud, cy := cards[0], cards[1], cards[2]
	own, err := ana.OwnContacts()
	if err != nil {
		t.Fatal(err)
	}
	if len(own) != 2 || !slices.Contains(ids(own), mirelda.ID()) {
		t.Fatalf("own contacts after a restart: %v, want Bo and Mirelda", ids(own))
	}
	all, err := ana.Contacts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		if !slices.Contains(ids(all), c.ID()) {
			t.Fatalf("%s is not among everyone after a restart", c.Pseudonym)
		}
	}
	if n, err := ana.IntroducedCount(); err != nil || n != len(all)-len(own) {
		t.Fatalf("IntroducedCount() = %d, %v; want %d", n, err, len(all)-len(own))
	}
	if c, err := ana.Contact(mir.ID()); err != nil || c.Verified != Introduced {
		t.Fatalf("Contact(Mir) = %v, %v", c, err)
	}
	if c, err := ana.FindContact("cy"); err != nil || c.ID() != cy.ID() {
		t.Fatalf(`FindContact("cy") = %v, %v`, c, err)
	}
	var amb *AmbiguousError
	if _, err := ana.FindContact("mir"); !errors.As(err, &amb) || len(amb.Candidates) != 3 {
		t.Fatalf(`FindContact("mir") = %v, want Mir, MIRELDA and Mirelda listed`, err)
	}
	if c, err := ana.FindContact(mir.ID().String()); err != nil || c.ID() != mir.ID() {
		t.Fatalf("FindContact(Mir's id) = %v, %v", c, err)
	}
	// Look-alike names are told apart, on the People list of everyone and
	// wherever the device names people from its cells.
	labels := ana.ContactLabels(all)
	if !strings.Contains(labels[loud.ID()], "introduced through a cell") || !strings.Contains(labels[mirelda.ID()], "verified in person") {
		t.Fatalf("look-alike labels: %q and %q", labels[loud.ID()], labels[mirelda.ID()])
	}
	err = ana.db.View(func(tx *store.Tx) error {
		ana.mu.Lock()
		cells, err := ana.loadCells()
		ana.mu.Unlock()
		if err != nil {
			return err
		}
		names, err := ana.names(tx, cells)
		if err != nil {
			return err
		}
		if n := names[loud.ID()]; !strings.Contains(n, "introduced through a cell") {
			t.Errorf("MIRELDA is named %q", n)
		}
		if n := names[mirelda.ID()]; !strings.Contains(n, "verified in person") {
			t.Errorf("Mirelda is named %q", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The user's own doing moves a person to the short list.
	if _, err := ana.RenameContact(cy.ID(), "Cyrus"); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.SetBlocked(loud.ID(), true); err != nil {
		t.Fatal(err)
	}
	own, err = ana.OwnContacts()
	if err != nil {
		t.Fatal(err)
	}
	if len(own) != 4 || !slices.Contains(ids(own), cy.ID()) || !slices.Contains(ids(own), loud.ID()) {
		t.Fatalf("own contacts after naming Cy and blocking MIRELDA: %v", ids(own))
	}
	if c, err := ana.FindContact("cyrus"); err != nil || c.ID() != cy.ID() || c.Verified != Introduced {
		t.Fatalf(`FindContact("cyrus") = %v, %v`, c, err)
	}
	if err := ana.RemoveContact(mir.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.Contact(mir.ID()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Mir after removing: %v", err)
	}
	all, err = ana.Contacts()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || slices.Contains(ids(all), mir.ID()) {
		t.Fatalf("everyone after removing Mir: %v", ids(all))
	}
}

// TestIntroducedMoveApart: a home of format 2 kept people only introduced
// through a cell with the other contacts; the first open moves them
// apart, and keeps the ones the user named with the others.
func TestIntroducedMoveApart(t *testing.T) {
	ana, home, mirelda, cards := introducedHome(t, "Mir", "Cy")
	if _, err := ana.RenameContact(cards[1].ID(), "Cyrus"); err != nil {
		t.Fatal(err)
	}
	// Put the home back as format 2 kept it: every contact in one bucket.
	err := ana.db.Update(func(tx *store.Tx) error {
		all, err := listAllContacts(tx)
		if err != nil {
			return err
		}
		for _, c := range all {
			b, err := encodeContact(c)
			if err != nil {
				return err
			}
			id := c.ID()
			if err := tx.Delete(bucketIntroduced, nil, id[:]); err != nil {
				return err
			}
			if err := tx.Put(bucketContact, nil, id[:], b); err != nil {
				return err
			}
		}
		return tx.Put(bucketSelf, nil, keyFormat, []byte("2"))
	})
	if err != nil {
		t.Fatal(err)
	}
	ana.Close()
	ana, err = Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer ana.Close()
	var kept, apart []identity.ID
	err = ana.db.View(func(tx *store.Tx) error {
		for bucket, into := range map[string]*[]identity.ID{bucketContact: &kept, bucketIntroduced: &apart} {
			recs, err := tx.List(bucket, nil)
			if err != nil {
				return err
			}
			for _, r := range recs {
				*into = append(*into, identity.ID(r.Key))
			}
		}
		format, err := readFormat(tx)
		if format != homeFormat {
			t.Errorf("format %d after the move, want %d", format, homeFormat)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(apart) != 1 || apart[0] != cards[0].ID() {
		t.Fatalf("kept apart: %v, want Mir only", apart)
	}
	if len(kept) != 3 || !slices.Contains(kept, mirelda.ID()) || !slices.Contains(kept, cards[1].ID()) {
		t.Fatalf("kept with the others: %v, want Bo, Mirelda and Cyrus", kept)
	}
	var amb *AmbiguousError
	if _, err := ana.FindContact("mir"); !errors.As(err, &amb) || len(amb.Candidates) != 2 {
		t.Fatalf(`FindContact("mir") after the move = %v, want Mir and Mirelda listed`, err)
	}
}

// TestFirstViewFlaggedBounded: Bo, a member Ana met, flags more people
// than the People list's first view reads; Cy, whom Ana also met, flags
// one cheat. The first view holds FlaggedAtStart of the flagged, the
// cheat among them, and counts the others; the list of everyone holds
// them all.
func TestFirstViewFlaggedBounded(t *testing.T) {
	ana, bo, cy := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy")
	meet(t, ana, bo)
	meet(t, ana, cy)
	cell, err := ana.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, bo, cell.ID)
	invite(t, ana, cy, cell.ID)
	flag := crdt.Rating{Safety: 1, Reliability: 1, Day: "2026-01-02"}
	n := FlaggedAtStart + 7
	for i := range n {
		c := newCard(t, "Fake "+strconv.Itoa(i))
		if _, err := bo.AddContact(c.String(), "", false); err != nil {
			t.Fatal(err)
		}
		if _, err := bo.Rate(c.ID(), flag, []crdt.CellID{cell.ID}); err != nil {
			t.Fatal(err)
		}
	}
	cheat := newCard(t, "Cheat")
	if _, err := cy.AddContact(cheat.String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := cy.Rate(cheat.ID(), flag, []crdt.CellID{cell.ID}); err != nil {
		t.Fatal(err)
	}
	mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))
	mustImport(t, ana, mustExport(t, cy, ExportRequest{To: to(ana.Card().ID())}))
	rep, err := ana.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rep.Flagged()); got != n+1 {
		t.Fatalf("%d people flagged, want %d", got, n+1)
	}
	own, err := ana.OwnContacts()
	if err != nil {
		t.Fatal(err)
	}
	shown, more, err := ana.OwnContactsAndFlagged(rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) != len(own)+FlaggedAtStart || more != n+1-FlaggedAtStart {
		t.Fatalf("first view: %d shown (%d own), %d more; want %d shown, %d more", len(shown), len(own), more, len(own)+FlaggedAtStart, n+1-FlaggedAtStart)
	}
	if first := rep.FlaggedFirst(); first[0] != cheat.ID().String() || !slices.Contains(ids(shown), cheat.ID()) {
		t.Fatalf("the cheat Cy flagged is not first (%s…) or not in the first view", first[0][:8])
	}
	all, err := ana.Contacts()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range rep.Flagged() {
		pid, _ := identity.ParseID(id)
		if !slices.Contains(ids(all), pid) {
			t.Errorf("flagged %s is not among everyone", id[:8])
		}
	}
}
