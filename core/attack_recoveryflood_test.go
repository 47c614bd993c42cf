package core

import (
	"bytes"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
	"trustdesk/store"
)

// TestAttackRecoveryFloodedByOneFile: a device getting its card back
// takes pieces from whoever sends them, and keeps at most
// maxRecoveryPieces. One file from anyone who learned the temporary card
// (a message in a group asking the guardians for help), carrying that
// many made-up pieces, filled the record for good: the guardians' real
// pieces, released after it, were dropped without a word and the card
// never came back. Each sender now counts for one piece, its latest.
func TestAttackRecoveryFloodedByOneFile(t *testing.T) {
	ana, tmp, guardians := recoveringAna(t)
	mal := newService(t, "Mal")
	meet(t, tmp, mal) // someone the person met, or only pieces from those would count
	var pieces [][]byte
	for i := range 2 * maxRecoveryPieces {
		pieces = append(pieces, sealPiece(t, tmp, madeUpPiece(ana.Card().ID(), i)))
	}
	flood, err := export.Seal(mal.me(), []*identity.Card{tmp.Card()}, &export.File{Cells: []export.Cell{}, Pieces: pieces}, export.SealOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, tmp, flood)
	releaseAll(t, ana, tmp, guardians)
}

// TestAttackRecoveryFilledByARing: with one piece kept per sender, a
// ring of made-up cards, each sending a file of its own with one
// made-up piece, still filled the maxRecoveryPieces kept for good, and
// the guardians' pieces released after them were dropped. The pieces
// received last are kept now: the ring's files would have to come in
// after the guardians', that many of them.
func TestAttackRecoveryFilledByARing(t *testing.T) {
	ana, tmp, guardians := recoveringAna(t)
	for i := range maxRecoveryPieces + 3 {
		fake := metFake(t, tmp, i)
		mustImport(t, tmp, pieceFile(t, fake, tmp, madeUpPiece(ana.Card().ID(), i)))
	}
	releaseAll(t, ana, tmp, guardians)
}

// recoveringAna returns Ana, who chose Bo and Cy as her guardians (two
// of them needed), a device getting her card back, and her guardians.
func recoveringAna(t *testing.T) (ana, tmp *Service, guardians []*Service) {
	t.Helper()
	ana = newService(t, "Ana")
	bo, cy := newService(t, "Bo"), newService(t, "Cy")
	meet(t, ana, bo)
	meet(t, ana, cy)
	chooseGuardians(t, ana, bo, cy)
	tmp, err := StartRecovery(t.TempDir(), "Ana", []byte("new laptop"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tmp.Close() })
	return ana, tmp, []*Service{bo, cy}
}

