package reputation

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestViewerOwnRatingCountsFully(t *testing.T) {
	w := newWorld()
	w.member("c", "viewer", StatusMember)
	w.rate("c", "viewer", "x", 5, 4, 0)
	s := person(t, w.compute(), "x")
	e := ratingBy(t, s, "viewer")
	if e.Weight != 1 || e.Why != "" {
		t.Fatalf("viewer's own rating: weight %v why %q, want 1", e.Weight, e.Why)
	}
}

func TestTrustFollowsVerifiedAndVouchEdges(t *testing.T) {
	w := newWorld()
	w.verify("a")
	w.member("c", "a", StatusMember)
	w.member("c", "b", StatusMember, "a")
	w.member("c", "d", StatusMember, "b")
	w.rate("c", "a", "x", 4, 4, 0)
	w.rate("c", "b", "x", 4, 4, 0)
	w.rate("c", "d", "x", 4, 4, 0)
	w.rate("c", "stranger", "x", 1, 1, 0)
	r := w.settled()
	want := map[string]float64{
		"viewer":   1,
		"a":        Damping,
		"b":        Damping * Damping,
		"d":        Damping * Damping * Damping,
		"stranger": 0,
	}
	for name, tr := range want {
		if got := person(t, r, name).Trust; !near(got, tr) {
			t.Errorf("trust of %s = %v, want %v", name, got, tr)
		}
	}
	x := person(t, r, "x")
	if e := ratingBy(t, x, "stranger"); e.Weight != 0 || e.Why != WhyNotConnected {
		t.Errorf("stranger's rating: weight %v why %q, want 0 and %q", e.Weight, e.Why, WhyNotConnected)
	}
	if x.Raters != 3 {
		t.Errorf("raters = %d, want 3 (the stranger does not count)", x.Raters)
	}
	// a, b and d hang from one path: together they count as much as a.
	if sum := ratingBy(t, x, "a").Weight + ratingBy(t, x, "b").Weight + ratingBy(t, x, "d").Weight; !near(sum, Damping) {
		t.Errorf("a, b and d weigh %v together, want %v", sum, Damping)
	}
	capB := want["b"] / (want["b"] + want["d"])
	capA := want["a"] / (want["a"] + want["b"])
	if e := ratingBy(t, x, "d"); !near(e.Weight, want["d"]*capB*capA) {
		t.Errorf("d's rating weighs %v, want %v", e.Weight, want["d"]*capB*capA)
	}
	// Heaviest first.
	if x.Ratings[0].RaterID != pid("a") || x.Ratings[len(x.Ratings)-1].RaterID != pid("stranger") {
		t.Errorf("ratings not ordered by weight: %+v", x.Ratings)
	}
}

func TestTrustIsSharedNotMultiplied(t *testing.T) {
	for _, n := range []int{1, 3, 10} {
		w := newWorld()
		w.verify("a")
		w.member("c", "a", StatusMember)
		for i := range n {
			w.member("c", "v"+string(rune('a'+i)), StatusMember, "a")
		}
		r := w.compute()
		want := Damping * Damping / float64(n)
		sum := 0.0
		for i := range n {
			sum += person(t, r, "v"+string(rune('a'+i))).Trust
		}
		if got := person(t, r, "va").Trust; !near(got, want) {
			t.Errorf("trust of one of %d vouchees = %v, want %v", n, got, want)
		}
		if !near(sum, Damping*Damping) {
			t.Errorf("%d vouchees hold %v together, want %v", n, sum, Damping*Damping)
		}
	}
}

func TestAdmissionChainReachesTheWholeCell(t *testing.T) {
	// The viewer verified nobody and vouched for nobody, but joined a cell
	// through a; a was admitted by the founder f, who also admitted g.
	w := newWorld()
	w.member("c", "f", StatusMember)
	w.member("c", "a", StatusMember, "f")
	w.member("c", "g", StatusMember, "f")
	w.member("c", "viewer", StatusMember, "a")
	w.rate("c", "g", "x", 5, 5, 0)
	r := w.settled()
	if got, want := person(t, r, "a").Trust, Damping; !near(got, want) {
		t.Errorf("trust of the viewer's voucher = %v, want %v", got, want)
	}
	// a shares its trust between the viewer and f, f between a and g.
	if got, want := person(t, r, "f").Trust, Damping*Damping/2; !near(got, want) {
		t.Errorf("trust of the founder = %v, want %v", got, want)
	}
	if got, want := person(t, r, "g").Trust, math.Pow(Damping, 3)/4; !near(got, want) {
		t.Errorf("trust of g = %v, want %v", got, want)
	}
	if person(t, r, "x").Raters != 1 {
		t.Error("g's rating does not count")
	}
	// A cell the viewer is not a member of gives no chain.
	w2 := newWorld()
	w2.member("c", "f", StatusMember)
	w2.member("c", "a", StatusMember, "f")
	if got := person(t, w2.settled(), "f").Trust; got != 0 {
		t.Errorf("trust in a foreign cell's founder = %v, want 0", got)
	}
}

