package reputation

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Source is what [Compute] reads of an Input but its time: everyone who
// appears in it numbered as Compute numbers them (by id), the cells in
// the order Compute reads them, and the ratings that can count, each
// with its own numbers. A device may keep one ([Prepare],
// [Source.Encode]) and compute the reputation of any time from it
// ([Source.Compute]) without reading, naming and numbering everyone
// again: the same computation on the same facts, so the same Result as
// Compute of the Input it was prepared from at that time.
type Source struct {
	ids      personIDs   // sorted, distinct: a person's number is their place here
	names    personNames // as Input.Names has them, by number
	viewer   int32       // -1 without a viewer
	verified []int32     // the people the viewer verified (not the viewer), only with a viewer
	blocked  []int32
	replaced []int32
	// outside reports, per person, whether they appear anywhere but in
	// ratings: the others appear at a time only if one of their ratings
	// counts then.
	outside []bool
	cells   []sourceCell // by id, then name
	ratings int          // in all cells
	texts   ratingTexts
}

// personIDs gives the id of each person of a Source, by number: sorted
// and distinct.
type personIDs interface {
	at(i int32) string
	len() int
	// search returns the number of id, or where it would be, and
	// whether it is there.
	search(id string) (int, bool)
}

// idList is the ids of the people, by number.
type idList []string

func (l idList) at(i int32) string            { return l[i] }
func (l idList) len() int                     { return len(l) }
func (l idList) search(id string) (int, bool) { return slices.BinarySearch(l, id) }

// personNames gives the name of each person of a Source, by number.
type personNames interface {
	at(i int32) string
}

// nameList is the names of the people, by number.
type nameList []string

func (l nameList) at(i int32) string { return l[i] }

// sourceCell is one cell of a Source.
type sourceCell struct {
	id, name string
	members  []sourceMember
	ratings  []sourceRating
}

// sourceMember is one entry of a cell's members: only those with a
// status the model reads, their vouchers without "" or themselves.
type sourceMember struct {
	id       int32
	rank     int8 // statusRank of the status
	vouchers []int32
}

// sourceRating is one valid rating of a cell.
type sourceRating struct {
	subject, rater      int32
	safety, reliability int8
	dayNs, madeNs       int32
	day, made           int64 // Unix seconds
	text                int32 // its Rating: Source.texts.rating(text)
	// tie is its place among the ratings by its rater about its subject
	// in the order of their statement ids (equal ids, equal places; 0
	// for the only one): all the model reads of the id (model.later).
	tie int32
}

// ratingTexts gives the Rating behind each rating of a Source, by the
// number of its text.
type ratingTexts interface {
	rating(k int32) *Rating
}

// inputTexts are the ratings of an Input, by number.
type inputTexts []*Rating

func (t inputTexts) rating(k int32) *Rating { return t[k] }

// Prepare returns the Source of in: everything Compute reads of it but
// its time (Now) and who is blocked (Blocked), which Source.Compute
// takes. The Source refers to in's ratings for its explanations, so
// they must not be modified while it or a Result of it is in use.
func Prepare(in *Input) *Source {
	return prepare(in, nil)
}

// Compute computes the reputation at now, as [Compute] does for the
// Input the Source was prepared from with that Now and these Blocked,
// leaving out (as if they were not in the input) the ratings made after
// madeBy, unless it is zero.
func (s *Source) Compute(now, madeBy time.Time, blocked []string) *Result {
	return computeModel(s.at(madeBy, blocked).model(now, madeBy))
}

// ComputeDays calls yield with i and the Result of
// s.Compute(nows[i], madeBys[i], blocked) for each i in turn, until
// yield returns false; nows and madeBys have the same length. It reads
// the people, cells and ratings once for all the times with the same
// ratings made by their madeBy, and works out for each time only what
// the time changes (MODEL.md, section 9): a week of starts costs a
// little more than one week's evaluation, not seven computes. The
// Result is valid only until yield returns (what yield took from it,
// such as a [Score] or what [Result.Keep] returns, stays valid): the
// next time's is computed in its memory.
func (s *Source) ComputeDays(nows, madeBys []time.Time, blocked []string, yield func(i int, r *Result) bool) {
	var f *frame
	var spare *Result
	made := -1 // how many ratings f counts
	for i, now := range nows {
		if k := s.madeCount(madeBys[i]); f == nil || k != made {
			f, made = s.at(madeBys[i], blocked).frame(madeBys[i]), k
		}
		var ratings []rating
		if spare != nil {
			ratings = spare.m.ratings
		}
		r := computeModelIn(f.atIn(now, ratings), spare)
		if !yield(i, r) {
			return
		}
		spare = r
	}
}

