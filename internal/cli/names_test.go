package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttack7NamesResolveSafely is attack 7 of issue 12 with the stock
// command line: Bo publishes a fake card called "Mir" in the cell; after
// Ana's import, "cell admit night mir" must not vouch for it instead of
// Ana's verified contact Mirelda, and acting on the fake card asks first.
func TestAttack7NamesResolveSafely(t *testing.T) {
	ws := pair(t, "Ana", "Bo")
	ana, bo := ws[0], ws[1]
	mirelda := otherCard(t, "Mirelda")
	ana.ok("contact", "add", mirelda.String(), "--verified")
	ana.ok("cell", "new", "Night market")
	ana.ok("cell", "admit", "night", "bo")
	dir := t.TempDir()
	f := filepath.Join(dir, "to-bo")
	ana.ok("export", "--to", "bo", "--out", f)
	bo.ok("import", f)
	bo.ok("cell", "join", "night")

	fake := otherCard(t, "Mir")
	bo.ok("contact", "add", fake.String())
	bo.ok("rate", "mir", "--safety", "5", "--reliability", "5", "--cell", "night")
	f = filepath.Join(dir, "to-ana")
	bo.ok("export", "--to", "ana", "--out", f)
	// The import says that the new card is not Mirelda, in its sentence
	// and, with the card's id, in --json.
	var imp importJSON
	if err := json.Unmarshal([]byte(ana.ok("import", f, "--json")), &imp); err != nil {
		t.Fatal(err)
	}
	if want := "a new card calls itself Mir, like your verified contact Mirelda: they are not the same person"; !strings.Contains(imp.Summary, want) {
		t.Errorf("the import says %q, not %q", imp.Summary, want)
	}
	if want := (namedLikeJSON{Card: "Mir", CardID: fake.ID().String(), Like: "Mirelda"}); len(imp.NamedLike) != 1 || imp.NamedLike[0] != want {
		t.Errorf("import --json: named_like %+v, want %+v", imp.NamedLike, want)
	}

	// The attack: "mir" names both; nothing is admitted.
	msg := ana.fails(1, "cell", "admit", "night", "mir")
	for _, want := range []string{`"Mirelda" (verified in person`, `"Mir" (introduced through a cell`, fake.ID().String()[:8]} {
		if !strings.Contains(msg, want) {
			t.Errorf("admit night mir said %q, want it to list %q", msg, want)
		}
	}
	members := func() int {
		var c cellJSON
		if err := json.Unmarshal([]byte(ana.ok("cell", "show", "night", "--json")), &c); err != nil {
			t.Fatal(err)
		}
		return len(c.Members)
	}
	if n := members(); n != 2 {
		t.Fatalf("after the refused admit: %d members, want 2", n)
	}

	// Naming the fake card by its id: without a terminal and without
	// --yes, refused with a clear sentence.
	fakeID := fake.ID().String()[:12]
	if msg := ana.fails(2, "cell", "admit", "night", fakeID); !strings.Contains(msg, "introduced through a cell") || !strings.Contains(msg, "--yes") {
		t.Fatalf("admit of an introduced card without --yes: %q", msg)
	}
	if msg := ana.fails(2, "export", "--to", fakeID, "--out", filepath.Join(dir, "x")); !strings.Contains(msg, "Mir's card is introduced") {
		t.Fatalf("export to an introduced card without --yes: %q", msg)
	}
	if msg := ana.fails(2, "contact", "verify", fakeID); !strings.Contains(msg, "Mir's card") {
		t.Fatalf("verify of an introduced card without --yes: %q", msg)
	}

	// On a terminal it asks; "no" changes nothing.
	var asked []string
	ana.confirm = func(prompt, answer string) (bool, error) {
		asked = append(asked, prompt)
		return false, nil
	}
	if msg := ana.fails(1, "cell", "admit", "night", fakeID); !strings.Contains(msg, "nothing was changed") {
		t.Fatalf("declined admit: %q", msg)
	}
	if len(asked) != 1 || !strings.Contains(asked[0], "Mir's card is introduced through a cell") || !strings.Contains(asked[0], "Vouch for them anyway?") {
		t.Fatalf("asked %q", asked)
	}
	ana.fails(1, "contact", "verify", fakeID)
	if len(asked) != 2 || !strings.Contains(asked[1], "Safety code: ") || !strings.Contains(asked[1], "Did Mir read you this same code") || strings.Contains(asked[1], "anyway") {
		t.Fatalf("verify asked %q", asked)
	}
	if n := members(); n != 2 {
		t.Fatalf("after the declined admit: %d members, want 2", n)
	}
	// "yes" goes ahead; so does --yes, with a note.
	ana.confirm = func(prompt, answer string) (bool, error) { return answer == "yes", nil }
	ana.ok("cell", "admit", "night", fakeID)
	if n := members(); n != 3 {
		t.Fatalf("after the confirmed admit: %d members, want 3", n)
	}
	ana.confirm = nil
	if r := ana.run("export", "--to", fakeID, "--yes", "--out", filepath.Join(dir, "y")); r.code != 0 || !strings.Contains(r.stderr, "Note: Mir's card is introduced") {
		t.Fatalf("export --yes: exit %d, stderr %q", r.code, r.stderr)
	}
	// The verified contact needs no confirmation at all.
	ana.ok("cell", "admit", "night", "mirelda")
}

