package core

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// TestChangingGuardiansWalk (issue 17): Ana's guardians Bo, Cy and Di (two
// needed) are in force in her cell. She chooses Cy, Di and Eve: the change
// waits until two of Bo, Cy and Di, meeting her and typing the code her
// screen shows, agree. Then the new pieces go out, Bo's is retired, the
// cell holds the change, and Bo can no longer release a piece; Cy and Di
// bring the card back (and are the guardians the new laptop knows, whose
// agreement a change made there waits for) and confirm its replacement.
func TestChangingGuardiansWalk(t *testing.T) {
	ana, bo, cy, di, eve, night := guardiansInForce(t)
	v, _ := ana.FindCell("night")
	before, ok := v.cellState().Guardians(ana.Card().ID())
	if !ok {
		t.Fatal("Ana's guardians are not in force")
	}

	// The change waits for the agreement of two of Bo, Cy and Di.
	st, err := ana.SetGuardians([]identity.ID{cy.Card().ID(), di.Card().ID(), eve.Card().ID()}, 2)
	if err != nil {
		t.Fatal(err)
	}
	p := st.Pending
	if p == nil || p.Needed != 2 || len(p.Agreed) != 0 || len(p.Guardians) != 3 || len(st.Guardians) != 3 || st.Guardians[0].ID != bo.Card().ID() && st.Guardians[1].ID != bo.Card().ID() && st.Guardians[2].ID != bo.Card().ID() {
		t.Fatalf("after choosing: %+v", st)
	}
	for _, g := range []*Service{bo, cy} {
		sum := sendTo(t, ana, g)
		if sum.Recovery == nil || sum.Recovery.Asked != "Ana" || !strings.Contains(sum.String(), "Ana asks you to agree to their new guardians") {
			t.Fatalf("%s is told: %q", g.Card().Pseudonym, sum.String())
		}
		asked, err := g.AskedChanges()
		if err != nil || len(asked) != 1 || asked[0].Code != p.Code || asked[0].Need != 2 || asked[0].Of != 3 {
			t.Fatalf("%s: asked %+v, %v; Ana's code %s", g.Card().Pseudonym, asked, err, p.Code)
		}
	}
	if _, err := di.AgreeToChange(ana.Card().ID(), p.Code); !errors.Is(err, ErrNoChange) {
		t.Errorf("Di, never asked: %v", err)
	}
	if _, err := bo.AgreeToChange(ana.Card().ID(), "1234 5678 9012"); !errors.Is(err, ErrChangeCode) {
		t.Errorf("another code: %v", err)
	}
	agree := func(g *Service) *ImportSummary {
		t.Helper()
		res, err := g.AgreeToChange(ana.Card().ID(), strings.ReplaceAll(p.Code, " ", "-"))
		if err != nil {
			t.Fatal(err)
		}
		return mustImport(t, ana, res.Data)
	}
	sum := agree(bo)
	if sum.Recovery == nil || sum.Recovery.Agreed != "Bo" || sum.Recovery.Changed {
		t.Fatalf("Bo's agreement: %q", sum.String())
	}
	// Bo's list says he agreed (the ask stays until the change is made,
	// in case his file did not reach Ana); Cy's that he is asked.
	for g, agreed := range map[*Service]bool{bo: true, cy: false} {
		if asked, err := g.AskedChanges(); err != nil || len(asked) != 1 || asked[0].Agreed != agreed {
			t.Errorf("%s after Bo agreed: asked %+v, %v; want agreed %v", g.Card().Pseudonym, asked, err, agreed)
		}
	}
	if st, _ := ana.Guardians(); st.Pending == nil || len(st.Pending.Agreed) != 1 {
		t.Fatalf("after Bo: %+v", st.Pending)
	}
	// A card alone changes nothing: one agreement of two, and the cell
	// still has the guardians before.
	if v, _ := ana.FindCell("night"); !sameSet(v, ana.Card().ID(), before) {
		t.Fatal("the cell changed with one agreement")
	}
	sum = agree(cy)
	if !sum.Recovery.Changed || !strings.Contains(sum.String(), "your new guardians are in place") {
		t.Fatalf("Cy's agreement: %q", sum.String())
	}
	st, _ = ana.Guardians()
	if st.Pending != nil || len(st.Retiring) != 1 || st.Retiring[0].ID != bo.Card().ID() || slices.ContainsFunc(st.Guardians, func(g Guardian) bool { return g.ID == bo.Card().ID() }) {
		t.Fatalf("after the change: %+v", st)
	}
	// The change reaches the cell and the guardians; Bo forgets his piece.
	for _, g := range []*Service{bo, cy, di, eve} {
		sendTo(t, ana, g)
	}
	if held, _ := bo.HeldPieces(); len(held) != 0 {
		t.Fatalf("Bo still holds %+v", held)
	}
	for _, g := range []*Service{bo, cy} {
		if asked, err := g.AskedChanges(); err != nil || len(asked) != 0 {
			t.Fatalf("%s is still asked: %+v, %v", g.Card().Pseudonym, asked, err)
		}
	}
	for _, s := range []*Service{ana, bo, cy} {
		v, _ := s.FindCell("night")
		set, ok := v.cellState().Guardians(ana.Card().ID())
		if !ok || !set.Changed || sameSet(v, ana.Card().ID(), before) {
			t.Fatalf("%s: the guardians in force: %+v", s.Card().Pseudonym, set)
		}
	}

	// The laptop is lost. Bo's device forgot his piece, and Cy's piece is
	// of the new set: Cy and Di bring the card back and confirm the
	// replacement of the card in Night (Bo, a member, would send the
	// laptop only what is new since Ana's old laptop: Cy sends the cell).
	old := ana.Card().ID()
	tmp, err := StartRecovery(t.TempDir(), "Ana", []byte("new laptop"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	release := func(g *Service) *ImportSummary {
		t.Helper()
		meet(t, g, tmp)
		res, err := g.ReleasePiece(old, tmp.Card().ID())
		if err != nil {
			t.Fatal(err)
		}
		return mustImport(t, tmp, res.Data)
	}
	if _, err := bo.ReleasePiece(old, tmp.Card().ID()); !errors.Is(err, ErrNoPiece) {
		t.Fatalf("Bo releases a retired piece: %v", err)
	}
	release(cy)
	if tmp.Card().ID() == old {
		t.Fatal("one piece brought the card back")
	}
	release(di)
	if tmp.Card().ID() != old {
		t.Fatal("Cy and Di did not bring the card back")
	}
	mustImport(t, tmp, mustExport(t, cy, ExportRequest{Cells: []crdt.CellID{night}}))
	// The new laptop knows Cy and Di as guardians: choosing others there
	// waits for their agreement too.
	st, err = tmp.Guardians()
	if err != nil || len(st.Guardians) != 2 || st.Need != 2 {
		t.Fatalf("guardians on the new laptop: %+v, %v", st, err)
	}
	meet(t, tmp, eve)
	meet(t, tmp, bo)
	if st, err := tmp.SetGuardians([]identity.ID{bo.Card().ID(), eve.Card().ID()}, 2); err != nil || st.Pending == nil || st.Pending.Needed != 2 {
		t.Fatalf("choosing on the new laptop: %+v, %v", st, err)
	}
	if res, err := tmp.ReplaceCard(); err != nil || !slices.Equal(res.Replaced, []string{"Night"}) {
		t.Fatalf("ReplaceCard with the new guardians: %+v, %v", res, err)
	}
	if st, err := tmp.Guardians(); err != nil || len(st.Guardians) != 0 || st.Pending != nil {
		t.Fatalf("the new card has the old card's guardians: %+v, %v", st, err)
	}
}

func sameSet(v *CellView, id identity.ID, set *crdt.GuardianSet) bool {
	now, ok := v.cellState().Guardians(id)
	return ok && now.Statement == set.Statement
}

// TestChangeWithBlockedGuardian: enough agreements arrive after the
// person blocked one of the new guardians; the agreeing file is taken in,
// the summary says the change was not made, and the guardians stay.
func TestChangeWithBlockedGuardian(t *testing.T) {
	ana := newService(t, "Ana")
	bo, cy, eve := newService(t, "Bo"), newService(t, "Cy"), newService(t, "Eve")
	for _, g := range []*Service{bo, cy, eve} {
		meet(t, ana, g)
	}
	night, err := ana.NewCell("Night")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, bo, night.ID)
	invite(t, ana, cy, night.ID)
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Service{bo, cy} {
		sendTo(t, ana, g)
		sendTo(t, g, ana)
	}
	meet(t, bo, cy)
	buildOn(t, bo, cy, ana)
	sendTo(t, cy, ana)
	st, err := ana.SetGuardians([]identity.ID{cy.Card().ID(), eve.Card().ID()}, 2)
	if err != nil || st.Pending == nil {
		t.Fatalf("the change does not wait: %+v, %v", st, err)
	}
	code := st.Pending.Code
	for _, g := range []*Service{bo, cy} {
		sendTo(t, ana, g)
	}
	res, err := bo.AgreeToChange(ana.Card().ID(), code)
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, ana, res.Data)
	if _, err := ana.SetBlocked(eve.Card().ID(), true); err != nil {
		t.Fatal(err)
	}
	if res, err = cy.AgreeToChange(ana.Card().ID(), code); err != nil {
		t.Fatal(err)
	}
	sum, err := ana.Import(ctx, res.Data)
	if err != nil {
		t.Fatalf("the agreeing file is refused: %v", err)
	}
	if sum.Recovery == nil || sum.Recovery.Changed || !sum.Recovery.NotChanged || !strings.Contains(sum.String(), "the change was not made: choose your guardians again") {
		t.Fatalf("summary: %q", sum.String())
	}
	after, err := ana.Guardians()
	if err != nil || len(after.Guardians) != 2 || after.Guardians[0].ID != bo.Card().ID() && after.Guardians[1].ID != bo.Card().ID() {
		t.Fatalf("the guardians moved: %+v, %v", after, err)
	}
}

