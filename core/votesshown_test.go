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
	votes, more := v.VotesShown(known)
	var got []string
	for _, vote := range votes {
		got = append(got, vote.Subject.Name)
	}
	want := fmt.Sprint([]string{"Fake 1001", "Mara", "Fake 101", "Fake 301", "Fake 1501", "Fake 1502", "Fake 1503", "Fake 1504", "Fake 1505"})
	if fmt.Sprint(got) != want || more != n-len(votes) {
		t.Errorf("votes to exclude shown: %v, %d more; want %v", got, more, want)
	}
	pvs, more := v.PolicyVotesShown()
	if len(pvs) != 1+ShownVotes || !pvs[0].Mine || pvs[1].Policy != near || more != n-1-ShownVotes {
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
	if votes, more := small.VotesShown(nil); len(votes) != ShownVotes || more != 0 {
		t.Errorf("%d votes: %d shown, %d more", ShownVotes, len(votes), more)
	}
	if pvs, more := small.PolicyVotesShown(); len(pvs) != ShownVotes || more != 0 {
		t.Errorf("%d votes on the rules: %d shown, %d more", ShownVotes, len(pvs), more)
	}
}
