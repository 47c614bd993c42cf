package reputation

import (
	"cmp"
	"slices"
	"strings"
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
	ids     []string // sorted: a person's number is their place here
	names   []string // how this device knows each person, by number
	viewer  int32    // -1 without a viewer
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
}

type cellInfo struct{ ID, Name string }

type rating struct {
	subject, rater int32
	cell           int32
	low            bool    // safety mark ≤ FlagSafety
	flag           bool    // low, and day within FlagWindow
	safety         float64 // (mark-1)/4, in 0..1
	reliability    float64
	decay          float64
	day, made      int64 // Unix seconds, to find the latest rating
	dayNs, madeNs  int32
	src            *Rating
}

// find returns the number of the person id, and whether they appear in
// the input.
func (m *model) find(id string) (int32, bool) {
	i, ok := slices.BinarySearch(m.ids, id)
	return int32(i), ok
}

func (m *model) name(i int32) string {
	if s := m.names[i]; s != "" {
		return s
	}
	id := m.ids[i]
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
	status           string
}

// builder reads an Input into the model's arrays: everyone who appears
// anywhere gets a provisional number in order of appearance; once all are
// known, numbers are reassigned in id order.
type builder struct {
	in       *Input
	prov     map[string]int32
	ids      []string
	names    []string // by provisional number, as Input.Names has them
	viewer   int32
	blocked  []int32
	replaced []int32
	excluded []int32
	edges    []edge
	recs     []rec
	ratings  []rating
	flagFrom time.Time
	sc       cellScratch
	pairs    [][2]int32 // (vouchee, voucher) in the current cell
	stamp    int32      // the current cell's position + 1
}

func build(in *Input) *model {
	m := &model{now: in.Now, viewer: -1}
	people := len(in.Names) + len(in.Verified) + 1
	total := 0
	for i := range in.Cells {
		people += len(in.Cells[i].Members)
		total += len(in.Cells[i].Ratings)
	}
	b := &builder{
		in:       in,
		prov:     make(map[string]int32, people),
		ids:      make([]string, 0, people),
		viewer:   -1,
		ratings:  make([]rating, 0, total),
		flagFrom: in.Now.Add(-FlagWindow),
	}
	if in.Viewer != "" {
		b.viewer = b.intern(in.Viewer)
	}
	for _, id := range in.Blocked {
		if id != "" {
			b.blocked = append(b.blocked, b.intern(id))
		}
	}
	for _, id := range in.Replaced {
		if id != "" {
			b.replaced = append(b.replaced, b.intern(id))
		}
	}
	b.names = make([]string, len(b.ids), people)
	for id, name := range in.Names {
		if id != "" {
			b.names[b.intern(id)] = name
		}
	}
	for _, id := range in.Verified {
		if id != "" && b.viewer >= 0 {
			if i := b.intern(id); i != b.viewer {
				b.edges = append(b.edges, edge{b.viewer, i, kindVerified})
			}
		}
	}

	// Cells in id order; the first cell holding a statement is the one
	// credited with it.
	order := make([]int, len(in.Cells))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, c int) int {
		return cmp.Or(cmp.Compare(in.Cells[a].ID, in.Cells[c].ID), cmp.Compare(in.Cells[a].Name, in.Cells[c].Name))
	})
	m.cells = make([]cellInfo, len(order))
	for k, ci := range order {
		c := &in.Cells[ci]
		m.cells[k] = cellInfo{ID: c.ID, Name: c.Name}
		b.stamp = int32(k + 1)
		b.members(c)
		b.admissionChain()
		b.cellRatings(c, int32(k))
	}
	b.number(m)
	m.buildEdges(b.edges)
	m.buildRecords(b.recs)
	m.buildRatings(b.ratings)
	return m
}

// intern returns id's provisional number.
func (b *builder) intern(id string) int32 {
	i, ok := b.prov[id]
	if !ok {
		i = int32(len(b.ids))
		b.prov[id] = i
		b.ids = append(b.ids, id)
		b.names = append(b.names, "")
	}
	return i
}

