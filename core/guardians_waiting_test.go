package core

import (
	"bytes"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/store"
)

// changeLeftWaiting is Ana's change of guardians (Bo, Cy, Di in force,
// two needed; Cy, Di and Eve chosen) left waiting with enough
// agreements: Bo's came in, then Cy's while Ana had Eve blocked, so the
// change was not made; Ana has unblocked Eve since. A program killed
// after the import that took the last agreement in, before it made the
// change, leaves the same. cyAgrees is Cy's agreement, as a sync file.
type changeLeftWaiting struct {
	ana, eve *Service
	cyAgrees []byte
}

func newChangeLeftWaiting(t *testing.T) *changeLeftWaiting {
	ana, bo, cy, di, eve, _ := guardiansInForce(t)
	st, err := ana.SetGuardians([]identity.ID{cy.Card().ID(), di.Card().ID(), eve.Card().ID()}, 2)
	if err != nil || st.Pending == nil {
		t.Fatalf("the change does not wait: %+v, %v", st, err)
	}
	agreement := func(g *Service) []byte {
		t.Helper()
		sendTo(t, ana, g)
		res, err := g.AgreeToChange(ana.Card().ID(), st.Pending.Code)
		if err != nil {
			t.Fatal(err)
		}
		return res.Data
	}
	mustImport(t, ana, agreement(bo))
	if _, err := ana.SetBlocked(eve.Card().ID(), true); err != nil {
		t.Fatal(err)
	}
	sc := &changeLeftWaiting{ana: ana, eve: eve, cyAgrees: agreement(cy)}
	if sum := mustImport(t, ana, sc.cyAgrees); sum.Recovery == nil || !sum.Recovery.NotChanged {
		t.Fatalf("Cy's agreement with Eve blocked: %q", sum)
	}
	if _, err := ana.SetBlocked(eve.Card().ID(), false); err != nil {
		t.Fatal(err)
	}
	if st, _ := ana.Guardians(); st.Pending == nil || len(st.Pending.Agreed) != 2 {
		t.Fatalf("the change does not wait with two agreements: %+v", st.Pending)
	}
	return sc
}

// TestChangeOfGuardiansLeftWaiting: a change of guardians left waiting
// with enough agreements is made by the next file taken in (here Cy's
// agreement again, which the user is likely to try): before, only a file
// bringing a new agreement made it, and none could come (every guardian
// who could agree had), so it waited for ever.
func TestChangeOfGuardiansLeftWaiting(t *testing.T) {
	sc := newChangeLeftWaiting(t)
	sum := mustImport(t, sc.ana, sc.cyAgrees)
	if sum.Recovery == nil || !sum.Recovery.Changed || !strings.Contains(sum.String(), "your new guardians are in place") {
		t.Errorf("Cy's agreement again: %q", sum)
	}
	if st, _ := sc.ana.Guardians(); st.Pending != nil || len(st.Guardians) != 3 {
		t.Errorf("the change still waits: %+v", st)
	}
}

