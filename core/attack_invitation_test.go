package core

import (
	"fmt"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
)

// TestAttackInvitationGivesTrust: anyone Ana holds a card of can found a
// cell, invite her and rate there. Until she accepts, nothing of hers
// goes into that cell and she has vouched for nobody in it: the
// invitation must give its inviter no trust, or Mal, whose card Ana only
// pasted, weighs as someone she met in person and flags Bo, whom she
// did meet.
func TestAttackInvitationGivesTrust(t *testing.T) {
	for _, pending := range []bool{false, true} {
		t.Run(fmt.Sprint("pending ", pending), func(t *testing.T) { invitationGivesTrust(t, pending) })
	}
}

func invitationGivesTrust(t *testing.T, pending bool) {
	ana, bo, mal := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Mal")
	meet(t, ana, bo)
	pasted(t, ana, mal)
	if _, err := mal.AddContact(bo.Card().String(), "", false); err != nil {
		t.Fatal(err)
	}
	cell, err := mal.NewCell("Night")
	if err != nil {
		t.Fatal(err)
	}
	if pending {
		// Two vouches to be admitted: Mal's alone leaves Ana pending.
		if _, err := mal.SetPolicy(cell.ID, crdt.Policy{AdmitVouches: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mal.Admit(cell.ID, ana.Card().ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := mal.Rate(bo.Card().ID(), crdt.Rating{Safety: 1, Reliability: 1, Note: "stole from me"}, []crdt.CellID{cell.ID}); err != nil {
		t.Fatal(err)
	}
	sum := mustImport(t, ana, handMade(t, mal, ana, cell.ID))
	if c, err := ana.FindCell(cell.ID.String()); err != nil || !c.Invitation {
		t.Fatalf("the cell is not an invitation waiting (%v): %s", err, sum)
	}
	rep, err := ana.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	if sc := rep.Person(mal.Card().ID().String()); sc != nil && sc.Trust > 0 {
		t.Errorf("an invitation Ana has not accepted gives its inviter trust %.2f", sc.Trust)
	}
	if sc := rep.Person(bo.Card().ID().String()); sc == nil || sc.Flags > 0 {
		t.Errorf("Bo, met in person, is flagged by the inviter: %+v", sc)
	}
}

// handMade is a sync file from s to whom, with the whole cell id, made
// as a modified client makes it: whether or not whom is sent the cell.
func handMade(t *testing.T, s, whom *Service, id crdt.CellID) []byte {
	t.Helper()
	all, err := s.cellsNow()
	if err != nil {
		t.Fatal(err)
	}
	fc, _, err := cellForFile(all[id], [][]crdt.ChangeHash{nil})
	if err != nil {
		t.Fatal(err)
	}
	data, err := export.Seal(s.me(), []*identity.Card{whom.Card()}, &export.File{Cells: []export.Cell{fc}}, export.SealOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return data
}
