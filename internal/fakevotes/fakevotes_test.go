package fakevotes

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
	"trustdesk/internal/workergate"
)

func TestMain(m *testing.M) { workergate.Main(m) }

var update = flag.Bool("fakevotes.update", false, "make "+backupPath+" again (about ten minutes)")

// A World is the hostile cell and the file that brings it.
type World struct {
	// Founder founded the cell and admitted the recipient and the fakes.
	Founder *identity.Identity
	// Fakes are the people the founder admitted, who accepted.
	Fakes []*identity.Identity
	// Cell is the cell's id.
	Cell crdt.CellID
	// File is a sync file from Founder to the recipient with the whole
	// cell, in which the recipient is invited.
	File []byte
}

// Cell founds the cell "Night market" with Founder, who invites to and
// admits n fakes (n at least 2); fake i votes to exclude fake i+1 and for
// rules of its own, and the last fake votes to exclude to. Every open
// vote is short of the number needed.
func buildCell(to *identity.Card, n int, now time.Time) (*World, error) {
	founder, err := identity.New("Ann", now)
	if err != nil {
		return nil, err
	}
	c, err := crdt.Found(founder, CellName, now)
	if err != nil {
		return nil, err
	}
	if _, err := c.Admit(founder, to, now); err != nil {
		return nil, err
	}
	w := &World{Founder: founder, Fakes: make([]*identity.Identity, n), Cell: c.ID()}
	for i := range w.Fakes {
		if w.Fakes[i], err = identity.New(fmt.Sprintf(FakeName, i), now); err != nil {
			return nil, err
		}
		if _, err := c.Admit(founder, w.Fakes[i].Card, now); err != nil {
			return nil, err
		}
		if _, err := c.Join(w.Fakes[i], now); err != nil {
			return nil, err
		}
	}
	for i, f := range w.Fakes {
		subject := to.ID()
		if i < n-1 {
			subject = w.Fakes[i+1].Card.ID()
		}
		if _, err := c.VoteExclude(f, subject, now); err != nil {
			return nil, err
		}
		rules := crdt.Policy{AdmitVouches: 2 + i%(crdt.MaxPolicyValue-1), ExcludeQuorum: i / (crdt.MaxPolicyValue - 1)}
		if _, err := c.SetPolicy(f, rules, now); err != nil {
			return nil, err
		}
	}
	doc, err := c.Document()
	if err != nil {
		return nil, err
	}
	fc := export.Cell{ID: c.ID(), Heads: c.Heads(), Changes: doc}
	w.File, err = export.Seal(founder, []*identity.Card{to}, &export.File{Cells: []export.Cell{fc}}, export.SealOptions{Now: now})
	return w, err
}

// TestUpdateBackup makes the home of Mara, who met Ann, and Ann's sync
// file to her again with -fakevotes.update.
func TestUpdateBackup(t *testing.T) {
	if !*update {
		t.Skip("run with -fakevotes.update to make " + backupPath + " and " + filePath + " again")
	}
	mara, err := core.Init(t.TempDir(), "Mara", []byte(Passphrase), core.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer mara.Close()
	w, err := buildCell(mara.Card(), N, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mara.AddContact(w.Founder.Card.String(), "", true); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := mara.Backup(&b, []byte(Passphrase)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(backupPath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filePath, w.File, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHome: the committed home holds what the tests that use it count
// on.
func TestHome(t *testing.T) {
	s, err := Home(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cells, err := s.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 1 {
		t.Fatalf("%d cells", len(cells))
	}
	v := cells[0]
	if v.Name != CellName || v.Me != crdt.StatusMember || len(v.Votes()) != N || len(v.PolicyVotes()) != N+1 {
		t.Fatalf("%s: %s, %d votes to exclude, %d on the rules", v.Name, v.Me, len(v.Votes()), len(v.PolicyVotes()))
	}
	mine, against := 0, 0
	for _, vote := range v.Votes() {
		if vote.Mine {
			mine++
		}
		if vote.Subject.ID == s.Card().ID() {
			against++
		}
	}
	if mine != 1 || against != 1 {
		t.Fatalf("%d votes of mine, %d against me", mine, against)
	}
}
