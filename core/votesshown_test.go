package core

import (
	"fmt"
	"testing"

	"trustdesk/identity"
)

// TestVotesShownKeepsMineAndAgainstMe: of thousands of open votes a page
// lists the first ShownVotes and, wherever they come, my own votes and
// the vote to exclude me; it counts the rest.
func TestVotesShownKeepsMineAndAgainstMe(t *testing.T) {
	const n = 2500
	who := func(i int) Person {
		p := Person{Name: fmt.Sprintf("Fake %d", i)}
		p.ID[0], p.ID[1], p.ID[2] = byte(i), byte(i>>8), 1
		return p
	}
	var me identity.ID
	me[0] = 0xff
	d := &cellDetail{}
	for i := range n {
		vote := VoteView{Subject: who(i + 1), Voters: []Person{who(i)}, Needed: 1251}
		pv := PolicyVoteView{Voter: who(i)}
		switch i {
		case 1000:
			vote.Mine = true
			pv.Mine = true
		case 2000:
			vote.Subject = Person{ID: me, Name: "Mara"}
		}
		d.Votes = append(d.Votes, vote)
		d.PolicyVotes = append(d.PolicyVotes, pv)
	}
	v := &CellView{me: me, detail: d}
	votes, more := v.VotesShown()
	if len(votes) != ShownVotes+2 || more != n-ShownVotes-2 {
		t.Fatalf("%d votes to exclude shown, %d more", len(votes), more)
	}
	if !votes[ShownVotes].Mine || votes[ShownVotes+1].Subject.ID != me || votes[0].Voters[0].Name != "Fake 0" {
		t.Errorf("shown: %+v", votes[ShownVotes:])
	}
	pvs, more := v.PolicyVotesShown()
	if len(pvs) != ShownVotes+1 || more != n-ShownVotes-1 || !pvs[ShownVotes].Mine {
		t.Fatalf("%d votes on the rules shown, %d more", len(pvs), more)
	}
	if got := More(more, "vote on the rules", "votes on the rules"); got != "and 2,479 more votes on the rules" {
		t.Errorf("More = %q", got)
	}
	small := &CellView{me: me, detail: &cellDetail{Votes: d.Votes[:3]}}
	if votes, more := small.VotesShown(); len(votes) != 3 || more != 0 {
		t.Errorf("3 votes: %d shown, %d more", len(votes), more)
	}
}
