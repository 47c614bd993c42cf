package crdt

import (
	"context"
	"crypto/sha256"
	"slices"
	"testing"

	"github.com/automerge/automerge-go"

	"trustdesk/identity"
)

// The tests in this file play a malicious relay: someone who holds a copy
// of the cell document and writes into it directly, outside the API, then
// passes the changes on. None of what they write may count.

// relayWrite stores raw under key in c's document, as a relay would.
func relayWrite(t *testing.T, c *Cell, key string, raw []byte) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.doc.Path(keyStatements, key).Set(raw); err != nil {
		t.Fatal(err)
	}
	if _, err := c.doc.Commit("", automerge.CommitOptions{AllowEmpty: true}); err != nil {
		t.Fatal(err)
	}
}

// deliver passes everything relay has to a fresh replica loaded from it.
func deliver(t *testing.T, relay *Cell) *Cell {
	t.Helper()
	return must(Load(relay.Save()))
}

// signAs makes a well-formed statement by author with the given prev.
func signAs(t *testing.T, author *identity.Identity, cell CellID, seq uint64, prev []StatementID, s *Statement) *Statement {
	t.Helper()
	s.Cell, s.Seq, s.Prev, s.Created = cell, seq, prev, t0
	if err := s.Sign(author); err != nil {
		t.Fatal(err)
	}
	return s
}

// rejectedFor returns the reason recorded for key, or "" if it counts.
func rejectedFor(st *State, key string) Reason {
	for _, r := range st.Invalid {
		if r.Key == key {
			return r.Reason
		}
	}
	return ""
}