// madeCount returns how many of the ratings of s are made by madeBy
// (all if it is zero). The ratings made by one time are among those made
// by any later time, so two times with the same count have the same
// ratings, and one frame serves both.
func (s *Source) madeCount(madeBy time.Time) int {
	n := 0
	for c := range s.cells {
		n += len(s.cells[c].ratings)
	}
	if madeBy.IsZero() {
		return n
	}
	sec, ns := madeBy.Unix(), int32(madeBy.Nanosecond())
	for c := range s.cells {
		for _, r := range s.cells[c].ratings {
			if r.made > sec || r.made == sec && r.madeNs > ns {
				n--
			}
		}
	}
	return n
}

// at returns s as Compute reads it with the ratings made by madeBy (all
// if it is zero) and blocked as its blocked: with only the people who
// appear then, numbered anew, if some do not, and with the blocked who
// appear nowhere in it.
func (s *Source) at(madeBy time.Time, blocked []string) *Source {
	at := *s
	at.blocked = make([]int32, 0, len(blocked))
	var extra []string
	for _, id := range blocked {
		if id == "" {
			continue
		}
		if i, ok := s.ids.search(id); ok {
			at.blocked = append(at.blocked, int32(i))
		} else {
			extra = append(extra, id)
		}
	}
	if keep := s.present(madeBy, at.blocked); keep != nil || extra != nil {
		at = *at.renumbered(keep, extra, blocked)
	}
	return &at
}

// present returns nil if everyone s numbers appears at a time when the
// ratings made after madeBy are left out (and blocked are blocked), else
// who does.
func (s *Source) present(madeBy time.Time, blocked []int32) []bool {
	if madeBy.IsZero() || !slices.Contains(s.outside, false) {
		return nil
	}
	keep := slices.Clone(s.outside)
	for _, i := range blocked {
		keep[i] = true
	}
	sec, ns := madeBy.Unix(), int32(madeBy.Nanosecond())
	for c := range s.cells {
		for _, r := range s.cells[c].ratings {
			if r.made < sec || r.made == sec && r.madeNs <= ns {
				keep[r.subject], keep[r.rater] = true, true
			}
		}
	}
	if !slices.Contains(keep, false) {
		return nil
	}
	return keep
}

