package reputation

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// TestCheatAUCStages says where the model gains and loses cheat AUC, stage
// by stage, on the world without rings that TestEvaluation measures the
// cheat AUC on (MODEL.md, section 10). It starts from the plain mean of
// all ratings and adds one stage of the model at a time; then it changes
// one thing at a time in the model as listed. Everything is derived from
// the explained scores, so it measures the model as it is. It runs only
// with TRUSTDESK_STAGES=small, medium or big.
func TestCheatAUCStages(t *testing.T) {
	var cfg evalConfig
	switch os.Getenv("TRUSTDESK_STAGES") {
	case "small":
		cfg = smallEval(1)
	case "medium":
		cfg = mediumEval(3)
	case "big":
		cfg = bigEval(1)
	default:
		t.Skip("set TRUSTDESK_STAGES=small, medium or big")
	}
	w := generateEval(cfg)
	honest, cheats, _ := w.groups(w.in)
	scores := map[string]*Score{}
	for _, s := range Compute(w.in).Scores() {
		scores[s.ID] = s
	}
	trust := func(id string) float64 { return scores[id].Trust }
	type weigh func(s *Score, e Explained) float64
	// mean is the weighted mean safety mark, NaN without weight.
	mean := func(wt weigh) func(*Score) float64 {
		return func(s *Score) float64 {
			sum, tot := 0.0, 0.0
			for _, e := range s.Ratings {
				x := wt(s, e)
				sum += x * float64(e.Safety)
				tot += x
			}
			if tot == 0 {
				return math.NaN()
			}
			return sum / tot
		}
	}
	// cautious is SafetyLow from the weights wt, with the evidence counted
	// in units of unit, and at most Kish's effective number of raters.
	cautious := func(wt weigh, unit func(e Explained) float64, kish bool) func(*Score) float64 {
		return func(s *Score) float64 {
			tot, squares, q, n := 0.0, 0.0, 0.0, 0.0
			for _, e := range s.Ratings {
				x := wt(s, e)
				tot += x
				squares += x * x
				q += x * float64(e.Safety-1) / 4
				if x > 0 {
					n += x / unit(e)
				}
			}
			if tot == 0 {
				return math.NaN()
			}
			if kish {
				n = min(n, tot*tot/squares)
			}
			return 1 + 4*lowerBound(n*q/tot, n)
		}
	}
	flagsFirst := func(f func(*Score) float64) func(*Score) float64 {
		return func(s *Score) float64 {
			x := f(s)
			if math.IsNaN(x) {
				x = 0
			}
			if s.Flags > 0 {
				return x - 6
			}
			return x
		}
	}
	all := func(*Score, Explained) float64 { return 1 }
	final := func(_ *Score, e Explained) float64 { return e.Weight }
	units := func(u float64) func(Explained) float64 { return func(Explained) float64 { return u } }
	praiseCap := func(c float64) weigh {
		return func(_ *Score, e Explained) float64 {
			if e.Safety > FlagSafety {
				return min(e.Weight, c)
			}
			return e.Weight
		}
	}
	twoUnits := func(c float64) func(Explained) float64 {
		return func(e Explained) float64 {
			if e.Safety > FlagSafety {
				return c
			}
			return EvidenceUnit
		}
	}
	rows := []struct {
		name string
		f    func(*Score) float64
	}{
		{"mean of all ratings", mean(all)},
		{"only raters with a trust path", mean(func(_ *Score, e Explained) float64 {
			if trust(e.RaterID) > 0 {
				return 1
			}
			return 0
		})},
		{"weighted by the rater's trust", mean(func(_ *Score, e Explained) float64 { return trust(e.RaterID) })},
		{"  and decay", mean(func(_ *Score, e Explained) float64 {
			return trust(e.RaterID) * decay(now, e.Day, e.Safety <= FlagSafety)
		})},
		{"  and self-endorsement, path cap (score)", func(s *Score) float64 { return valOr(s.Safety) }},
		{"  and the prior (SafetyLow)", func(s *Score) float64 { return valOr(s.SafetyLow) }},
		{"  and flags first (as listed)", (*Score).Rank},
		{"as listed, without the prior", flagsFirst(mean(final))},
		{"as listed, mean of all ratings", flagsFirst(mean(all))},
		{"as listed, unit 0.01", flagsFirst(cautious(final, units(0.01), false))},
		{"as listed, unit 0.001", flagsFirst(cautious(final, units(0.001), false))},
		{"as listed, n ≤ effective raters", flagsFirst(cautious(final, units(EvidenceUnit), true))},
		{"as listed, every weight ≤ 0.001", flagsFirst(cautious(func(_ *Score, e Explained) float64 { return min(e.Weight, 0.001) }, units(0.001), false))},
		{"as listed, praise ≤ 0.001", flagsFirst(cautious(praiseCap(0.001), twoUnits(0.001), false))},
		{"as listed, praise ≤ 0.01", flagsFirst(cautious(praiseCap(0.01), twoUnits(0.01), false))},
		{"as listed, warned below everyone unwarned", func(s *Score) float64 {
			if s.Flags == 0 && len(s.Warnings) > 0 {
				return -1 + valOr(s.SafetyLow)/5.01 // between the flagged (−1 and below) and everyone else (0 and up)
			}
			return s.Rank()
		}},
	}
	tier := func(s *Score) int {
		switch {
		case s.Flags > 0:
			return 0
		case len(s.Warnings) > 0:
			return 1
		}
		return 2
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d people (%d honest, %d cheats rated), %d cells, %d ratings\n", cfg.people, len(honest), len(cheats), cfg.cells, cfg.ratings)
	fmt.Fprintf(&b, "%-42s %9s   %s\n", "ranking", "cheat AUC", "cheats flagged / warned only / neither: AUC of each against all honest")
	for _, r := range rows {
		score := map[string]float64{}
		for id, s := range scores {
			score[id] = r.f(s)
		}
		fmt.Fprintf(&b, "%-42s %9.3f  ", r.name, auc(score, honest, cheats))
		for k := range 3 {
			var group []string
			for _, c := range cheats {
				if tier(scores[c]) == k {
					group = append(group, c)
				}
			}
			fmt.Fprintf(&b, " %.3f (%d)", auc(score, honest, group), len(group))
		}
		b.WriteString("\n")
	}
	flagged := 0
	for _, id := range honest {
		if scores[id].Flags > 0 {
			flagged++
		}
	}
	fmt.Fprintf(&b, "honest people flagged: %d of %d\n", flagged, len(honest))
	t.Log("\n" + b.String())
}