// members reads who is in the cell with which status, and who vouched for
// whom, into scratch arrays indexed by provisional number: the entries for
// person p belong to this cell when seen[p] == stamp. It adds the cell's
// vouch edges.
func (b *builder) members(c *Cell) {
	sc := &b.sc
	b.pairs = b.pairs[:0]
	for _, mb := range c.Members {
		rank := statusRank(mb.Status)
		if mb.ID == "" || rank < 0 {
			continue
		}
		to := b.intern(mb.ID)
		sc.grow(len(b.ids))
		if sc.seen[to] != b.stamp {
			sc.seen[to], sc.rank[to], sc.first[to] = b.stamp, int8(rank), -1
		} else if int8(rank) < sc.rank[to] {
			sc.rank[to] = int8(rank) // a duplicate entry: the worst status wins
		}
		if mb.Status == StatusExcluded {
			b.excluded = append(b.excluded, to)
		}
		for _, v := range mb.VouchedBy {
			if v == "" || v == mb.ID {
				continue
			}
			from := b.intern(v)
			b.pairs = append(b.pairs, [2]int32{to, from})
			b.recs = append(b.recs, rec{from, to, int8(rank), mb.Status})
		}
	}
	sc.grow(len(b.ids))
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
	v := b.viewer
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

// cellRatings adds the cell's valid ratings, credited to cell k.
func (b *builder) cellRatings(c *Cell, k int32) {
	now := b.in.Now
	for ri := range c.Ratings {
		r := &c.Ratings[ri]
		if !validRating(r) {
			continue
		}
		b.ratings = append(b.ratings, rating{
			subject:     b.intern(r.Subject),
			rater:       b.intern(r.Rater),
			cell:        k,
			low:         r.Safety <= FlagSafety,
			flag:        r.Safety <= FlagSafety && !r.Day.Before(b.flagFrom),
			safety:      float64(r.Safety-1) / 4,
			reliability: float64(r.Reliability-1) / 4,
			decay:       decay(now, r.Day, r.Safety <= FlagSafety),
			day:         r.Day.Unix(),
			dayNs:       int32(r.Day.Nanosecond()),
			made:        r.Made.Unix(),
			madeNs:      int32(r.Made.Nanosecond()),
			src:         r,
		})
	}
}

// number numbers everyone in id order, in m and in what b read: it
// sorts the provisional numbers by id (ids are distinct, so the order is
// the ids' whatever the order of the input), with no map from id to
// number (Result.Person finds an id by binary search of m.ids).
func (b *builder) number(m *model) {
	m.n = len(b.ids)
	type idAt struct {
		id string
		p  int32
	}
	order := make([]idAt, m.n)
	for p, id := range b.ids {
		order[p] = idAt{id, int32(p)}
	}
	slices.SortFunc(order, func(x, y idAt) int { return strings.Compare(x.id, y.id) })
	m.ids = make([]string, m.n)
	m.names = make([]string, m.n)
	final := make([]int32, m.n)
	for i, o := range order {
		m.ids[i], m.names[i] = o.id, b.names[o.p]
		final[o.p] = int32(i)
	}
	if b.viewer >= 0 {
		m.viewer = final[b.viewer]
	}
	m.blocked = make([]bool, m.n)
	for _, p := range b.blocked {
		if i := final[p]; i != m.viewer {
			m.blocked[i] = true
		}
	}
	m.replaced = make([]bool, m.n)
	for _, p := range b.replaced {
		if i := final[p]; i != m.viewer && !m.blocked[i] {
			m.replaced[i] = true
		}
	}
	for i, r := range m.replaced {
		m.blocked[i] = m.blocked[i] || r
	}
	m.excluded = make([]bool, m.n)
	for _, p := range b.excluded {
		m.excluded[final[p]] = true
	}
	for k := range b.edges {
		b.edges[k].from, b.edges[k].to = final[b.edges[k].from], final[b.edges[k].to]
	}
	for k := range b.recs {
		b.recs[k].voucher, b.recs[k].vouchee = final[b.recs[k].voucher], final[b.recs[k].vouchee]
	}
	for k := range b.ratings {
		b.ratings[k].subject, b.ratings[k].rater = final[b.ratings[k].subject], final[b.ratings[k].rater]
	}
}

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
		m.recStatus = append(m.recStatus, r.status)
		m.recStart[r.voucher+1]++
	}
	for i := range m.n {
		m.recStart[i+1] += m.recStart[i]
	}
}

func (m *model) buildRatings(rs []rating) {
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
	out := make([]rating, 0, len(rs))
	m.subjStart = make([]int32, m.n+1)
	for i := range m.n {
		bucket := byRater[start[i]:start[i+1]]
		slices.Sort(bucket)
		for j := 0; j < len(bucket); {
			best := int32(bucket[j])
			rater := bucket[j] >> 32
			j++
			for ; j < len(bucket) && bucket[j]>>32 == rater; j++ {
				if k := int32(bucket[j]); later(&rs[k], &rs[best]) {
					best = k
				}
			}
			out = append(out, rs[best])
		}
		m.subjStart[i+1] = int32(len(out))
	}
	m.ratings = out
	m.raterStart = make([]int32, m.n+1)
	for k := range out {
		m.raterStart[out[k].rater+1]++
	}
	for i := range m.n {
		m.raterStart[i+1] += m.raterStart[i]
	}
	m.ratedBy = make([]int32, len(out))
	next = slices.Clone(m.raterStart[:m.n])
	for k := range out {
		r := out[k].rater
		m.ratedBy[next[r]] = out[k].subject
		next[r]++
	}
}

// later reports whether a should count instead of b, two ratings by one
// rater about one subject: the later day, then the later time made, then
// the larger statement id. Copies of one statement are equal in all of
// these; the one from the cell with the smaller id is kept.
func later(a, b *rating) bool {
	switch {
	case a.day != b.day:
		return a.day > b.day
	case a.dayNs != b.dayNs:
		return a.dayNs > b.dayNs
	case a.made != b.made:
		return a.made > b.made
	case a.madeNs != b.madeNs:
		return a.madeNs > b.madeNs
	case a.src.ID != b.src.ID:
		return a.src.ID > b.src.ID
	}
	return a.cell < b.cell
}
