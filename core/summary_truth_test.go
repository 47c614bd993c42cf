package core

import (
	"fmt"
	"strings"
	"testing"

	"trustdesk/crdt"
)

// TestSummarySaysMembershipTakenBack: Ana, voted out by the other side
// without their having seen it, admitted Eve meanwhile. On Bo's device
// Eve was a member; the file that excludes Ana sets Ana's admission of
// Eve aside, so Eve is a member no more. The summary says so in plain
// words, as it says who was excluded.
func TestSummarySaysMembershipTakenBack(t *testing.T) {
	summaryAfterAdmissionSetAside(t, true, "member", "Eve is no longer a member")
}

// TestSummarySaysInvitationTakenBack: the same, with Eve invited and not
// yet accepted: her invitation goes with Ana's admission of her.
func TestSummarySaysInvitationTakenBack(t *testing.T) {
	summaryAfterAdmissionSetAside(t, false, "invited", "Eve's invitation no longer counts")
}

// summaryAfterAdmissionSetAside plays the history of the two tests above
// (Eve accepts when accept is set; Bo's device shows her as was before
// Dee's file) and checks that the summary of Dee's file says want.
func summaryAfterAdmissionSetAside(t *testing.T, accept bool, was, want string) {
	t.Helper()
	ana, bo, cy, dee, eve := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy"), newService(t, "Dee"), newService(t, "Eve")
	cell := cellOfAll(t, ana, bo, cy, dee)
	meet(t, ana, eve)
	vote := func(by, against *Service) {
		t.Helper()
		if _, err := by.VoteExclude(cell, against.Card().ID()); err != nil {
			t.Fatal(err)
		}
	}
	// Ana's side: Ana admits Eve, who accepts (or not); Bo takes it in.
	if accept {
		invite(t, ana, eve, cell)
	} else if _, err := ana.Admit(cell, eve.Card().ID()); err != nil {
		t.Fatal(err)
	}
	sendFile(t, ana, bo)
	// The other side: Cy and Dee vote Ana out, without having seen Eve.
	vote(cy, ana)
	sendFile(t, cy, dee)
	vote(dee, ana)
	before := statusesOn(t, bo, cell)
	sum := sendFile(t, dee, bo)
	after := statusesOn(t, bo, cell)
	got := sum.String()
	t.Logf("before %v, after %v: %s", before, after, got)
	if before["Eve"] != was || after["Eve"] != "" {
		t.Fatalf("Eve was %q and is %q on Bo's device: the test needs a history where Ana's admission of her is set aside", before["Eve"], after["Eve"])
	}
	if !strings.Contains(got, want) {
		t.Errorf("Eve went from %s to nothing; the summary %q does not say %q", was, got, want)
	}
}

// TestSummarySaysWhatWasSetAside: Mal, voted out on every other device,
// never hears of it; on his own device he votes against Ana and sends the
// file to Cy, who holds the votes against him. Nothing of it counts on
// Cy's device, and the summary says so plainly, naming Mal, instead of
// "1 vote to exclude" or a bare "1 update".
func TestSummarySaysWhatWasSetAside(t *testing.T) {
	ana, bo, cy, mal := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy"), newService(t, "Mal")
	cell := cellOfAll(t, ana, bo, cy, mal)
	if _, err := ana.VoteExclude(cell, mal.Card().ID()); err != nil {
		t.Fatal(err)
	}
	sendFile(t, ana, bo)
	if _, err := bo.VoteExclude(cell, mal.Card().ID()); err != nil {
		t.Fatal(err)
	}
	sendFile(t, bo, cy)
	// Mal, who has not heard, votes against Ana and sends it to Cy.
	if _, err := mal.VoteExclude(cell, ana.Card().ID()); err != nil {
		t.Fatal(err)
	}
	sum := sendFile(t, mal, cy)
	got := sum.String()
	t.Log(got)
	v, err := cy.FindCell(cell.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Votes()) != 0 {
		t.Fatalf("Mal's vote counts on Cy's device (%d open votes): the test needs a history where it does not", len(v.Votes()))
	}
	if strings.Contains(got, "vote to exclude") {
		t.Errorf("the summary %q counts a vote that does not count", got)
	}
	if !strings.Contains(got, "1 update from Mal does not count because Mal is excluded") {
		t.Errorf("the summary %q does not say that Mal's update does not count", got)
	}
}