func TestExcludedMemberGetsNoTrustThroughTheCell(t *testing.T) {
	w := newWorld()
	w.verify("a")
	w.member("c", "a", StatusMember)
	w.member("c", "e", StatusExcluded, "a")
	w.member("c", "l", StatusLeft, "a")
	w.member("c", "p", StatusPending, "a")
	r := w.compute()
	if got := person(t, r, "e").Trust; got != 0 {
		t.Errorf("excluded member's trust = %v, want 0", got)
	}
	for _, name := range []string{"l", "p"} {
		if got := person(t, r, name).Trust; got == 0 {
			t.Errorf("%s has no trust", name)
		}
	}
	// Verified in person, the viewer's own judgement stands.
	w.verify("e")
	if got := person(t, w.compute(), "e").Trust; got != Damping {
		t.Errorf("verified excluded member's trust = %v, want %v", got, Damping)
	}
}

func TestCyclesTerminate(t *testing.T) {
	w := newWorld()
	w.verify("a")
	w.member("c", "a", StatusMember, "b")
	w.member("c", "b", StatusMember, "a")
	w.member("c2", "b", StatusMember, "d")
	w.member("c2", "d", StatusMember, "b")
	w.member("c2", "viewer", StatusMember, "d")
	w.member("c2", "d", StatusMember, "viewer")
	w.rate("c", "b", "a", 5, 5, 0)
	w.rate("c", "a", "b", 5, 5, 0)
	r := w.compute()
	for _, name := range []string{"a", "b", "d"} {
		s := person(t, r, name)
		if s.Trust <= 0 || s.Trust >= 1 {
			t.Errorf("trust of %s = %v, want in (0, 1)", name, s.Trust)
		}
	}
}

func TestVouchedForCannotRaiseTheirVoucher(t *testing.T) {
	w := newWorld()
	w.verify("m")
	w.member("c", "m", StatusMember)
	w.member("c", "h", StatusMember, "m")
	w.rate("c", "h", "m", 5, 5, 0)
	w.rate("c", "h", "y", 5, 5, 0)
	r := w.settled()
	if e := ratingBy(t, person(t, r, "m"), "h"); e.Weight != 0 || e.Why != WhyAdmittedByThem {
		t.Errorf("rating of one's voucher: weight %v why %q, want 0 and %q", e.Weight, e.Why, WhyAdmittedByThem)
	}
	if e := ratingBy(t, person(t, r, "y"), "h"); e.Weight == 0 {
		t.Error("h's rating of someone else does not count")
	}
	// With a path of their own, h counts with that path's trust.
	w.verify("h")
	e := ratingBy(t, person(t, w.settled(), "m"), "h")
	if !near(e.Weight, Damping) || e.Why != "" {
		t.Errorf("verified vouchee's rating of voucher: weight %v why %q, want %v", e.Weight, e.Why, Damping)
	}
}

func TestFlaggedVoucherPassesOnLittle(t *testing.T) {
	base := func() *world {
		w := newWorld()
		w.verify("a", "b", "m")
		w.member("c", "m", StatusMember)
		w.member("c", "n", StatusMember, "m")
		return w
	}
	clean := person(t, base().compute(), "n").Trust
	w := base()
	w.rate("c", "a", "m", 1, 3, 10)
	w.rate("c", "b", "m", 2, 3, 10)
	r := w.compute()
	m := person(t, r, "m")
	if m.Flags != 2 {
		t.Fatalf("flags = %d, want 2", m.Flags)
	}
	flagged := person(t, r, "n").Trust
	if flagged > clean/3 {
		t.Errorf("vouchee of a flagged member has trust %v, more than a third of %v", flagged, clean)
	}
	if m.Standing >= 0.5 {
		t.Errorf("standing of a flagged member = %v", m.Standing)
	}
}

