package crdt

import (
	"bytes"
	"maps"
	"slices"

	"trustdesk/identity"
)

// Ratings that come after everything: a state worked out from the last
// one instead of a full derive.
//
// The usual sync file brings a few ratings made by members on top of all
// the cell held. Their place in the total order (SCHEMA §4.3) is then
// after every statement held: each builds on all of the held heads. And
// a rating by a current member, of a person whose card the cell holds,
// changes nothing but the ratings (§4.4, rate) — provided nothing in the
// history makes the rules look again at what came before: no vote to
// exclude, no departure, no guardians or replaced cards (§4.5), no
// statement waiting for one it builds on or for its author's card. Only
// then does appendRatings add the ratings to the last state; in every
// other case it declines and the caller derives in full.
// TestAppendedRatingsMatchDerive compares the two on random histories.
//
// A statement made on the device (Cell.put) is also appended after votes
// to exclude (SCHEMA §4.6, "A rating after open votes"), as long as the
// last state shows nobody excluded or gone and nothing set aside, and
// nobody votes against the rating's author: then the last state is one
// pass of the rules, which the rating ends without acting on anything.
// Such a statement reads what the history holds from the last state
// (historyOf), so that making it reads no statement again.
// TestOwnRatingsAfterVotesMatchDerive compares on the hostile histories.

// onOwnAppended, when set (by a test), is told whether a statement made
// on the device had its state appended (Cell.put).
var onOwnAppended func(st *State, ok bool)

// appendRatings returns the state of the cell whose statements are those
// st was derived from plus added, where all is the new cell's entries,
// and ok false if it cannot vouch that a full derive gives the same. It
// checks the signatures of added (through verify) and records them.
// With own (a statement made on the device) it reads what the history
// holds from st instead of all, and also appends after votes to exclude
// that ended nobody's membership (see votesStayOpen).
func appendRatings(st *State, all map[string]*entry, added []*entry, verify verifier, own bool) (*State, bool) {
	if st == nil || !st.Founded || len(added) == 0 || len(st.Replaced) > 0 || (len(st.Votes) > 0 && !own) {
		return nil, false
	}
	for _, r := range st.Invalid {
		if r.Reason == ReasonMissingPrev || r.Reason == ReasonUnknownAuthor {
			return nil, false // a new statement might complete it
		}
	}
	if own && !votesStayOpen(st) {
		return nil, false
	}
	authors := map[identity.ID]bool{}
	for _, e := range added {
		e.decode()
		s := e.stmt
		if !e.keyOK || s.Cell != st.Cell || s.Kind != KindRate || s.Card != nil || st.Cards[s.Subject] == nil {
			return nil, false
		}
		if m, ok := st.Member(s.Author); !ok || m.Status != StatusMember {
			return nil, false
		}
		authors[s.Author] = true
	}
	if own && !ownHistoryAllows(st, added, authors, verify) || !own && !historyAllows(st, all, added, authors, verify) {
		return nil, false
	}
	order, ok := afterAll(st.Heads, added)
	if !ok {
		return nil, false
	}
	return withRatings(st, order), true
}

// historyAllows reports whether all holds nothing that makes the rules
// look back (only foundations, admissions, cards, ratings, acceptances
// and policy votes) and the signatures of added check out with the
// newest card any statement carries (§4.2), counted or not.
func historyAllows(st *State, all map[string]*entry, added []*entry, authors map[identity.ID]bool, verify verifier) bool {
	cards := map[identity.ID]*identity.Card{}
	for _, e := range all {
		e.decode()
		s := e.stmt
		if !e.keyOK || s.Cell != st.Cell {
			continue
		}
		switch s.Kind {
		case KindFound, KindAdmit, KindCard, KindRate, KindJoin, KindPolicy:
		default:
			return false
		}
		if s.Card != nil && authors[s.Card.ID()] {
			keepNewer(cards, s.Card)
		}
	}
	for _, e := range added {
		if card := cards[e.stmt.Author]; card == nil || !checkSig(e, card, verify) {
			return false
		}
	}
	return true
}

// appendableKinds are the kinds a history may hold for a statement made
// on the device to be appended (votes to exclude only as votesStayOpen
// and ownHistoryAllows say).
const appendableKinds = 1<<KindFound | 1<<KindAdmit | 1<<KindCard | 1<<KindRate | 1<<KindJoin | 1<<KindPolicy | 1<<KindExclude

// ownHistoryAllows is historyAllows for statements made on the device,
// from what st records of the history (historyOf) instead of reading it
// again: it may also hold votes to exclude, none naming an author of
// added. Signatures are checked with the author's card in st: every card
// of a person has their signing key (a person's id is the digest of
// both keys, identity.Card.ID), so any of them checks a signature as the
// newest does.
func ownHistoryAllows(st *State, added []*entry, authors map[identity.ID]bool, verify verifier) bool {
	if st.kinds&^appendableKinds != 0 {
		return false
	}
	for a := range authors {
		if st.voted[a] {
			return false // a trial of the author could place the rating
		}
	}
	for _, e := range added {
		if card := st.Cards[e.stmt.Author]; card == nil || !checkSig(e, card, verify) {
			return false
		}
	}
	return true
}