// TestSummaryOfThousandsStaysOneSentence: a file that changes the standing
// of thousands of people (a member's fakes, all voted out at once) still
// reads as one short sentence: a few names, then how many others.
func TestSummaryOfThousandsStaysOneSentence(t *testing.T) {
	many := func(prefix string, n int) []Person {
		out := make([]Person, n)
		for i := range out {
			out[i] = Person{Name: fmt.Sprintf("%s%d", prefix, i)}
			out[i].ID[0], out[i].ID[1], out[i].ID[2] = byte(i), byte(i>>8), prefix[0]
		}
		return out
	}
	var aside []SetAside
	for _, p := range many("Mal", 2500) {
		aside = append(aside, SetAside{Person: p, Count: 4, Excluded: true})
	}
	sum := &ImportSummary{From: Person{Name: "Bo"}, NewStatements: 10_000, Cells: []CellChanges{{
		Name: "Night market", NewStatements: 10_000, Excluded: many("Fake", 2500), Undone: many("Back", 2500),
		NoLongerMembers: many("Gone", 2500), SetAside: aside,
		ReplacementRefused: many("Refused", 2500), ReplacementUndone: many("Undone", 2500),
	}}}
	for _, p := range many("Swap", 2500) {
		sum.Cells[0].Replaced = append(sum.Cells[0].Replaced, ReplacedCard{Person: p, Guardians: 3, Rival: true, StillIn: []string{"Day market"}})
	}
	got := sum.String()
	if len(got) > 2000 {
		t.Errorf("the summary of a file that changes thousands of people is %d characters long: %.300s…", len(got), got)
	}
	for _, want := range []string{"Fake0, Fake1, Fake2, Fake3, Fake4 and 2,495 others excluded", "the cards of Swap0", "Refused0", "Undone0", "the exclusions of Back0", "Gone0", "10,000 updates from Mal0, Mal1, Mal2, Mal3, Mal4 and 2,495 others do not count"} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary %q does not say %q", got, want)
		}
	}
	t.Log(got)
}

// TestSummarySaysRulesVote: one member votes for rules under which one
// vote excludes anyone (issue 12, attack 4). The vote alone changes
// nothing, but it is the first step of a takeover: the summary names who
// voted for which rules, instead of "1 update".
func TestSummarySaysRulesVote(t *testing.T) {
	ana, bo, mal := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Mal")
	cell := cellOfAll(t, ana, bo, mal)
	rules := crdt.Policy{AdmitVouches: 1, ExcludeQuorum: 1}
	if _, err := mal.SetPolicy(cell, rules); err != nil {
		t.Fatal(err)
	}
	sum := sendFile(t, mal, bo)
	got := sum.String()
	t.Log(got)
	if want := "Mal voted for new rules (" + RulesSentence(rules) + ")"; !strings.Contains(got, want) {
		t.Errorf("the summary %q does not say %q", got, want)
	}
	if len(sum.Cells) != 1 || sum.Cells[0].Rules != nil {
		t.Errorf("the summary %q says the rules changed; one vote does not change them", got)
	}
}

// cellOfAll has everyone meet everyone, the first found "Night market"
// and invite the others, and send them the cell: the cell's id.
func cellOfAll(t *testing.T, founder *Service, others ...*Service) crdt.CellID {
	t.Helper()
	all := append([]*Service{founder}, others...)
	for i, a := range all {
		for _, b := range all[i+1:] {
			meet(t, a, b)
		}
	}
	cell, err := founder.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range others {
		invite(t, founder, p, cell.ID)
	}
	for _, p := range others {
		sendFile(t, founder, p)
	}
	return cell.ID
}

// sendFile has from make a sync file for to, and to take it in.
func sendFile(t *testing.T, from, to *Service) *ImportSummary {
	t.Helper()
	id := to.Card().ID()
	return mustImport(t, to, mustExport(t, from, ExportRequest{To: &id}))
}

// statusesOn returns everyone's standing in cell on s's device, by name.
func statusesOn(t *testing.T, s *Service, cell crdt.CellID) map[string]string {
	t.Helper()
	v, err := s.FindCell(cell.String())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range v.Members() {
		out[m.Name] = string(m.Status)
	}
	return out
}

// TestSummaryNamesWhoWasInvited: a file that invites someone into my cell
// says whom (a stranger to me, perhaps), not "1 person invited".
func TestSummaryNamesWhoWasInvited(t *testing.T) {
	ana, bo, zed := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Zed")
	cell := cellOfAll(t, ana, bo)
	meet(t, ana, zed)
	if _, err := ana.Admit(cell, zed.Card().ID()); err != nil {
		t.Fatal(err)
	}
	got := sendFile(t, ana, bo).String()
	t.Log(got)
	if !strings.Contains(got, "Zed invited") {
		t.Errorf("the summary %q does not say who was invited", got)
	}
}

