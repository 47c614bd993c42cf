package reputation

import (
	"math"
	"testing"
)

// TestPraiseNeedsKnowledge checks the model's last step: praise weighs as
// much as the viewer knows its rater, in person or through ratings,
// shared among everyone a rater rated, passing nothing from a voucher to
// whom they vouched for or to someone trusted more than the rater; low
// marks keep their weight.
func TestPraiseNeedsKnowledge(t *testing.T) {
	// The viewer verified a in person; a vouched for b and c (each
	// trusted 0.32).
	w := newWorld()
	w.verify("a")
	w.member("cell", "a", StatusMember)
	w.member("cell", "b", StatusMember, "a")
	w.member("cell", "c", StatusMember, "a")
	w.rate("cell", "a", "x", 5, 5, 0)
	w.rate("cell", "b", "x", 5, 5, 0)
	w.rate("cell", "c", "x", 1, 1, 0)
	check := func(r, settled *Result, name string, f float64) {
		t.Helper()
		got, was := ratingBy(t, person(t, r, "x"), name), ratingBy(t, person(t, settled, "x"), name)
		why := ""
		if f < 1 {
			why = WhyKnownLittle
		}
		if !near(got.Weight, f*was.Weight) || got.Why != why || was.Weight <= 0 {
			t.Errorf("%s's rating of x weighs %v (%q), want %v × %v (%q)", name, got.Weight, got.Why, f, was.Weight, why)
		}
	}
	// The viewer rated nobody: a, met in person, is known as much as
	// trusted, b not at all; c's low mark counts whatever the viewer
	// knows of c.
	r, settled := w.compute(), w.settled()
	check(r, settled, "a", 1)
	check(r, settled, "b", 0)
	check(r, settled, "c", 1)
	if x := person(t, r, "x"); x.Raters != 2 || x.Flags != 1 {
		t.Errorf("x: %d raters, %d flags, want 2 and 1", x.Raters, x.Flags)
	}
	// Rating a, b and c shares what the viewer passes on among them: b
	// is known 0.8 / 3 of its 0.32; a stays known as much as trusted.
	for _, name := range []string{"a", "b", "c"} {
		w.rate("cell", "viewer", name, 4, 4, 0)
	}
	r, settled = w.compute(), w.settled()
	check(r, settled, "a", 1)
	check(r, settled, "b", Damping/3/(Damping*Damping/2))
	check(r, settled, "c", 1)

	// The viewer verified a, who vouched for d and d2 (each trusted
	// 0.32), and joined the cell on h's vouch (h trusted 0.8, not met);
	// the viewer rated a and d. a's rating of d2 passes nothing (a
	// vouched for d2), d's rating of h passes nothing (the viewer trusts
	// h more than d).
	w = newWorld()
	w.verify("a")
	w.member("cell", "h", StatusMember)
	w.member("cell", "viewer", StatusMember, "h")
	w.member("cell", "a", StatusMember, "h")
	w.member("cell", "d", StatusMember, "a")
	w.member("cell", "d2", StatusMember, "a")
	w.rate("cell", "viewer", "a", 5, 5, 0)
	w.rate("cell", "viewer", "d", 5, 5, 0)
	w.rate("cell", "a", "d2", 5, 5, 0)
	w.rate("cell", "d", "h", 5, 5, 0)
	for _, name := range []string{"a", "d", "d2", "h"} {
		w.rate("cell", name, "x", 4, 4, 0)
	}
	r, settled = w.compute(), w.settled()
	for name, want := range map[string]float64{"h": Damping, "d": Damping * Damping / 2} {
		if got := r.e.trust[r.m.idx(pid(name))]; !near(got, want) {
			t.Errorf("%s is trusted %v, want %v", name, got, want)
		}
	}
	if k := r.e.known[r.m.idx(pid("d"))]; !near(k, Damping*Damping/2) {
		t.Errorf("d is known %v, want %v (as trusted)", k, Damping*Damping/2)
	}
	check(r, settled, "a", 1)
	check(r, settled, "d", 1)
	check(r, settled, "d2", 0)
	check(r, settled, "h", 0)
}

// TestModelIsTheAdoptedVariant checks that the model ranks everyone as
// the sixth round's variant "praise ≤ knowledge, ordered, met in person"
// ranked them from the model before it (variants_test.go), in the small
// evaluation world with a ring whose fakes honest people rated.
func TestModelIsTheAdoptedVariant(t *testing.T) {
	const name = "praise ≤ knowledge, ordered, met in person"
	var v *variant
	for _, x := range roundVariants() {
		if x.name == name {
			v = &x
		}
	}
	if v == nil {
		t.Fatalf("no variant %q", name)
	}
	base := generateEval(smallEval(1))
	unflagged, _ := unflaggedCheat(base, settle(base.in))
	w := base.clone()
	w.addRing("tree"+ratedRing, 100, 5, unflagged)
	r, before := Compute(w.in), settle(w.in)
	known := metKnown(before, knowRule{shared: true, noVoucher: true, ordered: true, met: true})
	lowered := 0
	for i := range int32(r.m.n) {
		id := r.m.ids.at(i)
		if got, want := r.Person(id).Rank(), v.rank(before, i); math.Abs(got-want) > 1e-9 {
			t.Fatalf("%s ranks %v, the variant %v", id, got, want)
		}
		if r.e.known[i] != known[i] {
			t.Fatalf("%s is known %v, the variant's %v", id, r.e.known[i], known[i])
		}
		if r.e.safetyLow[i] != before.e.safetyLow[i] {
			lowered++
		}
	}
	if lowered == 0 {
		t.Fatal("the rule changed nobody's score")
	}
	t.Logf("%d of %d people's cautious score changed", lowered, r.m.n)
}
