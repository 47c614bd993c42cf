package reputation

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// The model's constants. MODEL.md explains each choice.
const (
	// Damping is the share of their own trust that a person passes on, in
	// total, divided equally among everyone they vouched for or were
	// admitted by (MODEL.md, section 2). The viewer passes Damping to each
	// person they verified, vouched for or were admitted by.
	Damping = 0.8
	// HalfLife is the age at which a rating counts half as much.
	HalfLife = 365 * 24 * time.Hour
	// FlagHalfLife is the age at which a rating that found someone unsafe
	// (safety [FlagSafety] or lower) counts half as much: a warning about
	// safety lasts longer than praise.
	FlagHalfLife = 3 * 365 * 24 * time.Hour
	// EvidenceUnit is the weight that counts as one full rating when the
	// model says how sure it is ([Score.Confidence], [Score.SafetyLow]):
	// about the trust of someone two vouches away in one of your cells.
	EvidenceUnit = 0.1
	// PriorWeight is how many full ratings ([EvidenceUnit]) of evidence make
	// the model half sure: Confidence = N / (N + PriorWeight).
	PriorWeight = 2.0
	// LowerBoundZ sets how cautious [Score.SafetyLow] is: it lies this many
	// standard deviations below the expected safety.
	LowerBoundZ = 1.0
	// FlagSafety is the highest safety mark that counts as a flag.
	FlagSafety = 2
	// FlagWindow is how far back a flag counts, measured by the rating's day.
	FlagWindow = 2 * 365 * 24 * time.Hour
	// FlagMinTrust caps how much trust must stand behind the flags about a
	// person for them to count: the summed trust of the flaggers (everyone
	// below one person in the tree of strongest paths counting at most that
	// person's trust) must reach the flagged person's own trust, or
	// FlagMinTrust if that is less (MODEL.md, section 4).
	FlagMinTrust = 0.1
	// StandingExponent sets how steeply standing falls with the safety
	// evidence against a person (MODEL.md, section 5): their safety standing
	// is (1+for)/(1+for+against) to this power.
	StandingExponent = 3
	// VouchPenalty is how much the people someone vouched for who turned
	// out badly lower that someone's standing: it is divided by
	// 1 + VouchPenalty·bad, where bad adds 1 per vouchee excluded from any
	// cell and 1 − safety standing per other vouchee.
	VouchPenalty = 0.5
	// StandingRounds is the most times trust and standing are refined
	// against each other before the final scores are taken.
	StandingRounds = 30
	// StandingTolerance ends the refinement early: once no standing changes
	// by this much in a round, the final scores are taken.
	StandingTolerance = 1e-4
)

// Vouching-record statuses beyond the member statuses of [Member].
const (
	// StatusFlagged marks a vouchee with at least one flag (see [Score.Flags]).
	StatusFlagged = "flagged unsafe"
)

// Reasons given in [Explained.Why] when a rating counts for less than its
// rater's trust would suggest, or for nothing.
const (
	// WhyBlocked says the viewer blocked the rater on this device.
	WhyBlocked = "blocked on this device"
	// WhyNotConnected says no chain of verified-in-person and vouch links
	// leads from the viewer to the rater.
	WhyNotConnected = "not connected to you"
	// WhyAdmittedByThem says the rater's trust comes, wholly or partly,
	// through the person rated having vouched for them (or for whoever
	// admitted them).
	WhyAdmittedByThem = "admitted through the person rated"
	// WhyTrustedLess says the rating did not find the person rated unsafe,
	// that person has flags, and the viewer trusts the rater less than
	// that person: such ratings do not count against a flag.
	WhyTrustedLess = "trusted less than the person rated, whom others found unsafe"
	// WhyKnownLittle says the rating did not find the person rated unsafe,
	// and the viewer did not verify its rater in person and knows them,
	// through the people they rated or met and the people those rated,
	// less than they trust them: such praise counts only as much as the
	// viewer knows of the rater.
	WhyKnownLittle = "praise from a rater known little through ratings"
	// WhyReplaced says the rater's card was replaced by a new one with
	// the help of its owner's guardians ([Input.Replaced]): what the old
	// card says counts for nothing.
	WhyReplaced = "card replaced by a new one"
)

