package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"trustdesk/core"
	"trustdesk/internal/fakevotes"
	"trustdesk/internal/fewvotes"
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
// the cell's page does, the votes that concern me first (mine and the
// one against me; my vote on the rules), then others until ShownVotes
// are listed of both kinds together, and one line that counts the rest;
// --json lists every vote.
func TestCellShowListsTheVotesThatConcernMe(t *testing.T) {
	w := fakesWorld(t)
	out := w.ok("cell", "show", "night")
	// The votes come after the people.
	_, votes, ok := strings.Cut(out, "\nOpen votes to exclude, those that concern you first:\n")
	if !ok {
		t.Fatalf("cell show lists no votes to exclude that concern me: %s", out)
	}
	// ShownVotes rows, a title for each kind, blank lines between.
	listed, _, _ := strings.Cut(votes, " other open votes")
	if lines := strings.Count(listed, "\n"); lines > core.ShownVotes+3 {
		t.Errorf("cell show prints the votes in %d lines: %s", lines, votes)
	}
	for _, want := range []string{
		fmt.Sprintf("  "+fakevotes.FakeName+": 2 votes of the ", fakevotes.MyVote),
		fmt.Sprintf("\nOpen votes on the rules, those that concern you first (1,252 needed for the same rules):\n  you: %d vouches to join; %d votes", fakevotes.MyRules.AdmitVouches, fakevotes.MyRules.ExcludeQuorum),
		"\n" + core.OtherVotes(2*fakevotes.N+1-core.ShownVotes) + " (see --json).\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("cell show does not print %q: %s", want, votes)
		}
	}
	if !strings.HasPrefix(votes, fmt.Sprintf("  "+fakevotes.FakeName+": ", fakevotes.MyVote)) {
		t.Error("the votes to exclude do not start with mine")
	}
	if !regexp.MustCompile(`(?m)^  you: 1 vote of the [\d,]+ needed`).MatchString(out) {
		t.Error("cell show does not print the vote against me")
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
	people, _, ok := strings.Cut(out, "\nOpen votes to exclude")
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

// TestCellShowListsTheVotesOfASmallCell: cell show in an ordinary cell
// with one open vote on the rules more than the page lists, none about
// me, prints ShownVotes of them, as the cell's page does, and "1 other
// open vote"; it does not say they concern me.
func TestCellShowListsTheVotesOfASmallCell(t *testing.T) {
	w := newWorld(t)
	s, err := fewvotes.Home(w.home, t.TempDir(), core.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	w.vars["TRUSTDESK_PASSPHRASE"] = fewvotes.Passphrase
	out := w.ok("cell", "show", fewvotes.CellName)
	_, votes, ok := strings.Cut(out, "\nOpen votes on the rules (")
	if !ok || strings.Contains(out, "concern you") {
		t.Fatalf("cell show does not list the votes on the rules, or says they concern me: %s", out)
	}
	if n := strings.Count(votes, "\n  Person "); n != core.ShownVotes {
		t.Errorf("cell show lists %d votes on the rules of %d, want %d: %s", n, fewvotes.N, core.ShownVotes, votes)
	}
	if !strings.Contains(votes, "\n\n1 other open vote (see --json).\n") {
		t.Errorf("cell show does not end with the vote it leaves out: %s", out)
	}
}
