package reputation

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestCheatAUCKnowledgeStages says where the model as listed (with
// praise weighed by knowledge) gains and loses cheat AUC against the
// model before that step, per group of cheats (MODEL.md, section 10,
// the ninth round). It runs only with TRUSTDESK_STAGES=small, medium or big.
func TestCheatAUCKnowledgeStages(t *testing.T) {
	cfg := stagesWorld(t)
	w := generateEval(cfg)
	honest, cheats, _ := w.groups(w.in)
	before, after := settle(w.in), Compute(w.in)
	rank := func(r *Result) func(i int32) float64 {
		return func(i int32) float64 { return flagsFirstLow(r, i, listedLow(r, i)) }
	}
	m := after.m
	rows := []struct {
		name string
		f    func(i int32) float64
	}{
		{"mean of all ratings", func(i int32) float64 {
			sum, n := 0.0, 0.0
			for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
				sum += m.ratings[k].safety()
				n++
			}
			if n == 0 {
				return math.NaN()
			}
			return sum / n
		}},
		{"before knowledge (settle)", rank(before)},
		{"as listed (Compute)", rank(after)},
	}
	for _, v := range knowledgeRoundVariants()[1:] {
		rows = append(rows, struct {
			name string
			f    func(i int32) float64
		}{v.name, func(i int32) float64 { return v.rank(after, i) }})
	}
	tier := func(i int32) int {
		switch {
		case after.e.flags[i] > 0:
			return 0
		case len(after.Person(m.ids.at(i)).Warnings) > 0:
			return 1
		}
		return 2
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-42s %9s   %s\n", "ranking", "cheat AUC", "flagged / warned only / neither")
	for _, r := range rows {
		score := map[string]float64{}
		for i := range int32(m.n) {
			score[m.ids.at(i)] = r.f(i)
		}
		fmt.Fprintf(&b, "%-42s %9.3f  ", r.name, auc(score, honest, cheats))
		for k := range 3 {
			var group []string
			for _, c := range cheats {
				if tier(m.idx(c)) == k {
					group = append(group, c)
				}
			}
			var hs []string
			for _, h := range honest {
				if tier(m.idx(h)) == k {
					hs = append(hs, h)
				}
			}
			fmt.Fprintf(&b, " %.3f (%d; within tier %.3f, %d honest)", auc(score, honest, group), len(group), auc(score, hs, group), len(hs))
		}
		b.WriteString("\n")
	}
	// The cheats nobody flagged or warned about against the honest people
	// in the same tier: median evidence (in EvidenceUnits) before and after
	// the step, median share taken away, median cautious score.
	median := func(xs []float64) float64 {
		if len(xs) == 0 {
			return math.NaN()
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	for _, g := range []struct {
		name string
		ids  []string
	}{{"honest", honest}, {"cheats", cheats}} {
		var nb, na, lost, lowB, lowA, raters []float64
		for _, id := range g.ids {
			i := m.idx(id)
			if tier(i) != 2 || after.e.raters[i] == 0 {
				continue
			}
			units := func(r *Result) float64 {
				c := r.e.confidence[i]
				return PriorWeight * c / (1 - c)
			}
			nb, na = append(nb, units(before)), append(na, units(after))
			lost = append(lost, after.e.knownLittle[i])
			lowB, lowA = append(lowB, before.e.safetyLow[i]), append(lowA, after.e.safetyLow[i])
			raters = append(raters, float64(after.e.raters[i]))
		}
		fmt.Fprintf(&b, "neither tier, %s (%d with a score): median evidence %.3f → %.3f units, taken away %.2f, cautious score %.3f → %.3f, raters %.0f\n",
			g.name, len(nb), median(nb), median(na), median(lost), median(lowB), median(lowA), median(raters))
	}
	t.Log("\n" + b.String())
}

// knowledgeRoundVariants are the ninth round's changes to the ranking,
// computed from the model's result as listed (Compute); the first is the
// model as listed.
func knowledgeRoundVariants() []variant {
	return []variant{
		{"as listed", func(r *Result, i int32) float64 { return flagsFirstLow(r, i, listedLow(r, i)) }},
		{"mutual praise counts half", mutualPraise(0.5)},
		{"mutual praise counts 0", mutualPraise(0)},
		{"a flag needs min(k(s), 0.1)", func(r *Result, i int32) float64 {
			e := r.e
			x := listedLow(r, i)
			if e.flags[i] > 0 || (e.flagTrust[i] > 0 && e.flagTrust[i] >= min(e.known[i], FlagMinTrust)) {
				return x - 6
			}
			return x
		}},
		{"a flag also when the flaggers' knowledge reaches min(k(s), 0.1)", func(r *Result, i int32) float64 {
			m, e := r.m, r.e
			x := listedLow(r, i)
			if e.flags[i] > 0 {
				return x - 6
			}
			known := 0.0
			for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
				if rt := &m.ratings[k]; rt.flag && !m.blocked[rt.rater] && e.trust[rt.rater] > 0 {
					known += e.known[rt.rater]
				}
			}
			if known > 0 && known >= min(e.known[i], FlagMinTrust) {
				return x - 6
			}
			return x
		}},
	}
}

// mutualPraise ranks as listed with every praise (safety 4 or 5) whose
// subject also praised its rater weighing f of its weight.
func mutualPraise(f float64) func(r *Result, i int32) float64 {
	return func(r *Result, i int32) float64 {
		m := r.m
		praised := func(a, b int32) bool { // a praised b
			for k := m.subjStart[b]; k < m.subjStart[b+1]; k++ {
				if rt := &m.ratings[k]; rt.rater == a && rt.safety() >= 0.75 {
					return true
				}
			}
			return false
		}
		return flagsFirstLow(r, i, lowFrom(r, i, EvidenceUnit, func(k int32) float64 {
			rt := &m.ratings[k]
			if w := r.e.weight[k]; w > 0 && rt.safety() >= 0.75 && praised(i, rt.rater) {
				return f * w
			}
			return r.e.weight[k]
		}))
	}
}

// TestKnowledgeVariantSeeds ranks the worlds of seeds 1 to 6 of one size
// (TRUSTDESK_SEEDS=small, medium or big) by the ninth round's variants:
// the cheat AUC of each, and its mean change from the model as listed.
func TestKnowledgeVariantSeeds(t *testing.T) {
	size := seedsSize(t)
	vs := knowledgeRoundVariants()
	byVariant := make([][]float64, len(vs))
	seedAUCs(size, nil, func(res *Result, _ *Input, honest, cheats []string) {
		for k, v := range vs {
			byVariant[k] = append(byVariant[k], auc(rankAll(res, v), honest, cheats))
		}
	})
	var b strings.Builder
	writeVariantSeeds(&b, vs, byVariant)
	t.Log("\n" + b.String())
}

// TestKnowledgeRingLiftVariants runs the rings of TestEvaluation under
// each of the ninth round's variants (TRUSTDESK_STAGES=small, medium or
// big), ranked from the model as listed, as TestRingLiftVariants does.
func TestKnowledgeRingLiftVariants(t *testing.T) {
	ringLiftVariants(t, Compute, knowledgeRoundVariants())
}
