package reputation

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// The changes to the ranking tried in the fourth to sixth rounds of
// issue 13 (MODEL.md, section 10), each computed from the result of the
// model as it was in those rounds (settle: everything but the last step,
// which the seventh round took from the variant "praise ≤ knowledge, not
// by voucher, ordered"), so that their figures stay as measured:
// TestCheatAUCStages ranks by them on the world without rings,
// TestRingLiftVariants lets every ring of the evaluation lift a cheat
// under each of them. None is part of the model.

// variant ranks person i of a computed result: higher is safer.
type variant struct {
	name string
	rank func(r *Result, i int32) float64
}

// listedLow is the model's cautious score of i, 0 without one.
func listedLow(r *Result, i int32) float64 {
	if r.e.raters[i] > 0 {
		return r.e.safetyLow[i]
	}
	return 0
}

// flagsFirstLow places x as the model lists it: below everyone unflagged
// when i has flags.
func flagsFirstLow(r *Result, i int32, x float64) float64 {
	if r.e.flags[i] > 0 {
		return x - 6
	}
	return x
}

// lowFrom is the cautious score of i with each rating k weighing wt(k)
// instead of its weight, in units of unit.
func lowFrom(r *Result, i int32, unit float64, wt func(k int32) float64) float64 {
	m := r.m
	tot, q := 0.0, 0.0
	for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
		w := wt(k)
		tot += w
		q += w * m.ratings[k].safety()
	}
	if tot <= 0 {
		return 0
	}
	return 1 + 4*lowerBound(q/unit, tot/unit)
}

// firstHops returns, for everyone in the tree of strongest paths, the
// viewer's direct contact their path runs through (the viewer for the
// viewer, −1 without a path): the entry point of their trust.
func firstHops(r *Result) []int32 {
	m, e := r.m, r.e
	hop := make([]int32, m.n)
	for i := range hop {
		hop[i] = -1
	}
	if m.viewer < 0 {
		return hop
	}
	hop[m.viewer] = m.viewer
	// Parents come before children in depth-first order.
	for _, g := range e.up[:e.reached] {
		switch p := e.parent[g]; {
		case p == m.viewer:
			hop[g] = g
		case p >= 0:
			hop[g] = hop[p]
		}
	}
	return hop
}

// flagHops counts the distinct entry points of i's flaggers.
func flagHops(r *Result, hop []int32, i int32) int {
	m, e := r.m, r.e
	var seen []int32
	for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
		if rt := &m.ratings[k]; rt.flag && !m.blocked[rt.rater] && e.trust[rt.rater] > 0 && !slices.Contains(seen, hop[rt.rater]) {
			seen = append(seen, hop[rt.rater])
		}
	}
	return len(seen)
}

// branchLow pools i's weights per entry point (each pool is already
// capped at the entry's trust) and takes the cautious score of the pools'
// mean marks, each pool counting its entry's whole trust (full) or
// EvidenceUnit (not full).
func branchLow(r *Result, hop []int32, i int32, full bool) float64 {
	m, e := r.m, r.e
	type pool struct{ w, q float64 }
	pools := map[int32]*pool{}
	var order []int32
	for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
		w := e.weight[k]
		if w <= 0 {
			continue
		}
		h := hop[m.ratings[k].rater]
		p := pools[h]
		if p == nil {
			p = &pool{}
			pools[h] = p
			order = append(order, h)
		}
		p.w += w
		p.q += w * m.ratings[k].safety()
	}
	slices.Sort(order) // a fixed order of sums
	tot, q := 0.0, 0.0
	for _, h := range order {
		c := EvidenceUnit
		if full {
			c = e.trust[h]
		}
		tot += c
		q += c * pools[h].q / pools[h].w
	}
	if tot <= 0 {
		return 0
	}
	return 1 + 4*lowerBound(q/EvidenceUnit, tot/EvidenceUnit)
}

