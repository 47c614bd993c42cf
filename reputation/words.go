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

// ConfidenceWords says how much evidence a [Score.Confidence] stands for.
func ConfidenceWords(c float64) string {
	switch {
	case c <= 0:
		return "no ratings yet"
	case c < 0.34:
		return "little to go on"
	case c < 0.67:
		return "some evidence"
	}
	return "well known"
}

// Words says in one plain sentence what the counted ratings behind s say:
// a single rating as what it is ("1 rating: felt completely safe, always
// reliable"), several as the scores with how much evidence is behind them.
// The command line and the window both show it, beside [Score.FlagWords].
func (s *Score) Words() string {
	switch {
	case s.Raters == 0 || s.Safety == nil || s.Reliability == nil:
		return "No ratings that count yet."
	case s.Raters == 1:
		for _, e := range s.Ratings {
			if e.Weight > 0 {
				return fmt.Sprintf("1 rating: %s, %s.", SafetyWords[clampMark(e.Safety)], ReliabilityWords[clampMark(e.Reliability)])
			}
		}
	}
	return fmt.Sprintf("%d ratings: safety %.1f of 5, reliability %.1f of 5 (%s).", s.Raters, *s.Safety, *s.Reliability,
		ConfidenceWords(s.Confidence))
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
