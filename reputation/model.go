package reputation

import (
	"cmp"
	"slices"
	"time"
)

// Kinds of trust edges.
const (
	kindVerified uint8 = iota // viewer → someone the viewer verified in person
	kindUp                    // viewer (or one of the viewer's vouchers) → their voucher
	kindVouch                 // voucher → the person they vouched for
)

// Reason codes stored per rating; whyText turns them into words.
const (
	whyNone uint8 = iota
	whyBlocked
	whyNotConnected
	whyAdmitted
	whyTrustedLess
	whyKnownLittle
	whyReplaced
)

var whyText = [...]string{"", WhyBlocked, WhyNotConnected, WhyAdmittedByThem, WhyTrustedLess, WhyKnownLittle, WhyReplaced}

// model is the canonical, order-free form of an Input.
type model struct {
	now     time.Time
	n       int
	ids     personIDs   // sorted: a person's number is their place here
	names   personNames // how this device knows each person, by number
	viewer  int32       // -1 without a viewer
	blocked []bool
	// replaced marks the people of Input.Replaced the viewer did not
	// block; they are in blocked too.
	replaced []bool

	// excluded reports whether any cell excluded the person.
	excluded []bool

	// Trust edges in CSR form, sorted by (from, to, kind).
	outStart []int32
	edgeFrom []int32
	edgeTo   []int32
	edgeKind []uint8
	inStart  []int32
	inEdge   []int32 // edge indices, grouped by target
	// outDeg is each person's number of distinct outgoing trust edges; a
	// person other than the viewer shares Damping of their trust among them.
	outDeg []int32

	// Vouching records: recTo[recStart[i]:recStart[i+1]] are the people i
	// vouched for, sorted, with their best status where i vouched for them.
	recStart  []int32
	recTo     []int32
	recStatus []string

	cells []cellInfo // sorted by id

	// ratings holds the latest rating per (subject, rater), sorted by
	// subject then rater; subjStart indexes it by subject.
	ratings   []rating
	subjStart []int32
	// ratedBy lists the subject of every rating in ratings, grouped by
	// rater; raterStart indexes it.
	ratedBy    []int32
	raterStart []int32

	// texts gives each rating's Rating, for explanations.
	texts ratingTexts
}

type cellInfo struct{ ID, Name string }

type rating struct {
	subject, rater int32
	cell           int32
	text           int32 // the Rating it is: model.texts.rating(text)
	decay          float64
	low            bool // safety mark ≤ FlagSafety
	flag           bool // low, and day within FlagWindow
	// The marks, 1 to 5 (32 bytes a rating, not 48: a flood of ratings
	// is a model's largest array).
	safetyMark, reliabilityMark int8
}

// safety returns the rating's safety, (mark-1)/4, in 0..1.
func (r *rating) safety() float64 { return float64(r.safetyMark-1) / 4 }

// reliability returns the rating's reliability, as safety.
func (r *rating) reliability() float64 { return float64(r.reliabilityMark-1) / 4 }

// candidate is a rating of the Source that counts at the model's time,
// before the latest of each rater's about each subject is chosen: the
// rating itself is s.cells[cell].ratings[at], with what the model's
// rating reads of it. Only the chosen are made ratings of the model (a
// flood of ratings is read once into 40 bytes each, not into 72 bytes
// each twice).
type candidate struct {
	subject, rater      int32
	cell, at            int32
	day                 int64
	dayNs, text         int32
	safety, reliability int8
}

// find returns the number of the person id, and whether they appear in
// the input.
func (m *model) find(id string) (int32, bool) {
	i, ok := m.ids.search(id)
	return int32(i), ok
}

func (m *model) name(i int32) string {
	if s := m.names.at(i); s != "" {
		return s
	}
	id := m.ids.at(i)
	return id[:min(8, len(id))]
}

func validRating(r *Rating) bool {
	return r.ID != "" && r.Rater != "" && r.Subject != "" && r.Rater != r.Subject &&
		r.Safety >= 1 && r.Safety <= 5 && r.Reliability >= 1 && r.Reliability <= 5
}

func statusRank(s string) int {
	switch s {
	case StatusMember:
		return 3
	case StatusPending:
		return 2
	case StatusLeft:
		return 1
	case StatusExcluded:
		return 0
	}
	return -1
}

type edge struct {
	from, to int32
	kind     uint8
}

// cellScratch holds per-cell facts while build reads the cells, indexed
// by provisional number.
type cellScratch struct {
	seen    []int32 // the cell (its position + 1) whose facts rank and first hold
	rank    []int8  // statusRank of the person's worst status in the cell
	first   []int32 // where the person's vouchers start in the cell's sorted pairs, −1 for none
	visited []int32 // the cell in whose admission chain the person was reached
	queue   []int32
}