func TestBadVoucheesLowerStanding(t *testing.T) {
	w := newWorld()
	w.verify("a", "b")
	w.member("c", "a", StatusMember)
	w.member("c", "b", StatusMember)
	w.member("c", "v", StatusMember, "b")
	w.member("c", "good", StatusMember, "v")
	w.member("c", "gone", StatusExcluded, "v")
	w.member("c", "risky", StatusMember, "v")
	w.rate("c", "a", "risky", 1, 1, 5)
	r := w.compute()
	v := person(t, r, "v")
	// gone counts 1, risky one minus their safety standing.
	w0 := ratingBy(t, person(t, r, "risky"), "a").Weight
	riskySafe := math.Pow(1/(1+w0), StandingExponent)
	if got := person(t, r, "risky").Standing; !near(got, riskySafe) {
		t.Errorf("risky's standing = %v, want %v", got, riskySafe)
	}
	if want := 1 / (1 + VouchPenalty*(1+1-riskySafe)); !near(v.Standing, want) {
		t.Errorf("standing = %v, want %v", v.Standing, want)
	}
	status := map[string]string{}
	for _, x := range v.VouchedFor {
		status[x.Name] = x.Status
	}
	want := map[string]string{"good": StatusMember, "gone": StatusExcluded, "risky": StatusFlagged}
	for name, s := range want {
		if status[name] != s {
			t.Errorf("vouching record: %s is %q, want %q", name, status[name], s)
		}
	}
	if len(v.VouchedFor) != 3 {
		t.Errorf("vouching record has %d entries, want 3", len(v.VouchedFor))
	}
	// v shares Damping·standing of its trust between good and risky.
	if g := person(t, r, "good").Trust; !near(g, v.Trust*Damping*v.Standing/2) {
		t.Errorf("trust of good = %v, want %v", g, v.Trust*Damping*v.Standing/2)
	}
}

func TestOneRatingShowsAsItIs(t *testing.T) {
	w := newWorld()
	w.member("c", "viewer", StatusMember)
	w.rate("c", "viewer", "x", 5, 5, 0)
	one := person(t, w.compute(), "x")
	if val(one.Safety) != 5 || val(one.Reliability) != 5 {
		t.Errorf("one 5: safety %v reliability %v, want 5", val(one.Safety), val(one.Reliability))
	}
	if n := 1 / EvidenceUnit; !near(one.Confidence, n/(n+PriorWeight)) {
		t.Errorf("confidence after one rating = %v", one.Confidence)
	}
	if want := "1 rating: felt completely safe, always reliable"; !strings.HasPrefix(one.Summary, want) {
		t.Errorf("summary %q, want it to start with %q", one.Summary, want)
	}
	if !(val(one.SafetyLow) < val(one.Safety)) || val(one.SafetyLow) < 1 {
		t.Errorf("lower bound %v of %v", val(one.SafetyLow), val(one.Safety))
	}
	for i := range 9 {
		n := "r" + string(rune('a'+i))
		w.verify(n)
		w.rate("c", n, "x", 5, 5, 0)
		w.rate("c", "viewer", n, 4, 4, 0) // so their praise counts (knowledge.go)
	}
	ten := person(t, w.compute(), "x")
	if val(ten.Safety) != 5 || !(val(ten.SafetyLow) > val(one.SafetyLow)) || !(ten.Confidence > one.Confidence) {
		t.Errorf("ten ratings: safety %v, at least %v, confidence %v", val(ten.Safety), val(ten.SafetyLow), ten.Confidence)
	}
	if want := "10 ratings: safety 5.0 of 5, reliability 5.0 of 5"; !strings.HasPrefix(ten.Summary, want) {
		t.Errorf("summary %q, want it to start with %q", ten.Summary, want)
	}
	none := person(t, w.compute(), "viewer")
	if none.Safety != nil || none.Reliability != nil || none.SafetyLow != nil || none.Confidence != 0 || none.Raters != 0 {
		t.Errorf("no ratings: %+v", none)
	}
}

