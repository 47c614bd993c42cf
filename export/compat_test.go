package export

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

var update = flag.Bool("update", false, "write the current version's sync files into testdata (format changes only)")

// The committed sync files: made by this package when each format version
// was written, to Bo, whose private identity is in testdata/bo.identity (a
// test fixture, never a real person's).
var committed = []string{"testdata/v1.tdsync", "testdata/v1-armored.txt", "testdata/v2.tdsync", "testdata/v2-armored.txt", "testdata/v3.tdsync", "testdata/v3-armored.txt"}

// committedPiece is the recovery piece for Bo in the version 3 files.
var committedPiece = Piece{Kind: KindPiece, Set: SetID{3, 3, 3}, Created: time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC), Need: 2, Of: 3, X: 2, Y: []byte("seven bytes")}

func loadBo(tb testing.TB) *identity.Identity {
	tb.Helper()
	b, err := os.ReadFile("testdata/bo.identity")
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		tb.Fatal(err)
	}
	return must(identity.UnmarshalIdentity(raw))
}

// TestWriteCommitted writes the files of the current format version, to
// the committed Bo, when run with -update. Only do that when the format
// version changes: the files of older versions stay as they are and must
// stay readable.
func TestWriteCommitted(t *testing.T) {
	if !*update {
		t.Skip("run with -update to write testdata")
	}
	created := time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)
	ana := must(identity.New("Ana", created))
	bo := loadBo(t)
	cy := must(identity.New("Cy", created))
	cell := must(crdt.Found(ana, "Night shift", created))
	must(cell.Admit(ana, bo.Card, created))
	must(cell.Admit(ana, cy.Card, created))
	since := cell.Heads()
	must(cell.Rate(ana, cy.Card, crdt.Rating{Safety: 5, Reliability: 4, Day: "2026-11-20", Note: "on time"}, created))
	other := must(crdt.Found(ana, "Market", created))
	must(other.Admit(ana, bo.Card, created))
	f := &File{
		Cells: []Cell{
			{ID: cell.ID(), Heads: cell.Heads(), Since: since, Changes: must(cell.ChangesSince(since))},
			{ID: other.ID(), Heads: other.Heads(), Changes: must(other.ChangesSince(nil))},
		},
		Cards: []*identity.Card{cy.Card},
	}
	// Version 3: a recovery piece from Ana for Bo, one retiring an old set
	// for Cy, and a set Ana holds for one of them.
	piece := committedPiece
	piece.Owner = ana.Card.ID()
	retired := Piece{Kind: KindRetired, Owner: ana.Card.ID(), Set: SetID{2}, Created: created}
	f.Pieces = [][]byte{must(SealPiece(bo.Card, &piece)), must(SealPiece(cy.Card, &retired))}
	f.Held = []SetID{{9, 9, 9}}
	data := must(Seal(ana, []*identity.Card{bo.Card, cy.Card}, f, SealOptions{Now: created}))
	text := must(Armor(data))
	for name, b := range map[string][]byte{
		fmt.Sprintf("testdata/v%d.tdsync", Version):      data,
		fmt.Sprintf("testdata/v%d-armored.txt", Version): text,
	} {
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCommittedFiles keeps opening the sync files made by every earlier
// version of this package: format compatibility.
func TestCommittedFiles(t *testing.T) {
	bo := loadBo(t)
	for _, name := range committed {
		data, err := os.ReadFile(filepath.FromSlash(name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Open(bo, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Sender.Pseudonym != "Ana" || len(f.Recipients) != 2 || len(f.Cards) != 1 || f.Cards[0].Pseudonym != "Cy" {
			t.Errorf("%s: sender %q, %d recipients, %d cards", name, f.Sender.Pseudonym, len(f.Recipients), len(f.Cards))
		}
		if want := time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC); !f.Created.Equal(want) {
			t.Errorf("%s: created %v", name, f.Created)
		}
		if len(f.Cells) != 2 {
			t.Fatalf("%s: %d cells", name, len(f.Cells))
		}
		var incremental, whole int
		for _, c := range f.Cells {
			if len(c.Since) > 0 {
				incremental++
				continue
			}
			whole++
			// The whole cell loads (these bytes are our own fixture;
			// bytes from outside go through crdt.Checker first).
			cell, err := crdt.Load(c.Changes)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if cell.ID() != c.ID || len(cell.State().Members) != 2 {
				t.Errorf("%s: cell %s with %d members", name, cell.ID(), len(cell.State().Members))
			}
		}
		if incremental != 1 || whole != 1 {
			t.Errorf("%s: %d incremental and %d whole cells", name, incremental, whole)
		}
		if !strings.HasPrefix(name, "testdata/v3") {
			if len(f.Pieces) != 0 || len(f.Held) != 0 {
				t.Errorf("%s: recovery entries in a version 2 file", name)
			}
			continue
		}
		if len(f.Pieces) != 2 || len(f.Held) != 1 || f.Held[0] != (SetID{9, 9, 9}) {
			t.Fatalf("%s: %d recovery entries, held %v", name, len(f.Pieces), f.Held)
		}
		var mine []*Piece
		for _, sealed := range f.Pieces {
			p, err := OpenPiece(bo, sealed)
			if errors.Is(err, ErrNotForYou) {
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			mine = append(mine, p)
		}
		want := committedPiece
		want.Owner = f.Sender.ID()
		if len(mine) != 1 || !reflect.DeepEqual(*mine[0], want) {
			t.Errorf("%s: Bo's recovery entries %+v, want %+v", name, mine, want)
		}
	}
}
