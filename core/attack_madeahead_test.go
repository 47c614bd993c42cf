package core

import (
	"testing"
	"time"

	"trustdesk/identity"
)

// TestAttackPieceMadeAheadHeldForever: the pieces of a split "made" years
// ahead of the guardian's clock (a modified client, or the owner's clock
// set wrong once) counted as newer than every split made after it, so the
// guardian refused every later split of the owner, silently, for good:
// when the owner needed them, the guardian gave out a piece of a split
// long replaced. A split made ahead of the clock now counts as made when
// it came in (plus a day's allowance), so the owner's next split replaces
// it.
func TestAttackPieceMadeAheadHeldForever(t *testing.T) {
	anaClk := &clock{t: time.Now().Add(5 * 365 * 24 * time.Hour)}
	ana, err := Init(t.TempDir(), "Ana", []byte("correct horse"), Options{WorkFactor: 10, Now: anaClk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ana.Close() })
	bo, cy, di := newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di")
	for _, g := range []*Service{bo, cy, di} {
		meet(t, ana, g)
	}
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	ahead := mustExport(t, ana, ExportRequest{To: to(bo.Card().ID())})
	mustImport(t, bo, ahead)
	if held, _ := bo.HeldPieces(); len(held) != 1 || held[0].Of != 2 {
		t.Fatalf("Bo holds %+v, want the piece of a split among two", held)
	}
	// Ana's clock is put right; she splits her card again, among three.
	anaClk.t = time.Now()
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID(), di.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	mustImport(t, bo, mustExport(t, ana, ExportRequest{To: to(bo.Card().ID())}))
	if held, _ := bo.HeldPieces(); len(held) != 1 || held[0].Of != 3 {
		t.Fatalf("Bo holds %+v, want the piece of Ana's new split among three", held)
	}
	// The file made ahead, brought again, does not bring its split back.
	mustImport(t, bo, ahead)
	if held, _ := bo.HeldPieces(); len(held) != 1 || held[0].Of != 3 {
		t.Fatalf("after the file made ahead again, Bo holds %+v", held)
	}
}

// TestAttackAskMadeAheadHeldForever: the same for an ask to agree to new
// guardians: one "made" years ahead stayed the ask a guardian showed, so
// the code of every later change of the owner was refused (the
// guardian's device showed the code of the change made ahead).
func TestAttackAskMadeAheadHeldForever(t *testing.T) {
	anaClk := &clock{t: time.Now()}
	anaAhead, err := Init(t.TempDir(), "Ana", []byte("correct horse"), Options{WorkFactor: 10, Now: anaClk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { anaAhead.Close() })
	ana, bo, cy, di, eve, _ := guardiansInForceOf(t, anaAhead)
	anaClk.t = time.Now().Add(5 * 365 * 24 * time.Hour)
	if _, err := ana.SetGuardians([]identity.ID{cy.Card().ID(), di.Card().ID(), eve.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	ahead := mustExport(t, ana, ExportRequest{To: to(bo.Card().ID())})
	mustImport(t, bo, ahead)
	// Ana's clock is put right; she chooses again, which replaces the
	// change that waits.
	anaClk.t = time.Now()
	st, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), di.Card().ID(), eve.Card().ID()}, 2)
	if err != nil || st.Pending == nil {
		t.Fatalf("choosing again: %+v, %v", st, err)
	}
	sendTo(t, ana, bo)
	asked, err := bo.AskedChanges()
	if err != nil || len(asked) != 1 || asked[0].Code != st.Pending.Code {
		t.Fatalf("Bo is asked %+v, %v; Ana's code is %s", asked, err, st.Pending.Code)
	}
	// The file made ahead, brought again, does not bring its ask back.
	mustImport(t, bo, ahead)
	if asked, err = bo.AskedChanges(); err != nil || len(asked) != 1 || asked[0].Code != st.Pending.Code {
		t.Fatalf("after the file made ahead again, Bo is asked %+v, %v", asked, err)
	}
	// Bo and Di agree: the change is made, its pieces reach Bo, and no
	// file brought again asks him any more.
	for _, g := range []*Service{bo, di} {
		sendTo(t, ana, g)
		res, err := g.AgreeToChange(ana.Card().ID(), st.Pending.Code)
		if err != nil {
			t.Fatal(err)
		}
		mustImport(t, ana, res.Data)
	}
	asking := mustExport(t, ana, ExportRequest{To: to(bo.Card().ID())})
	if st, _ := ana.Guardians(); st.Pending != nil {
		t.Fatalf("the change waits still: %+v", st.Pending)
	}
	sendTo(t, ana, bo)
	for _, f := range [][]byte{ahead, asking} {
		mustImport(t, bo, f)
		if asked, err := bo.AskedChanges(); err != nil || len(asked) != 0 {
			t.Fatalf("after the change was made, a file brought again asks Bo %+v, %v", asked, err)
		}
	}
}