// grow makes room for n people.
func (sc *cellScratch) grow(n int) {
	if n <= len(sc.seen) {
		return
	}
	n = max(n, 2*len(sc.seen))
	sc.seen = append(sc.seen, make([]int32, n-len(sc.seen))...)
	sc.rank = append(sc.rank, make([]int8, n-len(sc.rank))...)
	sc.first = append(sc.first, make([]int32, n-len(sc.first))...)
	sc.visited = append(sc.visited, make([]int32, n-len(sc.visited))...)
}

type rec struct {
	voucher, vouchee int32
	rank             int8 // statusRank(status)
}

// statusOfRank is the status of each statusRank.
var statusOfRank = [...]string{StatusExcluded, StatusLeft, StatusPending, StatusMember}

// builder reads a Source, with the ratings made by one time, into the
// model's arrays; everyone already has their number (see prepare).
type builder struct {
	src      *Source
	madeBy   time.Time // ratings made after it are left out; zero: none
	excluded []int32
	edges    []edge
	recs     []rec
	ratings  []candidate
	sc       cellScratch
	pairs    [][2]int32 // (vouchee, voucher) in the current cell
	stamp    int32      // the current cell's position + 1
}

// frame is the model of a Source with the ratings made by one time, at
// no time yet: everything but what the time changes (a rating's decay
// and whether it flags, MODEL.md), which at fills in. The model it holds
// has no ratings; the latest rating of each rater about each subject is
// chosen[k] of cands, in the order of the model's ratings. Models at
// several times made from one frame share its arrays: nothing writes
// them once built.
type frame struct {
	m      *model
	cands  []candidate
	chosen []int32
}

// model builds the model of s at now, leaving out the ratings made after
// madeBy unless it is zero. Everyone s numbers must appear in it at now
// (see Source.Compute).
func (s *Source) model(now, madeBy time.Time) *model {
	return s.frame(madeBy).at(now)
}

// frame builds the frame of s, leaving out the ratings made after madeBy
// unless it is zero.
func (s *Source) frame(madeBy time.Time) *frame {
	m := &model{viewer: s.viewer, n: s.ids.len(), ids: s.ids, names: s.names, texts: s.texts}
	b := &builder{src: s, madeBy: madeBy, ratings: make([]candidate, 0, s.ratings)}
	b.sc.grow(m.n)
	for _, i := range s.verified {
		b.edges = append(b.edges, edge{s.viewer, i, kindVerified})
	}
	m.cells = make([]cellInfo, len(s.cells))
	for k := range s.cells {
		c := &s.cells[k]
		m.cells[k] = cellInfo{ID: c.id, Name: c.name}
		b.stamp = int32(k + 1)
		b.members(c)
		b.admissionChain()
		b.cellRatings(c, int32(k))
	}
	m.blocked = make([]bool, m.n)
	for _, i := range s.blocked {
		if i != m.viewer {
			m.blocked[i] = true
		}
	}
	m.replaced = make([]bool, m.n)
	for _, i := range s.replaced {
		if i != m.viewer && !m.blocked[i] {
			m.replaced[i] = true
		}
	}
	for i, r := range m.replaced {
		m.blocked[i] = m.blocked[i] || r
	}
	m.excluded = make([]bool, m.n)
	for _, i := range b.excluded {
		m.excluded[i] = true
	}
	m.buildEdges(b.edges)
	m.buildRecords(b.recs)
	return &frame{m: m, cands: b.ratings, chosen: m.buildRatings(b)}
}

// at returns the model of the frame at now: its own ratings, with their
// decay and flags at now, and the frame's arrays for the rest.
func (f *frame) at(now time.Time) *model { return f.atIn(now, nil) }

// atIn is at, its ratings made in spare (the ratings of a model no
// longer used) if it has room for them.
func (f *frame) atIn(now time.Time, spare []rating) *model {
	m := *f.m
	m.now = now
	flagFrom := now.Add(-FlagWindow)
	flagSec, flagNs := flagFrom.Unix(), int32(flagFrom.Nanosecond())
	m.ratings = zeroed(spare, len(f.chosen))
	d := decays{now: now}
	for k, c := range f.chosen {
		m.ratings[k] = f.cands[c].rating(&d, flagSec, flagNs)
	}
	return &m
}

// decays gives the decay at now of a rating's day, remembering the last
// day asked for of each kind (flagging or not): the ratings of one day,
// as a flood has them, compute it once. decay depends on nothing else,
// so the remembered value is the one it gives.
type decays struct {
	now   time.Time
	known [2]bool
	sec   [2]int64
	ns    [2]int32
	val   [2]float64
}

