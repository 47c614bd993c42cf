package crdt

import (
	"bytes"
	"cmp"
	"slices"

	"trustdesk/identity"
)

// This file holds the rules of SCHEMA.md §3 and §4.4: who may make which
// statement, when a person is admitted or excluded, when the policy
// changes, and how the statements of a hostile member are kept from
// undoing or preventing their own exclusion.

// VotesToExclude returns how many votes of current members exclude a
// person when others current members (not counting that person) are in
// the cell: a majority of them by default, or the policy's quorum when it
// is set and smaller than others. It returns 0 when others is 0: nobody
// can exclude the only member.
func (p Policy) VotesToExclude(others int) int {
	if others <= 0 {
		return 0
	}
	if p.ExcludeQuorum > 0 {
		return min(p.ExcludeQuorum, others)
	}
	return others/2 + 1
}

// VotesToChange returns how many current members must vote for the same
// new policy before it replaces p, in a cell of members current members:
// a majority of them, or the votes needed to exclude someone if that is
// more. A sole member changes the policy alone.
func (p Policy) VotesToChange(members int) int {
	if members <= 1 {
		return 1
	}
	return max(members/2+1, p.VotesToExclude(members))
}

// budget counts the work of a derivation from outside (SCHEMA §4.6).
// A nil budget never runs out.
type budget struct{ left int }

func newBudget(limit int) *budget {
	if limit <= 0 {
		return nil
	}
	return &budget{left: limit}
}

func (b *budget) spend(n int) {
	if b != nil {
		b.left -= n
	}
}

func (b *budget) over() bool { return b != nil && b.left < 0 }

// WorkLimit is the work a cell of n statements may take to derive when
// its statements come from outside: a few passes over the statements and
// a fixed allowance for disputes. Deriving a cell within it takes well
// under a tenth of a second (BenchmarkDeriveOpenVotes2500).
func WorkLimit(n int) int { return 48*n + 400_000 }

// workLimit is the limit checkWork applies; tests lower it.
var workLimit = WorkLimit

// resolve applies the rules to the ordered statements (SCHEMA §4.4):
// a first pass, then trials in rounds for every person who is the
// subject of votes and made contested statements (or unseen ones that
// had an effect). A person a round finds excluded stays excluded, and
// neither their contested statements count nor their other unseen ones
// that the statement excluding them had not seen. When the rounds fix
// someone who forked their history, the cell is derived once more
// without what they set aside for them (again, rules revision 18);
// when a forker with a contested leave ends as someone who left, once
// more without that leave's side of their fork, kept only if it
// excludes them (withoutLeave, rules revision 19).
func resolve(cell CellID, order []*node, b *budget) *applier {
	base := settled(cell, order, nil, nil, nil, nil, b)
	void := afterOwnEnd(cell, order, base, b)
	if len(void) > 0 {
		base = settled(cell, order, void, nil, nil, nil, b)
	}
	a, w := warOf(cell, order, base, void, b)
	if w != nil {
		a = w.again(a, void)
		a = w.withoutLeave(a, void)
	}
	return a
}

// warOf runs the trials of resolve on the first pass base, which left
// out the statements in void, and returns the final derivation (base
// when nobody is fixed excluded) and the war (nil when there is none or
// the budget ran out).
func warOf(cell CellID, order []*node, base *applier, void map[int]Reason, b *budget) (*applier, *war) {
	cands := candidates(order, base, void, b)
	if len(cands) == 0 || b.over() || noTrials {
		return base, nil
	}
	w := war{cell: cell, order: order, b: b, cands: cands, helping: map[int]bool{}, frozen: map[int]Reason{}, excluded: map[int][]identity.ID{}, forked: map[identity.ID]bool{}}
	for _, c := range cands {
		for _, i := range c.helping {
			w.helping[i] = true
		}
		w.forked[c.who] = c.forked
	}
	for i, r := range void {
		w.frozen[i] = r
	}
	ok := w.rounds()
	if onWar != nil {
		onWar(w.nRounds, w.nTrials)
	}
	if !ok {
		return base, nil
	}
	if len(w.frozen) == len(void) {
		return base, &w
	}
	return settled(cell, order, w.frozen, w.excluded, w.helping, nil, b), &w
}

// war holds the trials of one derivation (SCHEMA §4.4, trials): the
// candidates in precedence order, the statements set aside so far and
// the exclusions found so far, by the order index where each happened.
type war struct {
	cell     CellID
	order    []*node
	b        *budget
	cands    []candidate
	helping  map[int]bool
	frozen   map[int]Reason
	excluded map[int][]identity.ID
	forked   map[identity.ID]bool // the candidates who forked their history

	scope  *trialScope
	acks   []bool // acknowledgedBy, with acksAt statements set aside
	acksAt int

	fixedForkers     map[identity.ID]bool         // forkers fixed (noteForkers)
	late             map[identity.ID]map[int]bool // afterFork's answers, by forker
	nRounds, nTrials int                          // rounds begun and trials run (the rounds' bound; the tests of SCHEMA §4.6)
	acting           int                          // statements a trial applies (actingCount)
}

// trialScope is what the runs of a trial need of the order beyond a
// full pass's (SCHEMA §4.6): a trial asks only who is excluded where, so
// its runs apply only the statements that can change who is a member
// (every kind but rate and card), the places of the exclusions found
// before, and the statement that accepts an admission (a person's first
// statement after it, which can be a rating).
type trialScope struct {
	acting   []bool // not a rate or card
	count    int    // how many are acting
	byAuthor map[identity.ID][]int
}

func newTrialScope(order []*node, b *budget) *trialScope {
	b.spend(len(order))
	sc := &trialScope{acting: make([]bool, len(order)), byAuthor: map[identity.ID][]int{}}
	for i, n := range order {
		s := n.e.stmt
		sc.byAuthor[s.Author] = append(sc.byAuthor[s.Author], i)
		if s.Kind != KindRate && s.Kind != KindCard {
			sc.acting[i] = true
			sc.count++
		}
	}
	return sc
}

// verdict is a candidate a trial excluded at order[at].
type verdict struct {
	k  int // index in cands
	at int
}

// The rounds' bound (SCHEMA §4.4, trials; §4.6; rules revision 15): the
// first minWarRounds rounds always run; a later round begins only while
// the trials run so far are at most roundTrials per candidate and have
// applied at most roundWork statements that can change who is a member
// (a trial applies those: every kind but rate and card; trialScope).
// Only trials that are run count: a trial in which no vote against the
// person tried counts is not run (every second trial of a true race),
// so a round that fixes one person of a race costs what it tries. A
// round tries each candidate not fixed at most twice, so a war of k
// candidates costs at most (roundTrials+5)·k trials, and the rounds
// after the fourth apply at most roundWork statements and one round's
// trials. All three depend only on the statements. Variables so that a
// test can compare the bound with rounds that run to the end.
var (
	minWarRounds = 4
	roundTrials  = 8
	roundWork    = 1 << 15
)