// Score is one person's reputation as the viewer sees it, with the ratings
// behind it.
type Score struct {
	// ID is the person's identity id.
	ID string `json:"id"`
	// Name is how this device knows the person or, for someone without a
	// name in [Input.Names], the first 8 characters of their id.
	Name string `json:"name"`
	// Safety is the safety score from 1 to 5, or nil when no counted rating
	// exists.
	Safety *float64 `json:"safety"`
	// Reliability is the reliability score from 1 to 5, or nil when no
	// counted rating exists.
	Reliability *float64 `json:"reliability"`
	// SafetyLow is a cautious safety score from 1 to 5, or nil when no
	// counted rating exists: the safety that the counted ratings make
	// likely, less [LowerBoundZ] standard deviations. Few or lightly
	// weighted ratings give a low SafetyLow even when they are all 5s, so
	// lists rank people by it, safest first.
	SafetyLow *float64 `json:"safety_low"`
	// Confidence, from 0 to 1, says how much evidence is behind the scores:
	// with N the total weight of the counted ratings in [EvidenceUnit]s,
	// N / (N + PriorWeight).
	Confidence float64 `json:"confidence"`
	// KnownLittle, from 0 to 1, is the share of the weight its raters'
	// trust would give the ratings behind the scores that was taken away
	// because the viewer knows those raters little, in person or through
	// the people they rated ([WhyKnownLittle]); 0 when none was. It says
	// why Confidence is low when it is: few ratings, or ratings mostly
	// from people the viewer knows little of ([Score.EvidenceWords]).
	KnownLittle float64 `json:"known_little"`
	// Summary says in plain words what the ratings say, the same words on
	// every screen: [Score.Words], then [Score.FlagWords].
	Summary string `json:"summary"`
	// Raters is the number of distinct raters whose rating counts (weight
	// above zero).
	Raters int `json:"raters"`
	// Flags is the number of distinct connected raters, not blocked, whose
	// latest rating of this person gives safety [FlagSafety] or lower for
	// a day within [FlagWindow] before Now, when together they carry at
	// least this person's own trust or [FlagMinTrust], whichever is less;
	// else 0, and their ratings are Warnings.
	Flags int `json:"flags"`
	// Warnings lists, unweighted, the latest ratings of this person with
	// safety [FlagSafety] or lower that raise no flag although their rater
	// is not blocked: raters with no trust path at all (of any day), and
	// raters within [FlagWindow] whose flags together carry too little
	// trust. Who said it, in which cell, about which day; newest first.
	Warnings []Warning `json:"warnings"`
	// Trust, from 0 to 1, is how much this person's own ratings count for the
	// viewer before decay: 1 for the viewer, 0 without a path. Their ratings
	// of someone who vouched for them can count less (see [Explained.Weight]).
	Trust float64 `json:"trust"`
	// Standing, from 0 to 1, scales the trust this person passes on to
	// those they vouch for (besides [Damping] and the sharing among them); it falls
	// when trusted raters find them unsafe and when people they vouched for
	// are excluded or flagged.
	Standing float64 `json:"standing"`
	// Blocked reports whether the viewer blocked this person (a card
	// replaced by a new one, [Input.Replaced], counts for nothing in the
	// same way but is not reported as blocked).
	Blocked bool `json:"blocked"`
	// Ratings lists the latest rating of every rater about this person,
	// counted or not, with the weight each one has; heaviest first.
	Ratings []Explained `json:"ratings"`
	// VouchedFor lists everyone this person vouched for, in any cell.
	VouchedFor []Vouch `json:"vouched_for"`
}

