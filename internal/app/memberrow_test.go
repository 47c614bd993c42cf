package app

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"trustdesk/core"
	"trustdesk/crdt"
)

// TestMemberRowLabelsBarsBesideLongNames: in a cell's member list, a
// look-alike's long label ("Mirelda Okonkwo (verified in person ·
// 1a2b3c4d)") is shown whole, the name on the first line and what tells
// them apart first on the line under it, and the bars beside the name
// keep their words ("Safety", "Reliability") in a small laptop's window,
// 1280×720 and 1024×600; the bars of all rows line up. Set
// TRUSTDESK_PICTURES to a folder to keep a picture of each size there.
func TestMemberRowLabelsBarsBesideLongNames(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.cells
	v, err := w.mara.NewCell("Garden")
	if err != nil {
		t.Fatal(err)
	}
	long, alike := newSomeone(t, "Mirelda Okonkwo"), newSomeone(t, "MIRELDA OKONKWO")
	for i, p := range []string{long.Card().String(), alike.Card().String()} {
		res, err := w.mara.AddContact(p, "", i == 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.mara.Admit(v.ID, res.Contact.ID()); err != nil {
			t.Fatal(err)
		}
		if _, err := w.mara.Rate(res.Contact.ID(), crdtRating(4, 3), []crdt.CellID{v.ID}); err != nil {
			t.Fatal(err)
		}
	}
	u.changed()
	u.tabs.SelectIndex(2)
	s.selectCell(v.ID)
	if len(s.memberRows) != 3 {
		t.Fatalf("%d member rows", len(s.memberRows))
	}
	for _, size := range []fyne.Size{{Width: 1280, Height: 720}, {Width: 1024, Height: 600}} {
		u.win.Resize(size)
		if dir := os.Getenv("TRUSTDESK_PICTURES"); dir != "" {
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("member-rows-%.0fx%.0f.png", size.Width, size.Height)))
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, u.win.Canvas().Capture()); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		d := fyne.CurrentApp().Driver()
		right := d.AbsolutePositionForObject(s.memberRows[0].bars.reliability).X
		for _, r := range s.memberRows {
			if r.name.Size().Width < r.name.MinSize().Width {
				t.Errorf("%v: the name %q is cut short", size, r.name.Text)
			}
			if r.id != w.mara.Card().ID() && (!strings.EqualFold(r.name.Text, "Mirelda Okonkwo") ||
				!strings.HasPrefix(r.status.Text, "verified in person · ") && !strings.HasPrefix(r.status.Text, "not verified · ")) {
				t.Errorf("%v: the row says %q, then %q", size, r.name.Text, r.status.Text)
			}
			if r.status.Size().Width < labelWidth(r.status) {
				t.Errorf("%v: %q is cut short", size, r.status.Text)
			}
			if !r.bars.safetyWord.Visible() || !r.bars.reliabilityWord.Visible() {
				t.Errorf("%v: the bars beside %q lost their words", size, r.name.Text)
			}
			if x := d.AbsolutePositionForObject(r.bars.reliability).X; x != right {
				t.Errorf("%v: the bars beside %q stand at %.0f, the first row's at %.0f", size, r.name.Text, x, right)
			}
		}
	}
}

// TestMemberRowNamesLookAlikesShortly: a row's "vouched for by" and
// "voted out by" name a look-alike with how their card was checked and
// the start of its id in a few words, so the line fits a row; two
// look-alikes still read differently.
func TestMemberRowNamesLookAlikesShortly(t *testing.T) {
	s := &cellsScreen{}
	ines := core.Person{Name: "Ines (verified in person · 0686a3a9)"}
	fake := core.Person{Name: "lnes (introduced through a cell · 7b2c01de)"}
	bo := core.Person{Name: "Bo"}
	_, line := s.memberWords(&core.CellView{}, core.MemberView{Name: "Kit", Status: crdt.StatusMember,
		ExcludedBy: []core.Person{fake}, VouchedBy: []core.Person{ines, bo}})
	const want = "member · voted out by lnes (through a cell · 7b2c01de) · vouched for by Ines (in person · 0686a3a9) and Bo"
	if line != want {
		t.Errorf("the row says %q\n             want %q", line, want)
	}
}
