package reputation

import (
	"math"
	"math/bits"
	"slices"
)

// eval holds one pass of the model: trust from the viewer, the weight of
// every rating, and the scores they give. Its slices are reused between
// passes.
type eval struct {
	factor []float64 // per edge: share of the source's trust the target gets

	trust   []float64 // per person, from the viewer
	parent  []int32   // best-path tree
	pkind   []uint8   // kind of the edge from the parent
	done    []bool
	heap    maxHeap
	childSt []int32 // best-path tree children, CSR
	child   []int32

	// Scratch for the per-subject recomputation.
	mark     []int32 // == gen when in the current subject's vouch subtree
	gen      int32
	gen2     int32 // generation of acc
	alt      []float64
	altDone  []int32
	stack    []int32
	subtree  []int32
	evidence []float64 // per person: negative, positive safety evidence (standing)
	tin      []int32   // per person: depth-first order in the best-path tree
	depth    []int32   // per person: steps from the viewer in that tree
	order    []int32   // scratch: the order in which people leave the stack
	up       []int32   // sparse table over depth-first order, for lca: levels of reached each
	levels   int32
	reached  int32     // people in the tree of strongest paths; up[:reached] lists them in depth-first order
	scale    []float64 // per person: the cap applied to what was gathered below them
	acc      []float64 // per person in the tree, by tin: evidence gathered below them, accWidth each
	accGen   []int32   // == gen when acc holds this subject's evidence
	touched  []int32
	inTouch  []int32 // == gen2 when a rater is in touched before the small tree is built
	// rated[m.subjStart[s]:ratedEnd[s]] are the raters of s who are in
	// the tree of strongest paths, in depth-first order.
	rated    []int32
	ratedEnd []int32

	// The small trees of each subject's raters and meeting points, kept
	// from the last pass: people in the order they are capped and handed
	// up (vtNode) with whom they hand up to (vtPar, −1 for the total),
	// subject by subject (vtStart). While the tree of strongest paths stays
	// the same, so do they, and a pass replays them instead of building
	// them again.
	prevParent []int32
	prevKind   []uint8
	seen       []int32 // == gen2 when in the kept small tree being replayed
	opar       []int32 // scratch: whom each person in e.order hands up to
	sameTree   bool    // the tree of strongest paths is as in the last pass
	vtValid    bool    // vtNode and vtPar hold every subject's small tree
	vtStart    []int32
	vtNode     []int32
	vtPar      []int32

	// A pass after the first whose tree of strongest paths is the last
	// pass's weighs again only the subjects whose weighing reads a trust
	// that changed (MODEL.md, section 9, "Only what changed"): prevTrust
	// is everyone's trust in the last pass, and dirty marks the people
	// of the tree whose trust, or some ancestor's, is not that.
	prevTrust []float64
	dirty     []bool

	weight      []float64 // per rating
	why         []uint8   // per rating
	safety      []float64 // per person, 1..5 when raters > 0
	reliability []float64
	safetyLow   []float64 // lower bound of safety, 1..5 when raters > 0
	confidence  []float64
	raters      []int32
	flags       []int32
	flagTrust   []float64 // per person: the flaggers' trust, capped per path (for the evaluation)
	known       []float64 // per person: what the viewer knows of them through ratings (knowledge.go)
	knownLittle []float64 // per person: the share of their ratings' weight that knowledge took away (knowledge.go)
}

func (m *model) newEval() *eval { return m.evalIn(nil) }

