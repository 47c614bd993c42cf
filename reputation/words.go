package reputation

import (
	"fmt"
	"strings"
)

// SafetyWords says what each safety mark means, from 1 to 5 (index 0 is
// unused). Every screen uses these words.
var SafetyWords = [6]string{"", "felt unsafe", "felt uneasy", "nothing to report", "felt safe", "felt completely safe"}

// ReliabilityWords says what each reliability mark means, from 1 to 5
// (index 0 is unused).
var ReliabilityWords = [6]string{"", "did not show up", "unreliable", "so-so", "reliable", "always reliable"}

// ConfidenceWords says how much evidence a [Score.Confidence] stands for:
// "no ratings yet", "little to go on", "some evidence" or "well known".
// For one person, [Score.EvidenceWords] says it, and says why when there
// is little.
func ConfidenceWords(c float64) string {
	switch {
	case c <= 0:
		return "no ratings yet"
	case c < confidenceSome:
		return "little to go on"
	case c < confidenceWell:
		return "some evidence"
	}
	return "well known"
}

// The confidence from which the words say "some evidence" and "well known".
const (
	confidenceSome = 0.34
	confidenceWell = 0.67
)

// The words of [Score.EvidenceWords] when the ratings behind a score
// count little for another reason than their number.
const (
	// KnownLittleWords says that most of the weight of the ratings was
	// taken away because the viewer knows their raters little
	// ([Score.KnownLittle] at least ½).
	KnownLittleWords = "mostly from people you know little of"
	// FarWords says that three or more ratings count little because their
	// raters are far from the viewer: many vouches away from anyone the
	// viewer met in person, or sharing one voucher, or rated long ago.
	FarWords = "mostly from people far from you in your cells"
)

// EvidenceWords says how much stands behind s's scores, and why when it
// is little, so that nobody reads "little to go on" as "few ratings" when
// there are many: [ConfidenceWords] of [Score.Confidence] from "some
// evidence" up; below it, [KnownLittleWords] when the viewer knowing the
// raters little took away most of the ratings' weight, "little to go on"
// for one or two ratings, and [FarWords] for more.
func (s *Score) EvidenceWords() string {
	switch c := s.Confidence; {
	case s.Raters == 0 || c <= 0 || c >= confidenceSome:
		return ConfidenceWords(c)
	case s.KnownLittle >= 0.5:
		return KnownLittleWords
	case s.Raters < 3:
		return ConfidenceWords(c)
	}
	return FarWords
}

// Words says in one plain sentence what the counted ratings behind s say:
// a single rating as what it is ("1 rating: felt completely safe, always
// reliable"), several as the scores, each with how much stands behind
// them ([Score.EvidenceWords]). The command line and the window both show
// it, beside [Score.FlagWords].
func (s *Score) Words() string {
	switch {
	case s.Raters == 0 || s.Safety == nil || s.Reliability == nil:
		unknown := 0
		for _, e := range s.Ratings {
			if e.Why == WhyKnownLittle && e.Weight == 0 {
				unknown++
			}
		}
		switch {
		case unknown == 1:
			return "No ratings that count yet: 1 rating is from someone you know nothing of yet."
		case unknown > 1:
			return fmt.Sprintf("No ratings that count yet: %d ratings are from people you know nothing of yet.", unknown)
		}
		return "No ratings that count yet."
	case s.Raters == 1:
		for _, e := range s.Ratings {
			if e.Weight > 0 {
				w := fmt.Sprintf("1 rating: %s, %s", SafetyWords[clampMark(e.Safety)], ReliabilityWords[clampMark(e.Reliability)])
				if s.EvidenceWords() == KnownLittleWords {
					w += " (from someone you know little of)"
				}
				return w + "."
			}
		}
	}
	return fmt.Sprintf("%d ratings: safety %.1f of 5, reliability %.1f of 5 (%s).", s.Raters, *s.Safety, *s.Reliability,
		s.EvidenceWords())
}

// FlagWords says who found s unsafe: the flags, then the warnings that
// count for nothing but are shown; "" when there are neither.
func (s *Score) FlagWords() string {
	var parts []string
	if s.Flags > 0 {
		parts = append(parts, fmt.Sprintf("%s you trust felt unsafe with them in the last two years.", count(s.Flags, "person", "people")))
	}
	if len(s.Warnings) > 0 {
		parts = append(parts, fmt.Sprintf("%s you know little or nothing about said they felt unsafe with them.", count(len(s.Warnings), "person", "people")))
	}
	return strings.Join(parts, " ")
}

func clampMark(m int) int { return max(1, min(5, m)) }

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Rank orders people for lists, safest first: higher is safer. People
// with flags come after everyone without, people nobody rated whose
// rating counts come between, and within each group the cautious score
// [Score.SafetyLow] decides. Praise does not outweigh a safety flag from
// someone the viewer trusts.
func (s *Score) Rank() float64 {
	low := 0.0
	if s.SafetyLow != nil {
		low = *s.SafetyLow
	}
	if s.Flags > 0 {
		return low - 6 // −5 to −1, below anyone unflagged
	}
	return low // 0 unrated, 1 to 5 rated
}