// metFake returns a made-up card (number i) that tmp verified in person:
// the attacks on how many pieces a device keeps and tries assume the
// person was made to meet every card of the ring, since pieces from
// anyone else are not taken at all (TestAttackRecoveryByAStrangersCard).
func metFake(t *testing.T, tmp *Service, i int) *identity.Identity {
	t.Helper()
	fake, err := identity.New(fmt.Sprintf("Fake %d", i), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.AddContact(fake.Card.String(), "", true); err != nil {
		t.Fatal(err)
	}
	return fake
}

// madeUpPiece returns a piece of a made-up split (number i) of owner's
// card.
func madeUpPiece(owner identity.ID, i int) *export.Piece {
	return &export.Piece{Kind: export.KindPiece, Owner: owner, Set: export.SetID{byte(i), byte(i >> 8), 7},
		Created: time.Now(), Need: 2, Of: 3, X: 1, Y: make([]byte, 100)}
}

// sealPiece returns p sealed for tmp.
func sealPiece(t *testing.T, tmp *Service, p *export.Piece) []byte {
	t.Helper()
	sealed, err := export.SealPiece(tmp.Card(), p)
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

// pieceFile returns a sync file from from to tmp carrying p.
func pieceFile(t *testing.T, from *identity.Identity, tmp *Service, p *export.Piece) []byte {
	t.Helper()
	file := &export.File{Cells: []export.Cell{}, Pieces: [][]byte{sealPiece(t, tmp, p)}}
	data, err := export.Seal(from, []*identity.Card{tmp.Card()}, file, export.SealOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// releaseAll has each guardian release their piece of ana's card to tmp,
// and checks that the card came back.
func releaseAll(t *testing.T, ana, tmp *Service, guardians []*Service) {
	t.Helper()
	for _, g := range guardians {
		meet(t, g, tmp)
		mustImport(t, tmp, released(t, g, ana, tmp))
	}
	if tmp.Card().ID() != ana.Card().ID() {
		p, err := tmp.Recovery()
		t.Fatalf("the guardians' pieces did not bring Ana's card back: %+v, %v", p, err)
	}
}

// TestAttackRecoveryPiecesOfTheRealSet: the id of a split is no secret
// to the people in a cell of its owner (a guardian's file to the cell
// lists it as held), so a ring of made-up cards can send made-up pieces
// of the real split, one each. A device getting the card back tried at
// most maxCombinations subsets of the pieces per file, the pieces
// received first first: with three pieces needed, the subsets of the
// ring's pieces used it up before any subset of the guardians' pieces
// received after them. The subsets of the pieces received last are
// tried first now.
func TestAttackRecoveryPiecesOfTheRealSet(t *testing.T) {
	ana := newService(t, "Ana")
	guardians := []*Service{newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di")}
	var ids []identity.ID
	for _, g := range guardians {
		meet(t, ana, g)
		ids = append(ids, g.Card().ID())
	}
	if _, err := ana.SetGuardians(ids, 3); err != nil {
		t.Fatal(err)
	}
	for _, g := range guardians {
		sendTo(t, ana, g)
		sendTo(t, g, ana)
	}
	var set export.SetID
	err := guardians[0].db.View(func(tx *store.Tx) error {
		owner := ana.Card().ID()
		h, err := getRecord[heldRecord](tx, bucketHeld, owner[:])
		if err == nil && h != nil {
			copy(set[:], h.Set)
		}
		return err
	})
	if err != nil || set == (export.SetID{}) {
		t.Fatalf("Bo holds no piece of Ana's: %v", err)
	}
	tmp, err := StartRecovery(t.TempDir(), "Ana", []byte("new laptop"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	for i := range maxRecoveryPieces - len(guardians) {
		fake := metFake(t, tmp, i)
		p := &export.Piece{Kind: export.KindPiece, Owner: ana.Card().ID(), Set: set, Created: time.Now(), Need: 3, Of: 3,
			X: uint8(1 + i%3), Y: bytes.Repeat([]byte{byte(i + 1)}, 100),
			Confirm: fake.Sign(crdt.ConfirmMessage(ana.Card().ID(), tmp.Card()))}
		mustImport(t, tmp, pieceFile(t, fake, tmp, p))
	}
	releaseAll(t, ana, tmp, guardians)
	st, err := tmp.Guardians()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Guardians) != len(guardians) || st.Need != 3 {
		t.Errorf("the card got back has %d guardians, %d needed; want Bo, Cy and Di, 3 needed", len(st.Guardians), st.Need)
	}
	if r, err := tmp.Replacement(); err != nil || r.Confirmed != len(guardians) {
		t.Errorf("the replacement of the card says %+v guardians confirmed it, %v; want Bo, Cy and Di", r, err)
	}
}

// TestRecoveryKeepsTheLatest: the pieces kept are those of the last
// maxRecoveryPieces senders, one each, in the order received; a piece
// received again moves to the end, as it was.
func TestRecoveryKeepsTheLatest(t *testing.T) {
	piece := func(from, y int) recoveryPiece {
		return recoveryPiece{From: []byte{byte(from), byte(from >> 8)}, Set: []byte{1}, X: 1, Y: []byte{byte(y)}}
	}
	var r recoveryRecord
	for i := range maxRecoveryPieces + 2 {
		r.keep(piece(i, i))
	}
	r.keep(piece(5, 5))    // received again
	r.keep(piece(2000, 5)) // the same piece from someone else
	r.keep(piece(10, 200)) // another piece of a sender kept
	var from []int
	for _, p := range r.Pieces {
		from = append(from, int(p.From[0])|int(p.From[1])<<8)
	}
	var want []int
	for i := 2; i < maxRecoveryPieces+2; i++ {
		if i != 5 && i != 10 {
			want = append(want, i)
		}
	}
	want = append(want, 5, 10)
	if !slices.Equal(from, want) || r.Pieces[len(r.Pieces)-1].Y[0] != 200 {
		t.Fatalf("kept the pieces of %v, want %v", from, want)
	}
}

// TestAttackRecoveryByAStrangersCard: anyone who learned the temporary
// card (a message in a group asking the guardians for help) could send it
// one piece of a split of a card of their own, named as the person, one
// piece needed: the device took that card as the one got back, with keys
// the stranger holds, and then refused the guardians' files. A device
// getting its card back now takes pieces only from people it verified in
// person: the guardians the person met. The stranger's piece is not taken,
// the summary says so, and the guardians' pieces bring the card back.
func TestAttackRecoveryByAStrangersCard(t *testing.T) {
	ana, tmp, guardians := recoveringAna(t)
	fake, err := identity.New("Ana", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	secret, err := fake.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	p := &export.Piece{Kind: export.KindPiece, Owner: fake.Card.ID(), Set: export.SetID{9}, Created: time.Now(), Need: 1, Of: 1, X: 1, Y: secret}
	sum := mustImport(t, tmp, pieceFile(t, fake, tmp, p))
	if tmp.Card().ID() == fake.Card.ID() {
		t.Fatal("the device took a stranger's card as the one got back")
	}
	if !strings.Contains(sum.String(), "the recovery piece from Ana was not taken: you have not met them in person") {
		t.Errorf("the summary does not say the piece was not taken: %q", sum.String())
	}
	if p, err := tmp.Recovery(); err != nil || p.Need != 0 {
		t.Errorf("the stranger's piece counts: %+v, %v", p, err)
	}
	releaseAll(t, ana, tmp, guardians)
}

// TestRecoveryPieceFromAGuardianNotMet: a guardian's file taken in
// before the person met them on this computer brings nothing (and says
// why); once the person verified them in person, the same file counts.
func TestRecoveryPieceFromAGuardianNotMet(t *testing.T) {
	ana, tmp, guardians := recoveringAna(t)
	bo := guardians[0]
	if _, err := bo.AddContact(tmp.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	res := released(t, bo, ana, tmp)
	sum := mustImport(t, tmp, res)
	if !strings.Contains(sum.String(), "the recovery piece from Bo was not taken") {
		t.Errorf("summary: %q", sum.String())
	}
	if p, err := tmp.Recovery(); err != nil || p.Received != 0 {
		t.Fatalf("a piece from someone not met counts: %+v, %v", p, err)
	}
	if _, err := tmp.AddContact(bo.Card().String(), "", false); err != nil {
		t.Fatal(err)
	}
	if mustImport(t, tmp, res); tmp.Card().ID() == ana.Card().ID() {
		t.Fatal("bug in test: one piece brought the card back")
	}
	if p, err := tmp.Recovery(); err != nil || p.Received != 0 {
		t.Fatalf("a piece from a card that came by message counts: %+v, %v", p, err)
	}
	meet(t, tmp, bo)
	sum = mustImport(t, tmp, res)
	if p := sum.Recovery.Progress; p == nil || p.Received != 1 || sum.Recovery.Unmet != "" {
		t.Fatalf("Bo's piece once met: %q", sum.String())
	}
}

// TestDamagedRecoveryRecord: the record of the pieces a device getting
// its card back has received, damaged on disk (one bit), kept every
// import failing, the guardians' files too, and the progress from being
// shown: the device could never get the card back. It now reads as no
// piece received yet: the guardians' files, imported again, bring the
// card back.
func TestDamagedRecoveryRecord(t *testing.T) {
	ana, tmp, guardians := recoveringAna(t)
	meet(t, guardians[0], tmp)
	res := released(t, guardians[0], ana, tmp)
	if sum := mustImport(t, tmp, res); sum.Recovery.Progress.Received != 1 {
		t.Fatalf("bug in test: the piece did not count: %q", sum.String())
	}
	home := tmp.home
	tmp.Close()
	damageRecord(t, home, bucketRecovery)
	again, err := Unlock(home, []byte("new laptop"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	if p, err := again.Recovery(); err != nil || p.Received != 0 {
		t.Errorf("progress with the record damaged: %+v, %v; want no piece received", p, err)
	}
	releaseAll(t, ana, again, guardians)
}

// TestRecoveryPiecesOfSomeoneNotMetDropped: pieces kept before this
// version (which took them from anyone) or from someone blocked since
// count for nothing: the progress and the card got back use only those
// of people met in person and not blocked.
func TestRecoveryPiecesOfSomeoneNotMetDropped(t *testing.T) {
	ana, tmp, guardians := recoveringAna(t)
	bo := guardians[0]
	meet(t, bo, tmp)
	res := released(t, bo, ana, tmp)
	if sum := mustImport(t, tmp, res); sum.Recovery.Progress.Received != 1 {
		t.Fatalf("Bo's piece: %q", sum.String())
	}
	if _, err := tmp.SetBlocked(bo.Card().ID(), true); err != nil {
		t.Fatal(err)
	}
	if p, err := tmp.Recovery(); err != nil || p.Received != 0 {
		t.Fatalf("a piece of someone blocked since counts: %+v, %v", p, err)
	}
	// A piece kept by an earlier version from a sender not met.
	stranger, err := identity.New("Cy", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = tmp.db.Update(func(tx *store.Tx) error {
		r, err := getRecovery(tx)
		if err != nil {
			return err
		}
		id, owner := stranger.Card.ID(), ana.Card().ID()
		r.Pieces = append(r.Pieces, recoveryPiece{From: id[:], Owner: owner[:], Set: []byte{1}, Need: 1, Of: 1, X: 1, Y: []byte{1}})
		return putRecord(tx, bucketRecovery, keyRecovery, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := tmp.Recovery(); err != nil || p.Received != 0 {
		t.Fatalf("a piece kept from someone not met counts: %+v, %v", p, err)
	}
}

// TestDamagedHeldPiece: the record of the piece Bo holds for Ana,
// damaged on disk (one bit), kept every file between Bo and Ana failing.
// It now reads as no piece held: Bo's next file (to Night, their cell) no
// longer lists Ana's set, so Ana's next file carries the piece again and
// Bo holds it once more.
func TestDamagedHeldPiece(t *testing.T) {
	ana, bo, _, _, _, _ := guardiansInForce(t)
	if st, err := ana.Guardians(); err != nil || reached(st) != 3 {
		t.Fatalf("bug in test: the pieces did not arrive: %+v, %v", st, err)
	}
	home := bo.home
	bo.Close()
	damageRecord(t, home, bucketHeld)
	bo, err := Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bo.Close() })
	sendTo(t, bo, ana)
	if st, err := ana.Guardians(); err != nil || reached(st) != 2 {
		t.Fatalf("Ana does not see that one guardian lost the piece: %+v, %v", st, err)
	}
	if sum := sendTo(t, ana, bo); sum.Recovery.HeldFor != "Ana" {
		t.Fatalf("Ana's piece did not go to Bo again: %q", sum.String())
	}
	if held, err := bo.HeldPieces(); err != nil || len(held) != 1 {
		t.Fatalf("Bo holds %+v, %v; want Ana's piece", held, err)
	}
	sendTo(t, bo, ana)
	if st, err := ana.Guardians(); err != nil || reached(st) != 3 {
		t.Fatalf("after Bo's next file: %+v, %v", st, err)
	}
}

// reached counts the guardians who have the piece.
func reached(st *GuardianStatus) int {
	n := 0
	for _, g := range st.Guardians {
		if g.Reached {
			n++
		}
	}
	return n
}

// damageRecord flips one bit in the middle of the one record of bucket in
// the closed home, on disk.
func damageRecord(t *testing.T, home, bucket string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(home, "trustdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var body []byte
	if err := db.QueryRow("SELECT body FROM records WHERE bucket = ?", bucket).Scan(&body); err != nil {
		t.Fatal(err)
	}
	body[len(body)/2] ^= 1
	if _, err := db.Exec("UPDATE records SET body = ? WHERE bucket = ?", body, bucket); err != nil {
		t.Fatal(err)
	}
}

// released returns the sync file in which guardian g releases their piece
// of ana's card to tmp.
func released(t *testing.T, g, ana, tmp *Service) []byte {
	t.Helper()
	res, err := g.ReleasePiece(ana.Card().ID(), tmp.Card().ID())
	if err != nil {
		t.Fatal(err)
	}
	return res.Data
}