// TestLookAlikeCellsDiffer: a second cell named like one of mine is listed
// and shown with its founder and the start of its id.
func TestLookAlikeCellsDiffer(t *testing.T) {
	ws := pair(t, "Ana", "Bo")
	ana, bo := ws[0], ws[1]
	ana.ok("cell", "new", "Night market")
	said := bo.ok("cell", "new", "night  Market")
	fakeID := said[strings.LastIndex(said, "(id ")+4 : strings.LastIndex(said, ")")]
	bo.ok("cell", "admit", fakeID, "ana")
	f := filepath.Join(t.TempDir(), "to-ana")
	bo.ok("export", "--to", "ana", "--out", f)
	ana.ok("import", f)

	list := ana.ok("cell", "list")
	if !strings.Contains(list, "night  Market (founded by Bo · "+fakeID[:4]+")") || !strings.Contains(list, "Night market (founded by you · ") {
		t.Fatalf("cell list = %q", list)
	}
	if show := ana.ok("cell", "show", fakeID); !strings.HasPrefix(show, "night  Market (founded by Bo · "+fakeID[:4]+")") {
		t.Fatalf("cell show = %q", show)
	}
}

// TestAdmitSaysWhatHappens: vouching for someone under the default rules
// invites them; the line says they become a member once they accept (it
// said "they join once 1 members have vouched", which was not true: the
// one vouch was in). The cell list counts "1 member".
func TestAdmitSaysWhatHappens(t *testing.T) {
	ws := pair(t, "Ana", "Bo")
	ana := ws[0]
	ana.ok("cell", "new", "Night market")
	if out := ana.ok("cell", "list"); !strings.Contains(out, " 1 member, you: member") {
		t.Errorf("cell list: %q", out)
	}
	if out := ana.ok("cell", "admit", "night", "bo"); !strings.Contains(out, "You invited Bo to Night market; they become a member once they accept") {
		t.Errorf("admit said %q", out)
	}
	ana.ok("cell", "policy", "night", "--admit-vouches", "2")
	ana.ok("contact", "add", otherCard(t, "Cy").String(), "--verified")
	if out := ana.ok("cell", "admit", "night", "cy"); !strings.Contains(out, "they are invited once 2 members have vouched, and become a member when they accept") {
		t.Errorf("admit with 2 vouches needed said %q", out)
	}
}