// rounds runs the trials in rounds until one finds nobody new: every
// candidate not found excluded yet is tried against the exclusions of
// the rounds before. Of those a round finds excluded, each is tried
// again with the unseen statements of the others it found set aside
// too; those still excluded are fixed all at once, where that second
// trial excluded them, so that no exclusion fixed in a round rests on a
// statement of someone fixed beside it. When none is (a true race: each
// stands only on the others' statements), only the first in precedence
// order is. Once the rounds reach their bound (above), one last round
// fixes only those still excluded in their second trial (rules
// revision 13), and then the candidates not fixed yet are tried one
// after another in precedence order, each against what was fixed before
// it (byPrecedence). It reports false when the budget runs out.
func (w *war) rounds() bool {
	out := make([]bool, len(w.cands))
	w.acting = actingCount(w.order, w.b)
	for {
		if w.bounded() {
			if onBound != nil {
				onBound()
			}
			_, ok := w.round(out, false)
			return ok && w.byPrecedence(out)
		}
		more, ok := w.round(out, true)
		if !ok || !more {
			return ok
		}
	}
}

// bounded reports whether the rounds have reached their bound: at least
// minWarRounds rounds, and more than roundTrials trials per candidate or
// more than roundWork statements applied by the trials run.
func (w *war) bounded() bool {
	return w.nRounds >= minWarRounds && (w.nTrials > roundTrials*len(w.cands) || w.nTrials*w.acting > roundWork)
}

// actingCount counts the statements that are neither a rating nor a
// card: those a trial applies (trialScope), what one trial costs in the
// rounds' bound.
func actingCount(order []*node, b *budget) int {
	b.spend(len(order))
	n := 0
	for _, o := range order {
		if k := o.e.stmt.Kind; k != KindRate && k != KindCard {
			n++
		}
	}
	return n
}

// round runs one round of trials (see rounds) and reports whether it
// found anyone, and false as its second result when the budget runs out.
// With race set, a round whose found people all rest on each other's
// statements fixes the first of them in precedence order; without it
// (the last round, rules revision 13), nobody: they are left to
// byPrecedence, after the others this round fixes.
func (w *war) round(out []bool, race bool) (bool, bool) {
	w.nRounds++
	var fs []verdict
	if !w.tryEach(out, func(k, at int) { fs = append(fs, verdict{k, at}) }) {
		return false, false
	}
	if len(fs) == 0 {
		return false, true
	}
	var fixed []verdict
	for _, f := range fs {
		var others []int
		for _, g := range fs {
			if g.k != f.k {
				others = append(others, w.cands[g.k].unseen...)
			}
		}
		if len(others) == 0 {
			fixed = append(fixed, f)
			continue
		}
		at, ok := w.try(w.cands[f.k], others)
		if w.b.over() {
			return false, false
		}
		if ok {
			fixed = append(fixed, verdict{f.k, at})
		}
	}
	trueRace := len(fixed) == 0 && race
	if trueRace {
		fixed = []verdict{w.raceFirst(fs)}
	}
	w.noteForkers(fixed)
	if onRound != nil {
		onRound(w.cands, fs, fixed, trueRace)
	}
	for _, f := range fixed {
		out[f.k] = true
		w.fix(w.cands[f.k], f.at)
	}
	return true, true
}

// byPrecedence tries, in precedence order, each candidate not out yet
// against the exclusions fixed so far, and fixes those it finds
// excluded where their trial excluded them: one trial per candidate,
// after the rounds' bound. It reports false when the budget runs out.
func (w *war) byPrecedence(out []bool) bool {
	return w.tryEach(out, func(k, at int) {
		out[k] = true
		w.fix(w.cands[k], at)
	})
}

// tryEach tries, in precedence order, each candidate not out (when its
// turn comes) and tells found of each one its trial excluded, and where.
// It reports false when the budget runs out.
func (w *war) tryEach(out []bool, found func(k, at int)) bool {
	for k, c := range w.cands {
		if out[k] {
			continue
		}
		at, ok := w.try(c, nil)
		if w.b.over() {
			return false
		}
		if ok {
			found(k, at)
		}
	}
	return true
}

// try derives the cell without c's contested statements, the statements
// set aside so far and those in others, with the exclusions found so
// far, and reports where it excludes c. An exclusion fixed at one of c's
// contested statements, which count for nothing here, happens instead at
// the first statement built on that one that still counts, if any: the
// person tried cannot complete anyone's exclusion in their own trial
// with a statement that is set aside there.
func (w *war) try(c candidate, others []int) (int, bool) {
	cut := make(map[int]Reason, len(w.frozen)+len(c.contested)+len(others))
	for i, r := range w.frozen {
		cut[i] = r
	}
	mine := make(map[int]bool, len(c.contested))
	for _, i := range w.contested(c) {
		cut[i] = ReasonExcluded
		mine[i] = true
	}
	for _, i := range others {
		cut[i] = ReasonExcluded
	}
	if !slices.ContainsFunc(c.against, func(v int) bool { _, gone := cut[v]; return !gone }) {
		// No vote against c counts here, so nothing can exclude them
		// (c is not fixed, so not forced either): the trial would find
		// them a member. In a true race every second trial is such.
		return 0, false
	}
	w.nTrials++
	// In order of place, so that exclusions moved to one statement
	// happen there in the same order on every device.
	places := make([]int, 0, len(w.excluded))
	for at := range w.excluded {
		places = append(places, at)
	}
	slices.Sort(places)
	excluded := make(map[int][]identity.ID, len(w.excluded))
	for _, at := range places {
		ws := w.excluded[at]
		if !mine[at] {
			excluded[at] = append(excluded[at], ws...)
			continue
		}
		x := ancestryOf(w.order, w.b)
		for j := at + 1; j < len(w.order); j++ {
			if _, gone := cut[j]; !gone && x.after(j, at, w.b) {
				excluded[j] = append(excluded[j], ws...)
				break
			}
		}
	}
	if w.scope == nil && !fullTrials {
		w.scope = newTrialScope(w.order, w.b)
	}
	t := settled(w.cell, w.order, cut, excluded, w.helping, w.scope, w.b)
	if onTrial != nil && others == nil {
		onTrial(w.order, c, t)
	}
	at, ok := t.excludedAt[c.who]
	return at, ok
}

// contested returns c's contested statements that a trial sets aside
// (SCHEMA §4.4, trials, since revision 14): all of them but the votes
// against people who forked their history and none of whose votes
// against c still counts, all being set aside with their author's
// exclusion, so that those answer nothing any more and are weighed like
// any vote. It costs one look at each contested statement and each vote
// against c.
func (w *war) contested(c candidate) []int {
	w.b.spend(len(c.contested))
	out := make([]int, 0, len(c.contested))
	counts := map[identity.ID]bool{} // per voter, looked at once
	for _, i := range c.contested {
		s := w.order[i].e.stmt
		if s.Kind == KindExclude && w.forked[s.Subject] {
			still, ok := counts[s.Subject]
			if !ok {
				still = w.stillCounts(c.byVoter[s.Subject])
				counts[s.Subject] = still
			}
			if !still {
				continue
			}
		}
		out = append(out, i)
	}
	return out
}