// noSoleVoiceLow is i's cautious score with the heaviest rating other
// than the viewer's own counting at most as much as all the others
// together (with secondOnly, at most as much as the second heaviest).
func noSoleVoiceLow(r *Result, i int32, secondOnly bool) float64 {
	m, e := r.m, r.e
	first, second, tot := 0.0, 0.0, 0.0
	for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
		w := e.weight[k]
		tot += w
		if m.ratings[k].rater == m.viewer {
			continue
		}
		if w > first {
			first, second = w, first
		} else if w > second {
			second = w
		}
	}
	c := tot - first
	if secondOnly {
		c = second
	}
	if c <= 0 {
		c = first
	}
	return lowFrom(r, i, EvidenceUnit, func(k int32) float64 {
		if m.ratings[k].rater == m.viewer {
			return e.weight[k]
		}
		return min(e.weight[k], c)
	})
}

// praiseBeforeWarningLow is i's cautious score with every rating that did
// not find i unsafe, dated before the first recent low safety mark from
// a connected rater, weighing f times its weight: the cheats of the
// evaluation behave well until they defect.
func praiseBeforeWarningLow(r *Result, i int32, f float64) float64 {
	m, e := r.m, r.e
	first := int64(math.MaxInt64)
	for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
		if rt := &m.ratings[k]; rt.flag && e.trust[rt.rater] > 0 && !m.blocked[rt.rater] {
			first = min(first, m.texts.rating(rt.text).Day.Unix())
		}
	}
	return lowFrom(r, i, EvidenceUnit, func(k int32) float64 {
		if rt := &m.ratings[k]; !rt.low && m.texts.rating(rt.text).Day.Unix() < first {
			return f * e.weight[k]
		}
		return e.weight[k]
	})
}

// vouchedBelow reports, for each latest rating of i, whether i can reach
// its rater along vouch edges: someone i vouched for, or someone vouched
// for by them, and so on, whatever other vouches they also have.
func vouchedBelow(r *Result, i int32) []bool {
	m := r.m
	lo, hi := m.subjStart[i], m.subjStart[i+1]
	out := make([]bool, hi-lo)
	if lo == hi {
		return out
	}
	seen := map[int32]bool{i: true}
	for queue := []int32{i}; len(queue) > 0; queue = queue[1:] {
		u := queue[0]
		for k := m.outStart[u]; k < m.outStart[u+1]; k++ {
			if v := m.edgeTo[k]; m.edgeKind[k] == kindVouch && !seen[v] {
				seen[v] = true
				queue = append(queue, v)
			}
		}
	}
	for k := lo; k < hi; k++ {
		out[k-lo] = m.ratings[k].rater != i && seen[m.ratings[k].rater]
	}
	return out
}

// knowRule says how knowledge through ratings spreads from the viewer
// (metKnown).
type knowRule struct {
	ordered   bool // a rating makes known only someone the viewer trusts at most as much as its rater
	noVoucher bool // a rating by someone who vouched for its subject makes nothing known
	// shared: knowledge is a quantity in 0..1 that a rating passes on as
	// trust passes along a vouch, Damping × the rater's shared among all
	// they rated (the viewer's own ratings whole, with viewerWhole), at
	// most the subject's trust; the widest path along ratings.
	shared, viewerWhole bool
	met                 bool    // with shared: whom the viewer verified in person is known as much as trusted
	undamped            bool    // with shared: a rating passes on the rater's knowledge shared, without Damping
	summed              bool    // with shared: knowledge is the sum of what every rating passes on, not the widest path
	viewerVouchees      bool    // with noVoucher: the viewer's own ratings pass knowledge on to whom the viewer vouched for
	damping             float64 // with summed: what a rater passes on of their knowledge, instead of Damping
}