// TestChangeReachesCellWhereOldGuardiansCameIntoForceLater: in Day, Ana's
// old guardians were only named when she changed them (in force in
// Night); once Day's members build on them there, the import that brings
// that makes the change in Day too, so a dropped guardian cannot confirm
// a replacement there either.
func TestChangeReachesCellWhereOldGuardiansCameIntoForceLater(t *testing.T) {
	ana := newService(t, "Ana")
	bo, cy, di, eve := newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di"), newService(t, "Eve")
	for _, g := range []*Service{bo, cy, di, eve} {
		meet(t, ana, g)
	}
	meet(t, bo, cy)
	meet(t, di, eve)
	night, err := ana.NewCell("Night")
	if err != nil {
		t.Fatal(err)
	}
	day, err := ana.NewCell("Day")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, bo, night.ID)
	invite(t, ana, cy, night.ID)
	invite(t, ana, di, day.ID)
	invite(t, ana, eve, day.ID)
	chooseGuardians(t, ana, bo, cy, di)
	// Night's members build on Ana's guardians; Day's do not yet.
	buildOn(t, bo, cy, ana)
	if v, _ := ana.FindCell("day"); v.cellState().NamedGuardians(ana.Card().ID()) == false {
		t.Fatal("Ana's guardians are not named in Day")
	} else if _, ok := v.cellState().Guardians(ana.Card().ID()); ok {
		t.Fatal("Ana's guardians are in force in Day already")
	}
	st, err := ana.SetGuardians([]identity.ID{cy.Card().ID(), di.Card().ID(), eve.Card().ID()}, 2)
	if err != nil || st.Pending == nil {
		t.Fatalf("the change does not wait: %+v, %v", st, err)
	}
	code := st.Pending.Code
	for _, g := range []*Service{bo, cy} {
		sendTo(t, ana, g)
		res, err := g.AgreeToChange(ana.Card().ID(), code)
		if err != nil {
			t.Fatal(err)
		}
		mustImport(t, ana, res.Data)
	}
	nv, _ := ana.FindCell("night")
	changed, ok := nv.cellState().Guardians(ana.Card().ID())
	if !ok {
		t.Fatal("no guardians in force in Night")
	}

	// Day's members build on the old guardians now.
	sendTo(t, ana, eve)
	sendTo(t, di, eve)
	rate(t, eve, di.Card().ID(), 4)
	sendTo(t, eve, di)
	rate(t, di, eve.Card().ID(), 5)
	sendTo(t, di, ana)
	dv, _ := ana.FindCell("day")
	got, ok := dv.cellState().Guardians(ana.Card().ID())
	if !ok {
		t.Fatal("Ana's guardians are not in force in Day")
	}
	if !got.Changed || got.Need != changed.Need || !slices.Equal(got.Guardians, changed.Guardians) {
		t.Fatalf("Day keeps the old guardians: %+v, Night has %+v", got, changed)
	}
}