// stillCounts reports whether one of the statements vs is not set aside.
func (w *war) stillCounts(vs []int) bool {
	w.b.spend(len(vs))
	for _, j := range vs {
		if _, gone := w.frozen[j]; !gone {
			return true
		}
	}
	return false
}

// fix records that c is excluded at order[at]: their contested
// statements count for nothing, nor do their other unseen ones unless
// the statement that excluded them had seen them (an exclusion is not
// retroactive).
func (w *war) fix(c candidate, at int) {
	for _, i := range c.contested {
		w.frozen[i] = ReasonExcluded
	}
	x := ancestryOf(w.order, w.b)
	for _, i := range c.unseen {
		if !x.before(i, at, w.b) {
			w.frozen[i] = ReasonExcluded
		}
	}
	w.excluded[at] = append(w.excluded[at], c.who)
}

// onTrial, when set (by a test), is told of every trial and its outcome.
var onTrial func(order []*node, c candidate, t *applier)

// onRound, when set (by a test), is told after every round of the
// trials whom it found, whom it fixed and where, and whether it was a
// true race (only the first found in precedence order fixed).
var onRound func(cands []candidate, found, fixed []verdict, race bool)

// onBound, when set (by a test), is told when the rounds' bound stops
// the rounds of a derivation, before its last round.
var onBound func()

// onSettled, when set (by a test), is told the outcome of every settled
// run: first passes, trials and the last.
var onSettled func(a *applier)

// fullTrials, when set (by a test), makes every trial apply every
// statement, as every trial did before trialScope (TestTrialScopeSameOutcome).
var fullTrials bool

// noTrials, noEndCut and oneVotePolicy, when set (by a test), each
// disable one rule, so that the test can show that TestHostileHistories'
// checks catch what that lets through: the trials of §4.4 (deciding
// contested statements), the concurrent-endings rule of §4.4 (a
// statement concurrent with the end of its author's membership does not
// count), and the quorum a policy change needs (§3).
var noTrials, noEndCut, oneVotePolicy bool

// onAfterFork, when set (by a test), is told each time a war is asked
// where who's fork is (afterFork) over order, and whether that asking
// worked it out (a pass over order) rather than finding it kept.
var onAfterFork func(order []*node, who identity.ID, worked bool)

// onWar, when set (by a test), is told after the rounds of every
// derivation that has candidates how many rounds began and how many
// trials ran.
var onWar func(rounds, trials int)

// afterOwnEnd returns the statements signed by people who, by everything
// in the statement's own past, had been excluded: no honest device signs
// those (SCHEMA §4.4, "Signed after the end"). For each person a pass
// excluded, the first of their statements built on the statement that
// excluded them that could change who is a member (not a rating or a
// card) is checked by deriving the cell from that statement's past alone;
// if they are excluded there, it and every later statement of theirs
// built on it do not count.
func afterOwnEnd(cell CellID, order []*node, a *applier, b *budget) map[int]Reason {
	var void map[int]Reason
	if len(a.excludedAt) == 0 {
		return nil
	}
	byAuthor := map[identity.ID][]int{}
	for i, n := range order {
		x := n.e.stmt.Author
		if e, ok := a.excludedAt[x]; ok && i > e {
			byAuthor[x] = append(byAuthor[x], i)
		}
	}
	b.spend(len(order))
	for x, own := range byAuthor {
		e := a.excludedAt[x]
		g := ancestryOf(order, b)
		var done []bool
		for _, i := range own {
			if !g.after(i, e, b) || (done != nil && done[i]) || b.over() {
				continue
			}
			if k := order[i].e.stmt.Kind; k == KindRate || k == KindCard {
				continue // cannot change who is a member
			}
			sub := resolve(cell, pastOf(order, ancestors(order, i, b)), b)
			if m := sub.index[x]; m == nil || m.Status != StatusExcluded {
				continue
			}
			if void == nil {
				void = map[int]Reason{}
			}
			if done == nil {
				done = make([]bool, len(order))
			}
			for _, j := range own {
				if j == i || g.after(j, i, b) {
					void[j] = ReasonExcluded
					done[j] = true
				}
			}
		}
	}
	return void
}

// pastOf returns the statements marked in keep, in order, as a graph of
// their own. keep must hold every ancestor of what it holds, so the order
// is the one §4.3 gives those statements alone.
func pastOf(order []*node, keep []bool) []*node {
	at := make([]int, len(order))
	var sub []*node
	for i, n := range order {
		if !keep[i] {
			continue
		}
		at[i] = len(sub)
		m := &node{e: n.e}
		for _, p := range n.prev {
			m.prev = append(m.prev, at[p])
			sub[at[p]].next = append(sub[at[p]].next, len(sub))
		}
		sub = append(sub, m)
	}
	return sub
}

// settled runs the rules with the statements in cut left out, then
// leaves out, too, every statement of a member made concurrently with
// the end of their membership, until that set stops growing. A statement
// had an effect if it had one in any of these passes.
func settled(cell CellID, order []*node, cut map[int]Reason, excluded map[int][]identity.ID, helping map[int]bool, scope *trialScope, b *budget) *applier {
	own := make(map[int]Reason, len(cut))
	for i, r := range cut {
		own[i] = r
	}
	pc := &passCuts{order: order, b: b, byAuthor: authorsOf(order, scope), own: own, forced: map[int][]identity.ID{}, isForced: map[identity.ID]bool{}}
	pc.forceTrialExclusions(excluded, helping)
	var effect []bool
	for {
		a := newApplier(cell, order, pc.own, pc.forced, b)
		a.scope = scope
		a.run()
		for i, e := range effect {
			a.effect[i] = a.effect[i] || e
		}
		effect = a.effect
		if !pc.cutBesideEnds(a.ends) || b.over() {
			if onSettled != nil {
				onSettled(a)
			}
			return a
		}
	}
}

// authorsOf returns every author's statements, in order: the trial's
// (scope), worked out once for all its runs, or, outside a trial, made
// here.
func authorsOf(order []*node, scope *trialScope) map[identity.ID][]int {
	if scope != nil {
		return scope.byAuthor
	}
	byAuthor := map[identity.ID][]int{}
	for i, n := range order {
		byAuthor[n.e.stmt.Author] = append(byAuthor[n.e.stmt.Author], i)
	}
	return byAuthor
}

// passCuts is what the passes of settled leave out and force, grown
// from one pass to the next.
type passCuts struct {
	order    []*node
	b        *budget
	byAuthor map[identity.ID][]int
	own      map[int]Reason        // statements left out, and why
	forced   map[int][]identity.ID // exclusions every pass makes, by place
	isForced map[identity.ID]bool  // the people in forced
}

// forceTrialExclusions puts each exclusion the trials found (excluded,
// by place) at its place in every pass, and leaves out, from the first
// pass on, those statements of the excluded person that could help them
// (helping) made concurrently with it.
func (pc *passCuts) forceTrialExclusions(excluded map[int][]identity.ID, helping map[int]bool) {
	for at, ws := range excluded {
		pc.forced[at] = append(pc.forced[at], ws...)
		for _, w := range ws {
			pc.isForced[w] = true
			for _, i := range pc.byAuthor[w] {
				if !helping[i] {
					continue
				}
				if _, ok := pc.own[i]; !ok && ancestryOf(pc.order, pc.b).concurrent(i, at, pc.b) {
					pc.own[i] = ReasonExcluded
				}
			}
		}
	}
}