// TestChangeOfGuardiansMadeOnce: the app and the command line make the
// change that waits at once: the app read it, the command line made it
// just before the app writes. The app leaves it made; before, it made new
// pieces over those the command line made (and may have sent already),
// so that the guardians could hold pieces of two different splits.
func TestChangeOfGuardiansMadeOnce(t *testing.T) {
	sc := newChangeLeftWaiting(t)
	cli, err := Unlock(sc.ana.home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	var made []byte
	sc.ana.beforeWrite = func() {
		sc.ana.beforeWrite = nil
		if sum := mustImport(t, cli, sc.cyAgrees); sum.Recovery == nil || !sum.Recovery.Changed {
			t.Errorf("the command line does not make the change: %q", sum)
		}
		made = storedGuardians(t, cli)
	}
	if _, err := sc.ana.applyChange(); err != nil {
		t.Fatal(err)
	}
	if sc.ana.beforeWrite != nil {
		t.Fatal("the app made the change before the command line could come between")
	}
	if !bytes.Equal(storedGuardians(t, sc.ana), made) {
		t.Error("the app made the change again over the one the command line made: new pieces for the same change")
	}
}

// storedGuardians returns my guardians' record as stored.
func storedGuardians(t *testing.T, s *Service) []byte {
	t.Helper()
	var b []byte
	if err := s.db.View(func(tx *store.Tx) (err error) {
		b, err = tx.Get(bucketGuardians, nil, keyGuardians)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestChangeOfGuardiansWithRemovedContact: while the change waits with
// enough agreements, Ana removed Eve, one of the new guardians, from her
// contacts (with an older build). Files taken in after that are taken in without an error: the
// change cannot be made, and Ana's list still shows it waiting (had an
// import made it, any error of it would have failed every import).
func TestChangeOfGuardiansWithRemovedContact(t *testing.T) {
	sc := newChangeLeftWaiting(t)
	// RemoveContact refuses it now (TestRemoveGuardianRefused); an
	// older build did not.
	if err := sc.ana.db.Update(func(tx *store.Tx) error { return deleteContact(tx, sc.eve.Card().ID()) }); err != nil {
		t.Fatal(err)
	}
	sum, err := sc.ana.Import(ctx, sc.cyAgrees)
	if err != nil {
		t.Fatalf("Cy's agreement again: %v", err)
	}
	if sum.Recovery != nil && sum.Recovery.Changed {
		t.Errorf("Cy's agreement again: %q", sum)
	}
	if st, _ := sc.ana.Guardians(); st.Pending == nil {
		t.Errorf("the change no longer waits: %+v", st)
	}
}

// TestRemoveGuardianRefused: Ana cannot remove Cy, one of her guardians,
// from her contacts (nor Eve, one of the new guardians a change waits
// for): choose other guardians first. Before, she could, and every
// later import that brought something new failed with "no such contact"
// after taking its file in.
func TestRemoveGuardianRefused(t *testing.T) {
	sc := newChangeLeftWaiting(t)
	st, err := sc.ana.Guardians()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []identity.ID{st.Guardians[0].ID, sc.eve.Card().ID()} {
		if err := sc.ana.RemoveContact(id); !errors.Is(err, ErrIsGuardian) {
			t.Errorf("removing a guardian: %v, want ErrIsGuardian", err)
		}
	}
	if got := Explain(ErrIsGuardian); !strings.Contains(got, "choose other guardians first") {
		t.Errorf("Explain(ErrIsGuardian) = %q", got)
	}
}

// TestImportWithGuardianContactGone: a home where an older build let
// Ana remove Cy, one of her guardians, from her contacts. A file from Bo
// with a new rating is taken in without an error: before, the import
// said "no such contact" (it could not name her guardians in her cells
// again), though it had taken the file in.
func TestImportWithGuardianContactGone(t *testing.T) {
	ana, bo, cy, _, _, _ := guardiansInForce(t)
	if err := ana.db.Update(func(tx *store.Tx) error { return deleteContact(tx, cy.Card().ID()) }); err != nil {
		t.Fatal(err)
	}
	rate(t, bo, cy.Card().ID(), 2)
	id := ana.Card().ID()
	sum, err := ana.Import(ctx, mustExport(t, bo, ExportRequest{To: &id}))
	if err != nil || sum.NewStatements == 0 {
		t.Errorf("Bo's file: %q, %v", sum, err)
	}
}

// TestGuardiansNamedAfterKill: the program that made Ana's change of
// guardians was killed (or the disk filled) after it kept the new
// guardians and before it told her cells. Her list already shows the new
// guardians while the cell still has Bo, Cy and Di in force (a dropped
// guardian could still confirm a replacement there). The next start
// tells the cell, once: a start after it writes nothing.
func TestGuardiansNamedAfterKill(t *testing.T) {
	sc := newChangeLeftWaiting(t)
	killed := errors.New("killed")
	sc.ana.afterGuardiansKept = func() error { return killed }
	if _, err := sc.ana.applyChange(); !errors.Is(err, killed) {
		t.Fatalf("the change was not interrupted: %v", err)
	}
	sc.ana.afterGuardiansKept = nil
	if st, _ := sc.ana.Guardians(); st.Pending != nil || !slices.ContainsFunc(st.Guardians, func(g Guardian) bool { return g.Name == "Eve" }) {
		t.Fatalf("the list does not show the new guardians: %+v", st)
	}
	if newSetInForce(t, sc.ana) {
		t.Fatal("the cell names the new guardians before the start: the kill did not fall between")
	}
	reopen := func() (*Service, int) {
		t.Helper()
		s, err := Unlock(sc.ana.home, []byte("correct horse"), testOptions)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		views, err := s.Cells()
		if err != nil || len(views) != 1 {
			t.Fatalf("cells after the start: %d, %v", len(views), err)
		}
		c, _ := s.loadCells()
		return s, len(c[views[0].ID].Statements())
	}
	next, saved := reopen()
	if !newSetInForce(t, next) {
		t.Error("after the start the cell still has the dropped guardians in force")
	}
	var left []byte
	if err := next.db.View(func(tx *store.Tx) (err error) { left, err = unnamedSet(tx); return err }); err != nil || left != nil {
		t.Errorf("the start did not note that the cells were told: %x, %v", left, err)
	}
	if _, again := reopen(); again != saved {
		t.Errorf("a second start changed the cell again: %d statements, then %d", saved, again)
	}
}

// newSetInForce reports whether s's guardians as kept are the ones in
// force in each of s's cells.
func newSetInForce(t *testing.T, s *Service) bool {
	t.Helper()
	keys, need, _, err := s.guardianKeys()
	if err != nil {
		t.Fatal(err)
	}
	cells, err := s.cellsNow()
	if err != nil {
		t.Fatal(err)
	}
	for id, c := range cells {
		set, inForce := c.State().Guardians(s.me().Card.ID())
		if !inForce || !isGuardianSet(s.me(), id, set, keys, need) {
			return false
		}
	}
	return len(cells) > 0
}

// firstGuardiansKilled makes Ana, with a cell, choose Bo and Cy as her
// first guardians, killed after she kept them and before her cell was
// told.
func firstGuardiansKilled(t *testing.T) (*Service, crdt.CellID) {
	t.Helper()
	ana, bo, cy := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy")
	meet(t, ana, bo)
	meet(t, ana, cy)
	night := ok[*CellView](t)(ana.NewCell("Night")).ID
	killed := errors.New("killed")
	ana.afterGuardiansKept = func() error { return killed }
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID()}, 2); !errors.Is(err, killed) {
		t.Fatalf("the choice was not interrupted: %v", err)
	}
	return ana, night
}

// TestGuardiansNamedAfterKillFirstTime: the same kill when Ana chose her
// first guardians: her cell named none, and the next start names them.
func TestGuardiansNamedAfterKillFirstTime(t *testing.T) {
	ana, night := firstGuardiansKilled(t)
	named := func(s *Service) bool {
		t.Helper()
		cells, err := s.cellsNow()
		if err != nil {
			t.Fatal(err)
		}
		return cells[night].State().NamedGuardians(s.me().Card.ID())
	}
	if named(ana) {
		t.Fatal("the cell names guardians before the start: the kill did not fall between")
	}
	next, err := Unlock(ana.home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if !named(next) {
		t.Error("after the start the cell names no guardians")
	}
}

// TestDamagedUnnamedNote: the note that the cells are still to be told
// of my guardians is damaged on the disk. The home opens all the same
// (it failed to open), the cells are told, and the note is dropped.
func TestDamagedUnnamedNote(t *testing.T) {
	ana, night := firstGuardiansKilled(t)
	ana.afterGuardiansKept = nil
	home := ana.home
	ana.Close()
	type row struct{ grp, key, body []byte }
	rows := func() map[string]row {
		t.Helper()
		db, err := sql.Open("sqlite", filepath.Join(home, "trustdesk.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		r, err := db.Query("SELECT grp, key, body FROM records WHERE bucket = ?", bucketGuardians)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		out := map[string]row{}
		for r.Next() {
			var x row
			if err := r.Scan(&x.grp, &x.key, &x.body); err != nil {
				t.Fatal(err)
			}
			out[string(x.grp)+"/"+string(x.key)] = x
		}
		return out
	}
	// Which record is the note: the one its removal takes away.
	withNote := rows()
	s := unlock(t, home, testOptions)
	if err := s.db.Update(func(tx *store.Tx) error { return tx.Delete(bucketGuardians, nil, keyUnnamed) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	without := rows()
	var note row
	for k, x := range withNote {
		if _, ok := without[k]; !ok {
			note = x
		}
	}
	if note.key == nil || len(withNote) != len(without)+1 {
		t.Fatalf("the note's record not found (%d records, then %d)", len(withNote), len(without))
	}
	body := slices.Clone(note.body)
	body[len(body)/2] ^= 1
	db, err := sql.Open("sqlite", filepath.Join(home, "trustdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec("INSERT INTO records (bucket, grp, key, body) VALUES (?, ?, ?, ?)", bucketGuardians, note.grp, note.key, body)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err = Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatalf("the home does not open: %v (%q)", err, Explain(err))
	}
	defer s.Close()
	cells, err := s.cellsNow()
	if err != nil {
		t.Fatal(err)
	}
	if !cells[night].State().NamedGuardians(s.me().Card.ID()) {
		t.Error("the cell was not told of the guardians")
	}
	var left []byte
	if err := s.db.View(func(tx *store.Tx) (err error) { left, err = unnamedSet(tx); return err }); err != nil || left != nil {
		t.Errorf("the damaged note was kept: %q, %v", left, err)
	}
}