// of returns decay(d.now, the day sec and ns, low).
func (d *decays) of(sec int64, ns int32, low bool) float64 {
	i := 0
	if low {
		i = 1
	}
	if !d.known[i] || d.sec[i] != sec || d.ns[i] != ns {
		d.known[i], d.sec[i], d.ns[i] = true, sec, ns
		d.val[i] = decay(d.now, time.Unix(sec, int64(ns)), low)
	}
	return d.val[i]
}

// members reads who is in the cell with which status, and who vouched for
// whom, into scratch arrays indexed by number: the entries for person p
// belong to this cell when seen[p] == stamp. It adds the cell's vouch
// edges.
func (b *builder) members(c *sourceCell) {
	sc := &b.sc
	b.pairs = b.pairs[:0]
	for _, mb := range c.members {
		to, rank := mb.id, mb.rank
		if sc.seen[to] != b.stamp {
			sc.seen[to], sc.rank[to], sc.first[to] = b.stamp, rank, -1
		} else if rank < sc.rank[to] {
			sc.rank[to] = rank // a duplicate entry: the worst status wins
		}
		if rank == 0 {
			b.excluded = append(b.excluded, to)
		}
		for _, from := range mb.vouchers {
			b.pairs = append(b.pairs, [2]int32{to, from})
			b.recs = append(b.recs, rec{from, to, rank})
		}
	}
	slices.SortFunc(b.pairs, func(x, y [2]int32) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	for j, pr := range b.pairs {
		if j == 0 || b.pairs[j-1][0] != pr[0] {
			sc.first[pr[0]] = int32(j)
		}
		if !b.isExcluded(pr[0]) { // exclusion withdraws the cell's admission
			b.edges = append(b.edges, edge{pr[1], pr[0], kindVouch})
		}
	}
}

// isExcluded reports whether p is excluded from the current cell.
func (b *builder) isExcluded(p int32) bool { return b.sc.seen[p] == b.stamp && b.sc.rank[p] == 0 }

// vouchers returns the (x, voucher) pairs of the current cell.
func (b *builder) vouchers(x int32) [][2]int32 {
	sc := &b.sc
	if sc.seen[x] != b.stamp || sc.first[x] < 0 {
		return nil
	}
	j := int(sc.first[x])
	end := j
	for end < len(b.pairs) && b.pairs[end][0] == x {
		end++
	}
	return b.pairs[j:end]
}

// admissionChain adds the viewer's admission chain in the current cell:
// the viewer trusts whoever vouched for them, and so on up to the founder.
func (b *builder) admissionChain() {
	sc := &b.sc
	v := b.src.viewer
	if v < 0 || sc.seen[v] != b.stamp || b.isExcluded(v) {
		return
	}
	sc.visited[v] = b.stamp
	queue := append(sc.queue[:0], v)
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for _, pr := range b.vouchers(x) {
			u := pr[1]
			if b.isExcluded(u) {
				continue
			}
			b.edges = append(b.edges, edge{x, u, kindUp})
			if sc.visited[u] != b.stamp {
				sc.visited[u] = b.stamp
				queue = append(queue, u)
			}
		}
	}
	sc.queue = queue
}

// cellRatings adds the cell's ratings that count at the builder's time,
// credited to cell k.
func (b *builder) cellRatings(c *sourceCell, k int32) {
	madeBy, all := b.madeBy.Unix(), b.madeBy.IsZero()
	madeByNs := int32(b.madeBy.Nanosecond())
	for ri := range c.ratings {
		r := &c.ratings[ri]
		if !all && (r.made > madeBy || r.made == madeBy && r.madeNs > madeByNs) {
			continue
		}
		b.ratings = append(b.ratings, candidate{
			subject: r.subject, rater: r.rater, cell: k, at: int32(ri),
			day: r.day, dayNs: r.dayNs, text: r.text, safety: r.safety, reliability: r.reliability,
		})
	}
}

// rating returns the rating of the model at d.now that the candidate r
// is; the FlagWindow starts at flagSec and flagNs, as a rating's day is
// kept.
func (r *candidate) rating(d *decays, flagSec int64, flagNs int32) rating {
	low := r.safety <= FlagSafety
	return rating{
		subject:         r.subject,
		rater:           r.rater,
		cell:            r.cell,
		low:             low,
		flag:            low && (r.day > flagSec || r.day == flagSec && r.dayNs >= flagNs),
		safetyMark:      r.safety,
		reliabilityMark: r.reliability,
		decay:           d.of(r.day, r.dayNs, low),
		text:            r.text,
	}
}

// rating returns the rating of the Source that the candidate c is.
func (s *Source) rating(c candidate) *sourceRating { return &s.cells[c.cell].ratings[c.at] }

