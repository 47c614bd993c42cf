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
)

var whyText = [...]string{"", WhyBlocked, WhyNotConnected, WhyAdmittedByThem, WhyTrustedLess}

// model is the canonical, order-free form of an Input.
type model struct {
	now     time.Time
	n       int
	ids     []string // sorted
	index   map[string]int32
	names   []string // how this device knows each person, by number
	viewer  int32    // -1 without a viewer
	blocked []bool

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

func build(in *Input) *model {
	m := &model{now: in.Now, viewer: -1}

	// Everyone who appears anywhere gets a provisional number in order of
	// appearance; once all are known, numbers are reassigned in id order.
	people := len(in.Names) + len(in.Verified) + 1
	for i := range in.Cells {
		people += len(in.Cells[i].Members)
	}
	prov := make(map[string]int32, people)
	ids := make([]string, 0, people)
	intern := func(id string) int32 {
		i, ok := prov[id]
		if !ok {
			i = int32(len(ids))
			prov[id] = i
			ids = append(ids, id)
		}
		return i
	}
	viewer := int32(-1)
	if in.Viewer != "" {
		viewer = intern(in.Viewer)
	}
	var blocked, excluded []int32
	for _, id := range in.Blocked {
		if id != "" {
			blocked = append(blocked, intern(id))
		}
	}
	for id := range in.Names {
		if id != "" {
			intern(id)
		}
	}

	// Cells in id order; the first cell holding a statement is the one
	// credited with it.
	order := make([]int, len(in.Cells))
	total := 0
	for i := range order {
		order[i] = i
		total += len(in.Cells[i].Ratings)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(in.Cells[a].ID, in.Cells[b].ID), cmp.Compare(in.Cells[a].Name, in.Cells[b].Name))
	})
	m.cells = make([]cellInfo, len(order))

	var edges []edge
	var recs []rec
	for _, id := range in.Verified {
		if id != "" && viewer >= 0 {
			if i := intern(id); i != viewer {
				edges = append(edges, edge{viewer, i, kindVerified})
			}
		}
	}
	ratings := make([]rating, 0, total)
	flagFrom := in.Now.Add(-FlagWindow)
	var sc cellScratch
	var pairs [][2]int32 // (vouchee, voucher) in the current cell
	for k, ci := range order {
		c := &in.Cells[ci]
		m.cells[k] = cellInfo{ID: c.ID, Name: c.Name}
		// Who is in the cell with which status, and who vouched for whom,
		// in scratch arrays indexed by provisional number: the entries for
		// person p belong to this cell when seen[p] == stamp.
		stamp := int32(k + 1)
		pairs = pairs[:0]
		for _, mb := range c.Members {
			rank := statusRank(mb.Status)
			if mb.ID == "" || rank < 0 {
				continue
			}
			to := intern(mb.ID)
			sc.grow(len(ids))
			if sc.seen[to] != stamp {
				sc.seen[to], sc.rank[to], sc.first[to] = stamp, int8(rank), -1
			} else if int8(rank) < sc.rank[to] {
				sc.rank[to] = int8(rank) // a duplicate entry: the worst status wins
			}
			if mb.Status == StatusExcluded {
				excluded = append(excluded, to)
			}
			for _, v := range mb.VouchedBy {
				if v == "" || v == mb.ID {
					continue
				}
				from := intern(v)
				pairs = append(pairs, [2]int32{to, from})
				recs = append(recs, rec{from, to, int8(rank), mb.Status})
			}
		}
		sc.grow(len(ids))
		isExcluded := func(p int32) bool { return sc.seen[p] == stamp && sc.rank[p] == 0 }
		slices.SortFunc(pairs, func(a, b [2]int32) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
		for j, pr := range pairs {
			if j == 0 || pairs[j-1][0] != pr[0] {
				sc.first[pr[0]] = int32(j)
			}
			if !isExcluded(pr[0]) { // exclusion withdraws the cell's admission
				edges = append(edges, edge{pr[1], pr[0], kindVouch})
			}
		}
		vouchers := func(x int32) [][2]int32 {
			if sc.seen[x] != stamp || sc.first[x] < 0 {
				return nil
			}
			j := int(sc.first[x])
			end := j
			for end < len(pairs) && pairs[end][0] == x {
				end++
			}
			return pairs[j:end]
		}
		// The viewer's admission chain in this cell: the viewer trusts
		// whoever vouched for them, and so on up to the founder.
		if viewer >= 0 && sc.seen[viewer] == stamp && !isExcluded(viewer) {
			sc.visited[viewer] = stamp
			queue := append(sc.queue[:0], viewer)
			for len(queue) > 0 {
				x := queue[0]
				queue = queue[1:]
				for _, pr := range vouchers(x) {
					u := pr[1]
					if isExcluded(u) {
						continue
					}
					edges = append(edges, edge{x, u, kindUp})
					if sc.visited[u] != stamp {
						sc.visited[u] = stamp
						queue = append(queue, u)
					}
				}
			}
			sc.queue = queue
		}
		for ri := range c.Ratings {
			r := &c.Ratings[ri]
			if !validRating(r) {
				continue
			}
			ratings = append(ratings, rating{
				subject:     intern(r.Subject),
				rater:       intern(r.Rater),
				cell:        int32(k),
				low:         r.Safety <= FlagSafety,
				flag:        r.Safety <= FlagSafety && !r.Day.Before(flagFrom),
				safety:      float64(r.Safety-1) / 4,
				reliability: float64(r.Reliability-1) / 4,
				decay:       decay(in.Now, r.Day, r.Safety <= FlagSafety),
				day:         r.Day.Unix(),
				dayNs:       int32(r.Day.Nanosecond()),
				made:        r.Made.Unix(),
				madeNs:      int32(r.Made.Nanosecond()),
				src:         r,
			})
		}
	}

	// Number everyone in id order.
	m.n = len(ids)
	m.ids = slices.Clone(ids)
	slices.Sort(m.ids)
	m.index = make(map[string]int32, m.n)
	m.names = make([]string, m.n)
	for i, id := range m.ids {
		m.index[id] = int32(i)
		m.names[i] = in.Names[id]
	}
	final := make([]int32, m.n)
	for p, id := range ids {
		final[p] = m.index[id]
	}
	if viewer >= 0 {
		m.viewer = final[viewer]
	}
	m.blocked = make([]bool, m.n)
	for _, p := range blocked {
		if i := final[p]; i != m.viewer {
			m.blocked[i] = true
		}
	}
	m.excluded = make([]bool, m.n)
	for _, p := range excluded {
		m.excluded[final[p]] = true
	}
	for k := range edges {
		edges[k].from, edges[k].to = final[edges[k].from], final[edges[k].to]
	}
	for k := range recs {
		recs[k].voucher, recs[k].vouchee = final[recs[k].voucher], final[recs[k].vouchee]
	}
	for k := range ratings {
		ratings[k].subject, ratings[k].rater = final[ratings[k].subject], final[ratings[k].rater]
	}

	m.buildEdges(edges)
	m.buildRecords(recs)
	m.buildRatings(ratings)
	return m
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