// guardiansInForce returns Ana, whose guardians Bo, Cy and Di (two
// needed) are in force in her cell Night with Bo and Cy, and Eve, whom
// she met too.
func guardiansInForce(t *testing.T) (ana, bo, cy, di, eve *Service, night crdt.CellID) {
	return guardiansInForceOf(t, newService(t, "Ana"))
}

// guardiansInForceOf is guardiansInForce with the Ana given.
func guardiansInForceOf(t *testing.T, ana *Service) (_, bo, cy, di, eve *Service, night crdt.CellID) {
	bo, cy, di, eve = newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di"), newService(t, "Eve")
	for _, g := range []*Service{bo, cy, di, eve} {
		meet(t, ana, g)
	}
	meet(t, bo, cy)
	night = ok[*CellView](t)(ana.NewCell("Night")).ID
	invite(t, ana, bo, night)
	invite(t, ana, cy, night)
	chooseGuardians(t, ana, bo, cy, di)
	buildOn(t, bo, cy, ana)
	return ana, bo, cy, di, eve, night
}

// chooseGuardians has owner choose g as guardians, two needed, and
// exchange sync files with each: the pieces reach them.
func chooseGuardians(t *testing.T, owner *Service, g ...*Service) {
	t.Helper()
	ids := make([]identity.ID, len(g))
	for i, s := range g {
		ids[i] = s.Card().ID()
	}
	if _, err := owner.SetGuardians(ids, 2); err != nil {
		t.Fatal(err)
	}
	for _, s := range g {
		sendTo(t, owner, s)
		sendTo(t, s, owner)
	}
}