// evalIn returns a new eval of m, zeroed as newEval's, its arrays made
// in those of old where they are large enough (old, if not nil, is no
// longer used). A week computed in one pass (Source.ComputeDays) reuses
// one day's arrays for the next: clearing memory in use costs a fraction
// of faulting in fresh pages.
func (m *model) evalIn(old *eval) *eval {
	if old == nil {
		old = &eval{}
	}
	n, ne, nr := m.n, len(m.edgeTo), len(m.ratings)
	levels := int32(bits.Len(uint(n)) + 1)
	return &eval{
		factor:      zeroed(old.factor, ne),
		trust:       zeroed(old.trust, n),
		parent:      zeroed(old.parent, n),
		pkind:       zeroed(old.pkind, n),
		done:        zeroed(old.done, n),
		childSt:     zeroed(old.childSt, n+1),
		child:       zeroed(old.child, n)[:0],
		mark:        zeroed(old.mark, n),
		alt:         zeroed(old.alt, n),
		altDone:     zeroed(old.altDone, n),
		evidence:    zeroed(old.evidence, 2*n),
		tin:         zeroed(old.tin, n),
		depth:       zeroed(old.depth, n),
		up:          zeroed(old.up, n), // the levels above the first when the tree is known (tour)
		levels:      levels,
		scale:       zeroed(old.scale, n),
		acc:         old.acc[:0], // sized to the tree by tour; accAt clears each on first use
		accGen:      zeroed(old.accGen, n),
		weight:      zeroed(old.weight, nr),
		why:         zeroed(old.why, nr),
		safety:      zeroed(old.safety, n),
		reliability: zeroed(old.reliability, n),
		safetyLow:   zeroed(old.safetyLow, n),
		confidence:  zeroed(old.confidence, n),
		raters:      zeroed(old.raters, n),
		flags:       zeroed(old.flags, n),
		flagTrust:   zeroed(old.flagTrust, n),
		known:       zeroed(old.known, n),
		knownLittle: zeroed(old.knownLittle, n),
		prevParent:  zeroed(old.prevParent, n),
		prevKind:    zeroed(old.prevKind, n),
		seen:        zeroed(old.seen, n),
		vtStart:     zeroed(old.vtStart, n+1),
		vtNode:      zeroed(old.vtNode, 2*nr)[:0],
		vtPar:       zeroed(old.vtPar, 2*nr)[:0],
		inTouch:     zeroed(old.inTouch, n),
		rated:       zeroed(old.rated, nr),
		ratedEnd:    zeroed(old.ratedEnd, n),
		prevTrust:   zeroed(old.prevTrust, n),
		dirty:       zeroed(old.dirty, n),
	}
}

// zeroed returns n zero values: in old, cleared, if it has room for
// them, else in a new array.
func zeroed[T any](old []T, n int) []T {
	if cap(old) < n {
		return make([]T, n)
	}
	old = old[:n]
	clear(old)
	return old
}

// evaluate computes trust with the given standing, then every rating's
// weight and every person's scores.
func (m *model) evaluate(standing []float64, e *eval) {
	m.propagate(standing, e)
	e.sameTree = e.vtValid && slices.Equal(e.parent, e.prevParent) && slices.Equal(e.pkind, e.prevKind)
	if !e.sameTree {
		copy(e.prevParent, e.parent)
		copy(e.prevKind, e.pkind)
		m.children(e)
		e.vtNode, e.vtPar = e.vtNode[:0], e.vtPar[:0]
	}
	e.vtValid = true
	if e.sameTree {
		m.markDirty(e)
	}
	for s := range int32(m.n) {
		if e.sameTree && !m.reweigh(s, e) {
			continue
		}
		m.scoreSubject(s, e)
		if !e.sameTree {
			e.vtStart[s+1] = int32(len(e.vtNode))
		}
	}
	copy(e.prevTrust, e.trust)
}

// markDirty marks, in a pass whose tree of strongest paths is the last
// pass's, each person of the tree whose trust or some ancestor's differs
// from the last pass (parents come before their children in e.up).
// Others keep what they had: trust 0 in both passes, or a mark that
// only makes a subject weighed again.
func (m *model) markDirty(e *eval) {
	for _, u := range e.up[:e.reached] {
		p := e.parent[u]
		e.dirty[u] = e.trust[u] != e.prevTrust[u] || p >= 0 && e.dirty[p]
	}
}