// reencode returns the envelope of s with content replaced by the
// encoding of its (modified) fields and the old signature kept.
func reencode(t *testing.T, s *Statement) []byte {
	t.Helper()
	content, err := s.encodeContent()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := encMode.Marshal(&wireEnvelope{Content: content, Signature: s.Signature})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func idOf(raw []byte) StatementID { return sha256.Sum256(raw) }

func threeMembers(t testing.TB) (c *Cell, a, b, x *identity.Identity) {
	a, b, x = person(t, 0), person(t, 1), person(t, 2)
	c = must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	admitJoin(c, a, x, t0)
	return c, a, b, x
}

func TestForgedRatingValues(t *testing.T) {
	c, a, b, _ := threeMembers(t)
	orig := must(c.Rate(b, a.Card, rating(1, 1), t0))
	honest := must(Load(c.Save()))
	relay := must(Load(c.Save()))

	forged := *orig
	forged.Rating = rating(5, 5)
	raw := reencode(t, &forged)
	// Stored under its own new id: the signature does not match.
	relayWrite(t, relay, idOf(raw).String(), raw)
	// Stored over the original: the key is not the id of the bytes.
	relayWrite(t, relay, orig.ID().String(), raw)

	fresh := deliver(t, relay)
	st := fresh.State()
	if r := rejectedFor(st, idOf(raw).String()); r != ReasonBadSignature {
		t.Errorf("forged rating under its id: %q", r)
	}
	if r := rejectedFor(st, orig.ID().String()); r != ReasonMalformed {
		t.Errorf("forged rating over the original: %q", r)
	}
	for _, r := range st.Ratings {
		if r.Rating.Safety == 5 {
			t.Errorf("forged rating counts: %+v", r)
		}
	}

	// The honest replica that had the original puts it back.
	if err := honest.ApplyChanges(must(relay.ChangesSince(honest.Heads()))); err != nil {
		t.Fatal(err)
	}
	st = honest.State()
	rs := st.RatingsAbout(a.Card.ID())
	if len(rs) != 1 || rs[0].Statement != orig.ID() || rs[0].Rating.Safety != 1 {
		t.Fatalf("honest replica's ratings after the forgery: %+v", rs)
	}
	// And passing its document on heals the relay's copy too.
	if err := relay.Merge(honest); err != nil {
		t.Fatal(err)
	}
	if len(relay.State().RatingsAbout(a.Card.ID())) != 1 || relay.State().RatingsAbout(a.Card.ID())[0].Statement != orig.ID() {
		t.Fatal("original rating did not come back on merge")
	}
}

func TestForgedOtherCell(t *testing.T) {
	c, a, b, _ := threeMembers(t)
	other := must(Found(a, "Other", t0))
	admitJoin(other, a, b, t0)
	s := must(other.Rate(b, a.Card, rating(1, 1), t0))

	relay := must(Load(c.Save()))
	// Copied as it is: signed for the other cell.
	relayWrite(t, relay, s.ID().String(), s.Bytes())
	// Re-bound: the cell id changed, the signature kept.
	moved := *s
	moved.Cell = c.ID()
	moved.Prev = c.State().Heads
	raw := reencode(t, &moved)
	relayWrite(t, relay, idOf(raw).String(), raw)

	st := deliver(t, relay).State()
	if r := rejectedFor(st, s.ID().String()); r != ReasonWrongCell {
		t.Errorf("copied statement: %q", r)
	}
	if r := rejectedFor(st, idOf(raw).String()); r != ReasonBadSignature {
		t.Errorf("re-bound statement: %q", r)
	}
	if len(st.Ratings) != 0 {
		t.Errorf("ratings count: %+v", st.Ratings)
	}
}

func TestForgedNonMember(t *testing.T) {
	c, a, b, _ := threeMembers(t)
	y, z := person(t, 3), person(t, 4)
	// y's card is in the cell (b rated y), but y is not a member.
	must(c.Rate(b, y.Card, rating(2, 2), t0))
	heads := c.State().Heads
	byY := signAs(t, y, c.ID(), 1, heads, &Statement{Kind: KindRate, Subject: a.Card.ID(), Rating: rating(1, 1)})
	admitByY := signAs(t, y, c.ID(), 2, heads, &Statement{Kind: KindAdmit, Card: z.Card})
	// z's card is nowhere in the cell except in y's admission.
	byZ := signAs(t, z, c.ID(), 1, heads, &Statement{Kind: KindExclude, Subject: a.Card.ID()})
	// A stranger's founding statement for a cell of their own.
	strangerCell := must(Found(z, "Mine", t0))
	found := strangerCell.Statements()[0]

	relay := must(Load(c.Save()))
	for _, s := range []*Statement{byY, admitByY, byZ, found} {
		relayWrite(t, relay, s.ID().String(), s.Bytes())
	}
	st := deliver(t, relay).State()
	for _, s := range []*Statement{byY, admitByY, byZ} {
		if r := rejectedFor(st, s.ID().String()); r != ReasonNoAuthority {
			t.Errorf("%s by a non-member: %q", s.Kind, r)
		}
	}
	if r := rejectedFor(st, found.ID().String()); r != ReasonWrongCell {
		t.Errorf("stranger's founding statement: %q", r)
	}
	if st.IsMember(z.Card.ID()) || len(st.RatingsAbout(a.Card.ID())) != 0 || len(st.Votes) != 0 {
		t.Error("a non-member's statement counts")
	}

	// A statement whose author's card is nowhere in the cell.
	w := person(t, 5)
	byW := signAs(t, w, c.ID(), 1, heads, &Statement{Kind: KindLeave})
	relayWrite(t, relay, byW.ID().String(), byW.Bytes())
	if r := rejectedFor(deliver(t, relay).State(), byW.ID().String()); r != ReasonUnknownAuthor {
		t.Errorf("statement by an unknown author: %q", r)
	}
}

func TestReplayByExcludedMember(t *testing.T) {
	c, a, b, x := threeMembers(t)
	before := c.State().Heads
	must(c.VoteExclude(a, x.Card.ID(), t0))
	must(c.VoteExclude(b, x.Card.ID(), t0))
	if m, _ := c.State().Member(x.Card.ID()); m.Status != StatusExcluded {
		t.Fatal("x not excluded")
	}
	// x, still holding their key, backdates statements: prev from before
	// the exclusion, so they look concurrent with it.
	back1 := signAs(t, x, c.ID(), 1, before, &Statement{Kind: KindRate, Subject: a.Card.ID(), Rating: rating(1, 1)})
	back2 := signAs(t, x, c.ID(), 2, before, &Statement{Kind: KindAdmit, Card: person(t, 6).Card})
	back3 := signAs(t, x, c.ID(), 3, before, &Statement{Kind: KindExclude, Subject: b.Card.ID()})
	// And one after, with the current heads.
	after := signAs(t, x, c.ID(), 4, c.State().Heads, &Statement{Kind: KindRate, Subject: b.Card.ID(), Rating: rating(1, 1)})

	relay := must(Load(c.Save()))
	for _, s := range []*Statement{back1, back2, back3, after} {
		relayWrite(t, relay, s.ID().String(), s.Bytes())
	}
	st := deliver(t, relay).State()
	for _, s := range []*Statement{back1, back2, back3} {
		if r := rejectedFor(st, s.ID().String()); r != ReasonExcluded {
			t.Errorf("backdated %s: %q", s.Kind, r)
		}
	}
	if r := rejectedFor(st, after.ID().String()); r != ReasonNoAuthority && r != ReasonExcluded {
		t.Errorf("statement after exclusion: %q", r)
	}
	if len(st.Ratings) != 0 || st.IsMember(person(t, 6).Card.ID()) || !st.IsMember(b.Card.ID()) {
		t.Errorf("an excluded member's statement counts: %+v", st)
	}

	// Replaying one of x's own earlier, genuine statements changes nothing:
	// it has the same id.
	relay2 := must(Load(c.Save()))
	first := c.Statements()
	for _, s := range first {
		relayWrite(t, relay2, s.ID().String(), s.Bytes())
	}
	if deliver(t, relay2).State().Digest() != c.State().Digest() {
		t.Error("replaying genuine statements changed the state")
	}
}

func TestDeletedStatement(t *testing.T) {
	c, a, b, _ := threeMembers(t)
	r1 := must(c.Rate(b, a.Card, rating(1, 2), t0))
	honest := must(Load(c.Save()))
	relay := must(Load(c.Save()))
	must(relay.Rate(a, b.Card, rating(3, 3), t0)) // builds on r1
	relay.mu.Lock()
	if err := relay.doc.Path(keyStatements).Map().Delete(r1.ID().String()); err != nil {
		t.Fatal(err)
	}
	if err := relay.commit(); err != nil {
		t.Fatal(err)
	}
	relay.mu.Unlock()

	// A replica that only sees the relay's copy detects the gap: the
	// statement built on r1 is held as missing prev.
	st := deliver(t, relay).State()
	if n := len(st.Ratings); n != 0 {
		t.Errorf("fresh replica counts %d ratings", n)
	}
	found := false
	for _, r := range st.Invalid {
		if r.Reason == ReasonMissingPrev && r.Kind == KindRate {
			found = true
		}
	}
	if !found {
		t.Errorf("deletion not detected: %+v", st.Invalid)
	}

	// The honest replica that had r1 keeps it: it comes back, whether the
	// changes are applied directly or through the checking worker.
	checked := must(Load(honest.Save()))
	chunk := must(relay.ChangesSince(honest.Heads()))
	if err := honest.ApplyChanges(chunk); err != nil {
		t.Fatal(err)
	}
	st = honest.State()
	if len(st.Ratings) != 2 || len(st.Invalid) != 0 {
		t.Fatalf("honest replica: ratings %+v invalid %+v", st.Ratings, st.Invalid)
	}
	if _, err := testChecker(t).ApplyUntrusted(context.Background(), checked, chunk); err != nil {
		t.Fatal(err)
	}
	if st := checked.State(); len(st.Ratings) != 2 || len(st.Invalid) != 0 {
		t.Fatalf("checked replica: ratings %+v invalid %+v", st.Ratings, st.Invalid)
	}
	if again := must(Load(checked.Save())); again.State().Digest() != checked.State().Digest() {
		t.Fatal("the checked replica's document does not hold what it shows")
	}
	// Sending it back restores the relay's copy for everyone.
	fresh := must(Load(must(honest.ChangesSince(nil))))
	if !slices.ContainsFunc(fresh.State().Ratings, func(r RatingRecord) bool { return r.Statement == r1.ID() }) {
		t.Fatal("deleted statement did not come back")
	}
}