// TestRankingNeedsEvidence checks that the lower bound ranks a person with
// many good ratings above one with a single perfect one, and someone with
// one bad rating below both.
func TestRankingNeedsEvidence(t *testing.T) {
	w := newWorld()
	w.member("c", "viewer", StatusMember)
	for i := range 6 {
		n := "r" + string(rune('a'+i))
		w.member("c", n, StatusMember, "viewer")
		w.rate("c", n, "many", 4+i%2, 4, 10)
	}
	w.rate("c", "ra", "single", 5, 5, 10)
	w.rate("c", "rb", "bad", 1, 5, 10)
	r := w.settled()
	many, single, bad := person(t, r, "many"), person(t, r, "single"), person(t, r, "bad")
	if !(val(many.SafetyLow) > val(single.SafetyLow) && val(single.SafetyLow) > val(bad.SafetyLow)) {
		t.Errorf("lower bounds: many %v, single %v, bad %v", val(many.SafetyLow), val(single.SafetyLow), val(bad.SafetyLow))
	}
	if !(val(single.Safety) > val(many.Safety)) {
		t.Errorf("scores: many %v, single %v", val(many.Safety), val(single.Safety))
	}
}

func TestDecayHalvesWeightEachHalfLife(t *testing.T) {
	w := newWorld()
	w.verify("a", "b", "c")
	days := int(HalfLife / (24 * time.Hour))
	w.rate("c", "a", "x", 5, 5, 0)
	w.rate("c", "b", "x", 5, 5, days)
	w.rate("c", "c", "x", 5, 5, 2*days)
	w.rate("c", "c", "y", 5, 5, -30) // a day in the future counts as today
	r := w.settled()
	x := person(t, r, "x")
	for name, f := range map[string]float64{"a": 1, "b": 0.5, "c": 0.25} {
		if e := ratingBy(t, x, name); !near(e.Weight, Damping*f) {
			t.Errorf("rating %s: weight %v, want %v", name, e.Weight, Damping*f)
		}
	}
	if e := ratingBy(t, person(t, r, "y"), "c"); !near(e.Weight, Damping) {
		t.Errorf("future-dated rating weighs %v, want %v", e.Weight, Damping)
	}
}

func TestBlockedRatersIgnored(t *testing.T) {
	w := newWorld()
	w.verify("a", "b")
	w.member("c", "b", StatusMember)
	w.member("c", "bv", StatusMember, "b")
	w.rate("c", "a", "x", 5, 5, 0)
	w.rate("c", "b", "x", 1, 1, 0)
	w.rate("c", "bv", "x", 1, 1, 0)
	before := person(t, w.settled(), "x")
	if before.Flags != 2 {
		t.Fatalf("flags before blocking = %d, want 2", before.Flags)
	}
	w.block("b")
	r := w.settled()
	x := person(t, r, "x")
	if e := ratingBy(t, x, "b"); e.Weight != 0 || e.Why != WhyBlocked {
		t.Errorf("blocked rater: weight %v why %q", e.Weight, e.Why)
	}
	if e := ratingBy(t, x, "bv"); e.Weight != 0 {
		t.Errorf("rater admitted only by a blocked person weighs %v", e.Weight)
	}
	if x.Raters != 1 || x.Flags != 0 {
		t.Errorf("raters %d flags %d, want 1 and 0", x.Raters, x.Flags)
	}
	if !person(t, r, "b").Blocked || person(t, r, "b").Trust != 0 {
		t.Error("blocked person still trusted")
	}
	if val(x.Safety) <= val(before.Safety) {
		t.Errorf("safety did not rise after blocking the bad raters: %v → %v", val(before.Safety), val(x.Safety))
	}
}

// TestReplacedRatersIgnored: a card replaced by a new one (its holder
// signed the replacement, so the old card is a thief's or nobody's)
// weighs nothing and passes on no trust, even to the viewer who verified
// it in person and vouched for it; it is not called blocked.
func TestReplacedRatersIgnored(t *testing.T) {
	w := newWorld()
	w.verify("a", "b")
	w.member("c", "b", StatusMember, "a")
	w.member("c", "bv", StatusMember, "b")
	w.rate("c", "b", "x", 1, 1, 0)
	w.rate("c", "bv", "x", 1, 1, 0)
	if before := person(t, w.settled(), "x"); before.Flags != 2 {
		t.Fatalf("flags before the replacement = %d, want 2", before.Flags)
	}
	w.in.Replaced = append(w.in.Replaced, pid("b"))
	r := w.settled()
	x := person(t, r, "x")
	if e := ratingBy(t, x, "b"); e.Weight != 0 || e.Why != WhyReplaced {
		t.Errorf("old card: weight %v why %q", e.Weight, e.Why)
	}
	if e := ratingBy(t, x, "bv"); e.Weight != 0 {
		t.Errorf("rater admitted only by the old card weighs %v", e.Weight)
	}
	if x.Flags != 0 || x.Raters != 0 {
		t.Errorf("raters %d flags %d, want 0 and 0", x.Raters, x.Flags)
	}
	if b := person(t, r, "b"); b.Blocked || b.Trust != 0 {
		t.Errorf("old card: blocked %v trust %v", b.Blocked, b.Trust)
	}
}