// reweigh reports whether s must be weighed again in a pass whose tree
// of strongest paths is the last pass's: s is in the tree (its own trust
// and the trust of those below its vouch edges are read), or one of its
// raters is dirty (the weighing reads the trust of each rater and of
// the points above them where their paths meet). Otherwise everything
// scoreSubject reads of the pass is what the last pass read (the same
// tree, the same trust on every path a rating of s counts along, trust
// 0 for s and no one below it), so it would write what it wrote then:
// s keeps its weights, evidence, flags and scores.
func (m *model) reweigh(s int32, e *eval) bool {
	if e.parent[s] >= 0 || s == m.viewer {
		return true
	}
	for k := m.subjStart[s]; k < m.subjStart[s+1]; k++ {
		if e.dirty[m.ratings[k].rater] {
			return true
		}
	}
	return false
}

// edgeFactor is the share of trust that flows along edge k.
func (m *model) edgeFactor(k int, standing []float64) float64 {
	from := m.edgeFrom[k]
	switch m.edgeKind[k] {
	case kindVerified:
		return Damping
	}
	f := Damping * standing[from]
	if from != m.viewer {
		f /= float64(m.outDeg[from]) // conserved: all edges out of from carry Damping·σ at most
	}
	return f
}

// propagate computes every person's trust as the strongest product of edge
// factors along a path from the viewer (a widest-path search, Dijkstra's
// algorithm with products instead of sums), and the tree of those paths.
func (m *model) propagate(standing []float64, e *eval) {
	for k := range e.factor {
		e.factor[k] = m.edgeFactor(k, standing)
	}
	for i := range e.trust {
		e.trust[i], e.parent[i], e.pkind[i], e.done[i] = 0, -1, 0, false
	}
	if m.viewer < 0 {
		return
	}
	e.trust[m.viewer] = 1
	h := e.heap[:0]
	h.push(item{1, m.viewer})
	for len(h) > 0 {
		it := h.pop()
		u := it.i
		if e.done[u] {
			continue
		}
		e.done[u] = true
		for k := m.outStart[u]; k < m.outStart[u+1]; k++ {
			v := m.edgeTo[k]
			if e.done[v] || m.blocked[v] {
				continue
			}
			if t := e.trust[u] * e.factor[k]; t > e.trust[v] {
				e.trust[v], e.parent[v], e.pkind[v] = t, u, m.edgeKind[k]
				h.push(item{t, v})
			}
		}
	}
	e.heap = h
}

// children lays out the best-path tree as child lists.
func (m *model) children(e *eval) {
	clear(e.childSt)
	for v := range m.n {
		if p := e.parent[v]; p >= 0 {
			e.childSt[p+1]++
		}
	}
	for i := range m.n {
		e.childSt[i+1] += e.childSt[i]
	}
	e.child = e.child[:e.childSt[m.n]]
	next := e.stack[:0]
	next = append(next, e.childSt[:m.n]...)
	for v := range int32(m.n) {
		if p := e.parent[v]; p >= 0 {
			e.child[next[p]] = v
			next[p]++
		}
	}
	e.stack = next[:0]
	m.tour(e)
	m.sortRaters(e)
}

// sortRaters lists every subject's raters in the depth-first order of the
// tree of strongest paths (e.rated), walking the tree once.
func (m *model) sortRaters(e *eval) {
	next := e.ratedEnd
	copy(next, m.subjStart[:m.n])
	if m.viewer < 0 {
		return
	}
	for _, g := range e.up[:e.reached] {
		for _, s := range m.ratedBy[m.raterStart[g]:m.raterStart[g+1]] {
			e.rated[next[s]] = g
			next[s]++
		}
	}
}