func (m *model) buildEdges(edges []edge) {
	slices.SortFunc(edges, func(a, b edge) int {
		switch {
		case a.from != b.from:
			return cmp.Compare(a.from, b.from)
		case a.to != b.to:
			return cmp.Compare(a.to, b.to)
		}
		return cmp.Compare(a.kind, b.kind)
	})
	edges = slices.Compact(edges)
	ne := len(edges)
	m.outStart = make([]int32, m.n+1)
	m.edgeFrom = make([]int32, ne)
	m.edgeTo = make([]int32, ne)
	m.edgeKind = make([]uint8, ne)
	m.outDeg = make([]int32, m.n)
	inCount := make([]int32, m.n+1)
	for k, e := range edges {
		m.edgeFrom[k], m.edgeTo[k], m.edgeKind[k] = e.from, e.to, e.kind
		m.outStart[e.from+1]++
		inCount[e.to+1]++
		m.outDeg[e.from]++
	}
	for i := range m.n {
		m.outStart[i+1] += m.outStart[i]
		inCount[i+1] += inCount[i]
	}
	m.inStart = slices.Clone(inCount)
	m.inEdge = make([]int32, ne)
	for k, e := range edges {
		m.inEdge[inCount[e.to]] = int32(k)
		inCount[e.to]++
	}
}

func (m *model) buildRecords(recs []rec) {
	slices.SortFunc(recs, func(a, b rec) int {
		switch {
		case a.voucher != b.voucher:
			return cmp.Compare(a.voucher, b.voucher)
		case a.vouchee != b.vouchee:
			return cmp.Compare(a.vouchee, b.vouchee)
		}
		return cmp.Compare(b.rank, a.rank)
	})
	m.recStart = make([]int32, m.n+1)
	m.recTo = make([]int32, 0, len(recs))
	m.recStatus = make([]string, 0, len(recs))
	for k, r := range recs {
		if k > 0 && recs[k-1].voucher == r.voucher && recs[k-1].vouchee == r.vouchee {
			continue // keep the best status
		}
		m.recTo = append(m.recTo, r.vouchee)
		m.recStatus = append(m.recStatus, statusOfRank[r.rank])
		m.recStart[r.voucher+1]++
	}
	for i := range m.n {
		m.recStart[i+1] += m.recStart[i]
	}
}

// buildRatings chooses the latest rating of each rater about each
// subject among the builder's candidates and indexes them by subject and
// by rater; it returns the chosen, sorted by subject then rater.
func (m *model) buildRatings(b *builder) []int32 {
	rs := b.ratings
	// Bucket by subject (a counting sort), then by rater within each bucket;
	// of each rater's ratings of a subject keep the latest (see later).
	start := make([]int32, m.n+1)
	for k := range rs {
		start[rs[k].subject+1]++
	}
	for i := range m.n {
		start[i+1] += start[i]
	}
	byRater := make([]uint64, len(rs)) // rater<<32 | index into rs
	next := slices.Clone(start[:m.n])
	for k := range rs {
		s := rs[k].subject
		byRater[next[s]] = uint64(rs[k].rater)<<32 | uint64(k)
		next[s]++
	}
	out := make([]int32, 0, len(rs))
	m.subjStart = make([]int32, m.n+1)
	for i := range m.n {
		bucket := byRater[start[i]:start[i+1]]
		slices.Sort(bucket)
		for j := 0; j < len(bucket); {
			best := int32(bucket[j])
			rater := bucket[j] >> 32
			j++
			for ; j < len(bucket) && bucket[j]>>32 == rater; j++ {
				if k := int32(bucket[j]); m.later(b.src, rs[k], rs[best]) {
					best = k
				}
			}
			out = append(out, best)
		}
		m.subjStart[i+1] = int32(len(out))
	}
	m.raterStart = make([]int32, m.n+1)
	for _, k := range out {
		m.raterStart[rs[k].rater+1]++
	}
	for i := range m.n {
		m.raterStart[i+1] += m.raterStart[i]
	}
	m.ratedBy = make([]int32, len(out))
	next = slices.Clone(m.raterStart[:m.n])
	for _, k := range out {
		r := rs[k].rater
		m.ratedBy[next[r]] = rs[k].subject
		next[r]++
	}
	return out
}

// later reports whether a should count instead of b, two ratings by one
// rater about one subject: the later day, then the later time made, then
// the larger statement id (read as each rating's tie, its place in the
// order of those ids: sourceRating). Copies of one statement are equal
// in all of these; the one from the cell with the smaller id is kept.
func (m *model) later(s *Source, ca, cb candidate) bool {
	a, b := s.rating(ca), s.rating(cb)
	switch {
	case a.day != b.day:
		return a.day > b.day
	case a.dayNs != b.dayNs:
		return a.dayNs > b.dayNs
	case a.made != b.made:
		return a.made > b.made
	case a.madeNs != b.madeNs:
		return a.madeNs > b.madeNs
	case a.tie != b.tie:
		return a.tie > b.tie // the larger statement id
	}
	return ca.cell < cb.cell
}