func TestFlagsCountRecentLowSafetyPerTrustedRater(t *testing.T) {
	w := newWorld()
	w.verify("a", "b", "c", "d", "e", "f")
	w.member("c", "f", StatusMember)
	prev := "f"
	for i := 1; i <= 10; i++ { // a chain f1 … f10 below f
		name := "f" + strconv.Itoa(i)
		w.member("c", name, StatusMember, prev)
		prev = name
	}
	w.rate("c", "a", "x", 1, 5, 0)        // flag
	w.rate("c", "b", "x", 2, 5, 700)      // flag
	w.rate("c", "c", "x", 2, 5, 800)      // too old
	w.rate("c", "d", "x", 3, 1, 0)        // safety 3 is no flag
	w.rate("c", "e", "x", 1, 1, 30)       // superseded by e's later rating
	w.rate("c2", "e", "x", 4, 4, 20)      // latest, from another cell
	w.rate("c", "stranger", "x", 1, 1, 0) // not connected: a warning
	w.rate("c", "f10", "x", 1, 1, 0)      // trust 0.8^11, counts with the others
	w.rate("c2", "a", "x", 1, 1, 0)       // a second rating by a
	w.rate("c", "f1", "x", 1, 1, 0)       // flag
	r := w.compute()
	x := person(t, r, "x")
	if x.Flags != 4 {
		t.Errorf("flags = %d, want 4", x.Flags)
	}
	if len(x.Warnings) != 1 || x.Warnings[0].RaterID != pid("stranger") {
		t.Errorf("warnings = %+v, want the stranger's", x.Warnings)
	}
	// Flagged names x and nobody else: the stranger's warning raises no
	// flag, and the others were not found unsafe.
	if got := r.Flagged(); !slices.Equal(got, []string{pid("x")}) {
		t.Errorf("Flagged() = %v, want x only", got)
	}
	for _, sc := range r.Scores() {
		if (sc.Flags > 0) != slices.Contains(r.Flagged(), sc.ID) {
			t.Errorf("%s: %d flags, in Flagged() %v", sc.Name, sc.Flags, slices.Contains(r.Flagged(), sc.ID))
		}
	}
	if tr := person(t, r, "f10").Trust; tr >= FlagMinTrust || tr == 0 {
		t.Fatalf("test setup: f10's trust %v", tr)
	}
	// Alone, f10 carries too little trust for a flag: a warning instead,
	// and the rating still counts in the score with its weight.
	w2 := newWorld()
	w2.verify("f")
	w2.member("c", "f", StatusMember)
	prev = "f"
	for i := 1; i <= 10; i++ {
		name := "f" + strconv.Itoa(i)
		w2.member("c", name, StatusMember, prev)
		prev = name
	}
	w2.verify("x") // x is trusted, so a flag needs FlagMinTrust behind it
	w2.rate("c", "f10", "x", 1, 1, 400)
	x = person(t, w2.compute(), "x")
	if x.Flags != 0 || len(x.Warnings) != 1 || x.Raters != 1 || val(x.Safety) != 1 {
		t.Errorf("a weak flag alone: %d flags, warnings %+v, %d raters, safety %v", x.Flags, x.Warnings, x.Raters, val(x.Safety))
	}
}