// metKnown says how well the viewer knows everyone through ratings, in
// 0..1 (0 is unknown): the viewer, and anyone connected rated (any mark)
// by someone known, as rule says. Fakes whom no honest person rated are
// never known, whatever their trust.
func metKnown(r *Result, rule knowRule) []float64 {
	m, e := r.m, r.e
	known := make([]float64, m.n)
	if m.viewer < 0 {
		return known
	}
	known[m.viewer] = 1
	passes := func(q, s int32) bool {
		return !m.blocked[s] && e.trust[s] > 0 && (!rule.ordered || e.trust[q] >= e.trust[s]) && (!rule.noVoucher || (rule.viewerVouchees && q == m.viewer) || !m.vouchedFor(q, s))
	}
	if !rule.shared {
		for queue := []int32{m.viewer}; len(queue) > 0; queue = queue[1:] {
			q := queue[0]
			for _, s := range m.ratedBy[m.raterStart[q]:m.raterStart[q+1]] {
				if known[s] == 0 && passes(q, s) {
					known[s] = 1
					queue = append(queue, s)
				}
			}
		}
		return known
	}
	if rule.summed {
		return summedKnown(r, rule, passes)
	}
	var h maxHeap
	done := make([]bool, m.n)
	h.push(item{1, m.viewer})
	if rule.met {
		for k := m.outStart[m.viewer]; k < m.outStart[m.viewer+1]; k++ {
			if s := m.edgeTo[k]; m.edgeKind[k] == kindVerified && !m.blocked[s] {
				known[s] = e.trust[s]
				h.push(item{known[s], s})
			}
		}
	}
	for len(h) > 0 {
		q := h.pop().i
		if done[q] {
			continue
		}
		done[q] = true
		rated := m.ratedBy[m.raterStart[q]:m.raterStart[q+1]]
		pass := known[q]
		if !rule.undamped {
			pass *= Damping
		}
		if q != m.viewer || !rule.viewerWhole {
			pass /= float64(len(rated))
		}
		for _, s := range rated {
			if k := min(pass, e.trust[s]); !done[s] && k > known[s] && passes(q, s) {
				known[s] = k
				h.push(item{k, s})
			}
		}
	}
	return known
}

// summedKnown is knowledge as a conserved flow along ratings: the viewer
// holds 1, everyone else the sum of what the ratings of them pass on
// (Damping × the rater's knowledge, shared among all they rated), at
// most their trust. Jacobi iteration from nothing, in a fixed order.
func summedKnown(r *Result, rule knowRule, passes func(q, s int32) bool) []float64 {
	m, e := r.m, r.e
	known, next := make([]float64, m.n), make([]float64, m.n)
	known[m.viewer] = 1
	for range 200 {
		clear(next)
		next[m.viewer] = 1
		for q := range int32(m.n) {
			rated := m.ratedBy[m.raterStart[q]:m.raterStart[q+1]]
			if known[q] == 0 || len(rated) == 0 {
				continue
			}
			d := Damping
			if rule.damping > 0 {
				d = rule.damping
			}
			pass := d * known[q] / float64(len(rated))
			for _, s := range rated {
				if s != m.viewer && passes(q, s) {
					next[s] += pass
				}
			}
		}
		change := 0.0
		for i := range next {
			if int32(i) != m.viewer {
				next[i] = min(next[i], e.trust[i])
			}
			change = max(change, math.Abs(next[i]-known[i]))
		}
		known, next = next, known
		if change < 1e-12 {
			break
		}
	}
	return known
}

// warnedPraiseCap ranks as listed, but the praise (safety 3–5) of someone
// with low safety marks from connected raters counts, in total, at most c
// times the weight of those marks.
func warnedPraiseCap(c float64) func(r *Result, i int32) float64 {
	return func(r *Result, i int32) float64 {
		m, e := r.m, r.e
		warn, praise := 0.0, 0.0
		for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
			if m.ratings[k].low {
				warn += e.weight[k]
			} else {
				praise += e.weight[k]
			}
		}
		f := 1.0
		if warn > 0 && praise > c*warn {
			f = c * warn / praise
		}
		return flagsFirstLow(r, i, lowFrom(r, i, EvidenceUnit, func(k int32) float64 {
			if !m.ratings[k].low {
				return f * e.weight[k]
			}
			return e.weight[k]
		}))
	}
}

