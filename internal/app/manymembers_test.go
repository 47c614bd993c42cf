package app

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/internal/fakevotes"
	"trustdesk/internal/words"
)

// fakesPage opens the app on Mara's home in the cell of 2,500 fakes
// (internal/fakevotes) and returns its cells screen.
func fakesPage(tb testing.TB) *cellsScreen {
	home := tb.TempDir()
	svc, err := fakevotes.Home(home)
	if err != nil {
		tb.Fatal(err)
	}
	return cellsPage(tb, home, svc, fakevotes.CellName)
}

// cellsPage opens the app on svc, the unlocked home in the folder home,
// and returns its cells screen, which must show the cell named name.
func cellsPage(tb testing.TB, home string, svc *core.Service, name string) *cellsScreen {
	u := newUI(test.NewTempApp(tb), Options{Home: home, Core: cellTestOptions})
	u.unlocked(svc)
	u.win.Resize(fyne.NewSize(1000, 720))
	tb.Cleanup(func() {
		u.wait()
		svc.Close()
		u.win.Close()
	})
	if s := u.cells; s.selected == nil || s.selected.Name != name {
		tb.Fatalf("the cell %q is not shown", name)
	}
	return u.cells
}

// TestCellPageOfThousandsOfMembers: a member who admits 2,500 fakes does
// not make the cell page a wall of 2,500 rows (each a button, a label and
// bars, seconds to lay out): the page lists the first few dozen, me, the
// founder, the fake I vote against and the fake who votes against me
// (fake 2499) among them, then "and 2,472 more members" with a button that opens
// all of them in a list that builds only the rows in sight; tapping one
// opens their page.
func TestCellPageOfThousandsOfMembers(t *testing.T) {
	s := fakesPage(t)
	if n := len(s.memberRows); n > 60 {
		t.Fatalf("the page builds %d member rows", n)
	}
	names := map[string]bool{}
	for _, r := range s.memberRows {
		names[r.name.Text] = true
	}
	me := s.u.svc.Card().Pseudonym + " (you)"
	for _, want := range []string{me, "Ann", fmt.Sprintf(fakevotes.FakeName, fakevotes.MyVote), fmt.Sprintf(fakevotes.FakeName, fakevotes.N-1)} {
		if !names[want] {
			t.Errorf("the page does not list %q", want)
		}
	}
	if s.memberRows[0].name.Text != me {
		t.Errorf("the first row is %q, not me", s.memberRows[0].name.Text)
	}
	all := fakevotes.N + 2 // the fakes, Ann and me
	more := "and " + words.Number(all-core.ShownMembers) + " more members"
	if !strings.Contains(labels(s.members), more) {
		t.Errorf("the page does not say %q", more)
	}
	if len(s.showAll) != 1 {
		t.Fatalf("%d buttons open a whole group", len(s.showAll))
	}
	test.Tap(s.showAll[0])
	l := s.allPeople
	if l == nil {
		t.Fatal("the button opens no list")
	}
	if n := l.Length(); n != all {
		t.Errorf("the list holds %d people of %d", n, all)
	}
	_, group := s.selected.MembersShown(nil, crdt.StatusMember)
	l.Select(all - 1)
	if s.u.person == nil || s.u.person.id != group[all-1].ID {
		t.Error("tapping the last person does not open their page")
	}
}

// BenchmarkCellPageOfFakes measures showing the page of the cell of
// 2,500 fakes: the page built and laid out.
func BenchmarkCellPageOfFakes(b *testing.B) {
	s := fakesPage(b)
	v := s.selected
	for b.Loop() {
		s.show(v)
		s.detail.Resize(s.detail.MinSize())
	}
}
