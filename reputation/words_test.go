package reputation

import (
	"fmt"
	"strings"
	"testing"
)

// TestEvidenceWordsSayWhy checks that the words say how many ratings
// count and, apart from that, why they count little: few of them, raters
// the viewer knows little of, or raters far from the viewer.
func TestEvidenceWordsSayWhy(t *testing.T) {
	safety, reliability := 4.5, 4.0
	counted := func(raters int, c, knownLittle float64) *Score {
		return &Score{Safety: &safety, Reliability: &reliability, Raters: raters, Confidence: c, KnownLittle: knownLittle}
	}
	one := counted(1, 0.1, 0.9)
	one.Ratings = []Explained{{Safety: 4, Reliability: 4, Weight: 0.01, Why: WhyKnownLittle}, {Safety: 5, Reliability: 5, Why: WhyNotConnected}}
	unknown := &Score{Ratings: []Explained{{Safety: 5, Why: WhyKnownLittle}, {Safety: 4, Why: WhyKnownLittle}, {Safety: 5, Why: WhyNotConnected}}}
	for _, c := range []struct {
		s         *Score
		evidence  string
		words     string
		wordsHold string
	}{
		{&Score{}, "no ratings yet", "No ratings that count yet.", ""},
		{unknown, "no ratings yet", "No ratings that count yet: 2 ratings are from people you know nothing of yet.", ""},
		{counted(6, 0.2, 0.8), KnownLittleWords, "6 ratings: safety 4.5 of 5, reliability 4.0 of 5 (" + KnownLittleWords + ").", ""},
		{counted(6, 0.2, 0.1), FarWords, "", FarWords},
		{counted(2, 0.2, 0.1), "little to go on", "", "(little to go on)"},
		{counted(2, 0.2, 0.5), KnownLittleWords, "", KnownLittleWords},
		{counted(6, 0.5, 0.9), "some evidence", "", "(some evidence)"},
		{counted(6, 0.9, 0), "well known", "", "(well known)"},
		{one, KnownLittleWords, "1 rating: felt safe, reliable (from someone you know little of).", ""},
	} {
		if got := c.s.EvidenceWords(); got != c.evidence {
			t.Errorf("%+v: evidence %q, want %q", *c.s, got, c.evidence)
		}
		got := c.s.Words()
		if c.words != "" && got != c.words || !strings.Contains(got, c.wordsHold) {
			t.Errorf("%+v: words %q, want %q holding %q", *c.s, got, c.words, c.wordsHold)
		}
	}
}

// TestKnownLittleSaysHowMuchKnowledgeTookAway checks Score.KnownLittle
// and the words in a computed world: six people whom a verified contact
// vouched for praise x, and the viewer knows them only through that
// contact's ratings of many people.
func TestKnownLittleSaysHowMuchKnowledgeTookAway(t *testing.T) {
	w := newWorld()
	w.verify("a", "c")
	w.member("cell", "a", StatusMember)
	for i := range 6 {
		b := "b" + string(rune('1'+i))
		w.member("cell", b, StatusMember, "a")
		w.rate("cell", b, "x", 5, 4, 0)
	}
	r := w.compute()
	x := person(t, r, "x")
	if x.Raters != 0 || x.KnownLittle != 1 || !strings.Contains(x.Summary, "6 ratings are from people you know nothing of yet") {
		t.Errorf("nobody known: %d raters, known little %v, %q", x.Raters, x.KnownLittle, x.Summary)
	}
	// c, met in person, rates the six and 60 others: each of the six is
	// known 0.8 × 0.8 / 66, less than they are trusted.
	for i := range 6 {
		w.rate("cell", "c", "b"+string(rune('1'+i)), 4, 4, 0)
	}
	for i := range 60 {
		w.rate("cell", "c", fmt.Sprint("o", i), 4, 4, 0)
	}
	r, settled := w.compute(), w.settled()
	x, was := person(t, r, "x"), person(t, settled, "x")
	total := func(s *Score) (sum float64) {
		for _, e := range s.Ratings {
			sum += e.Weight
		}
		return sum
	}
	if want := 1 - total(x)/total(was); x.Raters != 6 || !near(x.KnownLittle, want) || x.KnownLittle < 0.5 || was.KnownLittle != 0 {
		t.Errorf("x: %d raters, known little %v, want 6 and %v (before the step %v)", x.Raters, x.KnownLittle, want, was.KnownLittle)
	}
	if x.Confidence >= confidenceSome || x.EvidenceWords() != KnownLittleWords ||
		!strings.HasPrefix(x.Summary, "6 ratings: safety 5.0 of 5, reliability 4.0 of 5 ("+KnownLittleWords+")") {
		t.Errorf("x: confidence %v, summary %q", x.Confidence, x.Summary)
	}
	// Low marks keep their weight, so they count in the share too.
	w.rate("cell", "a", "x", 1, 1, 0)
	x = person(t, w.compute(), "x")
	if x.KnownLittle >= 0.5 || x.EvidenceWords() == KnownLittleWords {
		t.Errorf("x with a flag from a: known little %v, words %q", x.KnownLittle, x.EvidenceWords())
	}
}
