package app

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/internal/fakevotes"
	"trustdesk/internal/fewvotes"
	"trustdesk/internal/words"
)

// TestCellPageOfThousandsOfVotesShowsPeopleFirst: a member who admits
// 2,500 fakes that each vote to exclude someone and for new rules does
// not push the people of the cell off the first screen, even in the
// window a 1366×768 screen leaves with large text: the page lists the
// votes that concern me first (mine, beside a fake's, and the one
// against me; my vote on the rules), then others until ShownVotes rows
// are listed of both kinds together, then one line that counts the rest
// with a button that opens every vote in a list that builds only the
// rows in sight.
func TestCellPageOfThousandsOfVotesShowsPeopleFirst(t *testing.T) {
	s := fakesPage(t)
	u := s.u
	u.tabs.SelectIndex(2)
	u.win.Resize(largeTextScreen)
	s.scroll.ScrollToTop()
	text := s.votes.Text
	// A title for each kind, a blank line between, ShownVotes rows.
	if lines := strings.Count(text, "\n") + 1; lines > core.ShownVotes+3 {
		t.Errorf("the page lists the votes in %d lines: %s", lines, text)
	}
	r := fakevotes.MyRules
	for _, want := range []string{
		fmt.Sprintf("Open votes to exclude, those that concern you first:\n"+fakevotes.FakeName+": 2 of ", fakevotes.MyVote), // my vote, beside a fake's
		"\nyou: 1 of ", // the vote against me
		fmt.Sprintf("Open votes on the rules, those that concern you first (they change when %s members vote for the same rules):\nyou: %d vouches to join; %d votes", words.Number(s.selected.PolicyVotesNeeded), r.AdmitVouches, r.ExcludeQuorum), // my vote on the rules
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q: %s", want, text)
		}
	}
	all := fakevotes.N + fakevotes.N + 1 // to exclude (mine joins a fake's), on the rules
	other := core.OtherVotes(all - core.ShownVotes)
	if !s.otherVotes.Visible() || !strings.Contains(labels(s.otherVotes), other) {
		t.Errorf("the page does not say %q", other)
	}
	d := fyne.CurrentApp().Driver()
	height := u.win.Canvas().Size().Height
	if len(s.memberRows) == 0 {
		t.Fatal("no member rows")
	}
	first := s.memberRows[0].status
	if y := d.AbsolutePositionForObject(first).Y; y <= 0 || y+first.Size().Height > height {
		t.Errorf("the first member is at %.0f to %.0f, not in the window's %.0f\n%s", y, y+first.Size().Height, height, text)
	}
	if s.showAllVotes == nil || s.showAllVotes.Text != "Show all "+words.Count(all, "open vote", "open votes") {
		t.Fatalf("no button opens every vote: %v", s.showAllVotes)
	}
	test.Tap(s.showAllVotes)
	l := s.allVotes
	if l == nil {
		t.Fatal("the button opens no list")
	}
	if n := l.Length(); n != all {
		t.Errorf("the list holds %d votes of %d", n, all)
	}
	// The list opens on the votes the page shows, mine first (a fake's
	// vote comes first in the cell's order), and each row opens the page
	// of whom the vote is about or, on the rules, of who cast it.
	v := s.selected
	votes := v.VotesOnPage(u.svc.OwnContactTest()).Votes
	if v.Votes()[0].Subject.ID == votes[0].Subject.ID {
		t.Fatal("my vote is first in the cell's order too: the list's order is not tested")
	}
	l.Select(0)
	if u.person == nil || u.person.id != votes[0].Subject.ID {
		t.Error("the list of every vote does not open on mine")
	}
	test.Tap(s.showAllVotes)
	rules := v.PolicyVotes()
	last := rules[len(rules)-1].Voter.ID
	s.allVotes.Select(all - 1)
	if u.person == nil || u.person.id != last {
		t.Error("tapping a vote on the rules does not open the page of who cast it")
	}
}

// TestSmallCellPageShowsItsVotes: in an ordinary cell with a few open votes
// on the rules, more than a page lists, none about me, the page lists
// ShownVotes of them, not "5 open votes, none about you" and nothing (as it did),
// then one line that counts the others with the button that opens them all.
func TestSmallCellPageShowsItsVotes(t *testing.T) {
	home := t.TempDir()
	svc, err := fewvotes.Home(home, t.TempDir(), cellTestOptions)
	if err != nil {
		t.Fatal(err)
	}
	s := cellsPage(t, home, svc, fewvotes.CellName)
	s.u.tabs.SelectIndex(2)
	text := s.votes.Text
	_, rules, ok := strings.Cut(text, "\nOpen votes on the rules (")
	if !s.votes.Visible() || !ok || strings.Contains(text, "concern you") {
		t.Fatalf("the page does not list the votes on the rules, or says they concern me: %q", text)
	}
	_, rows, _ := strings.Cut(rules, "\n")
	if n := strings.Count(rows, "\n") + 1; n != core.ShownVotes || strings.Count("\n"+rows, "\nPerson ") != n {
		t.Errorf("the page lists %d votes of %d, want %d: %s", n, fewvotes.N, core.ShownVotes, rows)
	}
	if !s.otherVotes.Visible() || strings.TrimSpace(labels(s.otherVotes)) != core.OtherVotes(fewvotes.N-core.ShownVotes) {
		t.Errorf("the line under the votes says %q", labels(s.otherVotes))
	}
	if s.showAllVotes == nil || s.showAllVotes.Text != fmt.Sprintf("Show all %d open votes", fewvotes.N) {
		t.Fatalf("no button opens every vote: %v", s.showAllVotes)
	}
	test.Tap(s.showAllVotes)
	if s.allVotes == nil || s.allVotes.Length() != fewvotes.N {
		t.Error("the button does not list every vote")
	}
}

// BenchmarkVotesLabel measures setting and measuring the cell page's
// label of open votes in the cell of 2,500 fakes: "all" with a line for
// every vote, as the page did before it listed only some, "shown"
// as it does now (those that concern me, then others up to ShownVotes).
func BenchmarkVotesLabel(b *testing.B) {
	home := b.TempDir()
	svc, err := fakevotes.Home(home)
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	v, err := svc.FindCell(fakevotes.CellName)
	if err != nil {
		b.Fatal(err)
	}
	var all []string
	for _, vote := range v.Votes() {
		all = append(all, fmt.Sprintf("%s: %d of %d needed votes to exclude (%s)", vote.Subject.Name, len(vote.Voters), vote.Needed, core.Names(vote.Voters)))
	}
	for _, pv := range v.PolicyVotes() {
		all = append(all, pv.Voter.Name+": "+pv.Words())
	}
	test.NewTempApp(b)
	for _, c := range []struct{ name, text string }{
		{"all", strings.Join(all, "\n")},
		{"shown", shownVotesText(v)},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			l.Resize(fyne.NewSize(600, 100))
			for b.Loop() {
				l.SetText(c.text)
				l.MinSize()
				l.SetText("")
			}
		})
	}
}

// shownVotesText is the text of the votes label of v's page.
func shownVotesText(v *core.CellView) string {
	return pageVotesText(v, v.VotesOnPage(nil))
}