// Explained is one rating behind a [Score], with the weight it got.
type Explained struct {
	// Rater is how this device knows the rater.
	Rater string `json:"rater"`
	// RaterID is the rater's identity id.
	RaterID string `json:"rater_id"`
	// Cell is the name of the cell the rating was read from; when the same
	// rating is in several cells, the one with the smallest id.
	Cell string `json:"cell"`
	// CellID is that cell's id.
	CellID string `json:"cell_id"`
	// Statement is the rating statement's id.
	Statement string `json:"statement"`
	// Safety is the safety mark, 1 to 5.
	Safety int `json:"safety"`
	// Reliability is the reliability mark, 1 to 5.
	Reliability int `json:"reliability"`
	// Day is the day of the interaction; in JSON it is written YYYY-MM-DD.
	Day time.Time `json:"day"`
	// Weight is how much the rating counts: the rater's trust, leaving out
	// any trust that reaches them through the vouches of the person rated,
	// times the decay for the rating's age ([HalfLife], [FlagHalfLife]),
	// shared with the other raters who owe their trust to the same people
	// (evidence counts once per independent path; MODEL.md, section 4);
	// for a rating that did not find the person rated unsafe, times the
	// share of the rater's trust that the viewer also knows, in person or
	// through ratings ([WhyKnownLittle]).
	Weight float64 `json:"weight"`
	// Why, when not empty, says why the weight is zero or reduced: one of
	// [WhyBlocked], [WhyNotConnected], [WhyAdmittedByThem],
	// [WhyTrustedLess], [WhyKnownLittle] or [WhyReplaced].
	Why string `json:"why,omitempty"`
	// Tags are the rating's tags.
	Tags []string `json:"tags,omitempty"`
	// Note is the rating's note.
	Note string `json:"note"`
}

// MarshalJSON writes the rating with its day as YYYY-MM-DD.
func (e Explained) MarshalJSON() ([]byte, error) {
	type plain Explained
	return json.Marshal(struct {
		plain
		Day string `json:"day"`
	}{plain(e), e.Day.Format(time.DateOnly)})
}

// Warning is a rating that found someone unsafe from a rater the viewer
// has too little reason to trust for it to count. It is shown, not
// counted.
type Warning struct {
	// Rater is how this device knows the rater.
	Rater string `json:"rater"`
	// RaterID is the rater's identity id.
	RaterID string `json:"rater_id"`
	// Cell is the name of the cell the rating was read from.
	Cell string `json:"cell"`
	// CellID is that cell's id.
	CellID string `json:"cell_id"`
	// Safety is the safety mark, 1 or 2.
	Safety int `json:"safety"`
	// Day is the day of the interaction; in JSON it is written YYYY-MM-DD.
	Day time.Time `json:"day"`
	// Note is the rating's note.
	Note string `json:"note"`
}

// MarshalJSON writes the warning with its day as YYYY-MM-DD.
func (w Warning) MarshalJSON() ([]byte, error) {
	type plain Warning
	return json.Marshal(struct {
		plain
		Day string `json:"day"`
	}{plain(w), w.Day.Format(time.DateOnly)})
}

// Vouch is one entry of a person's vouching record.
type Vouch struct {
	// ID is the vouchee's identity id.
	ID string `json:"id"`
	// Name is how this device knows the vouchee.
	Name string `json:"name"`
	// Status is [StatusExcluded] if any cell excluded the vouchee, else
	// [StatusFlagged] if they have a flag, else the best of their statuses in
	// the cells where this person vouched for them: [StatusMember],
	// [StatusPending] or [StatusLeft].
	Status string `json:"status"`
}

// Result holds every score of one computation. Scores and explanations are
// built on demand from it, so asking for one person is cheap. A Result is
// safe for concurrent use.
type Result struct {
	m        *model
	e        *eval
	standing []float64
	kept     *keptResult // made from what was kept (FromKept); m, e and standing are nil

	firstOnce sync.Once
	first     []int32 // flaggedFirst, by number
}

// Compute computes everyone's reputation from the viewer's point of view:
// the viewer, the people they verified, blocked or named, and everyone who
// appears in a cell. The input is only read. The Result refers to the
// input's ratings for its explanations, so they must not be modified while
// the Result is in use.
func Compute(in *Input) *Result {
	if in == nil {
		in = &Input{}
	}
	return computeModel(prepare(in, in.Blocked).model(in.Now, time.Time{}))
}

// computeModel computes the Result of m.
func computeModel(m *model) *Result { return computeModelIn(m, nil) }

// computeModelIn computes the Result of m in the arrays of spare, a
// Result no longer used, where they are large enough (none if nil).
func computeModelIn(m *model, spare *Result) *Result {
	r := settleModelIn(m, spare)
	r.m.weighByKnowledge(r.e)
	return r
}

