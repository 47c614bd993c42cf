package core

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
)

// TestIntroducedCardsCannotCrowdOutVerified: Mal holds 7 cards Ana knows
// only by their card (any card published in a cell she holds is one) and
// sends 3 invitations from each: 21 filled all 20 places, and the
// invitations of Bo, whom Ana met in person, were then left out. Now
// everyone not verified in person shares a smaller pool, and Bo's
// invitations still come in.
func TestIntroducedCardsCannotCrowdOutVerified(t *testing.T) {
	ana, bo := newService(t, "Ana"), newService(t, "Bo")
	meet(t, ana, bo)
	for i := range 7 {
		mal := newService(t, fmt.Sprintf("Mal %d", i))
		pasted(t, ana, mal)
		_, file := floodCells(t, mal, ana, 3)
		mustImport(t, ana, file)
	}
	if n := waitingInvitations(t, ana); n > 8 {
		t.Errorf("7 cards not verified in person brought %d invitations waiting, want at most 8", n)
	}
	_, file := floodCells(t, bo, ana, 2)
	sum := mustImport(t, ana, file)
	if sum.LeftOut != nil {
		t.Fatalf("Bo, met in person, had invitations left out after a flood from cards: %q", sum)
	}
}

// TestInvitationsCountByWhoInvited: Mal, whom Ana knows only by his card,
// is a member of Bo's cells and invites Ana to them; Bo's next files
// carry those invitations. Counted by the sender of the file, they used
// up the share of Bo, whom Ana met in person: Bo's own invitation was then
// left out ("you have 6 of theirs waiting"). Now an invitation counts for
// whoever signed it in the cell (which nobody can fake), not for whoever
// carried the file (which Mal chooses).
func TestInvitationsCountByWhoInvited(t *testing.T) {
	ana, bo, mal := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Mal")
	meet(t, ana, bo)
	meet(t, bo, mal)
	pasted(t, ana, mal)
	// Bo founds 6 cells and admits Mal; Mal accepts and invites Ana.
	var ids []crdt.CellID
	for i := range 6 {
		v, err := bo.NewCell(fmt.Sprintf("Bo's %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bo.Admit(v.ID, mal.Card().ID()); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	mustImport(t, mal, mustExport(t, bo, ExportRequest{To: to(mal.Card().ID())}))
	for _, id := range ids {
		if _, err := mal.JoinCell(id); err != nil {
			t.Fatal(err)
		}
		if _, err := mal.Admit(id, ana.Card().ID()); err != nil {
			t.Fatal(err)
		}
	}
	mustImport(t, bo, mustExport(t, mal, ExportRequest{To: to(bo.Card().ID())}))
	sum := mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))
	if n := waitingInvitations(t, ana); n != 3 {
		t.Errorf("6 invitations signed by Mal (not met in person) in Bo's file: %d waiting, want 3 (%q)", n, sum)
	}
	if s := sum.String(); !strings.Contains(s, "3 invitations from Mal were left out: you have 3 of theirs waiting") {
		t.Errorf("summary %q does not name Mal, who invited", s)
	}
	// Bo's own invitation still comes in.
	v, err := bo.NewCell("Bo's own")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Admit(v.ID, ana.Card().ID()); err != nil {
		t.Fatal(err)
	}
	sum = mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID()), Cells: []crdt.CellID{v.ID}}))
	if len(sum.Cells) != 1 || !sum.Cells[0].InvitedMe {
		t.Errorf("Bo's own invitation after Mal's rode in Bo's file: %q", sum)
	}
}

