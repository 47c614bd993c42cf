package app

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/internal/fakevotes"
)

// TestCellPageCapsThousandsOfVotes: a member who admits 2,500 fakes that
// each vote to exclude someone and for new rules makes a cell page of a
// few dozen lines, not thousands: the first votes of each kind, then
// how many more; my own votes and the vote to exclude me are always on
// it, wherever they come in the list.
func TestCellPageCapsThousandsOfVotes(t *testing.T) {
	s := fakesPage(t)
	text := s.votes.Text
	if lines := strings.Count(text, "\n") + 1; lines > 60 {
		t.Errorf("the page lists the votes in %d lines", lines)
	}
	r := fakevotes.MyRules
	for _, want := range []string{
		fmt.Sprintf(fakevotes.FakeName+": 2 of ", fakevotes.MyVote), // my vote, beside a fake's
		"\nyou: 1 of ", // the vote against me
		fmt.Sprintf("you: %d vouches to join; %d votes", r.AdmitVouches, r.ExcludeQuorum), // my vote on the rules
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q: %s", want, text)
		}
	}
	// Every vote is on the page or counted: N to exclude (mine joins a
	// fake's), N+1 on the rules.
	for _, c := range []struct {
		what string
		all  int
	}{{"votes to exclude", fakevotes.N}, {"votes on the rules", fakevotes.N + 1}} {
		m := regexp.MustCompile(`and ([\d,]+) more ` + c.what + `\.`).FindStringSubmatch(text)
		if m == nil {
			t.Errorf("the page does not count the %s it leaves out: %s", c.what, text)
			continue
		}
		more, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		if shown := c.all - more; shown < core.ShownVotes || shown > core.ShownVotes+2 {
			t.Errorf("the page lists %d %s of %d", shown, c.what, c.all)
		}
	}
}

// BenchmarkVotesLabel measures setting and measuring the cell page's
// label of open votes in the cell of 2,500 fakes: "all" with a line for
// every vote, as the page did before it listed the first ShownVotes of
// each kind, "shown" as it does now.
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
		{"shown", votesText(v) + rulesVotesText(v)},
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
