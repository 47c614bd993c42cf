package core

import (
	"fmt"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// TestVotesShownListsWhatConcernsMe: of thousands of open votes a page
// lists only those that concern me, wherever they come: mine, the one
// against me, those against a contact of mine or someone I vouched for,
// and (at most ShownVotes of) those one more vote would decide; it
// counts the rest. A cell of a few votes lists them all.
func TestVotesShownListsWhatConcernsMe(t *testing.T) {
	const n = 2500
	who := func(i int) Person {
		p := Person{Name: fmt.Sprintf("Fake %d", i)}
		p.ID[0], p.ID[1], p.ID[2] = byte(i), byte(i>>8), 1
		return p
	}
	var me identity.ID
	me[0] = 0xff
	mara := Person{ID: me, Name: "Mara"}
	d := &cellDetail{Members: []MemberView{{ID: who(301).ID, VouchedBy: []Person{mara}}}}
	near := crdt.Policy{AdmitVouches: 2}
	for i := range n {
		vote := VoteView{Subject: who(i + 1), Voters: []Person{who(i)}, Needed: 1251}
		pv := PolicyVoteView{Voter: who(i), Policy: crdt.Policy{AdmitVouches: 3, ExcludeQuorum: i}}
		switch {
		case i == 1000:
			vote.Mine = true
			pv.Mine = true
		case i == 2000:
			vote.Subject = mara
		case i >= 1500 && i < 1510: // ten one vote from deciding
			vote.Needed = 2
			pv.Policy = near
		}
		d.Votes = append(d.Votes, vote)
		d.PolicyVotes = append(d.PolicyVotes, pv)
	}
	// Fake 101 is a contact; I vouched for Fake 301 (the vote by Fake 300).
	known := func(id identity.ID) bool { return id == who(101).ID }
	v := &CellView{me: me, detail: d, PolicyVotesNeeded: 11}
	page := v.VotesOnPage(known)
	votes, concern, more := page.Votes, page.VotesConcern, page.OtherVotes
	var got []string
	for _, vote := range votes {
		got = append(got, vote.Subject.Name)
	}
	want := fmt.Sprint([]string{"Fake 1001", "Mara", "Fake 101", "Fake 301", "Fake 1501", "Fake 1502", "Fake 1503", "Fake 1504"})
	// Eight concern me, more than ShownVotes: none is dropped for room.
	if fmt.Sprint(got) != want || concern != len(votes) || more != n-len(votes) {
		t.Errorf("votes to exclude shown: %v (%d concern me), %d more; want %v", got, concern, more, want)
	}
	pvs, concern, more := page.Rules, page.RulesConcern, page.OtherRules
	if len(pvs) != 1+ShownVotes || concern != len(pvs) || !pvs[0].Mine || pvs[1].Policy != near || more != n-1-ShownVotes {
		t.Errorf("%d votes on the rules shown (%+v), %d more", len(pvs), pvs, more)
	}
	// Every vote, those shown first, each once.
	allVotes, allRules := v.AllVotes(known)
	if len(allVotes) != n || allVotes[0].Subject.Name != "Fake 1001" || allVotes[len(votes)].Subject.Name != "Fake 1" {
		t.Errorf("every vote to exclude: %d, starting %v then %v", len(allVotes), allVotes[0].Subject.Name, allVotes[len(votes)].Subject.Name)
	}
	if len(allRules) != n || !allRules[0].Mine || allRules[len(pvs)].Voter.Name != "Fake 0" {
		t.Errorf("every vote on the rules: %d, starting %+v", len(allRules), allRules[0])
	}
	seen := map[identity.ID]bool{}
	for _, vote := range allVotes {
		seen[vote.Subject.ID] = true
	}
	if len(seen) != n {
		t.Errorf("every vote to exclude lists %d people of %d", len(seen), n)
	}
	if got := More(2479, "vote on the rules", "votes on the rules"); got != "and 2,479 more votes on the rules" {
		t.Errorf("More = %q", got)
	}
	small := &CellView{me: me, detail: &cellDetail{Votes: d.Votes[:ShownVotes], PolicyVotes: d.PolicyVotes[:ShownVotes]}}
	if p := small.VotesOnPage(nil); len(p.Votes) != ShownVotes || p.OtherVotes != 0 || len(p.Rules) != ShownVotes || p.OtherRules != 0 {
		t.Errorf("%d votes of each kind: %d and %d shown, %d and %d more", ShownVotes, len(p.Votes), len(p.Rules), p.OtherVotes, p.OtherRules)
	}
}

// TestVotesShownFillsThePage: a cell of a few more than ShownVotes open
// votes of a kind, none about me, lists ShownVotes of them in their
// order and counts one other, not "none about you" and an empty page.
// The room is shared: with as many votes on the rules too, those to
// exclude fill it and the rules' are counted; a kind listed in full
// takes none of it. With two that concern me, those come first and
// others fill what is left in order. The list of every vote opens on
// the same ones.
func TestVotesShownFillsThePage(t *testing.T) {
	who := func(i int) Person {
		p := Person{Name: fmt.Sprintf("P%d", i)}
		p.ID[0], p.ID[1] = byte(i), 2
		return p
	}
	var me identity.ID
	me[0] = 0xff
	d := &cellDetail{}
	for i := range ShownVotes + 1 {
		d.Votes = append(d.Votes, VoteView{Subject: who(i), Voters: []Person{who(i + 1)}, Needed: 4})
		d.PolicyVotes = append(d.PolicyVotes, PolicyVoteView{Voter: who(i), Policy: crdt.Policy{AdmitVouches: 1, ExcludeQuorum: i + 2}})
	}
	v := &CellView{me: me, detail: d, PolicyVotesNeeded: 4}
	names := func(votes []VoteView) string {
		var s []string
		for _, vote := range votes {
			s = append(s, vote.Subject.Name)
		}
		return fmt.Sprint(s)
	}
	page := v.VotesOnPage(nil)
	votes, concern, more := page.Votes, page.VotesConcern, page.OtherVotes
	if got := names(votes); got != "[P0 P1 P2 P3]" || concern != 0 || more != 1 {
		t.Errorf("%d votes, none about me: shown %v (%d concern me), %d more", ShownVotes+1, got, concern, more)
	}
	if got := OtherVotes(more); got != "1 other open vote" {
		t.Errorf("OtherVotes(1) = %q", got)
	}
	if got := ConcernFirst(concern, more); got != "" {
		t.Errorf("with none about me the title adds %q", got)
	}
	if len(page.Rules) != 0 || page.OtherRules != ShownVotes+1 {
		t.Errorf("votes on the rules beside %d to exclude: %d shown, %d more", ShownVotes+1, len(page.Rules), page.OtherRules)
	}
	rulesOnly := &CellView{me: me, detail: &cellDetail{PolicyVotes: d.PolicyVotes}, PolicyVotesNeeded: 4}
	page = rulesOnly.VotesOnPage(nil)
	pvs, concern, more := page.Rules, page.RulesConcern, page.OtherRules
	if len(pvs) != ShownVotes || pvs[0].Voter.Name != "P0" || pvs[ShownVotes-1].Voter.Name != "P3" || concern != 0 || more != 1 {
		t.Errorf("%d votes on the rules alone, none about me: %d shown (%d concern me), %d more", ShownVotes+1, len(pvs), concern, more)
	}
	fewRules := &CellView{me: me, detail: &cellDetail{Votes: d.Votes, PolicyVotes: d.PolicyVotes[:ShownVotes]}, PolicyVotesNeeded: 4}
	if p := fewRules.VotesOnPage(nil); len(p.Votes) != ShownVotes || p.OtherVotes != 1 {
		t.Errorf("beside %d votes on the rules, all listed: %d to exclude shown, %d more", ShownVotes, len(p.Votes), p.OtherVotes)
	}

	// Two more votes, one mine and one against me, at the end.
	d.Votes = append(d.Votes,
		VoteView{Subject: who(10), Voters: []Person{{ID: me}}, Needed: 4, Mine: true},
		VoteView{Subject: Person{ID: me, Name: "Me"}, Voters: []Person{who(11)}, Needed: 4})
	page = v.VotesOnPage(nil)
	votes, concern, more = page.Votes, page.VotesConcern, page.OtherVotes
	if got := names(votes); got != "[P10 Me P0 P1]" || concern != 2 || more != 3 {
		t.Errorf("7 votes, 2 about me: shown %v (%d concern me), %d more", got, concern, more)
	}
	if got := ConcernFirst(concern, more); got != ", those that concern you first" {
		t.Errorf("with two about me the title adds %q", got)
	}
	all, _ := v.AllVotes(nil)
	if got := names(all); got != "[P10 Me P0 P1 P2 P3 P4]" {
		t.Errorf("every vote: %v", got)
	}
}