// afterAll returns added in their total order (§4.3) if every one of them
// builds, directly or through the others, on every one of heads, and so
// comes after every statement those heads build on; ok is false
// otherwise.
func afterAll(heads []StatementID, added []*entry) (order []*Statement, ok bool) {
	held := map[StatementID]bool{}
	for _, h := range heads {
		held[h] = true
	}
	byID := map[StatementID]*Statement{}
	for _, e := range added {
		byID[e.stmt.id] = e.stmt
	}
	covered := map[StatementID]map[StatementID]bool{} // the heads each placed one builds on
	for len(order) < len(added) {
		var next *Statement
		for _, s := range byID {
			if covered[s.id] != nil || !placeable(s, held, byID, covered) {
				continue
			}
			if next == nil || compareIDs(s.id, next.id) < 0 {
				next = s
			}
		}
		if next == nil {
			return nil, false // builds on something neither held nor new
		}
		cov := map[StatementID]bool{}
		for _, p := range next.Prev {
			if held[p] {
				cov[p] = true
			}
			for h := range covered[p] {
				cov[h] = true
			}
		}
		if len(cov) != len(held) {
			return nil, false // concurrent with something held
		}
		covered[next.id] = cov
		order = append(order, next)
	}
	return order, true
}

// placeable reports whether every statement s builds on is held or placed.
func placeable(s *Statement, held map[StatementID]bool, byID map[StatementID]*Statement, covered map[StatementID]map[StatementID]bool) bool {
	for _, p := range s.Prev {
		if !held[p] && (byID[p] == nil || covered[p] == nil) {
			return false
		}
	}
	return true
}

// withRatings returns st with the ratings in order applied as the rules
// apply them (see addRating), leaving st as it was.
func withRatings(st *State, order []*Statement) *State {
	ns := *st
	ns.Ratings = slices.Clone(st.Ratings)
	ns.Superseded = slices.Clone(st.Superseded)
	ns.Heads = slices.Clone(st.Heads)
	ns.seq = maps.Clone(st.seq)
	for _, s := range order {
		ns.addRating(s)
	}
	return &ns
}

// addRating applies the rating s to st, which it modifies, as the rules
// apply it after everything st holds: a later rating of the same author
// about the same person replaces the earlier, unless its sequence number
// is lower. The ratings of st are sorted by author then subject, one for
// each pair (applier.fill), so the earlier one is found by a binary
// search; its superseded statements and heads are sorted by id and stay
// so.
func (st *State) addRating(s *Statement) {
	st.kinds |= kindBit(KindRate)
	st.Counted++
	st.seq[s.Author] = max(st.seq[s.Author], s.Seq)
	st.Heads = slices.DeleteFunc(st.Heads, func(h StatementID) bool { return slices.Contains(s.Prev, h) })
	if i, found := slices.BinarySearchFunc(st.Heads, s.id, compareIDs); !found {
		st.Heads = slices.Insert(st.Heads, i, s.id)
	}
	rec := RatingRecord{Statement: s.id, Cell: s.Cell, Author: s.Author, Subject: s.Subject, Rating: s.Rating, Seq: s.Seq, Created: s.Created}
	i, found := slices.BinarySearchFunc(st.Ratings, rec, compareRatingPairs)
	switch {
	case !found:
		st.Ratings = slices.Insert(st.Ratings, i, rec)
	case st.Ratings[i].Seq > s.Seq:
		st.supersede(s.id)
	default:
		st.supersede(st.Ratings[i].Statement)
		st.Ratings[i] = rec
	}
}

// supersede adds id to the superseded statements of st, in their order.
func (st *State) supersede(id StatementID) {
	i, _ := slices.BinarySearchFunc(st.Superseded, id, compareIDs)
	st.Superseded = slices.Insert(st.Superseded, i, id)
}

// compareRatingPairs orders ratings by author, then subject.
func compareRatingPairs(x, y RatingRecord) int {
	if c := bytes.Compare(x.Author[:], y.Author[:]); c != 0 {
		return c
	}
	return bytes.Compare(x.Subject[:], y.Subject[:])
}

// votesStayOpen reports whether st is what one pass of the rules over its
// statements gives, with nothing set aside: nobody excluded or gone, no
// statement left out as made concurrently with the end of its author's
// membership or with votes against them (SCHEMA §4.4, trials). Votes to
// exclude that completed nothing leave such a state.
func votesStayOpen(st *State) bool {
	for _, m := range st.Members {
		if m.Status == StatusExcluded || m.Status == StatusLeft {
			return false
		}
	}
	for _, r := range st.Invalid {
		if r.Reason == ReasonExcluded || r.Reason == ReasonLeft {
			return false
		}
	}
	return true
}