// TestActionsNameLookAlikeCells: what the command line says after joining,
// leaving or turning down a cell names it as "cell list" does, so with a
// "Nіght market" (Cyrillic і) beside Ana's "Night market" she can tell
// which one she acted on.
func TestActionsNameLookAlikeCells(t *testing.T) {
	ws := pair(t, "Ana", "Bo")
	ana, bo := ws[0], ws[1]
	ana.ok("cell", "new", "Night market")
	var ids []string
	for range 2 {
		said := bo.ok("cell", "new", "N\u0456ght market")
		id := said[strings.LastIndex(said, "(id ")+4 : strings.LastIndex(said, ")")]
		bo.ok("cell", "admit", id, "ana")
		ids = append(ids, id)
	}
	f := filepath.Join(t.TempDir(), "to-ana")
	bo.ok("export", "--to", "ana", "--out", f)
	ana.ok("import", f)
	for _, out := range []string{ana.ok("cell", "join", ids[0]), ana.ok("cell", "leave", ids[0]), ana.ok("cell", "decline", ids[1])} {
		if !strings.Contains(out, "N\u0456ght market (founded by Bo · ") {
			t.Errorf("said %q", out)
		}
	}
}

// TestPolicyVoteForTheRulesInForce: "cell policy --admit-vouches 1" after
// a vote for one vote to exclude asks for the rules in force, which takes
// the earlier vote back: the command says so, instead of printing only
// the rules (the vote for other rules vanished without a word), and cell
// show and the import summary call it a vote to keep the rules, not a
// vote for new rules. Asking again for the rules in force casts nothing.
func TestPolicyVoteForTheRulesInForce(t *testing.T) {
	ws := pair(t, "Ana", "Bo")
	ana, bo := ws[0], ws[1]
	carry := func(from, to *world) string {
		t.Helper()
		f := filepath.Join(t.TempDir(), "sync")
		from.ok("export", "--to", map[*world]string{ana: "ana", bo: "bo"}[to], "--out", f)
		return to.ok("import", f)
	}
	ana.ok("cell", "new", "Night market")
	ana.ok("cell", "admit", "night", "bo")
	carry(ana, bo)
	bo.ok("cell", "join", "night")
	carry(bo, ana)
	if out := ana.ok("cell", "policy", "night", "--exclude-quorum", "1"); !strings.Contains(out, "Your vote for new rules (1 vouch to join; 1 vote to exclude someone) is in") {
		t.Fatalf("cell policy --exclude-quorum 1 said %q", out)
	}
	out := ana.ok("cell", "policy", "night", "--admit-vouches", "1")
	if !strings.Contains(out, "Your vote for other rules (1 vouch to join; 1 vote to exclude someone) is taken back: you vote to keep the rules as they are.") {
		t.Errorf("cell policy --admit-vouches 1 said %q", out)
	}
	if show := ana.ok("cell", "show", "night"); !strings.Contains(show, "you: keep the rules as they are") || strings.Contains(show, "new rules") {
		t.Errorf("cell show = %q", show)
	}
	var cell cellJSON
	if err := json.Unmarshal([]byte(ana.ok("cell", "show", "night", "--json")), &cell); err != nil {
		t.Fatal(err)
	}
	if len(cell.RulesVotes) != 1 || !cell.RulesVotes[0].Keep || cell.RulesVotes[0].Voter != "you" || cell.RulesVotesNeeded != 2 {
		t.Errorf("cell show --json: rules votes %+v, %d needed", cell.RulesVotes, cell.RulesVotesNeeded)
	}
	if out := ana.ok("cell", "policy", "night", "--admit-vouches", "1"); !strings.Contains(out, "These are the rules of Night market already: nothing to vote for.") {
		t.Errorf("asking again for the rules in force said %q", out)
	}
	if sum := carry(ana, bo); !strings.Contains(sum, "Ana voted to keep the rules as they are") || strings.Contains(sum, "new rules") {
		t.Errorf("Bo's import said %q", sum)
	}
}
