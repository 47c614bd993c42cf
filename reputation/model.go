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
)

var whyText = [...]string{"", WhyBlocked, WhyNotConnected, WhyAdmittedByThem}

// model is the canonical, order-free form of an Input.
type model struct {
	now     time.Time
	n       int
	ids     []string // sorted
	index   map[string]int32
	names   map[string]string
	viewer  int32 // -1 without a viewer
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
	// vouchees is each person's number of distinct vouch edges.
	vouchees []int32

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
}

type cellInfo struct{ ID, Name string }

type rating struct {
	subject, rater int32
	cell           int32
	safety         float64 // (mark-1)/4, in 0..1
	reliability    float64
	decay          float64
	recent         bool // day within FlagWindow before now
	flag           bool // recent and safety mark ≤ FlagSafety
	src            *Rating
}

func (m *model) name(i int32) string {
	if s := m.names[m.ids[i]]; s != "" {
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

type rec struct {
	voucher, vouchee int32
	status           string
}

func build(in *Input) *model {
	m := &model{now: in.Now, names: in.Names, viewer: -1}

	// Everyone who appears anywhere, sorted.
	set := make(map[string]struct{})
	add := func(id string) {
		if id != "" {
			set[id] = struct{}{}
		}
	}
	add(in.Viewer)
	for _, id := range in.Verified {
		add(id)
	}
	for _, id := range in.Blocked {
		add(id)
	}
	for id := range in.Names {
		add(id)
	}
	for ci := range in.Cells {
		c := &in.Cells[ci]
		for _, mb := range c.Members {
			add(mb.ID)
			for _, v := range mb.VouchedBy {
				add(v)
			}
		}
		for ri := range c.Ratings {
			if r := &c.Ratings[ri]; validRating(r) {
				add(r.Rater)
				add(r.Subject)
			}
		}
	}
	m.ids = make([]string, 0, len(set))
	for id := range set {
		m.ids = append(m.ids, id)
	}
	slices.Sort(m.ids)
	m.n = len(m.ids)
	m.index = make(map[string]int32, m.n)
	for i, id := range m.ids {
		m.index[id] = int32(i)
	}
	if in.Viewer != "" {
		m.viewer = m.index[in.Viewer]
	}
	m.blocked = make([]bool, m.n)
	for _, id := range in.Blocked {
		if i, ok := m.index[id]; ok && i != m.viewer {
			m.blocked[i] = true
		}
	}
	m.excluded = make([]bool, m.n)

	// Cells in id order; the first cell holding a statement is the one
	// credited with it.
	order := make([]int, len(in.Cells))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(in.Cells[a].ID, in.Cells[b].ID), cmp.Compare(in.Cells[a].Name, in.Cells[b].Name))
	})
	m.cells = make([]cellInfo, len(order))

	var edges []edge
	var recs []rec
	if m.viewer >= 0 {
		for _, id := range in.Verified {
			if i, ok := m.index[id]; ok && i != m.viewer {
				edges = append(edges, edge{m.viewer, i, kindVerified})
			}
		}
	}
	var ratings []rating
	seen := make(map[string]struct{})
	for k, ci := range order {
		c := &in.Cells[ci]
		m.cells[k] = cellInfo{ID: c.ID, Name: c.Name}
		status := make(map[int32]string, len(c.Members))
		vouchedBy := make(map[int32][]int32, len(c.Members))
		for _, mb := range c.Members {
			if mb.ID == "" || statusRank(mb.Status) < 0 {
				continue
			}
			to := m.index[mb.ID]
			if old, ok := status[to]; !ok || statusRank(mb.Status) < statusRank(old) {
				status[to] = mb.Status // a duplicate entry: the worst status wins
			}
			if mb.Status == StatusExcluded {
				m.excluded[to] = true
			}
			for _, v := range mb.VouchedBy {
				if v == "" || v == mb.ID {
					continue
				}
				from := m.index[v]
				vouchedBy[to] = append(vouchedBy[to], from)
				recs = append(recs, rec{from, to, mb.Status})
			}
		}
		for to, froms := range vouchedBy {
			if status[to] == StatusExcluded {
				continue // exclusion withdraws the cell's admission
			}
			for _, from := range froms {
				edges = append(edges, edge{from, to, kindVouch})
			}
		}
		// The viewer's admission chain in this cell: the viewer trusts
		// whoever vouched for them, and so on up to the founder.
		if st, ok := status[m.viewer]; ok && m.viewer >= 0 && st != StatusExcluded {
			visited := map[int32]bool{m.viewer: true}
			queue := []int32{m.viewer}
			for len(queue) > 0 {
				x := queue[0]
				queue = queue[1:]
				for _, u := range vouchedBy[x] {
					if status[u] == StatusExcluded {
						continue
					}
					edges = append(edges, edge{x, u, kindUp})
					if !visited[u] {
						visited[u] = true
						queue = append(queue, u)
					}
				}
			}
		}
		for ri := range c.Ratings {
			r := &c.Ratings[ri]
			if !validRating(r) {
				continue
			}
			if _, dup := seen[r.ID]; dup {
				continue
			}
			seen[r.ID] = struct{}{}
			ratings = append(ratings, rating{
				subject: m.index[r.Subject],
				rater:   m.index[r.Rater],
				cell:    int32(k),
				src:     r,
			})
		}
	}

	m.buildEdges(edges)
	m.buildRecords(recs)
	m.buildRatings(ratings)
	return m
}