// settle computes the model up to its last step: trust, standing and
// every weight settled, before praise is weighed by what the viewer
// knows of its rater. The tests compare the two.
func settle(in *Input) *Result {
	if in == nil {
		in = &Input{}
	}
	return settleModel(prepare(in, in.Blocked).model(in.Now, time.Time{}))
}

// settleModel is settle of the model m.
func settleModel(m *model) *Result { return settleModelIn(m, nil) }

// settleModelIn is settleModel in the arrays of spare, a Result no
// longer used, where they are large enough (none if nil).
func settleModelIn(m *model, spare *Result) *Result {
	var old *eval
	var standing []float64
	if spare != nil {
		old, standing = spare.e, spare.standing
	}
	standing = zeroed(standing, m.n)
	for i := range standing {
		standing[i] = 1
	}
	e := m.evalIn(old)
	for range StandingRounds {
		m.evaluate(standing, e)
		if m.updateStanding(e, standing) < StandingTolerance {
			break
		}
	}
	m.evaluate(standing, e)
	return &Result{m: m, e: e, standing: standing}
}

// IDs returns the ids of everyone the result knows, sorted.
func (r *Result) IDs() []string {
	r = r.whole()
	out := make([]string, r.m.n)
	for i := range out {
		out[i] = r.m.ids.at(int32(i))
	}
	return out
}

// Flagged returns, sorted, the ids of everyone with flags ([Score.Flags]
// above zero): the people the screens warn about. It reads no score, so
// it costs little however many people the result knows.
func (r *Result) Flagged() []string {
	r = r.whole()
	var out []string
	for i, f := range r.e.flags {
		if f > 0 {
			out = append(out, r.m.ids.at(int32(i)))
		}
	}
	return out
}

// FlaggedFirst returns the ids of everyone with flags, as [Result.Flagged]
// does, the most strongly flagged first: by the trust of their flaggers,
// each flagger's trust shared equally among everyone they flag, then by
// the flaggers' trust unshared ([Score.Flags] counts them), then by the
// number of flaggers, then by id. A list that shows only the first few
// therefore shows first the cheat whom the viewer's closest contacts
// flagged, however many people someone else flags: a member who flags
// thousands weighs a thousandth as much on each of them.
func (r *Result) FlaggedFirst() []string {
	r = r.whole()
	return r.idsOf(r.flaggedFirst())
}

// idsOf returns the ids of the people numbered nums.
func (r *Result) idsOf(nums []int32) []string {
	if nums == nil {
		return nil
	}
	out := make([]string, len(nums))
	for i, s := range nums {
		out[i] = r.m.ids.at(s)
	}
	return out
}

// flaggedFirst is FlaggedFirst, worked out once per Result (a start asks
// for it twice: what to keep and what the People list first shows).
func (r *Result) flaggedFirst() []int32 {
	r.firstOnce.Do(func() { r.first = r.flaggedFirstNow() })
	return r.first
}

// flaggedFirstNow works out FlaggedFirst, with arrays by person where a
// map would hash every flagger of every flagged person.
func (r *Result) flaggedFirstNow() []int32 {
	m, e := r.m, r.e
	counts := func(s int32, each func(rater int32)) {
		for k := m.subjStart[s]; k < m.subjStart[s+1]; k++ {
			rt := &m.ratings[k]
			if rt.flag && !m.blocked[rt.rater] && e.trust[rt.rater] > 0 {
				each(rt.rater)
			}
		}
	}
	var flagged []int32
	flags := make([]int32, m.n) // per flagger: how many flagged people they flag
	for i, f := range e.flags {
		if f > 0 {
			flagged = append(flagged, int32(i))
			counts(int32(i), func(rater int32) { flags[rater]++ })
		}
	}
	strength := make([]float64, m.n)
	for _, s := range flagged {
		var sum float64
		counts(s, func(rater int32) { sum += e.trust[rater] / float64(flags[rater]) })
		strength[s] = sum
	}
	slices.SortFunc(flagged, func(a, b int32) int {
		return cmp.Or(cmp.Compare(strength[b], strength[a]), cmp.Compare(e.flagTrust[b], e.flagTrust[a]),
			cmp.Compare(e.flags[b], e.flags[a]), cmp.Compare(a, b)) // numbered in id order
	})
	return flagged
}