// TestPraiseOfFlaggedNeedsTrust checks that once people the viewer trusts
// flag someone, ratings that did not find them unsafe count only from
// raters the viewer trusts at least as much as the person flagged: a crowd
// of lightly trusted raters cannot praise a flag away. Without the flag,
// the same praise counts.
func TestPraiseOfFlaggedNeedsTrust(t *testing.T) {
	for _, flagged := range []bool{true, false} {
		w := newWorld()
		w.verify("a", "b", "c", "x")
		w.member("cell", "a", StatusMember)
		w.member("cell", "d", StatusMember, "a") // trust 0.64 < x's 0.8
		w.member("cell", "e", StatusMember, "d")
		if flagged {
			w.rate("cell", "a", "x", 1, 1, 10)
			w.rate("cell", "c", "x", 2, 4, 10)
		} else {
			w.rate("cell", "a", "x", 3, 3, 10)
			w.rate("cell", "c", "x", 4, 4, 10)
		}
		w.rate("cell", "b", "x", 5, 5, 10) // as trusted as x: counts
		w.rate("cell", "d", "x", 5, 5, 10)
		w.rate("cell", "e", "x", 4, 4, 10)
		r := w.settled()
		x := person(t, r, "x")
		if got := x.Flags > 0; got != flagged {
			t.Fatalf("flagged %v: x has %d flags", flagged, x.Flags)
		}
		if e := ratingBy(t, x, "b"); e.Weight <= 0 || e.Why != "" {
			t.Errorf("flagged %v: b's praise weighs %v (%q), want it counted", flagged, e.Weight, e.Why)
		}
		for _, name := range []string{"d", "e"} {
			e := ratingBy(t, x, name)
			if flagged && (e.Weight != 0 || e.Why != WhyTrustedLess) {
				t.Errorf("%s's praise of a flagged x: weight %v (%q), want 0 (%q)", name, e.Weight, e.Why, WhyTrustedLess)
			}
			if !flagged && (e.Weight <= 0 || e.Why != "") {
				t.Errorf("%s's praise of an unflagged x: weight %v (%q), want it counted", name, e.Weight, e.Why)
			}
		}
		if want := 3; flagged && x.Raters != want {
			t.Errorf("flagged x has %d raters, want %d (a, b, c)", x.Raters, want)
		}
	}
}

// TestSafetyFlagsOutlastPraise checks that a rating finding someone unsafe
// fades with FlagHalfLife and praise with HalfLife, and that a flag 13
// months old still shows.
func TestSafetyFlagsOutlastPraise(t *testing.T) {
	w := newWorld()
	w.verify("a", "b")
	w.rate("c", "a", "x", 1, 1, 395)
	w.rate("c", "b", "x", 5, 5, 395)
	x := person(t, w.settled(), "x")
	warn, praise := ratingBy(t, x, "a").Weight, ratingBy(t, x, "b").Weight
	age := now.Sub(now.AddDate(0, 0, -395).Truncate(24 * time.Hour))
	if !near(warn, Damping*math.Exp2(-float64(age)/float64(FlagHalfLife))) || !near(praise, Damping*math.Exp2(-float64(age)/float64(HalfLife))) {
		t.Errorf("weights: warning %v, praise %v", warn, praise)
	}
	if x.Flags != 1 || val(x.Safety) >= 3 {
		t.Errorf("13 months on: %d flags, safety %v", x.Flags, val(x.Safety))
	}
}

func TestMergedDuplicateCountsOnce(t *testing.T) {
	w := newWorld()
	w.verify("a")
	r := w.rate("c1", "a", "x", 2, 2, 3)
	once := person(t, w.compute(), "x")
	c2 := w.cell("c2")
	c2.Ratings = append(c2.Ratings, r)
	c3 := w.cell("c3")
	c3.Ratings = append(c3.Ratings, r, r)
	twice := person(t, w.compute(), "x")
	if len(twice.Ratings) != 1 || twice.Raters != 1 {
		t.Fatalf("duplicate rating listed %d times, %d raters", len(twice.Ratings), twice.Raters)
	}
	if val(once.Safety) != val(twice.Safety) || once.Confidence != twice.Confidence {
		t.Errorf("duplicate changed the score: %v/%v → %v/%v",
			val(once.Safety), once.Confidence, val(twice.Safety), twice.Confidence)
	}
	// Credited to the cell with the smallest id.
	want := w.cell("c1").ID
	for _, c := range []string{"c2", "c3"} {
		want = min(want, w.cell(c).ID)
	}
	if got := twice.Ratings[0].CellID; got != want {
		t.Errorf("credited to cell %s, want %s", got, want)
	}
}