func (m *model) buildEdges(edges []edge) {
	slices.SortFunc(edges, func(a, b edge) int {
		return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to), cmp.Compare(a.kind, b.kind))
	})
	edges = slices.Compact(edges)
	ne := len(edges)
	m.outStart = make([]int32, m.n+1)
	m.edgeFrom = make([]int32, ne)
	m.edgeTo = make([]int32, ne)
	m.edgeKind = make([]uint8, ne)
	m.vouchees = make([]int32, m.n)
	inCount := make([]int32, m.n+1)
	for k, e := range edges {
		m.edgeFrom[k], m.edgeTo[k], m.edgeKind[k] = e.from, e.to, e.kind
		m.outStart[e.from+1]++
		inCount[e.to+1]++
		if e.kind == kindVouch {
			m.vouchees[e.from]++
		}
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
		return cmp.Or(cmp.Compare(a.voucher, b.voucher), cmp.Compare(a.vouchee, b.vouchee),
			-cmp.Compare(statusRank(a.status), statusRank(b.status)))
	})
	m.recStart = make([]int32, m.n+1)
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
	slices.SortFunc(rs, func(a, b rating) int {
		return cmp.Or(
			cmp.Compare(a.subject, b.subject),
			cmp.Compare(a.rater, b.rater),
			b.src.Day.Compare(a.src.Day),
			b.src.Made.Compare(a.src.Made),
			cmp.Compare(b.src.ID, a.src.ID))
	})
	// Keep the latest rating per (subject, rater): the first of each run.
	out := rs[:0]
	for k, r := range rs {
		if k > 0 && rs[k-1].subject == r.subject && rs[k-1].rater == r.rater {
			continue
		}
		out = append(out, r)
	}
	m.ratings = out
	m.subjStart = make([]int32, m.n+1)
	flagFrom := m.now.Add(-FlagWindow)
	for k := range m.ratings {
		r := &m.ratings[k]
		r.safety = float64(r.src.Safety-1) / 4
		r.reliability = float64(r.src.Reliability-1) / 4
		r.decay = decay(m.now, r.src.Day)
		r.recent = !r.src.Day.Before(flagFrom)
		r.flag = r.recent && r.src.Safety <= FlagSafety
		m.subjStart[r.subject+1]++
	}
	for i := range m.n {
		m.subjStart[i+1] += m.subjStart[i]
	}
}
