package core

import (
	"slices"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// TestMembersShownPutsMyOwnPeopleFirst: in a group too long to list, the
// first people listed are me, the founder, the fake I vote against and
// my own contact, before the thousands of fakes who all vote against
// me; a short group keeps its order; the groups of other standings
// hold none of the members.
func TestMembersShownPutsMyOwnPeopleFirst(t *testing.T) {
	id := func(i int) identity.ID { var x identity.ID; x[0], x[1] = byte(i), byte(i>>8); x[2] = 1; return x }
	const n = 2500
	me, founder, target, friend := id(n-1), id(7), id(900), id(2000)
	v := &CellView{Founder: Person{ID: founder}, me: me, detail: &cellDetail{}}
	against := VoteView{Subject: Person{ID: me}}
	for i := range n {
		v.detail.Members = append(v.detail.Members, MemberView{ID: id(i), Status: crdt.StatusMember, IsMe: id(i) == me})
		if id(i) != me && id(i) != friend {
			against.Voters = append(against.Voters, Person{ID: id(i)})
		}
	}
	v.detail.Votes = []VoteView{against, {Subject: Person{ID: target}, Mine: true}}
	shown, all := v.MembersShown(func(x identity.ID) bool { return x == friend }, crdt.StatusMember)
	if len(all) != n || len(shown) != ShownMembers {
		t.Fatalf("%d shown of %d", len(shown), len(all))
	}
	for i, want := range []identity.ID{me, founder, target, friend, id(0), id(1)} {
		if shown[i].ID != want {
			t.Errorf("row %d is %x, not %x", i, shown[i].ID[:2], want[:2])
		}
	}
	if shown, _ := v.MembersShown(nil, crdt.StatusExcluded, crdt.StatusLeft); len(shown) != 0 {
		t.Errorf("%d former members", len(shown))
	}
	v.detail.Members = v.detail.Members[:ShownMembers]
	if shown, all := v.MembersShown(nil, crdt.StatusMember); !slices.Equal(memberIDs(shown), memberIDs(v.detail.Members)) || len(all) != ShownMembers {
		t.Error("a short group is not listed in its order")
	}
}

func memberIDs(ms []MemberView) []identity.ID {
	out := make([]identity.ID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}
