package crdt

import (
	"context"
	"slices"
	"testing"
)

// TestPrecheckFindsStatements checks that the early look finds every new
// statement of a change chunk, and only statements of the cell.
func TestPrecheckFindsStatements(t *testing.T) {
	c, a, b, x := threeMembers(t)
	heads := c.Heads()
	var want []StatementID
	for i := range 30 {
		s := must(c.Rate(a, b.Card, Rating{Safety: 1 + i%5, Reliability: 3, Note: "a note of some length to vary sizes", Tags: []string{"late"}, Day: "2026-11-20"}, t0))
		want = append(want, s.ID())
	}
	want = append(want, must(c.VoteExclude(b, x.Card.ID(), t0)).ID())
	chunk := must(c.ChangesSince(heads))
	found := findStatements(c.ID(), chunk, nil)
	if len(found) != len(want) {
		t.Fatalf("found %d statements, want %d", len(found), len(want))
	}
	for _, id := range want {
		if found[id] == nil {
			t.Fatalf("statement %s not found", id)
		}
	}
	if other := must(Found(a, "Other", t0)); len(findStatements(other.ID(), chunk, nil)) != 0 {
		t.Fatal("statements of another cell found")
	}
	// Damaged bytes: whatever is found is a well-formed statement of the
	// cell (decoded in full), never a panic.
	for i := range chunk {
		d := slices.Clone(chunk)
		d[i] ^= 0x55
		for _, p := range findStatements(c.ID(), d, nil) {
			if p.stmt.Cell != c.ID() || p.stmt.id != idOf(p.stmt.raw) {
				t.Fatal("found something that is not a statement of the cell")
			}
		}
	}
}

// TestPrecheckNeverVouchesForForgeries checks that a statement with a bad
// signature, found early, still does not count, and that the early checks
// are used for the good ones.
func TestPrecheckNeverVouchesForForgeries(t *testing.T) {
	c, a, b, _ := threeMembers(t)
	base := must(Load(c.Save()))
	heads := c.Heads()
	good := must(c.Rate(a, b.Card, rating(4, 4), t0))
	forged := signAs(t, a, c.ID(), 99, []StatementID{good.ID()}, &Statement{Kind: KindRate, Subject: b.Card.ID(), Rating: rating(1, 1)})
	forged.Signature = slices.Clone(forged.Signature)
	forged.Signature[0] ^= 1
	raw := reencode(t, forged)
	c.mu.Lock()
	if err := c.doc.Path(keyStatements).Map().Set(idOf(raw).String(), raw); err != nil {
		t.Fatal(err)
	}
	if err := c.commit(); err != nil {
		t.Fatal(err)
	}
	c.mu.Unlock()
	chunk := must(c.ChangesSince(heads))

	pre := base.precheck(chunk, nil)
	if p := pre[good.ID()]; p == nil || p.key == nil {
		t.Fatal("the good statement was not checked early")
	}
	if p := pre[idOf(raw)]; p == nil || p.key != nil {
		t.Fatalf("the forged statement: %+v", p)
	}
	next, err := testChecker(t).Extend(context.Background(), base, chunk)
	if err != nil {
		t.Fatal(err)
	}
	// The early checks are used, then dropped, by the work check that
	// derives the new state (SCHEMA §4.6).
	st := next.State()
	if got := rejectedFor(st, idOf(raw).String()); got != ReasonBadSignature {
		t.Fatalf("forged statement: %q", got)
	}
	if got := rejectedFor(st, good.ID().String()); got != "" {
		t.Fatalf("good statement: %q", got)
	}
	if next.preKeys != nil {
		t.Fatal("early checks kept after the state was derived")
	}
}

// FuzzFindStatements checks that the early look at bytes from outside
// never panics and finds only well-formed statements of the cell.
func FuzzFindStatements(f *testing.F) {
	c, a, b, _ := threeMembers(f)
	heads := c.Heads()
	must(c.Rate(a, b.Card, rating(3, 3), t0))
	f.Add(must(c.ChangesSince(heads)))
	f.Add(c.Save())
	id := c.ID()
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, p := range findStatements(id, in, nil) {
			if p.stmt.Cell != id || p.stmt.id != idOf(p.stmt.raw) {
				t.Fatal("found something that is not a statement of the cell")
			}
		}
	})
}