// roundVariants are the changes of the fourth to sixth rounds, the model
// as listed first.
func roundVariants() []variant {
	// One result at a time is ranked by every variant, so each keeps what
	// it derives from the last result only.
	type knownKey struct {
		r *Result
		knowRule
	}
	knowns := map[knownKey][]float64{}
	metKnownOf := func(r *Result, rule knowRule) []float64 {
		key := knownKey{r, rule}
		if k, ok := knowns[key]; ok {
			return k
		}
		for k := range knowns {
			if k.r != r {
				delete(knowns, k)
			}
		}
		k := metKnown(r, rule)
		knowns[key] = k
		return k
	}
	metOnly := func(rule knowRule) func(r *Result, i int32) float64 {
		return func(r *Result, i int32) float64 {
			m := r.m
			known := metKnownOf(r, rule)
			return flagsFirstLow(r, i, lowFrom(r, i, EvidenceUnit, func(k int32) float64 {
				if rt := &m.ratings[k]; !rt.low && known[rt.rater] == 0 {
					return 0
				}
				return r.e.weight[k]
			}))
		}
	}
	// knownAtMost weighs praise (or with all, every rating) at most by
	// how well the viewer knows its rater through ratings (shared):
	// the weight times min(1, known / trust).
	knownAtMostIn := func(rule knowRule, all bool, unit float64) func(r *Result, i int32) float64 {
		return func(r *Result, i int32) float64 {
			m, e := r.m, r.e
			known := metKnownOf(r, rule)
			return flagsFirstLow(r, i, lowFrom(r, i, unit, func(k int32) float64 {
				rt := &m.ratings[k]
				if w := e.weight[k]; w > 0 && (all || !rt.low) {
					return w * min(1, known[rt.rater]/e.trust[rt.rater])
				}
				return e.weight[k]
			}))
		}
	}
	knownAtMost := func(rule knowRule, all bool) func(r *Result, i int32) float64 {
		return knownAtMostIn(rule, all, EvidenceUnit)
	}
	var hopsOf *Result
	var hops []int32
	hop := func(r *Result) []int32 {
		if hopsOf != r {
			hopsOf, hops = r, firstHops(r)
		}
		return hops
	}
	flaggedOrHops := func(k int) func(r *Result, i int32) float64 {
		return func(r *Result, i int32) float64 {
			if r.e.flags[i] > 0 || flagHops(r, hop(r), i) >= k {
				return listedLow(r, i) - 6
			}
			return listedLow(r, i)
		}
	}
	unflaggedOnly := func(f func(r *Result, i int32) float64) func(r *Result, i int32) float64 {
		return func(r *Result, i int32) float64 {
			if r.e.flags[i] > 0 {
				return listedLow(r, i) - 6
			}
			return f(r, i)
		}
	}
	return []variant{
		{"as listed", func(r *Result, i int32) float64 { return flagsFirstLow(r, i, listedLow(r, i)) }},
		{"flags also through ≥ 2 entry points", flaggedOrHops(2)},
		{"flags also through ≥ 3 entry points", flaggedOrHops(3)},
		{"entry points pooled, each its trust", func(r *Result, i int32) float64 {
			return flagsFirstLow(r, i, branchLow(r, hop(r), i, true))
		}},
		{"entry points pooled, each the same", func(r *Result, i int32) float64 {
			return flagsFirstLow(r, i, branchLow(r, hop(r), i, false))
		}},
		{"warned: − 2·√(flag trust / needed)", func(r *Result, i int32) float64 {
			e := r.e
			if e.flags[i] > 0 {
				return listedLow(r, i) - 20
			}
			x := listedLow(r, i)
			if need := min(FlagMinTrust, e.trust[i]); need > 0 {
				x -= 2 * math.Sqrt(e.flagTrust[i]/need)
			}
			return x
		}},
		{"no sole voice, unflagged", unflaggedOnly(func(r *Result, i int32) float64 { return noSoleVoiceLow(r, i, false) })},
		{"no sole voice, everyone", func(r *Result, i int32) float64 { return flagsFirstLow(r, i, noSoleVoiceLow(r, i, false)) }},
		{"top ≤ second, everyone", func(r *Result, i int32) float64 { return flagsFirstLow(r, i, noSoleVoiceLow(r, i, true)) }},
		{"praise of flagged ≥ top flagger's trust", func(r *Result, i int32) float64 {
			m, e := r.m, r.e
			if e.flags[i] == 0 {
				return listedLow(r, i)
			}
			need := e.trust[i]
			for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
				if rt := &m.ratings[k]; rt.flag && !m.blocked[rt.rater] {
					need = max(need, e.trust[rt.rater])
				}
			}
			return lowFrom(r, i, EvidenceUnit, func(k int32) float64 {
				if rt := &m.ratings[k]; !rt.low && e.trust[rt.rater] < need {
					return 0
				}
				return e.weight[k]
			}) - 6
		}},
		{"praise ≤ the heaviest warning", func(r *Result, i int32) float64 {
			m, e := r.m, r.e
			heaviest := 0.0
			for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
				if m.ratings[k].low {
					heaviest = max(heaviest, e.weight[k])
				}
			}
			return flagsFirstLow(r, i, lowFrom(r, i, EvidenceUnit, func(k int32) float64 {
				if heaviest > 0 && !m.ratings[k].low {
					return min(e.weight[k], heaviest)
				}
				return e.weight[k]
			}))
		}},
		{"one flagger outweighed: a warning", func(r *Result, i int32) float64 {
			m, e := r.m, r.e
			if e.flags[i] == 1 {
				flag, tot := 0.0, 0.0
				for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
					tot += e.weight[k]
					if m.ratings[k].flag {
						flag += e.weight[k]
					}
				}
				if flag < tot-flag {
					return listedLow(r, i)
				}
			}
			return flagsFirstLow(r, i, listedLow(r, i))
		}},
		{"unflagged: praise before warnings × 0", unflaggedOnly(func(r *Result, i int32) float64 { return praiseBeforeWarningLow(r, i, 0) })},
		{"unflagged: praise before warnings × ¼", unflaggedOnly(func(r *Result, i int32) float64 { return praiseBeforeWarningLow(r, i, 0.25) })},
		{"praise of the warned needs trust too", unflaggedOnly(func(r *Result, i int32) float64 {
			m, e := r.m, r.e
			if e.flagTrust[i] == 0 {
				return listedLow(r, i)
			}
			return lowFrom(r, i, EvidenceUnit, func(k int32) float64 {
				if rt := &m.ratings[k]; !rt.low && e.trust[rt.rater] < e.trust[i] {
					return 0
				}
				return e.weight[k]
			})
		})},
		{"unflagged: n ≤ effective raters", unflaggedOnly(func(r *Result, i int32) float64 {
			m, e := r.m, r.e
			tot, sq, q := 0.0, 0.0, 0.0
			for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
				w := e.weight[k]
				tot += w
				sq += w * w
				q += w * m.ratings[k].safety()
			}
			if tot <= 0 {
				return 0
			}
			n := min(tot/EvidenceUnit, tot*tot/sq)
			return 1 + 4*lowerBound(n*q/tot, n)
		})},
		{"unflagged: every weight ≤ 0.001", unflaggedOnly(func(r *Result, i int32) float64 {
			return lowFrom(r, i, 0.001, func(k int32) float64 { return min(r.e.weight[k], 0.001) })
		})},
		// The fifth round: the unflagged target.
		{"no praise from anyone s's vouches let in", func(r *Result, i int32) float64 {
			m := r.m
			below := vouchedBelow(r, i)
			return flagsFirstLow(r, i, lowFrom(r, i, EvidenceUnit, func(k int32) float64 {
				if below[k-m.subjStart[i]] && !m.ratings[k].low {
					return 0
				}
				return r.e.weight[k]
			}))
		}},
		{"low marks: no praise from whom s let in", func(r *Result, i int32) float64 {
			m := r.m
			low := false
			for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
				low = low || (m.ratings[k].low && r.e.weight[k] > 0)
			}
			if !low {
				return flagsFirstLow(r, i, listedLow(r, i))
			}
			below := vouchedBelow(r, i)
			return flagsFirstLow(r, i, lowFrom(r, i, EvidenceUnit, func(k int32) float64 {
				if below[k-m.subjStart[i]] && !m.ratings[k].low {
					return 0
				}
				return r.e.weight[k]
			}))
		}},
		{"praise only from raters the known met", metOnly(knowRule{})},
		{"the same, met by the known trusted more", metOnly(knowRule{ordered: true})},
		// The sixth round: rings whose fakes honest people rated too.
		{"known trusted more, not by their voucher", metOnly(knowRule{ordered: true, noVoucher: true})},
		{"praise ≤ knowledge shared along ratings", knownAtMost(knowRule{shared: true}, false)},
		{"every rating ≤ knowledge along ratings", knownAtMost(knowRule{shared: true}, true)},
		{"praise ≤ knowledge, not by their voucher", knownAtMost(knowRule{shared: true, noVoucher: true}, false)},
		{"every rating ≤ knowledge, not by voucher", knownAtMost(knowRule{shared: true, noVoucher: true}, true)},
		{"praise ≤ knowledge, not by voucher, ordered", knownAtMost(knowRule{shared: true, noVoucher: true, ordered: true}, false)},
		{"unflagged: praise ≤ knowledge, ordered", unflaggedOnly(knownAtMost(knowRule{shared: true, noVoucher: true, ordered: true}, false))},
		{"praise ≤ knowledge, ordered, viewer's vouchees", knownAtMost(knowRule{shared: true, noVoucher: true, ordered: true, viewerVouchees: true}, false)},
		{"praise ≤ knowledge, ordered, met in person", knownAtMost(knowRule{shared: true, noVoucher: true, ordered: true, met: true}, false)},
		{"praise ≤ knowledge, ordered, unit 0.01", knownAtMostIn(knowRule{shared: true, noVoucher: true, ordered: true}, false, 0.01)},
		{"praise ≤ knowledge, ordered, unit 0.001", knownAtMostIn(knowRule{shared: true, noVoucher: true, ordered: true}, false, 0.001)},
		{"praise ≤ knowledge summed, not by voucher, ordered", knownAtMost(knowRule{shared: true, summed: true, noVoucher: true, ordered: true}, false)},
		{"praise ≤ knowledge summed, not by voucher", knownAtMost(knowRule{shared: true, summed: true, noVoucher: true}, false)},
		{"praise ≤ knowledge summed", knownAtMost(knowRule{shared: true, summed: true}, false)},
		{"praise ≤ knowledge summed, d ½, not by voucher", knownAtMost(knowRule{shared: true, summed: true, noVoucher: true, damping: 0.5}, false)},
		{"praise ≤ knowledge, ordered, undamped", knownAtMost(knowRule{shared: true, noVoucher: true, ordered: true, undamped: true}, false)},
		{"praise ≤ knowledge, the viewer's whole", knownAtMost(knowRule{shared: true, viewerWhole: true}, false)},
		{"praise ≤ knowledge, whole, not by voucher", knownAtMost(knowRule{shared: true, viewerWhole: true, noVoucher: true}, false)},
		{"every rating ≤ knowledge, whole, not by v.", knownAtMost(knowRule{shared: true, viewerWhole: true, noVoucher: true}, true)},
		{"warned: praise ≤ 1 × the warnings", warnedPraiseCap(1)},
		{"warned: praise ≤ 10 × the warnings", warnedPraiseCap(10)},
	}
}