// renumbered returns s with only the people keep marks (all if nil) and
// the people extra names, numbered anew, and blocked as its blocked.
// Ratings about or by someone left out keep −1 there: they must be
// ones left out at the time (see present).
func (s *Source) renumbered(keep []bool, extra, blocked []string) *Source {
	ids := make(idList, 0, s.ids.len()+len(extra))
	for i := range s.ids.len() {
		if keep == nil || keep[i] {
			ids = append(ids, s.ids.at(int32(i)))
		}
	}
	ids = append(ids, extra...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	to := make([]int32, s.ids.len())
	names := make(nameList, len(ids))
	out := &Source{ids: ids, names: names, outside: make([]bool, len(ids)), viewer: -1, ratings: s.ratings, texts: s.texts}
	for i := range out.outside {
		out.outside[i] = true
	}
	for i := range s.ids.len() {
		to[i] = -1
		if j, ok := slices.BinarySearch(ids, s.ids.at(int32(i))); ok {
			to[i] = int32(j)
			names[j] = s.names.at(int32(i))
		}
	}
	remap := func(xs []int32) []int32 {
		out := make([]int32, len(xs))
		for k, x := range xs {
			out[k] = to[x]
		}
		return out
	}
	if s.viewer >= 0 {
		out.viewer = to[s.viewer]
	}
	out.verified, out.replaced = remap(s.verified), remap(s.replaced)
	for _, id := range blocked {
		if j, ok := slices.BinarySearch(ids, id); ok && id != "" {
			out.blocked = append(out.blocked, int32(j))
		}
	}
	out.cells = make([]sourceCell, len(s.cells))
	for k, c := range s.cells {
		oc := sourceCell{id: c.id, name: c.name, members: make([]sourceMember, len(c.members)), ratings: slices.Clone(c.ratings)}
		for j, mb := range c.members {
			oc.members[j] = sourceMember{id: to[mb.id], rank: mb.rank, vouchers: remap(mb.vouchers)}
		}
		for j := range oc.ratings {
			r := &oc.ratings[j]
			r.subject, r.rater = to[r.subject], to[r.rater]
		}
		out.cells[k] = oc
	}
	return out
}

// prepare returns the Source of in with blocked as its blocked people:
// it numbers everyone who appears anywhere in order of appearance, then
// again in id order.
func prepare(in *Input, blocked []string) *Source {
	people := len(in.Names) + len(in.Verified) + 1
	for i := range in.Cells {
		people += len(in.Cells[i].Members)
	}
	p := &preparer{prov: make(map[string]int32, people), ids: make([]string, 0, people)}
	s := &Source{viewer: -1}
	if in.Viewer != "" {
		s.viewer = p.intern(in.Viewer, true)
	}
	s.blocked = p.internAll(blocked)
	s.replaced = p.internAll(in.Replaced)
	for id, name := range in.Names {
		if id != "" {
			p.names[p.intern(id, true)] = name
		}
	}
	for _, id := range in.Verified {
		if id != "" && s.viewer >= 0 {
			if i := p.intern(id, true); i != s.viewer {
				s.verified = append(s.verified, i)
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
	s.cells = make([]sourceCell, len(order))
	var texts inputTexts
	for k, ci := range order {
		s.cells[k] = p.cell(&in.Cells[ci], &texts)
	}
	s.ratings = len(texts)
	p.number(s)
	s.texts = s.numberTexts(texts)
	return s
}

// preparer numbers the people of an Input in order of appearance.
type preparer struct {
	prov    map[string]int32
	ids     []string
	names   []string // as Input.Names has them, by provisional number
	outside []bool
}

// intern returns id's provisional number; outside says it appears
// somewhere other than in a rating.
func (p *preparer) intern(id string, outside bool) int32 {
	i, ok := p.prov[id]
	if !ok {
		i = int32(len(p.ids))
		p.prov[id] = i
		p.ids = append(p.ids, id)
		p.names = append(p.names, "")
		p.outside = append(p.outside, false)
	}
	p.outside[i] = p.outside[i] || outside
	return i
}

// internAll interns every id of ids but "".
func (p *preparer) internAll(ids []string) []int32 {
	var out []int32
	for _, id := range ids {
		if id != "" {
			out = append(out, p.intern(id, true))
		}
	}
	return out
}

// cell returns the cell c with provisional numbers, its valid ratings
// added to texts.
func (p *preparer) cell(c *Cell, texts *inputTexts) sourceCell {
	sc := sourceCell{id: c.ID, name: c.Name, members: make([]sourceMember, 0, len(c.Members)), ratings: make([]sourceRating, 0, len(c.Ratings))}
	vouches := 0
	for _, mb := range c.Members {
		vouches += len(mb.VouchedBy)
	}
	vouchers := make([]int32, 0, vouches) // the cell's, one array
	for _, mb := range c.Members {
		rank := statusRank(mb.Status)
		if mb.ID == "" || rank < 0 {
			continue
		}
		m := sourceMember{id: p.intern(mb.ID, true), rank: int8(rank)}
		from := len(vouchers)
		for _, v := range mb.VouchedBy {
			if v != "" && v != mb.ID {
				vouchers = append(vouchers, p.intern(v, true))
			}
		}
		if len(vouchers) > from {
			m.vouchers = vouchers[from:len(vouchers):len(vouchers)]
		}
		sc.members = append(sc.members, m)
	}
	for ri := range c.Ratings {
		r := &c.Ratings[ri]
		if !validRating(r) {
			continue
		}
		sc.ratings = append(sc.ratings, sourceRating{
			subject: p.intern(r.Subject, false), rater: p.intern(r.Rater, false),
			safety: int8(r.Safety), reliability: int8(r.Reliability),
			day: r.Day.Unix(), dayNs: int32(r.Day.Nanosecond()),
			made: r.Made.Unix(), madeNs: int32(r.Made.Nanosecond()),
		})
		*texts = append(*texts, r)
	}
	return sc
}

// number numbers everyone in id order, in s: it sorts the provisional
// numbers by id (ids are distinct, so the order is the ids' whatever the
// order of the input), with no map from id to number (Result.Person
// finds an id by binary search).
func (p *preparer) number(s *Source) {
	n := len(p.ids)
	type idAt struct {
		id string
		p  int32
	}
	order := make([]idAt, n)
	for i, id := range p.ids {
		order[i] = idAt{id, int32(i)}
	}
	slices.SortFunc(order, func(x, y idAt) int { return strings.Compare(x.id, y.id) })
	names := make(nameList, n)
	ids := make(idList, n)
	s.ids, s.names, s.outside = ids, names, make([]bool, n)
	final := make([]int32, n)
	for i, o := range order {
		ids[i], names[i], s.outside[i] = o.id, p.names[o.p], p.outside[o.p]
		final[o.p] = int32(i)
	}
	if s.viewer >= 0 {
		s.viewer = final[s.viewer]
	}
	for _, xs := range [][]int32{s.verified, s.blocked, s.replaced} {
		for k := range xs {
			xs[k] = final[xs[k]]
		}
	}
	for c := range s.cells {
		cell := &s.cells[c]
		for j := range cell.members {
			mb := &cell.members[j]
			mb.id = final[mb.id]
			for k := range mb.vouchers {
				mb.vouchers[k] = final[mb.vouchers[k]]
			}
		}
		for j := range cell.ratings {
			r := &cell.ratings[j]
			r.subject, r.rater = final[r.subject], final[r.rater]
		}
	}
}

// numberTexts numbers the texts of the ratings of s in order of subject,
// then of cells and of ratings in each (Encode writes them in that
// order, so that the explanations of one person are read together),
// and, if texts is not nil (the ratings in order of cells and ratings
// in each), returns it in that order, with each rating's tie set.
func (s *Source) numberTexts(texts inputTexts) inputTexts {
	next := make([]int32, s.ids.len()+1)
	for c := range s.cells {
		for _, r := range s.cells[c].ratings {
			next[r.subject+1]++
		}
	}
	for i := range s.ids.len() {
		next[i+1] += next[i]
	}
	var out inputTexts
	if texts != nil {
		out = make(inputTexts, len(texts))
	}
	k := 0
	for c := range s.cells {
		for j := range s.cells[c].ratings {
			r := &s.cells[c].ratings[j]
			r.text = next[r.subject]
			next[r.subject]++
			if out != nil {
				out[r.text] = texts[k]
			}
			k++
		}
	}
	if out != nil {
		s.setTies(out)
	}
	return out
}

// setTies sets the tie of each rating of s, whose texts (numbered by
// numberTexts, so those about one subject together) are texts.
func (s *Source) setTies(texts inputTexts) {
	byText := make([]*sourceRating, len(texts))
	for c := range s.cells {
		for j := range s.cells[c].ratings {
			r := &s.cells[c].ratings[j]
			byText[r.text] = r
		}
	}
	for from := 0; from < len(byText); {
		to := from + 1
		for to < len(byText) && byText[to].subject == byText[from].subject {
			to++
		}
		if to-from > 1 {
			setTiesOf(byText[from:to], texts)
		}
		from = to
	}
}

// setTiesOf sets the tie of each of rs, the ratings about one subject.
func setTiesOf(rs []*sourceRating, texts inputTexts) {
	slices.SortFunc(rs, func(a, b *sourceRating) int {
		return cmp.Or(cmp.Compare(a.rater, b.rater), strings.Compare(texts[a.text].ID, texts[b.text].ID))
	})
	for k, r := range rs {
		switch {
		case k == 0 || r.rater != rs[k-1].rater:
			r.tie = 0
		case texts[r.text].ID == texts[rs[k-1].text].ID:
			r.tie = rs[k-1].tie
		default:
			r.tie = rs[k-1].tie + 1
		}
	}
}