// TestTurnDownEveryoneFromThem: turning down one invitation at a time was
// the only answer to a pest who keeps founding new cells. Ana turns down
// everything from Mal: his invitations waiting go, his later ones are
// left out and said, nothing else about him changes (he stays a member of
// the cell they share, and verified in person), and she can take it back.
func TestTurnDownEveryoneFromThem(t *testing.T) {
	ana, mal := newService(t, "Ana"), newService(t, "Mal")
	meet(t, ana, mal)
	garden, err := ana.NewCell("Garden")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ana.Admit(garden.ID, mal.Card().ID()); err != nil {
		t.Fatal(err)
	}
	mustImport(t, mal, mustExport(t, ana, ExportRequest{To: to(mal.Card().ID())}))
	if _, err := mal.JoinCell(garden.ID); err != nil {
		t.Fatal(err)
	}
	floodCells(t, mal, ana, 2)
	mustImport(t, ana, mustExport(t, mal, ExportRequest{To: to(ana.Card().ID())}))
	if n := waitingInvitations(t, ana); n != 2 {
		t.Fatalf("%d invitations from Mal waiting, want 2", n)
	}
	n, err := ana.TurnDownEveryoneFrom(mal.Card().ID())
	if err != nil || n != 2 || waitingInvitations(t, ana) != 0 {
		t.Fatalf("TurnDownEveryoneFrom = %d, %v; %d waiting", n, err, waitingInvitations(t, ana))
	}
	// Later: three new cells, and a rating in the cell they share.
	floodCells(t, mal, ana, 3)
	if _, err := mal.Rate(ana.Card().ID(), crdt.Rating{Safety: 5, Reliability: 4}, []crdt.CellID{garden.ID}); err != nil {
		t.Fatal(err)
	}
	file := mustExport(t, mal, ExportRequest{To: to(ana.Card().ID())})
	sum := mustImport(t, ana, file)
	if n := waitingInvitations(t, ana); n != 0 {
		t.Errorf("after turning down everything from Mal, %d of his invitations came in", n)
	}
	if s := sum.String(); !strings.Contains(s, "5 invitations from Mal were left out: you turned down everything from them") {
		t.Errorf("summary %q", s)
	}
	if len(sum.Cells) != 1 || sum.Cells[0].ID != garden.ID || sum.Cells[0].NewRatings != 1 {
		t.Errorf("the cell Ana shares with Mal did not take his rating: %q", sum)
	}
	c, err := ana.FindContact(mal.Card().ID().String())
	if err != nil || c.Verified != InPerson || c.Blocked {
		t.Errorf("Mal as a contact after: %+v, %v", c, err)
	}
	people, err := ana.TurnedDownPeople()
	if err != nil || len(people) != 1 || people[0].Person.Name != "Mal" {
		t.Fatalf("TurnedDownPeople() = %+v, %v", people, err)
	}
	if p, err := ana.FindTurnedDown("ma"); err != nil || p.Person.ID != mal.Card().ID() {
		t.Fatalf("FindTurnedDown = %v, %v", p, err)
	}
	if some, err := ana.AnyTurnedDown(); err != nil || !some {
		t.Errorf("AnyTurnedDown() = %v, %v", some, err)
	}
	if err := ana.ShowInvitationsAgain(mal.Card().ID()); err != nil {
		t.Fatal(err)
	}
	if some, err := ana.AnyTurnedDown(); err != nil || some {
		t.Errorf("after showing them again, AnyTurnedDown() = %v, %v", some, err)
	}
	if err := ana.ShowInvitationsAgain(mal.Card().ID()); !errors.Is(err, ErrNotFound) {
		t.Errorf("twice: %v", err)
	}
	mustImport(t, ana, file)
	if n := waitingInvitations(t, ana); n != 5 {
		t.Errorf("after showing Mal's invitations again, the same file brings %d, want 5", n)
	}
}

// TestFakeCardWithVerifiedNameIsNotThem: Mal makes a card named like Bo,
// whom Ana met in person, and invites her from it. The invitations count
// among those of people not met in person, are named apart from Bo, and
// turning down everything from the fake leaves Bo's invitations alone.
func TestFakeCardWithVerifiedNameIsNotThem(t *testing.T) {
	ana, bo, fake := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Bo")
	meet(t, ana, bo)
	pasted(t, ana, fake)
	_, file := floodCells(t, fake, ana, 5)
	sum := mustImport(t, ana, file)
	if n := waitingInvitations(t, ana); n != 3 {
		t.Errorf("a fake card named like Bo brought %d invitations, want 3 (not met in person)", n)
	}
	if s := sum.String(); !strings.Contains(s, "2 invitations from Bo (") || strings.HasPrefix(s, "from Bo:") {
		t.Errorf("summary %q does not tell the fake Bo apart", s)
	}
	if _, err := ana.TurnDownEveryoneFrom(fake.Card().ID()); err != nil {
		t.Fatal(err)
	}
	_, file = floodCells(t, bo, ana, 2)
	if sum := mustImport(t, ana, file); sum.LeftOut != nil || waitingInvitations(t, ana) != 2 {
		t.Errorf("Bo's own invitations after turning down the fake: %q", sum)
	}
}