// Person returns one person's score with its explanation and vouching
// record, or nil if the person appears nowhere in the input.
func (r *Result) Person(id string) *Score {
	if sc, ok := r.keptScore(id); ok {
		return sc
	}
	r = r.whole()
	i, ok := r.m.find(id)
	if !ok {
		return nil
	}
	return r.score(i)
}

// Scores returns everyone's score, explained, sorted by name and then id.
func (r *Result) Scores() []*Score {
	r = r.whole()
	out := make([]*Score, r.m.n)
	for i := range out {
		out[i] = r.score(int32(i))
	}
	slices.SortFunc(out, func(a, b *Score) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func (r *Result) score(i int32) *Score {
	m, e := r.m, r.e
	s := &Score{
		ID:          m.ids.at(i),
		Name:        m.name(i),
		Confidence:  e.confidence[i],
		KnownLittle: e.knownLittle[i],
		Raters:      int(e.raters[i]),
		Flags:       int(e.flags[i]),
		Trust:       e.trust[i],
		Standing:    r.standing[i],
		Blocked:     m.blocked[i] && !m.replaced[i],
		Ratings:     make([]Explained, 0, m.subjStart[i+1]-m.subjStart[i]),
		Warnings:    []Warning{},
		VouchedFor:  make([]Vouch, 0, m.recStart[i+1]-m.recStart[i]),
	}
	if e.raters[i] > 0 {
		safety, reliability, low := e.safety[i], e.reliability[i], e.safetyLow[i]
		s.Safety, s.Reliability, s.SafetyLow = &safety, &reliability, &low
	}
	for k := m.subjStart[i]; k < m.subjStart[i+1]; k++ {
		rt := &m.ratings[k]
		src := m.texts.rating(rt.text)
		c := &m.cells[rt.cell]
		if rt.low && !m.blocked[rt.rater] && (e.trust[rt.rater] == 0 || (rt.flag && e.flags[i] == 0)) {
			s.Warnings = append(s.Warnings, Warning{Rater: m.name(rt.rater), RaterID: m.ids.at(rt.rater), Cell: c.Name, CellID: c.ID,
				Safety: src.Safety, Day: src.Day, Note: src.Note})
		}
		s.Ratings = append(s.Ratings, Explained{
			Rater:       m.name(rt.rater),
			RaterID:     m.ids.at(rt.rater),
			Cell:        c.Name,
			CellID:      c.ID,
			Statement:   src.ID,
			Safety:      src.Safety,
			Reliability: src.Reliability,
			Day:         src.Day,
			Weight:      e.weight[k],
			Why:         whyText[e.why[k]],
			Tags:        slices.Clone(src.Tags),
			Note:        src.Note,
		})
	}
	slices.SortFunc(s.Ratings, func(a, b Explained) int {
		if a.Weight != b.Weight {
			return cmp.Compare(b.Weight, a.Weight)
		}
		if c := b.Day.Compare(a.Day); c != 0 {
			return c
		}
		return cmp.Compare(a.RaterID, b.RaterID)
	})
	slices.SortFunc(s.Warnings, func(a, b Warning) int {
		return cmp.Or(b.Day.Compare(a.Day), cmp.Compare(a.RaterID, b.RaterID))
	})
	for k := m.recStart[i]; k < m.recStart[i+1]; k++ {
		v := m.recTo[k]
		status := m.recStatus[k]
		switch {
		case m.excluded[v]:
			status = StatusExcluded
		case e.flags[v] > 0:
			status = StatusFlagged
		}
		s.VouchedFor = append(s.VouchedFor, Vouch{ID: m.ids.at(v), Name: m.name(v), Status: status})
	}
	s.Summary = strings.TrimSpace(s.Words() + " " + s.FlagWords())
	return s
}

// decay returns the weight factor of a rating for the given day: a rating
// that flags someone as unsafe fades with [FlagHalfLife], any other with
// [HalfLife].
func decay(now, day time.Time, flag bool) float64 {
	age := now.Sub(day)
	if age <= 0 {
		return 1
	}
	h := HalfLife
	if flag {
		h = FlagHalfLife
	}
	return math.Exp2(-float64(age) / float64(h))
}
