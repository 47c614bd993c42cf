package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
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

// TestCellShowListsTheVotesThatConcernMe: cell show in a cell where
// 2,500 fakes each vote to exclude someone and for new rules prints, as
// the cell's page does, the votes that concern me (mine and the one
// against me; my vote on the rules) and one line that counts the
// others; --json lists every vote.
func TestCellShowListsTheVotesThatConcernMe(t *testing.T) {
	w := fakesWorld(t)
	out := w.ok("cell", "show", "night")
	// The votes come after the people.
	_, votes, ok := strings.Cut(out, "\nOpen votes to exclude that concern you:")
	if !ok {
		t.Fatalf("cell show lists no votes to exclude that concern me: %s", out)
	}
	if lines := strings.Count(votes, "\n"); lines > 12 {
		t.Errorf("cell show prints the votes in %d lines: %s", lines, votes)
	}
	for _, want := range []string{
		fmt.Sprintf("  "+fakevotes.FakeName+": 2 votes of the ", fakevotes.MyVote),
		fmt.Sprintf("  you: %d vouches to join; %d votes", fakevotes.MyRules.AdmitVouches, fakevotes.MyRules.ExcludeQuorum),
		"\n" + words.Count(2*fakevotes.N+1-3, "other open vote", "other open votes") + " (see --json).\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("cell show does not print %q: %s", want, votes)
		}
	}
	if !regexp.MustCompile(`(?m)^  you: 1 vote of the [\d,]+ needed`).MatchString(out) {
		t.Error("cell show does not print the vote against me")
	}
	if strings.Contains(votes, fmt.Sprintf(fakevotes.FakeName+":", 1)) {
		t.Error("cell show prints a vote that does not concern me")
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
	people, _, ok := strings.Cut(out, "\nOpen votes to exclude that concern you:")
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