// cutBesideEnds takes in the memberships a pass ended: an exclusion it
// found stays in the next passes, even when the statements cut after it
// were part of what completed it (removals win), so a person is never
// shown a member while their statements are cut as an excluded
// person's; and every statement of theirs made concurrently with the
// end is left out. It reports whether it left out more.
func (pc *passCuts) cutBesideEnds(ends []end) bool {
	grew := false
	for _, ev := range ends {
		if ev.reason == ReasonExcluded && !pc.isForced[ev.who] {
			pc.isForced[ev.who] = true
			pc.forced[ev.at] = append(pc.forced[ev.at], ev.who)
		}
		for _, i := range pc.byAuthor[ev.who] {
			if _, ok := pc.own[i]; ok {
				continue
			}
			if !noEndCut && ancestryOf(pc.order, pc.b).concurrent(i, ev.at, pc.b) {
				pc.own[i] = ev.reason
				grew = true
			}
		}
	}
	return grew
}

// descendants returns the statements built on order[at], worked out once
// per derivation as ancestors' are.
func descendants(order []*node, at int, b *budget) []bool {
	n := order[at]
	if n.desc == nil {
		b.spend(len(order))
		n.desc = reach(order, at, func(n *node) []int { return n.next })
	}
	return n.desc
}

// reach marks the statements reached from order[at] by step.
func reach(order []*node, at int, step func(n *node) []int) []bool {
	seen := make([]bool, len(order))
	stack := []int{at}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, j := range step(order[i]) {
			if !seen[j] {
				seen[j] = true
				stack = append(stack, j)
			}
		}
	}
	return seen
}

// candidate is a person whose exclusion is tried without their contested
// statements.
type candidate struct {
	who       identity.ID
	forked    bool                  // they forked their own history
	voters    int                   // distinct voters against them who were ever members
	joined    int                   // order index of their admission; later is junior
	contested []int                 // their helping statements that some vote against them did not see
	unseen    []int                 // all their statements acting on the cell that some vote against them did not see
	helping   []int                 // all their statements that could help them (see helps)
	against   []int                 // the votes against them, in order (tallyVotes)
	byVoter   map[identity.ID][]int // the votes against them, by voter
	accuses   []identity.ID         // whom they voted against (tallyVotes)
}

// helps reports whether s, at order[i], could help its author escape
// the votes against them: by changing who is a member (more members need
// more votes; a leave changes the counts), by voting against someone who
// voted against them, or by voting for a policy that makes exclusion
// harder or admission easier than the policy in force when it was
// placed. A vote against anyone else, or for a policy that makes
// exclusion no harder, cannot.
func helps(i int, s *Statement, votersAgainst map[identity.ID]map[identity.ID]bool, base *applier) bool {
	switch s.Kind {
	case KindAdmit, KindJoin, KindLeave:
		return true
	case KindPolicy:
		at, ok := base.policyAt[i]
		if !ok {
			return true
		}
		others := max(at.current-1, 1)
		return s.Policy.AdmitVouches < at.policy.AdmitVouches ||
			s.Policy.VotesToExclude(others) > at.policy.VotesToExclude(others)
	case KindExclude:
		return votersAgainst[s.Author][s.Subject]
	}
	return false
}

