package core

import (
	"errors"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/shamir"
	"trustdesk/store"
)

// TestGuardiansWalk: Ana chooses three guardians needing two; the pieces
// reach them in ordinary sync files and they say so; Ana loses her laptop,
// starts over with a temporary card; one piece does not bring her card
// back, two do, with the same id, and her cell comes back through sync.
func TestGuardiansWalk(t *testing.T) {
	ana := newService(t, "Ana")
	bo, cy, di := newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di")
	for _, g := range []*Service{bo, cy, di} {
		meet(t, ana, g)
	}
	cell, err := ana.NewCell("Night")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, bo, cell.ID)

	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID()}, 0); !errors.Is(err, ErrGuardians) {
		t.Errorf("one guardian: %v, want ErrGuardians", err)
	}
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID()}, 3); !errors.Is(err, ErrNeed) {
		t.Errorf("need 3 of 2: %v, want ErrNeed", err)
	}
	st, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID(), di.Card().ID()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Need != 2 || len(st.Guardians) != 3 {
		t.Fatalf("need %d of %d", st.Need, len(st.Guardians))
	}
	// Each guardian gets a file: Bo's carries the cell too, Cy and Di
	// share no cell with Ana and get the piece alone.
	for _, g := range []*Service{bo, cy, di} {
		data := mustExport(t, ana, ExportRequest{To: to(g.Card().ID())})
		if pre, err := g.PreviewImport(ctx, data); err != nil || pre.Nothing() || pre.Recovery.HeldFor != "Ana" {
			t.Fatalf("preview: %v, %v", pre, err)
		}
		if held, _ := g.HeldPieces(); len(held) != 0 {
			t.Fatal("the preview kept the piece")
		}
		sum := mustImport(t, g, data)
		if sum.Recovery == nil || sum.Recovery.HeldFor != "Ana" || !strings.Contains(sum.String(), "you hold a recovery piece for Ana now") {
			t.Fatalf("%s: %q", g.Card().Pseudonym, sum.String())
		}
		held, err := g.HeldPieces()
		if err != nil || len(held) != 1 || held[0].Sentence() != "You hold a recovery piece for Ana." {
			t.Fatalf("%s holds %+v, %v", g.Card().Pseudonym, held, err)
		}
	}
	// Nothing has reached Ana's knowledge yet; Bo's and Cy's answers say so.
	for _, g := range []*Service{bo, cy} {
		sum := mustImport(t, ana, mustExport(t, g, ExportRequest{To: to(ana.Card().ID())}))
		if sum.Recovery == nil || sum.Recovery.Reached != g.Card().Pseudonym {
			t.Fatalf("answer from %s: %q", g.Card().Pseudonym, sum.String())
		}
	}
	st, _ = ana.Guardians()
	reached := 0
	for _, g := range st.Guardians {
		if g.Reached {
			reached++
		}
	}
	if reached != 2 {
		t.Fatalf("%d guardians reached, want 2", reached)
	}
	// Pieces that arrived are no longer sent: Bo's next file has none.
	if sum := mustImport(t, bo, mustExport(t, ana, ExportRequest{To: to(bo.Card().ID())})); sum.Recovery != nil {
		t.Errorf("piece sent again after it arrived: %q", sum.String())
	}

	// The laptop is lost. A new home with a temporary card.
	home := t.TempDir()
	tmp, err := StartRecovery(home, "Ana", []byte("new laptop"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	if tmp.Card().ID() == ana.Card().ID() {
		t.Fatal("the temporary card is Ana's card")
	}
	if p, err := tmp.Recovery(); err != nil || p.Recovered || p.Received != 0 {
		t.Fatalf("Recovery = %+v, %v", p, err)
	}
	// A guardian releases only to a card verified in person.
	if _, err := bo.AddContact(tmp.Card().String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.ReleasePiece(ana.Card().ID(), tmp.Card().ID()); !errors.Is(err, ErrReleaseUnverified) {
		t.Errorf("release to an unverified card: %v", err)
	}
	release := func(g *Service) *ImportSummary {
		t.Helper()
		meet(t, g, tmp)
		owner, err := g.FindHeldPiece("", tmp.Card())
		if err != nil || owner != ana.Card().ID() {
			t.Fatalf("FindHeldPiece = %v, %v", owner, err)
		}
		res, err := g.ReleasePiece(owner, tmp.Card().ID())
		if err != nil {
			t.Fatal(err)
		}
		return mustImport(t, tmp, res.Data)
	}
	sum := release(bo)
	if c, err := bo.FindContact(tmp.Card().ID().String()); err != nil || c.Name() != "Ana (temporary card)" {
		t.Errorf("the temporary card on Bo's device is called %q, %v", c.Name(), err)
	}
	if p := sum.Recovery.Progress; p == nil || p.Recovered || sum.Recovery.Progress.Sentence() != "2 of 3 pieces needed, 1 received." {
		t.Fatalf("after one piece: %q", sum.String())
	}
	// The same piece again changes nothing.
	res, _ := bo.ReleasePiece(ana.Card().ID(), tmp.Card().ID())
	if sum := mustImport(t, tmp, res.Data); sum.Recovery.Progress.Received != 1 {
		t.Fatalf("the same piece twice counts twice: %q", sum.String())
	}
	if tmp.Card().ID() == ana.Card().ID() {
		t.Fatal("one piece brought the card back")
	}
	sum = release(di)
	if p := sum.Recovery.Progress; p == nil || !p.Recovered || p.ID != ana.Card().ID().String() {
		t.Fatalf("after two pieces: %q", sum.String())
	}
	if tmp.Card().ID() != ana.Card().ID() {
		t.Fatal("the device does not hold Ana's card")
	}
	if _, err := tmp.Recovery(); !errors.Is(err, ErrNotRecovering) {
		t.Errorf("still recovering: %v", err)
	}
	// The card back survives a restart.
	tmp.Close()
	tmp, err = Unlock(home, []byte("new laptop"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if tmp.Card().ID() != ana.Card().ID() {
		t.Fatal("after reopening, the device does not hold Ana's card")
	}
	// The cell comes back through ordinary sync from Bo, who knows the
	// card again as Ana's.
	mustImport(t, tmp, mustExport(t, bo, ExportRequest{Cells: []crdt.CellID{cell.ID}}))
	if v, err := tmp.FindCell("night"); err != nil || !v.IsMember(ana.Card().ID()) {
		t.Fatalf("the cell did not come back: %v", err)
	}
}

// TestGuardianAloneLearnsNothing: one guardian, on a device of their own
// in recovery, never gets the card from their own piece.
func TestGuardianAloneLearnsNothing(t *testing.T) {
	ana, bo, cy := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy")
	meet(t, ana, bo)
	meet(t, ana, cy)
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	mustImport(t, bo, mustExport(t, ana, ExportRequest{To: to(bo.Card().ID())}))
	thief, err := StartRecovery(t.TempDir(), "Ana", []byte("p"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer thief.Close()
	meet(t, bo, thief)
	res, err := bo.ReleasePiece(ana.Card().ID(), thief.Card().ID())
	if err != nil {
		t.Fatal(err)
	}
	sum := mustImport(t, thief, res.Data)
	if sum.Recovery.Progress.Recovered || thief.Card().ID() == ana.Card().ID() {
		t.Fatal("one piece of two brought the card back")
	}
	if got := sum.Recovery.Progress.Sentence(); got != "2 of 2 pieces needed, 1 received." {
		t.Errorf("progress: %q", got)
	}
}

// TestChangingGuardiansRetiresOldPieces: a former guardian's device forgets
// its piece, and says so in its next file; pieces of the old split do not
// combine with the new.
func TestChangingGuardiansRetiresOldPieces(t *testing.T) {
	ana, bo, cy, di := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di")
	for _, g := range []*Service{bo, cy, di} {
		meet(t, ana, g)
	}
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	old := mustExport(t, ana, ExportRequest{To: to(bo.Card().ID())})
	mustImport(t, bo, old)
	mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))

	st, err := ana.SetGuardians([]identity.ID{cy.Card().ID(), di.Card().ID()}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Retiring) != 1 || st.Retiring[0].ID != bo.Card().ID() {
		t.Fatalf("retiring %+v", st.Retiring)
	}
	sum := mustImport(t, bo, mustExport(t, ana, ExportRequest{To: to(bo.Card().ID())}))
	if sum.Recovery == nil || sum.Recovery.Forgot != "Ana" {
		t.Fatalf("Bo: %q", sum.String())
	}
	if held, _ := bo.HeldPieces(); len(held) != 0 {
		t.Fatalf("Bo still holds %+v", held)
	}
	// The older file brought again does not give the piece back.
	mustImport(t, bo, old)
	if held, _ := bo.HeldPieces(); len(held) != 0 {
		t.Fatalf("the retired piece is taken again: %+v", held)
	}
	mustImport(t, bo, mustExport(t, ana, ExportRequest{To: to(bo.Card().ID())}))
	mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))
	if st, _ := ana.Guardians(); len(st.Retiring) != 0 {
		t.Fatalf("still retiring %+v after Bo's answer", st.Retiring)
	}
}

// TestPiecesOfTwoSplitsDoNotCombine: one piece of an old split and one of
// a new split, each needing two, do not bring the card back; two of the
// same split do, and a wrong piece among them is passed over.
func TestPiecesOfTwoSplitsDoNotCombine(t *testing.T) {
	ana := newService(t, "Ana")
	secret, _ := ana.me().MarshalBinary()
	owner := ana.Card().ID()
	split := func(set byte) []recoveryPiece {
		ps, err := shamir.Split(secret, 3, 2)
		if err != nil {
			t.Fatal(err)
		}
		var out []recoveryPiece
		for _, p := range ps {
			out = append(out, recoveryPiece{Owner: owner[:], Set: []byte{set}, Need: 2, Of: 3, X: p.X, Y: p.Y})
		}
		return out
	}
	a, b := split(1), split(2)
	if p, id, _ := progress(&recoveryRecord{Pieces: []recoveryPiece{a[0], b[1]}}); id != nil || p.Received != 1 {
		t.Fatalf("pieces of two splits: %+v", p)
	}
	wrong := a[0]
	wrong.Y = append([]byte{}, wrong.Y...)
	wrong.Y[5] ^= 1
	p, id, _ := progress(&recoveryRecord{Pieces: []recoveryPiece{wrong, a[0], b[1], a[1]}})
	if id == nil || id.Card.ID() != owner || !p.Recovered {
		t.Fatalf("two good pieces and a wrong one: %+v", p)
	}
}

// TestRecoveryWorkIsBounded: 64 wrong pieces of one split needing 3 (41,664
// subsets) are tried only up to the budget, and bring nothing back.
func TestRecoveryWorkIsBounded(t *testing.T) {
	var r recoveryRecord
	owner := identity.ID{1}
	for i := range maxRecoveryPieces {
		r.Pieces = append(r.Pieces, recoveryPiece{Owner: owner[:], Set: []byte{1}, Need: 3, Of: 255, X: uint8(i + 1), Y: make([]byte, 200)})
	}
	budget := maxCombinations
	if id, _ := combineAny(r.Pieces, 3, owner, &budget); id != nil || budget != 0 {
		t.Fatalf("combineAny = %v, budget left %d", id, budget)
	}
	if p, id, _ := progress(&r); id != nil || p.Received != 3 || p.Recovered {
		t.Fatalf("progress = %+v", p)
	}
}

// TestHeldPiecesDamagedKey: a record of the held pieces filed under
// something that is no person's id (a bug in some later version, say)
// makes the list fail with a message instead of crashing the app.
func TestHeldPiecesDamagedKey(t *testing.T) {
	ana := newService(t, "Ana")
	if err := ana.db.Update(func(tx *store.Tx) error {
		return putRecord(tx, bucketHeld, []byte("short"), heldRecord{Need: 2, Of: 3})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.HeldPieces(); err == nil || !strings.Contains(err.Error(), "not filed under a person") {
		t.Fatalf("HeldPieces() = %v", err)
	}
}
