package reputation

import "slices"

// Praise weighs at most what the viewer knows of its rater through
// ratings (MODEL.md, section 4, "Praise needs knowledge").
//
// Knowledge spreads from the viewer along ratings the way trust spreads
// along vouches: the viewer knows themselves fully (1), and whom they
// verified in person as much as they trust them; a rating by q of s
// passes on Damping × q's knowledge, shared among everyone q rated, at
// most s's trust, and nothing when the viewer trusts q less than s or
// when q vouched for s (the vouch and the rating are one act of one
// person); each person's knowledge is the widest such path. A rating that
// did not find its subject unsafe (safety 3 to 5) then weighs
// w · min(1, k(r) / t(r)): the weight it had, times the share of its
// rater's trust that the viewer also knows through ratings.

// knowledge computes everyone's knowledge into e.known with a widest-path
// search over the ratings (Dijkstra's algorithm, products for sums).
func (m *model) knowledge(e *eval) {
	known, done := e.known, e.done
	for i := range known {
		known[i], done[i] = 0, false
	}
	if m.viewer < 0 {
		return
	}
	known[m.viewer] = 1
	h := e.heap[:0]
	h.push(item{1, m.viewer})
	for k := m.outStart[m.viewer]; k < m.outStart[m.viewer+1]; k++ {
		if s := m.edgeTo[k]; m.edgeKind[k] == kindVerified && !m.blocked[s] {
			known[s] = e.trust[s] // met in person: known as much as trusted
			h.push(item{known[s], s})
		}
	}
	for len(h) > 0 {
		q := h.pop().i
		if done[q] {
			continue
		}
		done[q] = true
		rated := m.ratedBy[m.raterStart[q]:m.raterStart[q+1]]
		pass := Damping * known[q] / float64(len(rated))
		for _, s := range rated {
			k := min(pass, e.trust[s])
			if done[s] || k <= known[s] || m.blocked[s] || e.trust[q] < e.trust[s] || m.vouchedFor(q, s) {
				continue
			}
			known[s] = k
			h.push(item{k, s})
		}
	}
	e.heap = h
}

// vouchedFor reports whether q vouched for s in a cell that did not
// exclude s: whether a vouch edge q → s exists.
func (m *model) vouchedFor(q, s int32) bool {
	to := m.edgeTo[m.outStart[q]:m.outStart[q+1]]
	j, _ := slices.BinarySearch(to, s) // sorted by target, then kind
	for ; j < len(to) && to[j] == s; j++ {
		if m.edgeKind[int(m.outStart[q])+j] == kindVouch {
			return true
		}
	}
	return false
}

// weighByKnowledge lowers the weight of every praise rating to what the
// viewer knows of its rater, after the last pass, and computes again the
// scores of everyone whose ratings it lowered. Weights only fall, so the
// bound of MODEL.md section 7 holds as it did; flags, warnings, trust and
// standing do not depend on praise and stay as they are.
func (m *model) weighByKnowledge(e *eval) {
	m.knowledge(e)
	for s := range int32(m.n) {
		lo, hi := m.subjStart[s], m.subjStart[s+1]
		lowered := false
		before, after := 0.0, 0.0
		for k := lo; k < hi; k++ {
			r := &m.ratings[k]
			w := e.weight[k]
			if w <= 0 {
				continue
			}
			before += w
			if f := e.known[r.rater] / e.trust[r.rater]; !r.low && f < 1 {
				e.weight[k] = w * f
				if e.why[k] == whyNone {
					e.why[k] = whyKnownLittle
				}
				lowered = true
			}
			after += e.weight[k]
		}
		e.knownLittle[s] = 0
		if lowered {
			e.knownLittle[s] = max(0, 1-after/before)
			m.rescore(s, e)
		}
	}
}

// rescore computes s's scores again from the final weights of its
// ratings, summed in a fixed order; the flags stay.
func (m *model) rescore(s int32, e *eval) {
	var total, safe, reliable float64
	var raters int32
	for k := m.subjStart[s]; k < m.subjStart[s+1]; k++ {
		if w := e.weight[k]; w > 0 {
			r := &m.ratings[k]
			raters++
			total += w
			safe += w * r.safety()
			reliable += w * r.reliability()
		}
	}
	e.raters[s] = raters
	e.safety[s], e.reliability[s], e.safetyLow[s], e.confidence[s] = 0, 0, 0, 0
	e.setScores(s, total, safe, reliable)
}
