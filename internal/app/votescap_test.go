package app

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"trustdesk/core"
	"trustdesk/internal/fakevotes"
)

// TestCellPageCapsThousandsOfVotes: a member who admits 2,500 fakes that
// each vote to exclude someone and for new rules makes a cell page of a
// few dozen lines, not thousands: the first votes of each kind, then
// how many more; my own votes and the vote to exclude me are always on
// it, wherever they come in the list.
func TestCellPageCapsThousandsOfVotes(t *testing.T) {
	home := t.TempDir()
	svc, err := fakevotes.Home(home)
	if err != nil {
		t.Fatal(err)
	}
	u := newUI(test.NewTempApp(t), Options{Home: home, Core: cellTestOptions})
	u.unlocked(svc)
	u.win.Resize(fyne.NewSize(1000, 720))
	t.Cleanup(func() {
		u.wait()
		svc.Close()
		u.win.Close()
	})
	s := u.cells
	if s.selected == nil || s.selected.Name != fakevotes.CellName {
		t.Fatal("the cell of fakes is not shown")
	}
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
		m := regexp.MustCompile(`and (\d+) more ` + c.what + `\.`).FindStringSubmatch(text)
		if m == nil {
			t.Errorf("the page does not count the %s it leaves out: %s", c.what, text)
			continue
		}
		more, _ := strconv.Atoi(m[1])
		if shown := c.all - more; shown < core.ShownVotes || shown > core.ShownVotes+2 {
			t.Errorf("the page lists %d %s of %d", shown, c.what, c.all)
		}
	}
}