// TestSummaryOfMyInvitation: the file that invites me says "an invitation
// for you to join", and never "you invited", which reads as though I had
// invited someone.
func TestSummaryOfMyInvitation(t *testing.T) {
	ana, bo := newService(t, "Ana"), newService(t, "Bo")
	meet(t, ana, bo)
	cell, err := ana.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ana.Admit(cell.ID, bo.Card().ID()); err != nil {
		t.Fatal(err)
	}
	got := sendFile(t, ana, bo).String()
	t.Log(got)
	if !strings.Contains(got, "an invitation for you to join") || strings.Contains(got, "you invited") {
		t.Errorf("the summary %q does not say plainly that you are invited", got)
	}
}

// TestSummaryPhrasesForMe: what a summary says about me reads as about
// me ("your exclusion was undone", "you were excluded"), never "you's".
func TestSummaryPhrasesForMe(t *testing.T) {
	me := Person{Name: "you"}
	me.ID[0] = 1
	for _, c := range []CellChanges{
		{Name: "Night market", NewStatements: 1, Undone: []Person{me}},
		{Name: "Night market", NewStatements: 1, NoLongerMembers: []Person{me}},
		{Name: "Night market", NewStatements: 1, InvitationsEnded: []Person{me}},
		{Name: "Night market", NewStatements: 1, Excluded: []Person{me}},
	} {
		sum := &ImportSummary{From: Person{Name: "Bo"}, NewStatements: 1, Cells: []CellChanges{c}}
		got := sum.String()
		if strings.Contains(got, "you's") || strings.Contains(got, "you is") || strings.Contains(got, "you excluded") {
			t.Errorf("the summary %q speaks of you as of someone else", got)
		}
	}
}

// TestSummarySaysExclusionBeforeWhatStopsCounting: Mal, not yet told he
// is being voted out, votes against Ana and Cy takes it in; then the
// file with the votes that exclude him reaches Cy. The summary says who
// is out first, then what of his no longer counts, once: not "1 update
// from Mal does not count because Mal is excluded and Mal excluded",
// which reads as two events.
func TestSummarySaysExclusionBeforeWhatStopsCounting(t *testing.T) {
	ana, bo, cy, mal := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy"), newService(t, "Mal")
	cell := cellOfAll(t, ana, bo, cy, mal)
	votesAgainst(t, cell, mal, ana)
	sendFile(t, mal, cy)
	votesAgainst(t, cell, ana, mal)
	sendFile(t, ana, bo)
	votesAgainst(t, cell, bo, mal)
	got := sendFile(t, bo, cy).String()
	t.Log(got)
	out, aside := strings.Index(got, "Mal excluded"), strings.Index(got, "1 update from Mal does not count")
	if out < 0 || aside < 0 {
		t.Fatalf("the summary %q does not say that Mal is excluded and his vote no longer counts", got)
	}
	if out > aside || strings.Contains(got, "because Mal is excluded") {
		t.Errorf("the summary %q says what stopped counting before why, or says twice that Mal is excluded", got)
	}
}

// TestSummaryNamesWhoVotedAgainstMe: Mal answers being voted out with
// votes against the people who voted. The summary on Ana's device says
// that Mal voted to exclude her, not only "2 votes to exclude".
func TestSummaryNamesWhoVotedAgainstMe(t *testing.T) {
	ana, bo, cy, mal := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy"), newService(t, "Mal")
	cell := cellOfAll(t, ana, bo, cy, mal)
	votesAgainst(t, cell, mal, ana, bo)
	got := sendFile(t, mal, ana).String()
	if want := "Mal voted to exclude you and 1 vote to exclude someone else in Night market"; !strings.Contains(got, want) {
		t.Errorf("the summary %q does not say %q", got, want)
	}
	if got := sendFile(t, mal, cy).String(); !strings.Contains(got, "2 votes to exclude in") {
		t.Errorf("on Cy's device, against whom nobody voted: %q", got)
	}
}

// votesAgainst records voter's votes to exclude each of subjects in cell.
func votesAgainst(t *testing.T, cell crdt.CellID, voter *Service, subjects ...*Service) {
	t.Helper()
	for _, p := range subjects {
		if _, err := voter.VoteExclude(cell, p.Card().ID()); err != nil {
			t.Fatal(err)
		}
	}
}
