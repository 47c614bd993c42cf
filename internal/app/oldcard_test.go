package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"trustdesk/core"
	"trustdesk/crdt"
)

// TestOldCardVoteOnCellPage: Ana's card is replaced in Night, confirmed
// by her guardians Bo and Cy, on a new computer; her old card, whoever
// holds it, is still a member of Bo's cell Day. On Bo's app, Day's page
// says so and offers the vote, which asks first and puts the old card
// out; Night's page says nothing of it. Set TRUSTDESK_PICTURES to a
// folder to keep a picture of Day's page at 1040×720 and 800×600.
func TestOldCardVoteOnCellPage(t *testing.T) {
	ana, bo, cy, night := anaWithGuardians(t)
	// The old card joins Day, Bo's cell, where her guardians are not in
	// force: nobody there built on them.
	day, err := bo.NewCell("Day")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Admit(day.ID, ana.Card().ID()); err != nil {
		t.Fatal(err)
	}
	carry(t, bo, ana)
	if _, err := ana.JoinCell(day.ID); err != nil {
		t.Fatal(err)
	}
	carry(t, ana, bo)

	tmp, err := core.StartRecovery(t.TempDir(), "Ana", []byte("new laptop"), testCore)
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	for _, g := range []*core.Service{bo, cy} {
		meetBoth(t, tmp, g)
		res, err := g.ReleasePiece(ana.Card().ID(), tmp.Card().ID())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tmp.Import(context.Background(), res.Data); err != nil {
			t.Fatal(err)
		}
	}
	id := tmp.Card().ID()
	res, err := bo.Export(core.ExportRequest{To: &id, Cells: []crdt.CellID{night.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Import(context.Background(), res.Data); err != nil {
		t.Fatal(err)
	}
	if r, err := tmp.ReplaceCard(); err != nil || len(r.Replaced) != 1 {
		t.Fatalf("ReplaceCard = %+v, %v", r, err)
	}
	sum := carry(t, tmp, bo)
	if !strings.Contains(sum.String(), "their old card is still a member of Day") {
		t.Errorf("Bo is told %q", sum)
	}

	a := test.NewTempApp(t)
	u := newUI(a, Options{Home: bo.Home(), Core: testCore})
	u.unlocked(bo)
	t.Cleanup(func() {
		u.wait()
		u.svc = nil // closed by newPerson's cleanup
		u.win.Close()
	})
	s := u.cells
	u.tabs.SelectIndex(2)
	s.selectCell(night.ID)
	if len(s.oldCards.Objects) != 0 {
		t.Errorf("Night's page tells of an old card: %q", labels(s.oldCards))
	}
	s.selectCell(day.ID)
	want := "Ana's old card is still a member here. Their card was replaced in Night (confirmed by their guardians): whoever holds the old card now is not Ana. Vote it out?"
	if got := labels(s.oldCards); !strings.Contains(got, want) {
		t.Fatalf("Day's page says %q, want %q", got, want)
	}
	if len(s.oldCardVotes) != 1 || s.oldCardVotes[0] == nil {
		t.Fatalf("Day's page offers no vote: %v", s.oldCardVotes)
	}
	for _, size := range []fyne.Size{{Width: 1040, Height: 720}, {Width: 800, Height: 600}} {
		checkLayout(t, u.win, size)
		// The test driver lays wrapped labels out at their new width on
		// the next refresh; the real window does on its next frame.
		s.detail.Refresh()
		b := s.oldCardVotes[0]
		if b.Size().Width < b.MinSize().Width || !b.Visible() {
			t.Errorf("%v: the vote button is cut short or hidden", size)
		}
		if dir := os.Getenv("TRUSTDESK_PICTURES"); dir != "" {
			savePicture(t, u.win.Canvas(), filepath.Join(dir, fmt.Sprintf("old-card-%.0fx%.0f.png", size.Width, size.Height)))
		}
	}

	test.Tap(s.oldCardVotes[0])
	if got := dialogText(u); !strings.Contains(got, "Your vote cannot be taken back") {
		t.Fatalf("the vote does not ask first: %q", got)
	}
	tapDialog(t, u, "Vote to exclude")
	u.wait()
	if v, err := bo.FindCell("day"); err != nil || v.IsMember(ana.Card().ID()) {
		t.Fatalf("the old card is still a member of Day after the vote: %v", err)
	}
	if got := labels(s.oldCards); got != "" {
		t.Errorf("after the vote Day's page says %q", got)
	}
}
