package core

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
	"trustdesk/store"
)

// sendTo imports into to a file from from addressed to to.
func sendTo(t *testing.T, from, to *Service) *ImportSummary {
	t.Helper()
	id := to.Card().ID()
	return mustImport(t, to, mustExport(t, from, ExportRequest{To: &id}))
}

// rate has s rate subject (safety and reliability v) in their shared cells.
func rate(t *testing.T, s *Service, subject identity.ID, v int) {
	t.Helper()
	if _, err := s.Rate(subject, crdt.Rating{Safety: v, Reliability: v}, nil); err != nil {
		t.Fatal(err)
	}
}

// buildOn has x and y, members of owner's cell, go on using it (each
// rates the other), so their statements build on what owner said there,
// and owner hears of it.
func buildOn(t *testing.T, x, y, owner *Service) {
	t.Helper()
	rate(t, x, y.Card().ID(), 4)
	sendTo(t, x, y)
	rate(t, y, x.Card().ID(), 5)
	sendTo(t, y, x)
	sendTo(t, x, owner)
}

// TestSeizedLaptopWalk (issue 17): Ana's guardians are Bo, Cy (both in her
// cell) and Di, two needed. A thief holds a copy of her home and her
// passphrase. Ana gets her card back from Bo and Di on a new laptop and
// replaces it; the thief's copy then rates Cy and, with its clock set back
// a day, Bo. Neither rating counts on a device that holds the
// replacement; Ana's earlier ratings and Bo's rating of her pass to her
// new card, and so does Bo's verification of her. With fewer
// confirmations than needed nothing is replaced.
func TestSeizedLaptopWalk(t *testing.T) {
	ana := newService(t, "Ana")
	bo, cy, di := newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di")
	for _, g := range []*Service{bo, cy, di} {
		meet(t, ana, g)
	}
	meet(t, bo, cy)
	night, err := ana.NewCell("Night")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, bo, night.ID)
	invite(t, ana, cy, night.ID)
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID(), di.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	rate(t, ana, bo.Card().ID(), 5)
	for _, g := range []*Service{bo, cy, di} {
		sendTo(t, ana, g)
	}
	// Bo and Cy go on using the cell: their statements build on Ana's
	// guardians, which are then in force there.
	rate(t, bo, ana.Card().ID(), 4)
	sendTo(t, bo, cy)
	rate(t, cy, bo.Card().ID(), 5)
	sendTo(t, cy, bo)
	sendTo(t, bo, ana)
	if v, _ := ana.FindCell("night"); !inForce(v, ana.Card().ID()) {
		t.Fatal("Ana's guardians are not in force in her cell")
	}

	// The laptop is seized with its passphrase: the thief has a copy.
	old := ana.Card().ID()
	clock := time.Now()
	thief := seize(t, ana, &clock)

	// Ana gets her card back on a new laptop from Bo and Di.
	tmp, newCard := getCardBack(t, old, []*Service{bo, di})
	st, err := tmp.Replacement()
	if err != nil || !st.Ready || st.Confirmed != 2 || st.NewCard.ID() != newCard.ID() {
		t.Fatalf("Replacement = %+v, %v", st, err)
	}
	mustImport(t, tmp, mustExport(t, bo, ExportRequest{Cells: []crdt.CellID{night.ID}}))

	// With one confirmation of the two needed, nothing is replaced.
	withConfirmations(t, tmp, 1, func() {
		if _, err := tmp.ReplaceCard(); !errors.Is(err, ErrNothingReplaced) {
			t.Fatalf("one confirmation: %v, want ErrNothingReplaced", err)
		}
		if tmp.Card().ID() != old {
			t.Fatal("the card changed")
		}
	})

	res, err := tmp.ReplaceCard()
	if err != nil || !slices.Equal(res.Replaced, []string{"Night"}) || res.Card.ID() != newCard.ID() || tmp.Card().ID() != newCard.ID() {
		t.Fatalf("ReplaceCard = %+v, %v", res, err)
	}
	if _, err := tmp.ReplaceCard(); !errors.Is(err, ErrNoReplacement) {
		t.Fatalf("a second replacement: %v", err)
	}

	// The thief rates Cy after the replacement, then Bo with the clock a
	// day back, before the replacement was made.
	clock = time.Now().Add(time.Hour)
	rate(t, thief, cy.Card().ID(), 1)
	clock = time.Now().Add(-24 * time.Hour)
	rate(t, thief, bo.Card().ID(), 1)

	// Bo gets the thief's cell first, then Ana's; Cy the other way round.
	mustImport(t, bo, mustExport(t, thief, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	if sum := mustImport(t, bo, mustExport(t, tmp, ExportRequest{Cells: []crdt.CellID{night.ID}})); !strings.Contains(sum.String(), "Ana's card was replaced by a new one") || strings.Contains(sum.String(), "new member") {
		t.Errorf("Bo is told: %q", sum.String())
	}
	mustImport(t, cy, mustExport(t, tmp, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	mustImport(t, cy, mustExport(t, thief, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	for _, s := range []*Service{bo, cy} {
		v, err := s.FindCell("night")
		if err != nil {
			t.Fatal(err)
		}
		if v.IsMember(old) || !v.IsMember(newCard.ID()) {
			t.Fatalf("%s: old card member %v, new card member %v", s.Card().Pseudonym, v.IsMember(old), v.IsMember(newCard.ID()))
		}
		for _, r := range v.cellState().Ratings {
			if r.Author == old || r.Rating.Safety == 1 {
				t.Errorf("%s: the thief's rating counts: %+v", s.Card().Pseudonym, r)
			}
		}
		if !hasRating(v, newCard.ID(), bo.Card().ID(), 5) || !hasRating(v, bo.Card().ID(), newCard.ID(), 4) {
			t.Errorf("%s: Ana's ratings did not pass to her new card: %+v", s.Card().Pseudonym, v.cellState().Ratings)
		}
		c, err := s.Contact(newCard.ID())
		if err != nil || c.Verified != InPerson || c.Name() != "Ana" {
			t.Errorf("%s: the new card as a contact: %+v, %v", s.Card().Pseudonym, c, err)
		}
		if c, _ := s.Contact(old); c == nil || c.Name() != "Ana (old card)" {
			t.Errorf("%s: the old card as a contact: %+v", s.Card().Pseudonym, c)
		}
	}
	// Their pages name the guardians who confirmed it, as each device
	// names them: Cy holds no card of Di's.
	for _, w := range []struct {
		s    *Service
		want string
	}{
		{bo, "In Night this card was replaced by a new one (Ana), confirmed by you and 1 other this computer does not know."},
		{cy, "In Night this card was replaced by a new one (Ana), confirmed by their guardians Bo and 1 other this computer does not know."},
	} {
		rs, err := w.s.Replacements(old)
		if err != nil || len(rs) != 1 || !strings.HasPrefix(rs[0].Sentence(old), w.want) {
			t.Errorf("%s: Replacements(old card) = %+v, %v", w.s.Card().Pseudonym, rs, err)
			continue
		}
		t.Logf("%s: %s", w.s.Card().Pseudonym, rs[0].Sentence(old))
		if rn, err := w.s.Replacements(newCard.ID()); err != nil || len(rn) != 1 || !strings.HasPrefix(rn[0].Sentence(newCard.ID()), "In Night this card took the place of an old one (Ana (old card)), confirmed by") {
			t.Errorf("%s: Replacements(new card) = %+v, %v", w.s.Card().Pseudonym, rn, err)
		}
	}
	vb, _ := bo.FindCell("night")
	vc, _ := cy.FindCell("night")
	if vb.cellState().Digest() != vc.cellState().Digest() {
		t.Fatal("Bo and Cy see the cell differently")
	}

	// Devices that hold the replacement no longer send the cell to the
	// old card; Ana's new device says what happened.
	if _, err := thief.Import(ctx, mustExport(t, bo, ExportRequest{Cells: []crdt.CellID{night.ID}})); !errors.Is(err, export.ErrNotForYou) {
		t.Fatalf("the thief's copy imports Bo's cell: %v", err)
	}
	if st, err := tmp.Replacement(); err != nil || st.Ready || !slices.Equal(st.Previous, []string{"Night"}) {
		t.Fatalf("Ana's new device: %+v, %v", st, err)
	}
}

// seize returns a thief's copy of s's home, with its passphrase, whose
// clock the caller sets through *clock.
func seize(t *testing.T, s *Service, clock *time.Time) *Service {
	t.Helper()
	var backup bytes.Buffer
	if err := s.Backup(&backup, []byte("correct horse")); err != nil {
		t.Fatal(err)
	}
	thief, err := Restore(t.TempDir(), &backup, []byte("correct horse"), Options{WorkFactor: 10, Now: func() time.Time { return *clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { thief.Close() })
	return thief
}

// getCardBack gets the card old back on a new laptop through the
// guardians by; next is the laptop's temporary card.
func getCardBack(t *testing.T, old identity.ID, by []*Service) (tmp *Service, next *identity.Card) {
	t.Helper()
	tmp, err := StartRecovery(t.TempDir(), "Ana", []byte("new laptop"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tmp.Close() })
	next = tmp.Card()
	if _, err := tmp.Replacement(); err != nil {
		t.Fatal(err)
	}
	for _, g := range by {
		meet(t, g, tmp)
		res, err := g.ReleasePiece(old, next.ID())
		if err != nil {
			t.Fatal(err)
		}
		mustImport(t, tmp, res.Data)
	}
	if tmp.Card().ID() != old {
		t.Fatal("the card is not back")
	}
	return tmp, next
}

func inForce(v *CellView, id identity.ID) bool {
	if v == nil {
		return false
	}
	_, ok := v.cellState().Guardians(id)
	return ok
}

func hasRating(v *CellView, author, subject identity.ID, safety int) bool {
	return slices.ContainsFunc(v.cellState().Ratings, func(r crdt.RatingRecord) bool {
		return r.Author == author && r.Subject == subject && r.Rating.Safety == safety
	})
}

// withConfirmations runs f with only the first n confirmations kept on s.
func withConfirmations(t *testing.T, s *Service, n int, f func()) {
	t.Helper()
	var saved *successorRecord
	change := func(keep func(r *successorRecord)) {
		err := s.db.Update(func(tx *store.Tx) error {
			r, err := getRecord[successorRecord](tx, bucketSuccessor, keySuccessor)
			if err != nil || r == nil {
				return errors.Join(err, ErrNoReplacement)
			}
			keep(r)
			return putRecord(tx, bucketSuccessor, keySuccessor, r)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	change(func(r *successorRecord) {
		cp := *r
		saved = &cp
		r.Confirmations = r.Confirmations[:n]
	})
	f()
	change(func(r *successorRecord) { *r = *saved })
}