// variantRows turns this round's variants into rows of TestCheatAUCStages.
func variantRows(r *Result) []struct {
	name string
	f    func(*Score) float64
} {
	var rows []struct {
		name string
		f    func(*Score) float64
	}
	for _, v := range roundVariants()[1:] {
		rows = append(rows, struct {
			name string
			f    func(*Score) float64
		}{v.name, func(s *Score) float64 { return v.rank(r, r.m.idx(s.ID)) }})
	}
	return rows
}

// chosenVariants returns roundVariants, or with TRUSTDESK_VARIANTS=a|b
// the model as listed and the variants whose names hold a or b.
func chosenVariants() []variant {
	vs := roundVariants()
	if only := os.Getenv("TRUSTDESK_VARIANTS"); only != "" {
		return append(vs[:1:1], slices.DeleteFunc(vs[1:], func(v variant) bool {
			return !slices.ContainsFunc(strings.Split(only, "|"), func(s string) bool { return strings.Contains(v.name, s) })
		})...)
	}
	return vs
}

// rankAll ranks everyone in r by v.
func rankAll(r *Result, v variant) map[string]float64 {
	out := make(map[string]float64, r.m.n)
	for i := range int32(r.m.n) {
		out[r.m.ids.at(i)] = v.rank(r, i)
	}
	return out
}

