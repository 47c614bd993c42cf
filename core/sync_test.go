package core

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
)

var ctx = context.Background()

// meet makes a and b verified contacts of each other.
func meet(t testing.TB, a, b *Service) {
	t.Helper()
	if _, err := a.AddContact(b.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddContact(a.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
}

func mustExport(t *testing.T, s *Service, req ExportRequest) []byte {
	t.Helper()
	res, err := s.Export(req)
	if err != nil {
		t.Fatal(err)
	}
	return res.Data
}

func mustImport(t *testing.T, s *Service, data []byte) *ImportSummary {
	t.Helper()
	sum, err := s.Import(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func to(id identity.ID) *identity.ID { return &id }

// digest is the logical content of a home: every cell's derived state and
// the contacts.
func digest(t *testing.T, s *Service) map[string]any {
	t.Helper()
	out := map[string]any{}
	cells, err := s.Cells()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		out["cell "+c.ID.String()] = c.cellState().Digest()
	}
	contacts, err := s.Contacts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range contacts {
		out["contact "+c.ID().String()] = string(c.Verified) + c.Name()
	}
	return out
}

func sameDigest(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestThreePersonChain: A exports to B, B to C. C never met A and still sees
// A's statements, counted as A's.
func TestThreePersonChain(t *testing.T) {
	a, b, c := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy")
	meet(t, a, b)
	meet(t, b, c)
	cell, err := a.NewCell("Night shift")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, a, b, cell.ID)
	dee := newCard(t, "Dee")
	if _, err := a.AddContact(dee.String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Rate(dee.ID(), crdt.Rating{Safety: 1, Reliability: 1, Note: "ran off with the money"}, []crdt.CellID{cell.ID}); err != nil {
		t.Fatal(err)
	}
	sum := mustImport(t, b, mustExport(t, a, ExportRequest{To: to(b.Card().ID())}))
	if len(sum.Cells) != 1 || sum.Cells[0].NewRatings != 1 || sum.From.Name != "Ana" {
		t.Fatalf("B's import: %+v (%s)", sum, sum)
	}
	// C's invitation carries the whole cell.
	invite(t, b, c, cell.ID)
	v, err := c.FindCell("night")
	if err != nil {
		t.Fatal(err)
	}
	ratings := v.cellState().RatingsAbout(dee.ID())
	if len(ratings) != 1 || ratings[0].Author != a.Card().ID() || len(v.cellState().Invalid) != 0 {
		t.Fatalf("C sees ratings %+v, invalid %+v", ratings, v.cellState().Invalid)
	}
	// C learned Ana and Dee through the cell.
	ana, err := c.FindContact("ana")
	if err != nil || ana.Verified != Introduced {
		t.Fatalf("C's contact Ana: %+v %v", ana, err)
	}
	// Importing again changes nothing.
	again := mustExport(t, b, ExportRequest{Cells: []crdt.CellID{cell.ID}})
	before := digest(t, c)
	if sum := mustImport(t, c, again); !sum.Nothing() || sum.String() != "from Bo: nothing new" {
		t.Fatalf("second import: %s", sum)
	}
	if !sameDigest(before, digest(t, c)) {
		t.Fatal("a repeated import changed the home")
	}
}

// TestIncrementalExport: once B has told A what it has, A sends only what
// is new.
func TestIncrementalExport(t *testing.T) {
	a, b := newService(t, "Ana"), newService(t, "Bo")
	meet(t, a, b)
	cell, _ := a.NewCell("Market")
	invite(t, a, b, cell.ID)
	first, err := a.Export(ExportRequest{To: to(b.Card().ID())})
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, b, first.Data)
	// B answers (with nothing new for A); A learns B's heads.
	mustImport(t, a, mustExport(t, b, ExportRequest{To: to(a.Card().ID())}))
	if _, err := a.Rate(b.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5}, nil); err != nil {
		t.Fatal(err)
	}
	next, err := a.Export(ExportRequest{To: to(b.Card().ID())})
	if err != nil {
		t.Fatal(err)
	}
	if next.Statements != 1 || next.Cells[0].Full {
		t.Fatalf("incremental export carried %d entries (full=%v), want 1", next.Statements, next.Cells[0].Full)
	}
	if sum := mustImport(t, b, next.Data); sum.Cells[0].NewRatings != 1 {
		t.Fatalf("B's import: %s", sum)
	}
}

func TestExportRules(t *testing.T) {
	a, b, c := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy")
	meet(t, a, b)
	meet(t, a, c)
	cell, _ := a.NewCell("Night")
	other, _ := a.NewCell("Other")
	invite(t, a, b, cell.ID)
	invite(t, a, c, other.ID)

	// Bo never receives Other; a person with no shared cell gets nothing.
	res, err := a.Export(ExportRequest{To: to(b.Card().ID())})
	if err != nil || len(res.Cells) != 1 || res.Cells[0].ID != cell.ID {
		t.Fatalf("export to Bo: %+v %v", res, err)
	}
	var notSent *NotSentError
	if _, err := a.Export(ExportRequest{To: to(b.Card().ID()), Cells: []crdt.CellID{other.ID}}); !errors.As(err, &notSent) || notSent.Status != "" {
		t.Fatalf("export of a cell Bo is not in: %v", err)
	}
	stranger := newCard(t, "Stranger")
	a.AddContact(stranger.String(), "", false)
	if _, err := a.Export(ExportRequest{To: to(stranger.ID())}); !errors.Is(err, ErrNoSharedCell) {
		t.Fatalf("export to a stranger: %v", err)
	}
	// Blocked people receive nothing, alone or as cell members.
	a.SetBlocked(b.Card().ID(), true)
	if _, err := a.Export(ExportRequest{To: to(b.Card().ID())}); !errors.Is(err, ErrBlocked) {
		t.Fatalf("export to a blocked person: %v", err)
	}
	if _, err := a.Export(ExportRequest{Cells: []crdt.CellID{cell.ID}}); !errors.Is(err, ErrNobodyToSend) {
		t.Fatalf("export to a cell of blocked people: %v", err)
	}
	a.SetBlocked(b.Card().ID(), false)
	// Excluded members receive nothing.
	a.VoteExclude(cell.ID, b.Card().ID())
	if _, err := a.Export(ExportRequest{Cells: []crdt.CellID{cell.ID}}); !errors.Is(err, ErrNobodyToSend) {
		t.Fatalf("export to a cell whose only other member was excluded: %v", err)
	}
}

func TestImportRefusals(t *testing.T) {
	a, b, c := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy")
	meet(t, a, b)
	cell, _ := a.NewCell("Night")
	invite(t, a, b, cell.ID)
	file := mustExport(t, a, ExportRequest{To: to(b.Card().ID())})

	// Not for me.
	if _, err := c.Import(ctx, file); !errors.Is(err, export.ErrNotForYou) {
		t.Fatalf("import by a third person: %v", err)
	}
	// From a stranger: C is not A's contact and shares no cell.
	c.AddContact(a.Card().String(), "", false)
	a.AddContact(c.Card().String(), "", false)
	a.Admit(cell.ID, c.Card().ID())
	forC := mustExport(t, a, ExportRequest{To: to(c.Card().ID())})
	c.RemoveContact(a.Card().ID())
	before := digest(t, c)
	if _, err := c.Import(ctx, forC); !errors.Is(err, ErrUnknownSender) {
		t.Fatalf("new cell from a stranger: %v", err)
	}
	// From someone I blocked.
	b.SetBlocked(a.Card().ID(), true)
	if _, err := b.Import(ctx, file); !errors.Is(err, ErrBlocked) {
		t.Fatalf("import from a blocked sender: %v", err)
	}
	if !sameDigest(before, digest(t, c)) {
		t.Fatal("a refused import changed the home")
	}
}

// TestCrashersAsChanges wraps every input that aborts the Automerge engine
// in a properly made sync file from a known member: each is refused as
// damaged, and nothing changes.
func TestCrashersAsChanges(t *testing.T) {
	files, _ := filepath.Glob("../crdt/testdata/automerge-crashers/*.bin")
	if len(files) == 0 {
		t.Fatal("no crasher corpus")
	}
	a, b := newService(t, "Ana"), newService(t, "Bo")
	meet(t, a, b)
	cell, _ := a.NewCell("Night")
	invite(t, a, b, cell.ID)
	mustImport(t, b, mustExport(t, a, ExportRequest{To: to(b.Card().ID())}))
	before := digest(t, b)
	for _, f := range files {
		bad, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, known := range []bool{true, false} {
			fc := export.Cell{ID: cell.ID, Heads: []crdt.ChangeHash{{1}}, Changes: bad}
			if !known {
				fc.ID = crdt.CellID{9, 9, 9}
			}
			data, err := export.Seal(a.me(), []*identity.Card{b.Card()}, &export.File{Cells: []export.Cell{fc}}, export.SealOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.Import(ctx, data)
			if !errors.Is(err, crdt.ErrDamaged) && !errors.Is(err, crdt.ErrWrongCell) {
				t.Errorf("%s (known cell %v): %v", filepath.Base(f), known, err)
			}
		}
	}
	if !sameDigest(before, digest(t, b)) {
		t.Fatal("refused imports changed the home")
	}
}

// TestAnyOrder: files from several people import to the same state in any
// order, any number of times.
func TestAnyOrder(t *testing.T) {
	a, b, c := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy")
	meet(t, a, b)
	meet(t, a, c)
	meet(t, b, c)
	cell, _ := a.NewCell("Night")
	invite(t, a, b, cell.ID)
	invite(t, a, c, cell.ID)
	base := mustExport(t, a, ExportRequest{Cells: []crdt.CellID{cell.ID}})
	mustImport(t, b, base)
	mustImport(t, c, base)
	dee := newCard(t, "Dee")
	for _, s := range []*Service{a, b, c} {
		s.AddContact(dee.String(), "", false)
	}
	a.Rate(dee.ID(), crdt.Rating{Safety: 2, Reliability: 3}, []crdt.CellID{cell.ID})
	b.Rate(dee.ID(), crdt.Rating{Safety: 1, Reliability: 1}, []crdt.CellID{cell.ID})
	c.Rate(a.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5}, nil)
	files := [][]byte{
		mustExport(t, a, ExportRequest{Cells: []crdt.CellID{cell.ID}}),
		mustExport(t, b, ExportRequest{Cells: []crdt.CellID{cell.ID}}),
		mustExport(t, c, ExportRequest{Cells: []crdt.CellID{cell.ID}}),
	}
	var want [32]byte
	// The members themselves import each other's files in random orders.
	rng := rand.New(rand.NewPCG(1, 2))
	for me, s := range []*Service{a, b, c} {
		order := rng.Perm(len(files))
		for _, i := range append(order, order...) {
			if i == me {
				continue // nobody receives their own file
			}
			if _, err := s.Import(ctx, files[i]); err != nil {
				t.Fatal(err)
			}
		}
		v, err := s.FindCell("night")
		if err != nil {
			t.Fatal(err)
		}
		got := v.cellState().Digest()
		if want == ([32]byte{}) {
			want = got
		} else if got != want {
			t.Fatalf("%s sees a different cell", s.Card().Pseudonym)
		}
		if v.Ratings != 3 {
			t.Fatalf("%s sees %d ratings, want 3", s.Card().Pseudonym, v.Ratings)
		}
	}
}

// invite has from vouch for to in cell and to accept, as two devices do:
// from's sync file carries the invitation, to accepts, and to's sync file
// carries the acceptance back.
func invite(t testing.TB, from, to *Service, cell crdt.CellID) {
	t.Helper()
	if _, err := from.Admit(cell, to.Card().ID()); err != nil {
		t.Fatal(err)
	}
	id := to.Card().ID()
	res, err := from.Export(ExportRequest{To: &id, Cells: []crdt.CellID{cell}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := to.Import(ctx, res.Data); err != nil {
		t.Fatal(err)
	}
	if _, err := to.JoinCell(cell); err != nil {
		t.Fatal(err)
	}
	back := from.Card().ID()
	if res, err = to.Export(ExportRequest{To: &back, Cells: []crdt.CellID{cell}}); err != nil {
		t.Fatal(err)
	}
	if _, err := from.Import(ctx, res.Data); err != nil {
		t.Fatal(err)
	}
}