func TestLatestRatingPerRaterCounts(t *testing.T) {
	w := newWorld()
	w.verify("a")
	w.rate("c1", "a", "x", 1, 1, 10)
	w.rate("c2", "a", "x", 5, 5, 2) // later day, other cell: wins
	w.rate("c1", "a", "x", 3, 3, 5)
	x := person(t, w.compute(), "x")
	if len(x.Ratings) != 1 || x.Ratings[0].Safety != 5 {
		t.Fatalf("latest by day: %+v", x.Ratings)
	}
	// Same day: the later-made statement wins.
	w2 := newWorld()
	w2.verify("a")
	w2.rate("c1", "a", "x", 1, 1, 2)
	w2.rate("c2", "a", "x", 4, 4, 2)
	if got := person(t, w2.compute(), "x").Ratings[0].Safety; got != 4 {
		t.Errorf("same day: safety %d counts, want 4", got)
	}
	// Same day and time: the larger statement id wins.
	w3 := newWorld()
	w3.verify("a")
	r1 := w3.rate("c1", "a", "x", 1, 1, 2)
	r2 := w3.rate("c1", "a", "x", 4, 4, 2)
	w3.cell("c1").Ratings[0].Made = time.Time{}
	w3.cell("c1").Ratings[1].Made = time.Time{}
	want := r1
	if r2.ID > r1.ID {
		want = r2
	}
	if got := person(t, w3.compute(), "x").Ratings[0].Statement; got != want.ID {
		t.Errorf("tie: statement %s counts, want %s", got, want.ID)
	}
}

func TestInvalidRatingsIgnored(t *testing.T) {
	w := newWorld()
	w.verify("a")
	w.rate("c", "a", "x", 0, 3, 0)
	w.rate("c", "a", "y", 3, 6, 0)
	w.rate("c", "a", "a", 5, 5, 0)
	r := w.rate("c", "a", "z", 5, 5, 0)
	w.cell("c").Ratings[3].ID = ""
	_ = r
	res := w.compute()
	for _, n := range []string{"x", "y", "a", "z"} {
		if s := res.Person(pid(n)); s != nil && len(s.Ratings) != 0 {
			t.Errorf("%s: invalid rating kept: %+v", n, s.Ratings)
		}
	}
	if Compute(nil).Person(pid("a")) != nil || len(Compute(&Input{}).IDs()) != 0 {
		t.Error("empty input gave people")
	}
}

func TestJSONFields(t *testing.T) {
	w := newWorld()
	w.verify("a")
	w.member("c", "a", StatusMember)
	w.member("c", "x", StatusMember, "a")
	w.rate("c", "a", "x", 4, 3, 1)
	w.rate("c", "x", "a", 4, 3, 1)
	b, err := json.Marshal(w.compute().Person(pid("a")))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "name", "safety", "reliability", "confidence", "known_little", "raters", "flags", "ratings", "vouched_for"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	rt := got["ratings"].([]any)[0].(map[string]any)
	for _, k := range []string{"rater", "cell", "safety", "reliability", "day", "weight", "note"} {
		if _, ok := rt[k]; !ok {
			t.Errorf("rating JSON lacks %q: %s", k, b)
		}
	}
	if want := now.AddDate(0, 0, -1).Format(time.DateOnly); rt["day"] != want {
		t.Errorf("day = %v, want %s", rt["day"], want)
	}
	v := got["vouched_for"].([]any)[0].(map[string]any)
	if v["name"] != "x" || v["status"] != StatusMember {
		t.Errorf("vouched_for = %v", v)
	}
	b, _ = json.Marshal(w.compute().Person(pid("viewer")))
	if !strings.Contains(string(b), `"safety":null`) || !strings.Contains(string(b), `"ratings":[]`) {
		t.Errorf("unrated person: %s", b)
	}
}

func TestVouchingRecordStatuses(t *testing.T) {
	w := newWorld()
	w.member("c1", "v", StatusMember)
	w.member("c1", "p", StatusPending, "v")
	w.member("c1", "l", StatusLeft, "v")
	w.member("c1", "both", StatusLeft, "v")
	w.member("c2", "both", StatusMember, "v") // best status where v vouched
	w.member("c1", "elsewhere", StatusMember, "v")
	w.member("c3", "elsewhere", StatusExcluded) // excluded by a cell v is not in
	got := map[string]string{}
	for _, x := range person(t, w.compute(), "v").VouchedFor {
		got[x.Name] = x.Status
	}
	want := map[string]string{"p": StatusPending, "l": StatusLeft, "both": StatusMember, "elsewhere": StatusExcluded}
	if len(got) != len(want) {
		t.Errorf("vouching record %v, want %v", got, want)
	}
	for name, s := range want {
		if got[name] != s {
			t.Errorf("%s: status %q, want %q", name, got[name], s)
		}
	}
}