// tour numbers the tree of strongest paths in depth-first order (tin,
// tout) and fills the ancestor table for lowest common ancestors.
func (m *model) tour(e *eval) {
	if m.viewer < 0 {
		return
	}
	clock := int32(0)
	st := e.stack[:0]
	st = append(st, m.viewer)
	e.depth[m.viewer] = 0
	for len(st) > 0 {
		u := st[len(st)-1]
		st = st[:len(st)-1]
		e.tin[u] = clock
		e.up[clock] = u
		clock++
		for _, c := range e.child[e.childSt[u]:e.childSt[u+1]] {
			e.depth[c] = e.depth[u] + 1
			st = append(st, c)
		}
	}
	e.stack = st[:0]
	e.reached = clock
	// Only people in the tree gather evidence (a rater with trust, a
	// point where their paths meet): acc has a place for each of them,
	// by depth-first number, not for everyone.
	if need := accWidth * int(clock); cap(e.acc) < need {
		e.acc = make([]float64, need)
	} else {
		e.acc = e.acc[:need]
	}
	// up[j*clock+i] is the shallowest person among those numbered i to
	// i+2^j−1 in depth-first order: a level for each of the people in
	// the tree, not for everyone (most people a flood names are in
	// none).
	if need := int(e.levels) * int(clock); len(e.up) < need {
		if cap(e.up) < need {
			e.up = append(make([]int32, 0, need), e.up...)
		}
		e.up = e.up[:need]
	}
	for j := int32(1); j < e.levels; j++ {
		prev, cur := e.up[(j-1)*clock:j*clock], e.up[j*clock:(j+1)*clock]
		half := int32(1) << (j - 1)
		for i := int32(0); i+2*half <= clock; i++ {
			x, y := prev[i], prev[i+half]
			if e.depth[y] < e.depth[x] {
				x = y
			}
			cur[i] = x
		}
	}
}

// lca returns the lowest common ancestor of a and b in the tree: the
// parent of the shallowest person after the earlier of the two, up to the
// later, in depth-first order.
func (e *eval) lca(a, b int32) int32 {
	if a == b {
		return a
	}
	i, k := e.tin[a], e.tin[b]
	if i > k {
		i, k = k, i
	}
	i++
	j := int32(bits.Len32(uint32(k-i+1))) - 1
	r := e.reached
	x, y := e.up[j*r+i], e.up[j*r+k-(1<<j)+1]
	if e.depth[y] < e.depth[x] {
		x = y
	}
	return e.parent[x]
}

// scoreSubject weighs the ratings about s and computes s's scores.
//
// A rating about s counts with the trust its rater would have if s had
// vouched for nobody: people who owe their trust to s cannot raise s's
// score. Only raters in the subtree below s's vouch edges in the best-path
// tree can lose trust that way; their trust is recomputed without those
// edges, entering the subtree from outside.
func (m *model) scoreSubject(s int32, e *eval) {
	lo, hi := m.subjStart[s], m.subjStart[s+1]
	e.evidence[2*s], e.evidence[2*s+1] = 0, 0
	if lo == hi {
		e.safety[s], e.reliability[s], e.safetyLow[s], e.confidence[s], e.raters[s], e.flags[s], e.flagTrust[s] = 0, 0, 0, 0, 0, 0, 0
		return
	}
	if m.markSubtree(s, e) {
		m.recompute(s, e)
	}
	// Once s has flags, ratings that did not find s unsafe count only from
	// raters the viewer trusts at least as much as s. Whether s has flags
	// is known only after the per-path cap, which depends on the weights;
	// the flags themselves do not. So weigh as if s had the flags of the
	// last pass (they rarely change between passes), and weigh again if the
	// flags come out otherwise. Both ways give the same numbers.
	flagged := e.flags[s] > 0
	e.safety[s], e.reliability[s], e.safetyLow[s], e.confidence[s], e.raters[s], e.flags[s] = 0, 0, 0, 0, 0, 0
	kept := len(e.vtNode)
	var sum [accWidth]float64
	var nodes, pars []int32
	var raters, flags int32
	for range 2 {
		raters, flags = m.weigh(s, e, flagged)
		// Evidence counts once per independent path: everything gathered
		// below a person in the tree of strongest paths counts at most that
		// person's trust. Only the raters and the points where their paths
		// meet can bind (trust falls along every path, and between two such
		// points the evidence does not change), so the caps run over that
		// small tree, deepest first, each person's evidence capped and
		// handed up.
		sum = [accWidth]float64{}
		nodes, pars = m.smallTree(s, e, &sum)
		if now := sum[5] > 0 && sum[5] >= min(FlagMinTrust, e.trust[s]); now != flagged {
			flagged = now
			if !e.sameTree {
				e.vtNode, e.vtPar = e.vtNode[:kept], e.vtPar[:kept]
			}
			continue
		}
		break
	}
	if !flagged {
		flags = 0 // less trust behind the flags than in the person flagged: they show as warnings
	}
	// Each rating's weight as it finally counts: scaled by every cap above
	// its rater (parents come first in reverse order of leaving).
	for j := len(nodes) - 1; j >= 0; j-- {
		if p := pars[j]; p >= 0 {
			e.scale[nodes[j]] *= e.scale[p]
		}
	}
	for k := lo; k < hi; k++ {
		if w := e.weight[k]; w > 0 {
			e.weight[k] = w * e.scale[m.ratings[k].rater]
		}
	}
	total, safe, reliable, neg, pos := sum[0], sum[1], sum[2], sum[3], sum[4]
	e.flags[s], e.raters[s], e.flagTrust[s] = flags, raters, sum[5]
	e.evidence[2*s], e.evidence[2*s+1] = neg, pos
	if raters > 0 {
		e.setScores(s, total, safe, reliable)
	}
}

