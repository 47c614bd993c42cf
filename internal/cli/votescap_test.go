package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"trustdesk/core"
	"trustdesk/internal/fakevotes"
	"trustdesk/internal/words"
)

// fakesWorld is a world whose home is Mara's in the cell of 2,500 fakes
// (internal/fakevotes).
func fakesWorld(t *testing.T) *world {
	w := newWorld(t)
	s, err := fakevotes.Home(w.home)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	w.vars["TRUSTDESK_PASSPHRASE"] = fakevotes.Passphrase
	return w
}

// TestCellShowCapsThousandsOfVotes: cell show in a cell where 2,500
// fakes each vote to exclude someone and for new rules prints the first
// votes of each kind, mine and the one against me, and how many more;
// --json lists every vote.
func TestCellShowCapsThousandsOfVotes(t *testing.T) {
	w := fakesWorld(t)
	out := w.ok("cell", "show", "night")
	// The votes come after the people.
	_, votes, ok := strings.Cut(out, "\nOpen votes to exclude:")
	if !ok {
		t.Fatalf("cell show lists no votes to exclude: %s", out)
	}
	if lines := strings.Count(votes, "\n"); lines > 60 {
		t.Errorf("cell show prints the votes in %d lines", lines)
	}
	for _, want := range []string{
		fmt.Sprintf("  "+fakevotes.FakeName+": 2 votes of the ", fakevotes.MyVote),
		fmt.Sprintf("  you: %d vouches to join; %d votes", fakevotes.MyRules.AdmitVouches, fakevotes.MyRules.ExcludeQuorum),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("cell show does not print %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^  you: 1 vote of the [\d,]+ needed`).MatchString(out) {
		t.Error("cell show does not print the vote against me")
	}
	for _, c := range []struct {
		what string
		all  int
	}{{"votes to exclude", fakevotes.N}, {"votes on the rules", fakevotes.N + 1}} {
		m := regexp.MustCompile(`  and ([\d,]+) more ` + c.what + ` \(see --json\)\.`).FindStringSubmatch(out)
		if m == nil {
			t.Errorf("cell show does not count the %s it leaves out", c.what)
			continue
		}
		more, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		if shown := c.all - more; shown < core.ShownVotes || shown > core.ShownVotes+2 {
			t.Errorf("cell show lists %d %s of %d", shown, c.what, c.all)
		}
	}
	var cell cellJSON
	if err := json.Unmarshal([]byte(w.ok("cell", "show", "night", "--json")), &cell); err != nil {
		t.Fatal(err)
	}
	if len(cell.Votes) != fakevotes.N || len(cell.RulesVotes) != fakevotes.N+1 {
		t.Errorf("--json lists %d votes to exclude and %d on the rules", len(cell.Votes), len(cell.RulesVotes))
	}
}

// TestCellShowCapsThousandsOfMembers: cell show in a cell of 2,500 fakes
// prints the first people of the cell (me, the founder, the fake I vote
// to exclude and the one who votes to exclude me among them) and how
// many more, not a line for each fake; --json lists everyone.
func TestCellShowCapsThousandsOfMembers(t *testing.T) {
	w := fakesWorld(t)
	out := w.ok("cell", "show", "night")
	people, _, ok := strings.Cut(out, "\nOpen votes to exclude:")
	if !ok {
		t.Fatalf("cell show lists no votes to exclude: %s", out)
	}
	if lines := strings.Count(people, "\n"); lines > 60 {
		t.Errorf("cell show prints the people in %d lines", lines)
	}
	all := fakevotes.N + 2 // the fakes, Ann and me
	for _, want := range []string{
		fmt.Sprintf("  Members (%s):\n", words.Number(all)),
		"\n  you ", "\n  Ann ",
		fmt.Sprintf("\n  "+fakevotes.FakeName+" ", fakevotes.MyVote),
		fmt.Sprintf("\n  "+fakevotes.FakeName+" ", fakevotes.N-1),
		fmt.Sprintf("\n  and %s more members (see --json).\n", words.Number(all-core.ShownMembers)),
	} {
		if !strings.Contains(people, want) {
			t.Errorf("cell show does not print %q", want)
		}
	}
	var cell cellJSON
	if err := json.Unmarshal([]byte(w.ok("cell", "show", "night", "--json")), &cell); err != nil {
		t.Fatal(err)
	}
	if len(cell.Members) != all {
		t.Errorf("--json lists %d people of %d", len(cell.Members), all)
	}
}