// pasted has ana hold mal's card only pasted (not verified in person),
// and mal hold ana's as met.
func pasted(t testing.TB, ana, mal *Service) {
	t.Helper()
	if _, err := ana.AddContact(mal.Card().String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := mal.AddContact(ana.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
}

// TestLeftOutWordsArePlain: every sentence an import says about
// invitations left out is free of jargon.
func TestLeftOutWordsArePlain(t *testing.T) {
	mal := Person{Name: "Mal"}
	for _, n := range []int{1, 3} {
		l := &LeftOut{AllWaiting: n, NotMet: n, Shares: []LeftOutFrom{{Person: mal, Invitations: n, Waiting: 3}},
			TurnedDown: []LeftOutFrom{{Person: mal, Invitations: n}}, Blocked: []LeftOutFrom{{Person: mal, Invitations: n}},
			Declined: n, Ended: n, Removed: n}
		phrases := l.phrases()
		if len(phrases) != 8 {
			t.Fatalf("%d phrases for 8 reasons: %q", len(phrases), phrases)
		}
		for _, p := range phrases {
			if w := words.Jargon.FindString(p); w != "" {
				t.Errorf("%q says %q", p, w)
			}
		}
	}
}

// TestTurnedDownCarrierDoesNotHideMet: Ana turned down everything from
// Mal, who is a member of Bo's cell; Bo, whom she met in person, invites
// her there, and Mal's file carries the invitation. It is Bo's, signed by
// Bo: it comes in, whoever carried it.
func TestTurnedDownCarrierDoesNotHideMet(t *testing.T) {
	ana, bo, mal := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Mal")
	meet(t, ana, bo)
	meet(t, bo, mal)
	pasted(t, ana, mal)
	if _, err := ana.TurnDownEveryoneFrom(mal.Card().ID()); err != nil {
		t.Fatal(err)
	}
	orchard, err := bo.NewCell("Orchard")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Admit(orchard.ID, mal.Card().ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Admit(orchard.ID, ana.Card().ID()); err != nil {
		t.Fatal(err)
	}
	mustImport(t, mal, mustExport(t, bo, ExportRequest{To: to(mal.Card().ID())}))
	if _, err := mal.JoinCell(orchard.ID); err != nil {
		t.Fatal(err)
	}
	sum := mustImport(t, ana, mustExport(t, mal, ExportRequest{To: to(ana.Card().ID())}))
	if len(sum.Cells) != 1 || !sum.Cells[0].InvitedMe || sum.LeftOut != nil {
		t.Errorf("Bo's invitation carried by Mal: %q", sum)
	}
}

// A blocked person brings nothing to this device through others either:
// Mal's invitation, carried by Bo (a member of Mal's cell whom Ana met),
// is left out and said; once Ana unblocks Mal, Bo's next file brings it.
func TestBlockedInviterStaysOutThroughOthers(t *testing.T) {
	ana, bo, mal := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Mal")
	meet(t, ana, bo)
	meet(t, ana, mal)
	meet(t, bo, mal)
	if _, err := ana.SetBlocked(mal.Card().ID(), true); err != nil {
		t.Fatal(err)
	}
	den, err := mal.NewCell("Den")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []identity.ID{bo.Card().ID(), ana.Card().ID()} {
		if _, err := mal.Admit(den.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	mustImport(t, bo, mustExport(t, mal, ExportRequest{To: to(bo.Card().ID())}))
	if _, err := bo.JoinCell(den.ID); err != nil {
		t.Fatal(err)
	}
	sum := mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))
	if n := waitingInvitations(t, ana); n != 0 {
		t.Errorf("%d of Mal's invitations came in through Bo though Ana blocked Mal", n)
	}
	if s := sum.String(); !strings.Contains(s, "1 invitation from Mal was left out: you blocked them") {
		t.Errorf("summary %q", s)
	}
	if _, err := ana.SetBlocked(mal.Card().ID(), false); err != nil {
		t.Fatal(err)
	}
	mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID())}))
	if n := waitingInvitations(t, ana); n != 1 {
		t.Errorf("after unblocking Mal, %d of his invitations waiting, want 1", n)
	}
}