// setScores sets s's scores from the summed weight of the counted
// ratings about s and their weighted marks (each in 0..1); with no weight
// it leaves them as they are.
func (e *eval) setScores(s int32, total, safe, reliable float64) {
	if total <= 0 {
		return
	}
	e.safety[s] = 1 + 4*safe/total
	e.reliability[s] = 1 + 4*reliable/total
	n := total / EvidenceUnit
	e.confidence[s] = n / (n + PriorWeight)
	e.safetyLow[s] = 1 + 4*lowerBound(safe/EvidenceUnit, n)
}

// addEvidence adds a rating of weight w to its rater's evidence sums.
func (e *eval) addEvidence(r *rating, w float64) {
	a := e.accAt(r.rater)
	a[0] += w
	a[1] += w * r.safety()
	a[2] += w * r.reliability()
	if d := 2*r.safety() - 1; d < 0 {
		a[3] -= w * d
	} else {
		a[4] += w * d
	}
}

// weigh sets the weight of every rating of s before the per-path cap
// and gathers the evidence at each rater; with flagged, ratings that did
// not find s unsafe count only from raters trusted at least as much as s.
// It returns the number of raters with weight and of flaggers.
func (m *model) weigh(s int32, e *eval, flagged bool) (raters, flags int32) {
	e.gen2++
	e.touched = e.touched[:0]
	for k := m.subjStart[s]; k < m.subjStart[s+1]; k++ {
		r := &m.ratings[k]
		t := e.trust[r.rater]
		why := whyNone
		switch {
		case m.replaced[r.rater]:
			t, why = 0, whyReplaced
		case m.blocked[r.rater]:
			t, why = 0, whyBlocked
		case t == 0:
			why = whyNotConnected
		case e.mark[r.rater] == e.gen:
			if a := e.alt[r.rater]; a < t {
				t, why = a, whyAdmitted
			}
		}
		if flagged && t > 0 && !r.low && e.trust[r.rater] < e.trust[s] {
			t, why = 0, whyTrustedLess
		}
		if r.flag && !m.blocked[r.rater] && e.trust[r.rater] > 0 {
			flags++
			e.accAt(r.rater)[5] += e.trust[r.rater]
		}
		w := t * r.decay
		e.weight[k], e.why[k] = w, why
		if w > 0 {
			raters++
			e.addEvidence(r, w)
		}
	}
	return raters, flags
}