// TestRingLiftVariants runs the rings of TestEvaluation under each of this
// round's variants (TRUSTDESK_STAGES=small, medium or big): the cheat AUC
// on the world without rings, the fake AUC on the world with one ring of
// each shape, and the worst lift of two targets: the known cheat of
// TestEvaluation, and the cheat the model has not flagged with the lowest
// plain mean among those with three ratings or more (an unflagged
// target, which section 8 says rings can lift). TRUSTDESK_VARIANTS=text
// runs only the variants whose names hold text, beside the model as listed.
func TestRingLiftVariants(t *testing.T) {
	ringLiftVariants(t, settle, chosenVariants())
}

// ringLiftVariants is TestRingLiftVariants for the variants vs, ranking
// from the result of compute.
func ringLiftVariants(t *testing.T, compute func(*Input) *Result, vs []variant) {
	cfg := stagesWorld(t)
	base := generateEval(cfg)
	main := base.clone()
	for k, shape := range cfg.ringShapeNames {
		main.addRing(shape, cfg.mainRingSize, cfg.mainRingEdges, base.cheats[k%len(base.cheats)])
	}
	honest, _, fakes := main.groups(main.in)
	baseHonest, baseCheats, _ := base.groups(base.in)
	resBase, resMain := compute(base.in), compute(main.in)
	known := knownCheat(base)
	unflagged, lowest := unflaggedCheat(base, resBase)
	before := make([]map[string]float64, len(vs))
	for k, v := range vs {
		before[k] = rankAll(resBase, v)
	}
	type worst struct {
		lift float64
		ring string
	}
	// Per variant, target and kind of ring (without, with honest ratings
	// of its fakes): the worst lift.
	lifts := make([][2][2]worst, len(vs))
	for k := range lifts {
		for j := range 2 {
			lifts[k][j] = [2]worst{{math.Inf(-1), ""}, {math.Inf(-1), ""}}
		}
	}
	aims := []string{known, unflagged}
	eachRing(cfg, base, aims, compute, func(j int, ring string, _ *evalWorld, _ []string, res *Result) {
		kind := 0
		if strings.Contains(ring, ratedRing) {
			kind = 1
		}
		for k, v := range vs {
			lift := percentile(rankAll(res, v), baseHonest, aims[j]) - percentile(before[k], baseHonest, aims[j])
			if lift > lifts[k][j][kind].lift {
				lifts[k][j][kind] = worst{lift, ring}
			}
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d people, %d cells, %d ratings; unflagged target's plain mean %.2f\n", cfg.people, cfg.cells, cfg.ratings, lowest)
	fmt.Fprintf(&b, "worst lift of each target by rings as they were, and by rings whose fakes honest people also rated (%s)\n", ratedRing)
	fmt.Fprintf(&b, "%-40s %9s %9s %9s %30s %30s %30s %30s\n", "ranking", "cheat AUC", "fake AUC", "coverage",
		"lift, known cheat", "known, "+ratedRing, "lift, unflagged cheat", "unflagged, "+ratedRing)
	for k, v := range vs {
		covered, people := 0, 0
		for _, id := range append(slices.Clone(baseHonest), baseCheats...) {
			people++
			if before[k][id] != 0 { // 0: no rating counts
				covered++
			}
		}
		fmt.Fprintf(&b, "%-40s %9.3f %9.3f %8.1f%%", v.name, auc(before[k], baseHonest, baseCheats), auc(rankAll(resMain, v), honest, fakes),
			100*float64(covered)/float64(people))
		for j := range 2 {
			for kind := range 2 {
				fmt.Fprintf(&b, " %+7.1f %-22s", lifts[k][j][kind].lift, lifts[k][j][kind].ring)
			}
		}
		b.WriteString("\n")
	}
	t.Log("\n" + b.String())
}

// TestCheatAUCSeeds measures the cheat AUC of the model, of every
// baseline and of the variants (ranked from the model before the seventh
// round, settle) on worlds of one size drawn with seeds 1 to 6 (TRUSTDESK_SEEDS=small, medium or big): how much of a
// difference in TestEvaluation's one world is the draw of the world.
// TRUSTDESK_VARIANTS=text picks variants as in TestRingLiftVariants.
func TestCheatAUCSeeds(t *testing.T) {
	size := seedsSize(t)
	var b strings.Builder
	fmt.Fprintf(&b, "%-5s %7s", "seed", "cheats")
	ms := append([]method{methods[0]}, methods[2:]...)
	for _, m := range ms {
		fmt.Fprintf(&b, " %12.12s", m.name)
	}
	b.WriteString("  model − best baseline\n")
	sums := make([]float64, len(ms))
	margin := 0.0
	const seeds = evalSeeds
	vs := chosenVariants()
	byVariant := make([][]float64, len(vs))
	var counts []int
	rows := seedAUCs(size, ms, func(_ *Result, in *Input, honest, cheats []string) {
		// The variants rank from the model as it was in their rounds.
		before := settle(in)
		for k, v := range vs {
			byVariant[k] = append(byVariant[k], auc(rankAll(before, v), honest, cheats))
		}
		counts = append(counts, len(cheats))
	})
	for j, row := range rows {
		fmt.Fprintf(&b, "%-5d %7d", j+1, counts[j])
		best := math.Inf(-1)
		for k, a := range row {
			sums[k] += a
			if k > 0 {
				best = max(best, a)
			}
			fmt.Fprintf(&b, " %12.3f", a)
		}
		margin += row[0] - best
		fmt.Fprintf(&b, "  %+.3f\n", row[0]-best)
	}
	fmt.Fprintf(&b, "%-5s %7s", "mean", "")
	for k := range ms {
		fmt.Fprintf(&b, " %12.3f", sums[k]/seeds)
	}
	fmt.Fprintf(&b, "  %+.3f\n", margin/seeds)
	fmt.Fprintf(&b, "\n%-40s %s\n", "variants (of the model before round 7)", "cheat AUC, seeds 1–6; mean change from \"as listed\"")
	writeVariantSeeds(&b, vs, byVariant)
	t.Log("\n" + b.String())
}

// writeVariantSeeds writes, per variant, its cheat AUC on each seed
// (byVariant[k] for vs[k]) and its mean change from the first.
func writeVariantSeeds(b *strings.Builder, vs []variant, byVariant [][]float64) {
	for k, v := range vs {
		fmt.Fprintf(b, "%-40s", v.name)
		change := 0.0
		for j, a := range byVariant[k] {
			fmt.Fprintf(b, " %.3f", a)
			change += a - byVariant[0][j]
		}
		fmt.Fprintf(b, "  %+.3f\n", change/float64(len(byVariant[k])))
	}
}

// seedsSize returns the size of world TRUSTDESK_SEEDS names (small,
// medium or big); without it the test is skipped.
func seedsSize(t *testing.T) func(uint64) evalConfig {
	t.Helper()
	switch os.Getenv("TRUSTDESK_SEEDS") {
	case "small":
		return smallEval
	case "medium":
		return mediumEval
	case "big":
		return bigEval
	}
	t.Skip("set TRUSTDESK_SEEDS=small, medium or big")
	return nil
}
