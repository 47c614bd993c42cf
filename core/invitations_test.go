package core

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
)

// floodCells has from found n cells, each inviting to (whom from must hold
// as a contact), and returns one sync file carrying all of them.
func floodCells(t testing.TB, from, dst *Service, n int) ([]crdt.CellID, []byte) {
	t.Helper()
	var ids []crdt.CellID
	for i := range n {
		v, err := from.NewCell(fmt.Sprintf("Flood %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := from.Admit(v.ID, dst.Card().ID()); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	res, err := from.Export(ExportRequest{To: to(dst.Card().ID()), Cells: ids})
	if err != nil {
		t.Fatal(err)
	}
	return ids, res.Data
}

func waitingInvitations(t testing.TB, s *Service) int {
	t.Helper()
	cells, err := s.Cells()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cells {
		if c.Invitation {
			n++
		}
	}
	return n
}

// TestInvitationFloodIsBounded: anyone whose card Ana holds could push
// sync files bringing any number of new cells that list her as invited,
// and every start of hers then read them all. An import now takes at most
// a few invitations waiting for an answer per person (and 20 in all),
// leaves the others out, says so, and takes them once she has answered.
func TestInvitationFloodIsBounded(t *testing.T) {
	ana, mal := newService(t, "Ana"), newService(t, "Mal")
	// Mal's card is only pasted on Ana's device: not verified in person.
	pasted(t, ana, mal)
	_, file := floodCells(t, mal, ana, 5)
	sum := mustImport(t, ana, file)
	if n := waitingInvitations(t, ana); n != 3 {
		t.Fatalf("after a file of 5 invitations from an unverified card Ana has %d waiting, want 3", n)
	}
	if s := sum.String(); !strings.Contains(s, "2 invitations from Mal were left out: you have 3 of theirs waiting") {
		t.Errorf("summary %q does not say that 2 invitations were left out", s)
	}
	// Taking the same file again takes nothing more.
	if sum := mustImport(t, ana, file); !sum.Unchanged() || waitingInvitations(t, ana) != 3 {
		t.Errorf("the same file again: %q, %d waiting", sum, waitingInvitations(t, ana))
	}
	// She accepts one: one of those left out can come in now.
	cells, err := ana.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ana.JoinCell(cells[0].ID); err != nil {
		t.Fatal(err)
	}
	sum = mustImport(t, ana, file)
	if n := waitingInvitations(t, ana); n != 3 {
		t.Errorf("after accepting one and the same file again: %d waiting, want 3", n)
	}
	if s := sum.String(); !strings.Contains(s, "1 invitation from Mal was left out") {
		t.Errorf("summary %q", s)
	}
}

// TestInvitationsTotalBound: many people together cannot bring more than
// 20 invitations waiting for an answer.
func TestInvitationsTotalBound(t *testing.T) {
	ana := newService(t, "Ana")
	total := 0
	for i := range 4 {
		s := newService(t, fmt.Sprintf("Friend %d", i))
		meet(t, ana, s)
		_, file := floodCells(t, s, ana, 6)
		sum := mustImport(t, ana, file)
		total += 6
		if n, want := waitingInvitations(t, ana), min(total, 20); n != want {
			t.Fatalf("after %d invitations from people met in person Ana has %d waiting, want %d (%q)", total, n, want, sum)
		}
		if total > 20 && !strings.Contains(sum.String(), "you have 20 waiting") {
			t.Errorf("summary %q does not say why", sum)
		}
	}
}

// TestDeclinedInvitationStaysDeclined: Bo invites Ana, she turns it down;
// Bo's next ordinary sync file carries the cell again (she is still
// listed as invited). It must not come back, and the summary says so;
// she can take her answer back, and then the next file brings it.
func TestDeclinedInvitationStaysDeclined(t *testing.T) {
	ana, bo := newService(t, "Ana"), newService(t, "Bo")
	meet(t, ana, bo)
	cell, err := bo.NewCell("Garden")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Admit(cell.ID, ana.Card().ID()); err != nil {
		t.Fatal(err)
	}
	mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))
	if err := ana.DeclineCell(cell.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Rate(ana.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5}, []crdt.CellID{cell.ID}); err != nil {
		t.Fatal(err)
	}
	file := mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())})
	sum := mustImport(t, ana, file)
	if _, err := ana.FindCell(cell.ID.String()); err == nil {
		t.Fatalf("the invitation Ana turned down came back with Bo's next file (%q)", sum)
	}
	if s := sum.String(); !strings.Contains(s, "1 invitation you turned down was left out") {
		t.Errorf("summary %q does not say the turned-down invitation was left out", s)
	}
	testTakeBackDecline(t, ana, cell.ID, file)
}