// smallTree caps the evidence gathered about subject s at every rater
// and every point where their paths meet, deepest first, and hands it up,
// into sum at the top. It returns those people in the order they were
// capped, each with whom they handed up to (−1 for sum).
//
// The usual construction of that small tree with a stack: in depth-first
// order, each person's place is found from the meeting point with the top
// of the stack. People leave the stack after everyone below them, so each
// is capped and handed up as it leaves. While the tree of strongest paths
// stays the same, the small tree kept from the last pass is replayed.
func (m *model) smallTree(s int32, e *eval, sum *[accWidth]float64) (nodes, pars []int32) {
	if e.sameTree {
		lo, hi := e.vtStart[s], e.vtStart[s+1]
		nodes, pars = e.vtNode[lo:hi], e.vtPar[lo:hi]
		for _, g := range nodes {
			e.seen[g] = e.gen2
		}
		covered := true
		for _, g := range e.touched {
			covered = covered && e.seen[g] == e.gen2
		}
		if covered {
			for _, g := range nodes {
				e.accAt(g) // meeting points start from zero
			}
			for j, g := range nodes {
				m.capUp(g, pars[j], e, sum)
			}
			return nodes, pars
		}
		e.vtValid = false // someone new has evidence: build every small tree again next pass
	}
	for _, g := range e.touched {
		e.inTouch[g] = e.gen2
	}
	order, opar := e.order[:0], e.opar[:0]
	st := e.stack[:0]
	pop := func(parent int32) {
		g := st[len(st)-1]
		st = st[:len(st)-1]
		order, opar = append(order, g), append(opar, parent)
		m.capUp(g, parent, e, sum)
	}
	for _, v := range e.rated[m.subjStart[s]:e.ratedEnd[s]] {
		if e.inTouch[v] != e.gen2 {
			continue // no evidence from them
		}
		if len(st) > 0 {
			l := e.lca(v, st[len(st)-1])
			for len(st) >= 2 && e.depth[st[len(st)-2]] >= e.depth[l] {
				pop(st[len(st)-2])
			}
			if st[len(st)-1] != l { // the top lies below l: l joins
				pop(l)
				st = append(st, l)
			}
		}
		st = append(st, v)
	}
	for len(st) > 0 {
		if len(st) >= 2 {
			pop(st[len(st)-2])
		} else {
			pop(-1)
		}
	}
	e.stack, e.order, e.opar = st[:0], order[:0], opar[:0]
	if !e.sameTree {
		e.vtNode = append(e.vtNode, order...)
		e.vtPar = append(e.vtPar, opar...)
	}
	return order, opar
}

// capUp caps the evidence gathered below g at g's trust (the viewer's is
// not capped), records the factor in e.scale, and adds it to parent's, or
// to sum for −1.
func (m *model) capUp(g, parent int32, e *eval, sum *[accWidth]float64) {
	a := e.acc[accWidth*int(e.tin[g]) : accWidth*int(e.tin[g])+accWidth]
	e.scale[g] = 1
	if g != m.viewer {
		c := e.trust[g]
		if a[0] > c {
			f := c / a[0]
			e.scale[g] = f
			for i := range 5 {
				a[i] *= f
			}
		}
		a[5] = min(a[5], c)
	}
	b := sum[:]
	if parent >= 0 {
		b = e.accAt(parent)
	}
	for i := range a {
		b[i] += a[i]
	}
}

// accWidth is the number of evidence sums kept per person: weight, safety,
// reliability, safety evidence against and for, and the trust of flaggers.
const accWidth = 6

// accAt returns person i's evidence sums for the current subject, zeroed
// and listed in e.touched on first use; i must be in the tree of
// strongest paths (trust above zero).
func (e *eval) accAt(i int32) []float64 {
	a := e.acc[accWidth*int(e.tin[i]) : accWidth*int(e.tin[i])+accWidth]
	if e.accGen[i] != e.gen2 {
		e.accGen[i] = e.gen2
		clear(a)
		e.touched = append(e.touched, i)
	}
	return a
}

// lowerBound is a cautious estimate, in 0..1, of a share whose evidence
// is for of n: the mean of the Beta(1+for, 1+n−for) distribution less
// LowerBoundZ standard deviations.
func lowerBound(pos, n float64) float64 {
	a, b := 1+pos, 1+n-pos
	mean := a / (a + b)
	sd := math.Sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)))
	return max(0, mean-LowerBoundZ*sd)
}

