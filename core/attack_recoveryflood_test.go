package core

import (
	"testing"
	"time"

	"trustdesk/export"
	"trustdesk/identity"
)

// TestAttackRecoveryFloodedByOneFile: a device getting its card back
// takes pieces from whoever sends them, and keeps at most
// maxRecoveryPieces. One file from anyone who learned the temporary card
// (a message in a group asking the guardians for help), carrying that
// many made-up pieces, filled the record for good: the guardians' real
// pieces, released after it, were dropped without a word and the card
// never came back. Each sender now counts for one piece, its latest.
func TestAttackRecoveryFloodedByOneFile(t *testing.T) {
	ana := newService(t, "Ana")
	bo, cy, mal := newService(t, "Bo"), newService(t, "Cy"), newService(t, "Mal")
	meet(t, ana, bo)
	meet(t, ana, cy)
	chooseGuardians(t, ana, bo, cy)
	tmp, err := StartRecovery(t.TempDir(), "Ana", []byte("new laptop"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()

	var pieces [][]byte
	for i := range 2 * maxRecoveryPieces {
		p := &export.Piece{Kind: export.KindPiece, Owner: ana.Card().ID(), Set: export.SetID{byte(i), byte(i >> 8), 7},
			Created: time.Now(), Need: 2, Of: 3, X: 1, Y: make([]byte, 100)}
		sealed, err := export.SealPiece(tmp.Card(), p)
		if err != nil {
			t.Fatal(err)
		}
		pieces = append(pieces, sealed)
	}
	flood, err := export.Seal(mal.me(), []*identity.Card{tmp.Card()}, &export.File{Cells: []export.Cell{}, Pieces: pieces}, export.SealOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, tmp, flood)

	for _, g := range []*Service{bo, cy} {
		if _, err := g.AddContact(tmp.Card().String(), "", true); err != nil {
			t.Fatal(err)
		}
		res, err := g.ReleasePiece(ana.Card().ID(), tmp.Card().ID())
		if err != nil {
			t.Fatal(err)
		}
		mustImport(t, tmp, res.Data)
	}
	if tmp.Card().ID() != ana.Card().ID() {
		p, err := tmp.Recovery()
		t.Fatalf("Bo's and Cy's pieces did not bring Ana's card back after Mal's file: %+v, %v", p, err)
	}
}