// testTakeBackDecline: the turned-down invitation is listed with who
// brought it; taken back, the same file brings it again.
func testTakeBackDecline(t *testing.T, ana *Service, cell crdt.CellID, file []byte) {
	t.Helper()
	declined, err := ana.DeclinedCells()
	if err != nil || len(declined) != 1 || declined[0].ID != cell || declined[0].Name != "Garden" || declined[0].From.Name != "Bo" {
		t.Fatalf("DeclinedCells() = %+v, %v", declined, err)
	}
	if d, err := ana.FindDeclined("gard"); err != nil || d.ID != cell {
		t.Fatalf("FindDeclined = %v, %v", d, err)
	}
	if err := ana.TakeBackDecline(cell); err != nil {
		t.Fatal(err)
	}
	if err := ana.TakeBackDecline(cell); !errors.Is(err, ErrNoSuchCell) {
		t.Errorf("taking back twice: %v", err)
	}
	sum := mustImport(t, ana, file)
	if len(sum.Cells) != 1 || !sum.Cells[0].InvitedMe || sum.LeftOut != nil {
		t.Fatalf("after taking her answer back, the file brings %q", sum)
	}
	if v, err := ana.JoinCell(cell); err != nil || v.Me != crdt.StatusMember {
		t.Fatalf("JoinCell = %v, %v", v, err)
	}
	if declined, err := ana.DeclinedCells(); err != nil || len(declined) != 0 {
		t.Errorf("DeclinedCells() = %+v, %v", declined, err)
	}
}

// TestFloodWithDamagedCellChangesNothing: a file whose invitations
// would be left out and which carries a damaged cell is refused whole.
func TestFloodWithDamagedCellChangesNothing(t *testing.T) {
	ana, mal := newService(t, "Ana"), newService(t, "Mal")
	meet(t, ana, mal)
	_, file := floodCells(t, mal, ana, 8)
	f, err := export.Open(ana.me(), file)
	if err != nil {
		t.Fatal(err)
	}
	f.Cells[len(f.Cells)-1].Changes = []byte("not a cell")
	bad, err := export.Seal(mal.me(), []*identity.Card{ana.Card()}, f, export.SealOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	before := digest(t, ana)
	if _, err := ana.Import(ctx, bad); err == nil {
		t.Fatal("a file with a damaged cell was taken in")
	}
	if after := digest(t, ana); !reflect.DeepEqual(before, after) {
		t.Error("a refused file changed the home")
	}
}

// TestCellThatEndedMyInvitationIsLeftOut: a modified client founds cells,
// invites Ana and votes her out before she accepts, then sends her the
// cells. Not invited any more, they counted as no invitation waiting and
// escaped the bound: any number of them came in, each read at every
// start. Now a new cell that ended her invitation is left out, and said.
func TestCellThatEndedMyInvitationIsLeftOut(t *testing.T) {
	ana, mal := newService(t, "Ana"), newService(t, "Mal")
	pasted(t, ana, mal)
	ids, _ := floodCells(t, mal, ana, 8)
	for _, id := range ids {
		if _, err := mal.VoteExclude(id, ana.Card().ID()); err != nil {
			t.Fatal(err)
		}
	}
	sum := mustImport(t, ana, sealCells(t, mal, ana, ids))
	cells, err := ana.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 0 {
		t.Errorf("Ana holds %d cells that voted her out before she accepted", len(cells))
	}
	if s := sum.String(); !strings.Contains(s, "8 cells that voted you out before you accepted were left out") || !sum.Unchanged() {
		t.Errorf("summary %q", s)
	}
}

// sealCells makes, as a modified client would, a sync file from `from` to
// `dst` carrying the whole of each cell in ids, whoever they list: the
// stock client sends no cell to someone it voted out.
func sealCells(t testing.TB, from, dst *Service, ids []crdt.CellID) []byte {
	t.Helper()
	all, err := from.cellsNow()
	if err != nil {
		t.Fatal(err)
	}
	f := &export.File{}
	for _, id := range ids {
		f.Cells = append(f.Cells, export.Cell{ID: id, Heads: all[id].Heads(), Changes: all[id].Save()})
	}
	data, err := export.Seal(from.me(), []*identity.Card{dst.Card()}, f, export.SealOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestInviteVoteOutRepeatIsBounded: Mal invites Ana to 3 cells, then
// votes her out of them before she accepts, which frees his share, and
// invites her to 3 more, round after round. The cells that voted her out
// stayed on her device, read at every start, without bound. Now an
// import removes a cell held that voted her out before she accepted, and
// says so.
func TestInviteVoteOutRepeatIsBounded(t *testing.T) {
	ana, mal := newService(t, "Ana"), newService(t, "Mal")
	pasted(t, ana, mal)
	var held []crdt.CellID
	for round := range 4 {
		for _, id := range held {
			if _, err := mal.VoteExclude(id, ana.Card().ID()); err != nil && !errors.Is(err, crdt.ErrNotAllowed) {
				t.Fatal(err)
			}
		}
		ids, _ := floodCells(t, mal, ana, 3)
		sum := mustImport(t, ana, sealCells(t, mal, ana, append(held, ids...)))
		cells, err := ana.Cells()
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) > 3 {
			t.Fatalf("round %d: Ana holds %d cells of Mal's (%q)", round, len(cells), sum)
		}
		if round == 1 && !strings.Contains(sum.String(), "3 cells that invited you voted you out before you accepted, and were removed") {
			t.Errorf("round 1: summary %q", sum)
		}
		held = ids
	}
}