// markSubtree marks everyone whose best path runs through one of s's vouch
// edges and reports whether any of them rated s.
func (m *model) markSubtree(s int32, e *eval) bool {
	e.gen++
	e.subtree = e.subtree[:0]
	st := e.stack[:0]
	for k := e.childSt[s]; k < e.childSt[s+1]; k++ {
		if c := e.child[k]; e.pkind[c] == kindVouch {
			st = append(st, c)
		}
	}
	for len(st) > 0 {
		u := st[len(st)-1]
		st = st[:len(st)-1]
		e.mark[u] = e.gen
		e.subtree = append(e.subtree, u)
		st = append(st, e.child[e.childSt[u]:e.childSt[u+1]]...)
	}
	e.stack = st
	if len(e.subtree) == 0 {
		return false
	}
	for k := m.subjStart[s]; k < m.subjStart[s+1]; k++ {
		if e.mark[m.ratings[k].rater] == e.gen {
			return true
		}
	}
	return false
}

// recompute sets e.alt for the marked subtree: the trust of each member
// with s's vouch edges removed. People outside the subtree keep their
// trust (their best path avoids those edges), so the search starts from
// the edges entering the subtree from outside.
func (m *model) recompute(s int32, e *eval) {
	h := e.heap[:0]
	for _, u := range e.subtree {
		best := 0.0
		for _, k := range m.inEdge[m.inStart[u]:m.inStart[u+1]] {
			x := m.edgeFrom[k]
			if e.mark[x] == e.gen || (x == s && m.edgeKind[k] == kindVouch) {
				continue
			}
			if t := e.trust[x] * e.factor[k]; t > best {
				best = t
			}
		}
		e.alt[u] = best
		if best > 0 {
			h.push(item{best, u})
		}
	}
	for len(h) > 0 {
		it := h.pop()
		u := it.i
		if e.altDone[u] == e.gen {
			continue
		}
		e.altDone[u] = e.gen
		for k := m.outStart[u]; k < m.outStart[u+1]; k++ {
			v := m.edgeTo[k]
			if e.mark[v] != e.gen || e.altDone[v] == e.gen {
				continue
			}
			if t := e.alt[u] * e.factor[k]; t > e.alt[v] {
				e.alt[v] = t
				h.push(item{t, v})
			}
		}
	}
	e.heap = h
}

// updateStanding derives everyone's standing from the last evaluation and
// reports the largest change. A person's safety standing is
// ((1+pos)/(1+pos+neg))^StandingExponent over the safety evidence about
// them; their standing is that, divided by 1 + VouchPenalty × the summed
// badness of the people they vouched for (1 for someone excluded, else one
// minus that person's safety standing).
func (m *model) updateStanding(e *eval, standing []float64) float64 {
	safe := e.alt // reused as scratch: evaluate sets it again
	for i := range m.n {
		neg, pos := e.evidence[2*i], e.evidence[2*i+1]
		safe[i] = math.Pow((1+pos)/(1+pos+neg), StandingExponent)
	}
	change := 0.0
	for i := range int32(m.n) {
		s := 1.0
		if i != m.viewer {
			bad := 0.0
			for _, v := range m.recTo[m.recStart[i]:m.recStart[i+1]] {
				if m.excluded[v] {
					bad++
				} else {
					bad += 1 - safe[v]
				}
			}
			s = safe[i] / (1 + VouchPenalty*bad)
		}
		change = max(change, math.Abs(s-standing[i]))
		standing[i] = s
	}
	return change
}

type item struct {
	t float64
	i int32
}

// maxHeap orders items by trust, highest first, then by index.
type maxHeap []item

func (h maxHeap) less(a, b int) bool {
	if h[a].t != h[b].t {
		return h[a].t > h[b].t
	}
	return h[a].i < h[b].i
}

func (h *maxHeap) push(it item) {
	*h = append(*h, it)
	s := *h
	for j := len(s) - 1; j > 0; {
		p := (j - 1) / 2
		if !s.less(j, p) {
			break
		}
		s[j], s[p] = s[p], s[j]
		j = p
	}
}

func (h *maxHeap) pop() item {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for j := 0; ; {
		l := 2*j + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && s.less(r, l) {
			c = r
		}
		if !s.less(c, j) {
			break
		}
		s[j], s[c] = s[c], s[j]
		j = c
	}
	*h = s
	return top
}