// candidates lists, most voted-against first, then junior first, the
// people who are the subject of votes by members and who made statements
// that change membership or rules that not every such vote had seen:
// statements that could help them, or any that had an effect in the
// first pass (a vote completing someone else's exclusion, say).
// Statements in void, signed by people already excluded in their own
// past (afterOwnEnd), take no part: not in the votes, not among anyone's
// statements, not as a fork (SCHEMA §4.4, "Signed after the end").
func candidates(order []*node, base *applier, void map[int]Reason, b *budget) []candidate {
	v := tallyVotes(order, base, void)
	if len(v.against) == 0 {
		return nil
	}
	mine := helpingStatements(order, v, base, void)
	contested, ok := unseen(order, v.against, mine, b)
	if !ok {
		return nil
	}
	acted, ok := unseen(order, v.against, actingStatements(order, v, void), b)
	if !ok {
		return nil
	}
	tried := map[identity.ID][]int{}
	for who, own := range acted {
		if len(contested[who]) > 0 || slices.ContainsFunc(own, func(i int) bool { return base.effect[i] }) {
			tried[who] = own
		}
	}
	forked, ok := forkers(order, tried, void, b)
	if !ok {
		return nil
	}
	var out []candidate
	for who, acts := range tried {
		contested := contested[who]
		joined, ok := base.joinedAt[who]
		if !ok || joined < 0 {
			joined = len(order)
		}
		slices.Sort(contested)
		slices.Sort(acts)
		for _, i := range contested {
			if k := order[i].e.stmt.Kind; k == KindLeave {
				forked[who] = true
			}
		}
		byVoter := map[identity.ID][]int{}
		b.spend(len(v.against[who]))
		for _, i := range v.against[who] {
			a := order[i].e.stmt.Author
			byVoter[a] = append(byVoter[a], i)
		}
		out = append(out, candidate{who: who, forked: forked[who], voters: v.independent(order, who), joined: joined, contested: contested, unseen: acts, helping: mine[who], against: v.against[who], byVoter: byVoter, accuses: v.byVoter[who]})
	}
	slices.SortFunc(out, func(x, y candidate) int {
		if x.forked != y.forked {
			if x.forked {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(y.voters, x.voters); c != 0 {
			return c
		}
		if c := cmp.Compare(y.joined, x.joined); c != 0 {
			return c
		}
		return bytes.Compare(x.who[:], y.who[:])
	})
	return out
}

// votes are the exclusion votes by people who were ever members, but
// for those in void.
type votes struct {
	against       map[identity.ID][]int                // subject -> votes, in order
	byVoter       map[identity.ID][]identity.ID        // voter -> subjects
	votersAgainst map[identity.ID]map[identity.ID]bool // subject -> voters
}

func tallyVotes(order []*node, base *applier, void map[int]Reason) votes {
	v := votes{
		against:       map[identity.ID][]int{},
		byVoter:       map[identity.ID][]identity.ID{},
		votersAgainst: map[identity.ID]map[identity.ID]bool{},
	}
	for i, n := range order {
		s := n.e.stmt
		if _, gone := void[i]; gone || s.Kind != KindExclude {
			continue
		}
		if j, ok := base.joinedAt[s.Author]; !ok || j < 0 {
			continue // never a member: the vote never counted
		}
		v.against[s.Subject] = append(v.against[s.Subject], i)
		v.byVoter[s.Author] = append(v.byVoter[s.Author], s.Subject)
		if v.votersAgainst[s.Subject] == nil {
			v.votersAgainst[s.Subject] = map[identity.ID]bool{}
		}
		v.votersAgainst[s.Subject][s.Author] = true
	}
	return v
}

// independent counts the voters against who that who did not vote
// against: in a race of mutual votes, the side with more independent
// support against it loses.
func (v votes) independent(order []*node, who identity.ID) int {
	voters := map[identity.ID]bool{}
	for _, i := range v.against[who] {
		voters[order[i].e.stmt.Author] = true
	}
	for _, x := range v.byVoter[who] {
		delete(voters, x)
	}
	return len(voters)
}

// helpingStatements lists, per person with votes against them, the
// statements of theirs that could help them (see helps). Only someone
// whose statements had an effect in the first pass can have stopped an
// exclusion; the others need no trial. Who has a trial has all their
// helping statements weighed: one that did nothing in the first pass (a
// vote a leave took back) can matter once another is set aside.
func helpingStatements(order []*node, v votes, base *applier, void map[int]Reason) map[identity.ID][]int {
	mine := map[identity.ID][]int{}
	effective := map[identity.ID]bool{}
	for i, n := range order {
		s := n.e.stmt
		if _, gone := void[i]; gone {
			continue
		}
		if len(v.against[s.Author]) > 0 && helps(i, s, v.votersAgainst, base) {
			mine[s.Author] = append(mine[s.Author], i)
			if base.effect[i] {
				effective[s.Author] = true
			}
		}
	}
	for who := range mine {
		if !effective[who] {
			delete(mine, who)
		}
	}
	return mine
}

// actingStatements lists, per person with votes against them, their
// statements that act on the cell: admissions, acceptances, leaves,
// policy votes and votes to exclude, whoever they name.
func actingStatements(order []*node, v votes, void map[int]Reason) map[identity.ID][]int {
	acts := map[identity.ID][]int{}
	for i, n := range order {
		s := n.e.stmt
		if _, gone := void[i]; gone || len(v.against[s.Author]) == 0 {
			continue
		}
		switch s.Kind {
		case KindAdmit, KindJoin, KindLeave, KindPolicy, KindExclude:
			acts[s.Author] = append(acts[s.Author], i)
		}
	}
	return acts
}

// unseen returns, per person, their statements in mine that some vote
// against them did not have in its past. Statements placed after a vote
// against their author are not in that vote's past. For the others,
// which statements each statement has in its past is worked out in one
// pass in order, as bit sets over them. It reports false when the budget
// runs out.
func unseen(order []*node, against, mine map[identity.ID][]int, b *budget) (map[identity.ID][]int, bool) {
	contested := map[identity.ID][]int{}
	bit := map[int]int{}
	for who, own := range mine {
		first := against[who][0] // votes are in order: the earliest placed
		for _, i := range own {
			if i > first {
				contested[who] = append(contested[who], i)
			} else {
				bit[i] = len(bit)
			}
		}
	}
	if len(bit) == 0 {
		return contested, true
	}
	past := newPastIndex(order, bit, b)
	if past == nil {
		return nil, false
	}
	for who, own := range mine {
		for _, i := range own {
			k, ok := bit[i]
			if !ok {
				continue
			}
			for _, v := range against[who] {
				if !past.has(v, k) {
					contested[who] = append(contested[who], i)
					break
				}
			}
		}
	}
	return contested, true
}

// forkers returns who, of the people in contested, forked their own
// history: an honest device builds every statement on its author's
// earlier ones, so two statements of one author neither of which saw the
// other were made by a modified client (a backdated statement beside
// later ones, say). It reports false when the budget runs out.
func forkers(order []*node, contested map[identity.ID][]int, void map[int]Reason, b *budget) (map[identity.ID]bool, bool) {
	forked := map[identity.ID]bool{}
	stmts := map[identity.ID][]int{}
	bit := map[int]int{}
	for i, n := range order {
		if _, gone := void[i]; gone {
			continue
		}
		if who := n.e.stmt.Author; len(contested[who]) > 0 {
			stmts[who] = append(stmts[who], i)
			bit[i] = len(bit)
		}
	}
	if len(bit) == 0 {
		return forked, true
	}
	past := newPastIndex(order, bit, b)
	if past == nil {
		return nil, false
	}
	for who, own := range stmts {
		for k := 1; k < len(own); k++ {
			if !past.has(own[k], bit[own[k-1]]) {
				forked[who] = true
				break
			}
		}
	}
	return forked, true
}

// idHeap is a min-heap of node indexes ordered by statement id.
type idHeap struct {
	nodes []*entry
	items []int32
}

func (h idHeap) Len() int { return len(h.items) }
func (h idHeap) Less(i, j int) bool {
	return compareIDs(h.nodes[h.items[i]].stmt.id, h.nodes[h.items[j]].stmt.id) < 0
}
func (h idHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *idHeap) Push(x any)   { h.items = append(h.items, x.(int32)) }
func (h *idHeap) Pop() any {
	old := h.items
	x := old[len(old)-1]
	h.items = old[:len(old)-1]
	return x
}

// applier runs the rules of SCHEMA.md over the ordered statements, with
// counts kept up to date as it goes, so each statement costs about the
// same whatever the number of open votes.
type applier struct {
	cell   CellID
	order  []*node
	cut    map[int]Reason
	forced map[int][]identity.ID // exclusions found by an earlier pass, by order index
	b      *budget

	// scope, in a trial, and visit, in its run, say which statements
	// the run applies; accepts holds the acceptances marked so far.
	scope   *trialScope
	visit   []bool
	accepts map[identity.ID]int

	founded bool
	name    string
	founder identity.ID
	policy  Policy
	members []*Member
	index   map[identity.ID]*Member
	cards   map[identity.ID]*identity.Card
	ratings map[[2]identity.ID]int // -> order index
	current int                    // number of current members

	// joinedAt is the order index at which a person last became a
	// member, or -1 for someone admitted but never a member.
	joinedAt map[identity.ID]int
	// vouches counts, per pending person, the vouches that count: those
	// of current members given during their current membership, for the
	// person's current admission; counting holds them, by (person,
	// voucher), with the order index of each.
	vouches  map[identity.ID]int
	counting map[[2]identity.ID]int
	// vouchedFor lists, per member, the people they vouched for during
	// their current membership.
	vouchedFor map[identity.ID][]identity.ID
	// votes holds the open exclusion votes of current members:
	// subject -> voter -> order index.
	votes map[identity.ID]map[identity.ID]int
	// votedOn lists, per member, the subjects of their open votes.
	votedOn map[identity.ID][]identity.ID
	// proposals holds each current member's open policy vote, and tally
	// counts them per policy.
	proposals map[identity.ID]int // -> order index
	tally     map[Policy]int
	proposed  *Policy // the policy the statement being applied voted for

	// vouchAt and joinAt hold the order indexes of a pending person's
	// counted vouches and of their acceptance; effect marks the
	// statements that changed who is a member or what the rules are.
	vouchAt map[identity.ID][]int
	joinAt  map[identity.ID]int
	effect  []bool

	// policyAt holds, for each policy vote, the policy in force and the
	// number of members when it was placed.
	policyAt map[int]policyAt
	// excludedAt is the order index at which each excluded person was
	// excluded.
	excludedAt map[identity.ID]int

	// changes lists the policy changes in order (the found statement's
	// first), each with the statements that descend from the statement
	// that completed it (nil for the first: every statement does).
	changes []policyChange

	// forcedHits counts the exclusions this run made only because an
	// earlier pass or a trial had found them (removals win): the votes
	// that count in this run did not reach the need there.
	forcedHits int

	counted  int
	supers   []StatementID
	rejected []rejection
	ends     []end
}

// policyChange is a change of the policy, completed at order[at].
type policyChange struct {
	at     int
	policy Policy
	desc   []bool
}

// seenPolicy returns the policy the statement at order[v] knew: the one
// the last change completed at it or in its past put in force.
func (a *applier) seenPolicy(v int) Policy {
	for k := len(a.changes) - 1; k >= 0; k-- {
		c := a.changes[k]
		if c.at == v || c.desc == nil || c.desc[v] {
			return c.policy
		}
	}
	return a.policy
}

// changePolicy puts p in force at order[at]; first is the found
// statement's initial policy.
func (a *applier) changePolicy(at int, p Policy, first bool) {
	a.policy = p
	var desc []bool
	if !first {
		desc = descendants(a.order, at, a.b)
	}
	a.changes = append(a.changes, policyChange{at, p, desc})
}

type policyAt struct {
	policy  Policy
	current int
}

type rejection struct {
	at     int
	reason Reason
	detail string
}

// end records that who stopped being a member at order[at].
type end struct {
	who    identity.ID
	at     int
	reason Reason
}

func newApplier(cell CellID, order []*node, cut map[int]Reason, forced map[int][]identity.ID, b *budget) *applier {
	return &applier{
		cell: cell, order: order, cut: cut, forced: forced, b: b,
		index:      map[identity.ID]*Member{},
		cards:      map[identity.ID]*identity.Card{},
		ratings:    map[[2]identity.ID]int{},
		joinedAt:   map[identity.ID]int{},
		vouches:    map[identity.ID]int{},
		counting:   map[[2]identity.ID]int{},
		vouchedFor: map[identity.ID][]identity.ID{},
		votes:      map[identity.ID]map[identity.ID]int{},
		votedOn:    map[identity.ID][]identity.ID{},
		proposals:  map[identity.ID]int{},
		tally:      map[Policy]int{},
		vouchAt:    map[identity.ID][]int{},
		joinAt:     map[identity.ID]int{},
		effect:     make([]bool, len(order)),
		excludedAt: map[identity.ID]int{},
		policyAt:   map[int]policyAt{},
		accepts:    map[identity.ID]int{},
	}
}

func (a *applier) isMember(id identity.ID) bool {
	m := a.index[id]
	return m != nil && m.Status == StatusMember
}

func (a *applier) noAuthority(at int, detail string) {
	a.rejected = append(a.rejected, rejection{at, ReasonNoAuthority, detail})
}

func (a *applier) run() {
	visit := a.visits()
	for i := range a.order {
		if visit != nil && !visit[i] {
			continue
		}
		a.apply(i)
		for _, x := range a.forced[i] {
			if m := a.index[x]; m != nil && m.Status != StatusExcluded {
				a.forcedHits++
				a.exclude(m, i)
				a.settle(i, nil, nil, true)
			}
		}
	}
}

// visits returns, in a trial, the statements its run applies (see
// trialScope; the acceptances are added as admissions happen, see
// accepting), and nil outside a trial, where a run applies them all.
func (a *applier) visits() []bool {
	if a.scope == nil {
		a.b.spend(len(a.order))
		return nil
	}
	a.visit = slices.Clone(a.scope.acting)
	a.b.spend(a.scope.count + len(a.forced))
	for at := range a.forced {
		a.visit[at] = true
	}
	return a.visit
}

// accepting marks, in a trial, the statement that can accept who's
// admission at order[i]: who's first statement after it that is not cut.
func (a *applier) accepting(who identity.ID, i int) {
	if j, ok := a.accepts[who]; ok && j > i {
		return
	}
	own := a.scope.byAuthor[who]
	k, _ := slices.BinarySearch(own, i+1)
	for ; k < len(own); k++ {
		a.b.spend(1)
		if _, gone := a.cut[own[k]]; !gone {
			a.visit[own[k]] = true
			a.accepts[who] = own[k]
			return
		}
	}
	a.accepts[who] = len(a.order)
}

// apply applies the statement order[i].
func (a *applier) apply(i int) {
	s := a.order[i].e.stmt
	if s.Kind == KindPolicy {
		a.policyAt[i] = policyAt{a.policy, a.current}
	}
	if r, ok := a.cut[i]; ok {
		a.effect[i] = true // it may have had one, were it not cut
		a.rejected = append(a.rejected, rejection{i, r, "made concurrently with the end of the author's membership, or with votes to exclude the author"})
		return
	}
	if s.Kind == KindFound {
		a.found(i, s)
		return
	}
	if !a.founded {
		a.noAuthority(i, "the cell is not founded")
		return
	}
	accepted := a.accept(i, s)
	if s.Kind == KindJoin {
		if !accepted {
			a.noAuthority(i, "the author was not invited, or had accepted already")
		}
		return
	}
	if !a.isMember(s.Author) {
		if m := a.index[s.Author]; m != nil && (m.Status == StatusExcluded || m.Status == StatusLeft) {
			a.effect[i] = true // it may have had one in another pass
		}
		a.noAuthority(i, "the author is not a member")
		return
	}
	switch s.Kind {
	case KindAdmit:
		a.admit(i, s)
	case KindCard:
		a.card(s.Card)
		a.counted++
	case KindRate:
		a.rate(i, s)
	case KindExclude:
		a.vote(i, s)
	case KindLeave:
		a.leave(i, s)
	case KindPolicy:
		a.propose(i, s)
	default:
		a.noAuthority(i, "unknown kind")
	}
}

// found founds the cell with the statement s at order[i], its
// author its first member; a second found statement founds nothing.
func (a *applier) found(i int, s *Statement) {
	if a.founded {
		a.rejected = append(a.rejected, rejection{i, ReasonDuplicateFound, "the cell was already founded"})
		return
	}
	a.founded = true
	a.name = s.Name
	a.founder = s.Author
	a.changePolicy(i, s.Policy, true)
	a.card(s.Card)
	m := a.member(s.Author)
	m.Status = StatusMember
	m.Admission, m.Joined = s.id, s.id
	a.current++
	a.joinedAt[s.Author] = i
	a.counted++
}

// accept takes the statement s at order[i] as its author's acceptance
// of their invitation when it is their first statement since they were
// invited (SCHEMA §3, join): whatever its kind, it says they are here.
// It reports whether s was one; a join that is not one has no
// authority (apply).
func (a *applier) accept(i int, s *Statement) bool {
	m := a.index[s.Author]
	if m == nil || m.Status != StatusPending || m.Joined != (StatementID{}) {
		return false
	}
	m.Joined = s.id
	a.joinAt[s.Author] = i
	if s.Kind == KindJoin {
		a.counted++
	}
	a.settle(i, []identity.ID{s.Author}, nil, false)
	return true
}

// leave ends the membership of the author of the leave s at order[i]:
// it takes back their open votes, vouches and policy vote
// (endMembership), and, with one member fewer, every open admission,
// exclusion and policy change may now be due (settle with all).
func (a *applier) leave(i int, s *Statement) {
	m := a.index[s.Author]
	a.endMembership(m)
	m.Status = StatusLeft
	m.End = s.id
	a.effect[i] = true
	m.Joined = StatementID{}
	a.ends = append(a.ends, end{s.Author, i, ReasonLeft})
	a.counted++
	a.settle(i, nil, nil, true)
}

func (a *applier) admit(i int, s *Statement) {
	id := s.Card.ID()
	m := a.index[id]
	if m != nil && (m.Status == StatusMember || m.Status == StatusExcluded) {
		a.noAuthority(i, "the person is already a member or was excluded")
		return
	}
	a.card(s.Card)
	if m == nil {
		m = a.member(id)
		a.joinedAt[id] = -1
	}
	if m.Status == StatusLeft {
		// Coming back after leaving: a fresh admission, accepted afresh.
		for _, v := range m.VouchedBy {
			delete(a.counting, [2]identity.ID{id, v})
		}
		m.Status, m.VouchedBy, m.End, m.Joined = StatusPending, nil, StatementID{}, StatementID{}
		a.vouches[id] = 0
		a.vouchAt[id] = nil
	}
	if a.visit != nil && m.Joined == (StatementID{}) {
		a.accepting(id, i)
	}
	// A vouch counts once per membership of its author and admission
	// of the person (SCHEMA §3, admit): one who left and was admitted
	// again may vouch again, their first vouch having gone when they left.
	if _, ok := a.counting[[2]identity.ID{id, s.Author}]; ok {
		a.noAuthority(i, "the author already vouched for the person")
		return
	}
	if !slices.Contains(m.VouchedBy, s.Author) {
		m.VouchedBy = append(m.VouchedBy, s.Author)
	}
	a.vouchAt[id] = append(a.vouchAt[id], i)
	a.vouches[id]++
	a.counting[[2]identity.ID{id, s.Author}] = i
	a.vouchedFor[s.Author] = append(a.vouchedFor[s.Author], id)
	a.counted++
	a.settle(i, []identity.ID{id}, nil, false)
}

func (a *applier) rate(i int, s *Statement) {
	if a.cards[s.Subject] == nil {
		a.noAuthority(i, "the rated person's card is not in the cell")
		return
	}
	k := [2]identity.ID{s.Author, s.Subject}
	if old, ok := a.ratings[k]; ok {
		if a.order[old].e.stmt.Seq > s.Seq {
			a.supers = append(a.supers, s.id)
			a.counted++
			return
		}
		a.supers = append(a.supers, a.order[old].e.stmt.id)
	}
	a.ratings[k] = i
	a.counted++
}

func (a *applier) vote(i int, s *Statement) {
	m := a.index[s.Subject]
	if m == nil || m.Status == StatusExcluded {
		a.noAuthority(i, "the person was never admitted, or is excluded already")
		return
	}
	vs := a.votes[s.Subject]
	if vs == nil {
		vs = map[identity.ID]int{}
		a.votes[s.Subject] = vs
	}
	if _, ok := vs[s.Author]; ok {
		a.noAuthority(i, "the author already voted")
		return
	}
	vs[s.Author] = i
	a.votedOn[s.Author] = append(a.votedOn[s.Author], s.Subject)
	a.counted++
	a.settle(i, nil, []identity.ID{s.Subject}, false)
}

func (a *applier) propose(i int, s *Statement) {
	if old, ok := a.proposals[s.Author]; ok {
		a.tally[a.order[old].e.stmt.Policy]--
	}
	a.proposals[s.Author] = i
	a.tally[s.Policy]++
	a.counted++
	p := s.Policy
	a.proposed = &p
	a.settle(i, nil, nil, false)
}

func (a *applier) member(id identity.ID) *Member {
	m := &Member{ID: id, Status: StatusPending}
	a.members = append(a.members, m)
	a.index[id] = m
	return m
}

func (a *applier) card(c *identity.Card) { keepNewer(a.cards, c) }

// keepNewer puts c into cards unless cards holds a newer card of the same
// person.
func keepNewer(cards map[identity.ID]*identity.Card, c *identity.Card) {
	if old, ok := cards[c.ID()]; !ok || newerCard(c, old) {
		cards[c.ID()] = c
	}
}

// endMembership takes back what a member's membership gave: their open
// votes, their vouches for pending people and their policy vote. Votes
// against them stay.
func (a *applier) endMembership(m *Member) {
	a.current--
	a.b.spend(1 + len(a.votedOn[m.ID]) + len(a.vouchedFor[m.ID]))
	for _, x := range a.votedOn[m.ID] {
		delete(a.votes[x], m.ID)
	}
	delete(a.votedOn, m.ID)
	for _, p := range a.vouchedFor[m.ID] {
		k := [2]identity.ID{p, m.ID}
		if _, ok := a.counting[k]; ok && a.index[p].Status == StatusPending {
			delete(a.counting, k)
			a.vouches[p]--
		}
	}
	delete(a.vouchedFor, m.ID)
	if old, ok := a.proposals[m.ID]; ok {
		a.tally[a.order[old].e.stmt.Policy]--
		delete(a.proposals, m.ID)
	}
}

// settle applies what the statement at order[at] completes: the
// admissions of the people in pending, the exclusions of the people in
// subjects, a policy change, and, when all is set or the number of
// members went down, every admission, exclusion and policy change that
// is now due. It repeats until nothing changes. Admissions go in member
// order, exclusions by subject id, so the result does not depend on map
// iteration.
func (a *applier) settle(at int, pending, subjects []identity.ID, all bool) {
	for {
		if all {
			pending, subjects = a.everyoneOpen(pending[:0], subjects[:0])
		}
		changed := a.admitReady(at, pending)
		// Only a step that looked at everyone looks at every proposed
		// policy: fewer members can bring any of them within reach, a
		// single vote only the one it is for.
		scanAll := all
		all = false
		if m := a.nextExcluded(subjects); m != nil {
			a.exclude(m, at)
			changed, all = true, true
		}
		if a.changePolicyVotedFor(at, scanAll) {
			changed, all = true, true
		}
		if !changed {
			return
		}
	}
}

// everyoneOpen appends to pending every pending person, in member
// order, and to subjects everyone with votes against them: once
// someone left or was excluded, or the policy changed, any of them may
// now be due.
func (a *applier) everyoneOpen(pending, subjects []identity.ID) ([]identity.ID, []identity.ID) {
	for _, m := range a.members {
		if m.Status == StatusPending {
			pending = append(pending, m.ID)
		}
	}
	for x := range a.votes {
		subjects = append(subjects, x)
	}
	a.b.spend(len(a.members) + len(a.votes) + len(a.tally))
	return pending, subjects
}

// admitReady makes a member, admitted at order[at], each person in
// pending who has accepted and whose vouches reach the policy's, and
// marks their acceptance and vouches as having had an effect. It
// reports whether it admitted anyone.
func (a *applier) admitReady(at int, pending []identity.ID) bool {
	id := a.order[at].e.stmt.id
	admitted := false
	for _, p := range pending {
		m := a.index[p]
		if m.Status == StatusPending && m.Joined != (StatementID{}) && a.vouches[p] >= a.policy.AdmitVouches {
			m.Status = StatusMember
			m.Admission = id
			a.effect[a.joinAt[p]] = true
			for _, v := range a.vouchAt[p] {
				a.effect[v] = true
			}
			a.current++
			a.joinedAt[p] = at
			admitted = true
		}
	}
	return admitted
}

// nextExcluded returns, of the subjects not yet excluded, the one with
// the smallest id whose votes reach the need, both under the policy in
// force and under the rules the last vote knew; nil if none does. One
// exclusion at a time: it changes the counts the next one needs.
func (a *applier) nextExcluded(subjects []identity.ID) *Member {
	var next *Member
	for _, x := range subjects {
		m := a.index[x]
		if m == nil || m.Status == StatusExcluded {
			continue
		}
		others := a.current
		if m.Status == StatusMember {
			others--
		}
		need := a.policy.VotesToExclude(others)
		if need == 0 || len(a.votes[x]) < need || (next != nil && bytes.Compare(x[:], next.ID[:]) >= 0) {
			continue
		}
		// Looked at only once the votes reach the need in force, so
		// open votes that never do cost nothing here.
		if a.lastVoteKnewEnough(x, others) {
			next = m
		}
	}
	return next
}

// lastVoteKnewEnough reports whether the last vote against x knew rules
// under which the votes against x suffice, with others current members
// besides x: a quorum lowered after the votes, or concurrently with
// them, completes nothing until one more vote knows it.
func (a *applier) lastVoteKnewEnough(x identity.ID, others int) bool {
	last := -1
	for _, v := range a.votes[x] {
		last = max(last, v)
	}
	return len(a.votes[x]) >= a.seenPolicy(last).VotesToExclude(others)
}

// changePolicyVotedFor puts in force, at order[at], a policy with
// enough votes of current members, and reports whether it did. Unless
// scanAll, it looks only at the policy just voted for (proposed), so
// ten thousand different proposals cost no scan per statement.
func (a *applier) changePolicyVotedFor(at int, scanAll bool) bool {
	need := a.policy.VotesToChange(a.current)
	if oneVotePolicy {
		need = 1
	}
	var best *Policy
	if scanAll {
		for p, n := range a.tally {
			if n >= need && (best == nil || policyLess(p, *best)) {
				best = &p
			}
		}
	} else if p := a.proposed; p != nil && a.tally[*p] >= need {
		best = p
	}
	a.proposed = nil
	if best == nil {
		return false
	}
	for _, i := range a.proposals {
		if a.order[i].e.stmt.Policy == *best {
			a.effect[i] = true
		}
	}
	a.changePolicy(at, *best, false)
	clear(a.proposals)
	clear(a.tally)
	return true
}

// policyLess orders policies for the rare tie of two reaching their
// votes at once: the stricter admission, then the smaller quorum.
func policyLess(p, q Policy) bool {
	if p.AdmitVouches != q.AdmitVouches {
		return p.AdmitVouches > q.AdmitVouches
	}
	return p.ExcludeQuorum < q.ExcludeQuorum
}

// exclude excludes m at order[at].
func (a *applier) exclude(m *Member, at int) {
	vs := a.votes[m.ID]
	voters := make([]identity.ID, 0, len(vs))
	for v := range vs {
		voters = append(voters, v)
	}
	slices.SortFunc(voters, func(p, q identity.ID) int { return vs[p] - vs[q] })
	for _, i := range vs {
		a.effect[i] = true
	}
	wasMember := m.Status == StatusMember
	if wasMember {
		a.endMembership(m)
	}
	m.Status = StatusExcluded
	m.End = a.order[at].e.stmt.id
	a.excludedAt[m.ID] = at
	m.ExcludedBy = voters
	delete(a.votes, m.ID)
	if wasMember {
		a.ends = append(a.ends, end{m.ID, at, ReasonExcluded})
	}
}

// vouching returns the vouchers of m whose vouches count, in the order
// their vouches were placed.
func (a *applier) vouching(m *Member) []identity.ID {
	var out []identity.ID
	for _, v := range m.VouchedBy {
		if _, ok := a.counting[[2]identity.ID{m.ID, v}]; ok {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(p, q identity.ID) int {
		return a.counting[[2]identity.ID{m.ID, p}] - a.counting[[2]identity.ID{m.ID, q}]
	})
	return out
}

// fill copies the result into st.
func (a *applier) fill(st *State) {
	st.Founded, st.Name, st.Founder, st.Policy = a.founded, a.name, a.founder, a.policy
	st.members = map[identity.ID]int{}
	for i, m := range a.members {
		m.Card = a.cards[m.ID]
		if m.Status == StatusPending && m.Joined == (StatementID{}) && a.vouches[m.ID] >= a.policy.AdmitVouches {
			m.Status = StatusInvited
		}
		if m.Status == StatusPending || m.Status == StatusInvited {
			m.Vouches = a.vouches[m.ID]
			m.Vouching = a.vouching(m)
		}
		st.Members = append(st.Members, *m)
		st.members[m.ID] = i
	}
	st.Cards = a.cards
	for _, i := range a.ratings {
		s := a.order[i].e.stmt
		st.Ratings = append(st.Ratings, RatingRecord{
			Statement: s.id, Cell: s.Cell, Author: s.Author, Subject: s.Subject,
			Rating: s.Rating, Seq: s.Seq, Created: s.Created,
		})
	}
	slices.SortFunc(st.Ratings, compareRatingPairs)
	for subject, vs := range a.votes {
		for voter, i := range vs {
			st.Votes = append(st.Votes, Vote{Statement: a.order[i].e.stmt.id, Voter: voter, Subject: subject})
		}
	}
	slices.SortFunc(st.Votes, func(x, y Vote) int {
		if c := bytes.Compare(x.Subject[:], y.Subject[:]); c != 0 {
			return c
		}
		return bytes.Compare(x.Voter[:], y.Voter[:])
	})
	for voter, i := range a.proposals {
		st.Proposals = append(st.Proposals, Proposal{Statement: a.order[i].e.stmt.id, Voter: voter, Policy: a.order[i].e.stmt.Policy})
	}
	slices.SortFunc(st.Proposals, func(x, y Proposal) int { return bytes.Compare(x.Voter[:], y.Voter[:]) })
	st.Counted = a.counted
	st.Superseded = a.supers
	slices.SortFunc(st.Superseded, compareIDs)
	st.seq = map[identity.ID]uint64{}
	for _, n := range a.order {
		s := n.e.stmt
		st.seq[s.Author] = max(st.seq[s.Author], s.Seq)
	}
}