func TestExcludedVoucherBreaksTheAdmissionChain(t *testing.T) {
	w := newWorld()
	w.member("c", "f", StatusMember)
	w.member("c", "a", StatusExcluded, "f")
	w.member("c", "viewer", StatusMember, "a")
	r := w.compute()
	if a, f := person(t, r, "a").Trust, person(t, r, "f").Trust; a != 0 || f != 0 {
		t.Errorf("chain through an excluded voucher: trust a %v, f %v", a, f)
	}
}

func TestNoViewerCountsNoRating(t *testing.T) {
	w := newWorld()
	w.member("c", "a", StatusMember)
	w.member("c", "b", StatusMember, "a")
	w.rate("c", "a", "b", 5, 5, 0)
	w.rate("c", "b", "a", 1, 1, 0)
	w.in.Viewer = ""
	res := w.compute()
	for _, n := range []string{"a", "b"} {
		if s := person(t, res, n); s.Raters != 0 || s.Safety != nil || len(s.Ratings) != 1 || s.Ratings[0].Weight != 0 {
			t.Errorf("%s without a viewer: %d raters, safety %v, ratings %+v", n, s.Raters, val(s.Safety), s.Ratings)
		}
	}
}

// TestFounderHereVouchedForElsewhere: someone vouched for in one cell
// founds another, where they admitted the viewer; the viewer's chain
// there ends with them, whichever cell is read first (the viewer is not in
// the first cell, so it gives no chain).
func TestFounderHereVouchedForElsewhere(t *testing.T) {
	for _, cells := range [][2]string{{"one", "two"}, {"two", "one"}} {
		w := newWorld()
		w.member(cells[0], "f1", StatusMember)
		for _, n := range []string{"a", "b", "c", "d"} {
			w.member(cells[0], n, StatusMember, "f1")
		}
		w.member(cells[0], "x", StatusMember, "d")
		w.member(cells[1], "x", StatusMember)
		w.member(cells[1], "viewer", StatusMember, "x")
		w.rate(cells[1], "x", "y", 5, 5, 0)
		res := w.compute()
		if s := person(t, res, "x"); !near(s.Trust, Damping) {
			t.Errorf("cells %v: x's trust %v, want %v", cells, s.Trust, Damping)
		}
	}
}

// A member the viewer met flags 200 people; a contact two vouches away
// flags one cheat. The People list's first view shows only the first few
// flagged people (core), so the cheat must come first: each of the
// flooder's flags weighs a two-hundredth of their trust.
func TestFlaggedFirstPutsTheFewFlaggedByCloseContactsFirst(t *testing.T) {
	w := newWorld()
	w.verify("bo", "cy")
	w.member("c", "cy", StatusMember)
	w.member("c", "di", StatusMember, "cy")
	for i := range 200 {
		w.rate("c", "bo", "p"+strconv.Itoa(i), 1, 1, 0)
	}
	w.rate("c", "di", "cheat", 1, 1, 0)
	w.rate("c", "bo", "p7", 1, 1, 0) // bo's latest rating of p7, the same flag
	r := w.compute()
	first := r.FlaggedFirst()
	if len(first) != 201 || first[0] != pid("cheat") {
		t.Fatalf("FlaggedFirst() = %d people, first %q; want 201, the cheat first", len(first), first[0])
	}
	if person(t, r, "di").Trust >= person(t, r, "bo").Trust {
		t.Fatalf("test setup: di's trust %v, bo's %v", person(t, r, "di").Trust, person(t, r, "bo").Trust)
	}
	sorted := slices.Clone(first)
	slices.Sort(sorted)
	if !slices.Equal(sorted, r.Flagged()) {
		t.Errorf("FlaggedFirst() holds other people than Flagged()")
	}
	// Flagged by the flooder too, the cheat stays before the flooder's
	// people; one of them flagged also by cy, whom the viewer met, comes
	// first.
	w.rate("c", "bo", "cheat", 2, 1, 0)
	w.rate("c", "cy", "p150", 2, 3, 0)
	first = w.compute().FlaggedFirst()
	if first[0] != pid("p150") || first[1] != pid("cheat") {
		t.Errorf("first two = %q, %q; want p150, then the cheat", first[0], first[1])
	}
}
