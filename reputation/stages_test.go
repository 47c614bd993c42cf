package reputation

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// stagesWorld is the world TestEvaluation measures, of the size
// TRUSTDESK_STAGES names (small, medium or big); without it the test is
// skipped.
func stagesWorld(t *testing.T) evalConfig {
	t.Helper()
	switch os.Getenv("TRUSTDESK_STAGES") {
	case "small":
		return smallEval(1)
	case "medium":
		return mediumEval(3)
	case "big":
		return bigEval(1)
	}
	t.Skip("set TRUSTDESK_STAGES=small, medium or big")
	return evalConfig{}
}

// TestCheatAUCStages says where the model gains and loses cheat AUC, stage
// by stage, on the world without rings that TestEvaluation measures the
// cheat AUC on (MODEL.md, section 10). It starts from the plain mean of
// all ratings and adds one stage of the model at a time; then it changes
// one thing at a time in the model as listed, derived from the explained
// scores, so it measures the model as it is. Last, it ranks the same way
// with other trust in place of the strongest path (summed over all paths,
// with praise as edges, compressed, scaled by fairness), without the
// per-path cap; and the changes of the fourth round (variants_test.go).
// "The model as listed" here is the model before the seventh round's
// last step (settle: praise not yet weighed by knowledge), which the
// stages and variants were measured against.
// It runs only with TRUSTDESK_STAGES=small, medium or big.
func TestCheatAUCStages(t *testing.T) {
	cfg := stagesWorld(t)
	w := generateEval(cfg)
	honest, cheats, _ := w.groups(w.in)
	res := settle(w.in)
	scores := map[string]*Score{}
	for _, s := range res.Scores() {
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
	// The same ranking (the prior, flags first) with another trust in
	// place of the tree of strongest paths, without the per-path cap or
	// the rule against self-endorsement (both need the tree): first the
	// strongest paths themselves, as the yardstick for the rows after it.
	widest := res.e.trust
	fair := raterFairness(res.m, 30)
	for _, v := range []struct {
		name   string
		trust  []float64
		weight func(t float64, rater int32) float64
	}{
		{"uncapped, strongest path", widest, nil},
		{"uncapped, trust summed over all paths", summedTrust(res.m, res.e.factor, res.standing, 0), nil},
		{"uncapped, summed, praise passes trust too", summedTrust(res.m, res.e.factor, res.standing, 0.3), nil},
		{"uncapped, weight trust^0.4", widest, func(t float64, _ int32) float64 { return math.Pow(t, 0.4) }},
		{"uncapped, weight × rater fairness^4", widest, func(t float64, r int32) float64 { return t * math.Pow(max(0, fair[r]), 4) }},
	} {
		rows = append(rows, struct {
			name string
			f    func(*Score) float64
		}{v.name, rankWith(res.m, v.trust, v.weight)})
	}
	rows = append(rows, variantRows(res)...)
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

// rankWith ranks as the model lists people (the prior, flags first) with
// the given trust per person and, if weight is not nil, each rating
// weighing weight(trust of its rater, rater) times its decay; without the
// per-path cap and the rule against self-endorsement.
func rankWith(m *model, trust []float64, weight func(t float64, rater int32) float64) func(*Score) float64 {
	return func(s *Score) float64 {
		i := m.idx(s.ID)
		tot, q, flag := 0.0, 0.0, 0.0
		for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
			r := &m.ratings[k]
			t := trust[r.rater]
			if m.blocked[r.rater] || t <= 0 {
				continue
			}
			x := t
			if weight != nil {
				x = weight(t, r.rater)
			}
			tot += x * r.decay
			q += x * r.decay * r.safety()
			if r.flag {
				flag += t
			}
		}
		if tot == 0 {
			return 0
		}
		low := 1 + 4*lowerBound(q/EvidenceUnit, tot/EvidenceUnit)
		if flag > 0 && flag >= min(FlagMinTrust, trust[i]) {
			return low - 6
		}
		return low
	}
}

// summedTrust is trust as a conserved flow summed over all paths
// (Appleseed's spreading without its per-node share): t(V) = 1 and
// t(y) = min(1, Σ over edges q → y of t(q)·f(q → y)), with the model's
// edge factors. With praise > 0, every latest rating with safety 4 or 5
// is an edge too: its rater passes trust to the person rated, each such
// edge counting praise times a vouch in the sharing (the viewer shares
// Damping among their own).
func summedTrust(m *model, factor, standing []float64, praise float64) []float64 {
	type arc struct {
		from, to int32
		f        float64
	}
	var arcs []arc
	for k := range m.edgeTo {
		arcs = append(arcs, arc{m.edgeFrom[k], m.edgeTo[k], factor[k]})
	}
	if praise > 0 {
		share := make([]float64, m.n) // weighted out-degree with praise edges
		praised := make([]float64, m.n)
		for k := range m.ratings {
			if r := &m.ratings[k]; r.safety() >= 0.75 {
				praised[r.rater]++
			}
		}
		for i := range m.n {
			share[i] = float64(m.outDeg[i]) + praise*praised[i]
		}
		for k := range arcs {
			if a := &arcs[k]; a.from != m.viewer && m.edgeKind[k] != kindVerified {
				a.f = Damping * standing[a.from] / share[a.from]
			}
		}
		for k := range m.ratings {
			r := &m.ratings[k]
			if r.safety() < 0.75 {
				continue
			}
			f := Damping * standing[r.rater] * praise / share[r.rater]
			if r.rater == m.viewer {
				f = Damping / praised[r.rater]
			}
			arcs = append(arcs, arc{r.rater, r.subject, f})
		}
	}
	t := make([]float64, m.n)
	if m.viewer < 0 {
		return t
	}
	next := make([]float64, m.n)
	t[m.viewer] = 1
	for range 500 {
		clear(next)
		for _, a := range arcs {
			next[a.to] += t[a.from] * a.f
		}
		change := 0.0
		for i := range next {
			x := min(1, next[i])
			if int32(i) == m.viewer {
				x = 1
			} else if m.blocked[i] {
				x = 0
			}
			change = max(change, math.Abs(x-t[i]))
			t[i] = x
		}
		if change < 1e-12 {
			break
		}
	}
	return t
}

// raterFairness is each rater's fairness in Kumar et al.'s
// fairness–goodness (ICDM 2016), on safety marks, in 0..1.
func raterFairness(m *model, rounds int) []float64 {
	fair, good := make([]float64, m.n), make([]float64, m.n)
	sum, cnt := make([]float64, m.n), make([]float64, m.n)
	for i := range fair {
		fair[i] = 1
	}
	for range rounds {
		clear(sum)
		clear(cnt)
		for k := range m.ratings {
			r := &m.ratings[k]
			sum[r.subject] += fair[r.rater] * (2*r.safety() - 1)
			cnt[r.subject]++
		}
		for i := range good {
			if cnt[i] > 0 {
				good[i] = sum[i] / cnt[i]
			}
		}
		clear(sum)
		clear(cnt)
		for k := range m.ratings {
			r := &m.ratings[k]
			sum[r.rater] += math.Abs(2*r.safety()-1-good[r.subject]) / 2
			cnt[r.rater]++
		}
		for i := range fair {
			if cnt[i] > 0 {
				fair[i] = 1 - sum[i]/cnt[i]
			}
		}
	}
	return fair
}
