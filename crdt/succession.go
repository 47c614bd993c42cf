package crdt

// # Guardians and replaced cards
//
// A person whose laptop was seized (and passphrase coerced) gets their card
// back from their guardians on a new device, then replaces it: a replace
// statement, signed by the old card, names a new card, carries the new
// card's acceptance and the confirmations of guardians who met the person.
// Where it counts, everything the old card said before it passes to the new
// card (memberships, vouches, votes, ratings by and about the person), and
// whatever the old card signs outside the replacement's past counts for
// nothing: the thief's later and backdated statements are void.
//
// The guardians are fixed before the laptop is lost: a guardians statement
// names them as salted commitments (cell members learn only how many there
// are and how many must confirm). It is in force once other members have
// built on it, and it cannot be replaced by a later one, so the thief
// cannot name guardians of his own; the guardians change only by a change
// that enough of the guardians in force confirmed. A new card names guardians of its
// own and can be replaced in turn: replacements apply in rounds, each new
// card's guardians and replacements judged in the cell as the replacement
// that made it leaves it. The rules are in SCHEMA.md §4.5; this file
// implements them as a step before the rules of rules.go.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"trustdesk/identity"
)

// Format constants of guardians and replacements (SCHEMA.md §2.1, §4.5).
const (
	// MaxGuardians is the largest number of guardians a guardians
	// statement names, and of confirmations a replace statement carries.
	MaxGuardians = 20

	commitDomain  = "trustdesk/guardian/v1\x00"
	saltDomain    = "trustdesk/guardian-salt/v1\x00"
	confirmDomain = "trustdesk/replace/v1\x00"
	changeDomain  = "trustdesk/guardians-change/v1\x00"
	acceptDomain  = "trustdesk/replace-accept/v1\x00"
)

// Reasons for statements that do not count because of replacements.
const (
	// ReasonReplaced: signed with a card that was replaced, outside the
	// past of its replacement; or naming the new card before it.
	ReasonReplaced Reason = "card replaced"
	// ReasonNotConfirmed: a replacement without the confirmations of
	// enough of the guardians in force, or that lost to another.
	ReasonNotConfirmed Reason = "not confirmed"
)

// A Commitment stands for one guardian in a guardians statement:
// SHA-256(commit domain ‖ cell ‖ owner ‖ guardian's signing key ‖ salt)[:16].
// Without the salt it does not say who the guardian is.
type Commitment [16]byte

// A Confirmation is a guardian's confirmation that the person they met
// replaces an old card by a new one, carried in the replace statement.
type Confirmation struct {
	// Key is the guardian's signing key (from their card).
	Key [32]byte
	// Salt opens the guardian's commitment in this cell.
	Salt [16]byte
	// Signature is the guardian's signature over [ConfirmMessage].
	Signature []byte
}

// Commit returns the commitment to the guardian with signing key key of
// owner in cell, with salt.
func Commit(cell CellID, owner identity.ID, key []byte, salt [16]byte) Commitment {
	h := sha256.New()
	h.Write([]byte(commitDomain))
	h.Write(cell[:])
	h.Write(owner[:])
	h.Write(key)
	h.Write(salt[:])
	var c Commitment
	copy(c[:], h.Sum(nil))
	return c
}

// GuardianSalt returns the salt of owner's commitment to the guardian with
// signing key key in cell. It is derived from a (deterministic) Ed25519
// signature of owner, so only the card's holder can compute it, and a
// device that got the card back computes the same salts again.
func GuardianSalt(owner *identity.Identity, cell CellID, key []byte) [16]byte {
	msg := append(append([]byte(saltDomain), cell[:]...), key...)
	sum := sha256.Sum256(append([]byte(saltDomain), owner.Sign(msg)...))
	var s [16]byte
	copy(s[:], sum[:])
	return s
}

// ConfirmMessage is what a guardian signs to confirm that the card old is
// replaced by newCard. It names no cell: one confirmation serves every
// cell of the person.
func ConfirmMessage(old identity.ID, newCard *identity.Card) []byte {
	return append(append([]byte(confirmDomain), old[:]...), newCard.Bytes()...)
}

// Confirm returns guardian's confirmation that old is replaced by newCard
// (its Salt is filled in for each cell by [Cell.Replace]).
func Confirm(guardian *identity.Identity, old identity.ID, newCard *identity.Card) Confirmation {
	c := Confirmation{Signature: guardian.Sign(ConfirmMessage(old, newCard))}
	copy(c.Key[:], guardian.Card.SigningKey)
	return c
}

// ChangeMessage is what a guardian in force signs to confirm that the
// guardians of owner become those with the commitments gs (made with
// [ChangeCommitments], the same in every cell), need of them needed, by
// the change with the random nonce given (so that it cannot be played
// again later). It names no cell: one meeting serves every cell of the
// person.
func ChangeMessage(owner identity.ID, need int, gs []Commitment, nonce [16]byte) []byte {
	m := append([]byte(changeDomain), owner[:]...)
	m = append(m, nonce[:]...)
	m = binary.BigEndian.AppendUint64(m, uint64(need))
	for _, g := range gs {
		m = append(m, g[:]...)
	}
	return m
}

// ChangeCommitments returns owner's commitments to the guardians with the
// given signing keys for a change of guardians, sorted: commitments and
// salts made with the zero cell id, so that they are the same in every
// cell and the guardians in force can confirm them once.
func ChangeCommitments(owner *identity.Identity, keys []ed25519.PublicKey) []Commitment {
	var gs []Commitment
	for _, k := range keys {
		gs = append(gs, Commit(CellID{}, owner.Card.ID(), k, GuardianSalt(owner, CellID{}, k)))
	}
	slices.SortFunc(gs, func(x, y Commitment) int { return bytes.Compare(x[:], y[:]) })
	return gs
}

// ConfirmChange returns guardian's confirmation that owner's guardians
// become those of gs, need of them needed, by the change nonce (its Salt
// is filled in for each cell by [Cell.ChangeGuardians]).
func ConfirmChange(guardian *identity.Identity, owner identity.ID, need int, gs []Commitment, nonce [16]byte) Confirmation {
	c := Confirmation{Signature: guardian.Sign(ChangeMessage(owner, need, gs, nonce))}
	copy(c.Key[:], guardian.Card.SigningKey)
	return c
}

// acceptMessage is what the new card signs in a replace statement: the
// place of the replacement (cell, old card, seq, created, prev) and the
// guardians who confirmed it, so that nobody but the new card's holder
// can put the replacement elsewhere in the history or make a variant of it.
func acceptMessage(s *Statement) []byte {
	m := append([]byte(acceptDomain), s.Cell[:]...)
	m = append(m, s.Author[:]...)
	m = binary.BigEndian.AppendUint64(m, s.Seq)
	m = binary.BigEndian.AppendUint64(m, uint64(s.Created.Unix()))
	m = binary.BigEndian.AppendUint64(m, uint64(len(s.Prev)))
	for _, p := range s.Prev {
		m = append(m, p[:]...)
	}
	for _, c := range s.Confirmations {
		m = append(m, c.Key[:]...)
	}
	return m
}

func checkGuardians(gs []Commitment, need int) error {
	if len(gs) < 1 || len(gs) > MaxGuardians {
		return fmt.Errorf("between 1 and %d guardians", MaxGuardians)
	}
	for i := 1; i < len(gs); i++ {
		if bytes.Compare(gs[i-1][:], gs[i][:]) >= 0 {
			return errors.New("guardians are not sorted and unique")
		}
	}
	if need < 1 || need > len(gs) {
		return errors.New("guardians needed out of range")
	}
	return nil
}

// checkConfirmations checks the form of the confirmations of a
// replacement or of a change of guardians.
func checkConfirmations(cs []Confirmation) error {
	if len(cs) < 1 || len(cs) > MaxGuardians {
		return fmt.Errorf("between 1 and %d confirmations", MaxGuardians)
	}
	for i, c := range cs {
		if len(c.Signature) != ed25519.SignatureSize {
			return errors.New("confirmation signature is not 64 bytes")
		}
		if i > 0 && bytes.Compare(cs[i-1].Key[:], c.Key[:]) >= 0 {
			return errors.New("confirmations are not sorted by key and unique")
		}
	}
	return nil
}

// decodeSuccession copies the fields of guardians and replace statements
// from body into s; check validates them.
func decodeSuccession(s *Statement, body *wireBody) error {
	if body.Need > MaxGuardians {
		return errors.New("guardians needed out of range")
	}
	s.Need = int(body.Need)
	for _, g := range body.Guardians {
		if len(g) != len(Commitment{}) {
			return errors.New("guardian is not 16 bytes")
		}
		s.Guardians = append(s.Guardians, Commitment(g))
	}
	for _, c := range body.Confirms {
		if len(c.Key) != 32 || len(c.Salt) != 16 {
			return errors.New("confirmation key or salt of the wrong size")
		}
		s.Confirmations = append(s.Confirmations, Confirmation{Key: [32]byte(c.Key), Salt: [16]byte(c.Salt), Signature: c.Signature})
	}
	s.Accept = body.Accept
	return nil
}

// A Replacement is a card replaced in the cell.
type Replacement struct {
	// Old is the replaced card; OldCard is it, if it was published.
	Old     identity.ID
	OldCard *identity.Card
	// New is the card that replaces it, and NewCard the card itself.
	New     identity.ID
	NewCard *identity.Card
	// Statement is the replace statement that counts.
	Statement StatementID
	// Confirmed is how many guardians in force confirmed it, and
	// ConfirmedBy their signing keys (from their cards), sorted: a device
	// names those it knows.
	Confirmed   int
	ConfirmedBy [][32]byte
}

// GuardianSet is the guardians statement in force for a person.
type GuardianSet struct {
	// Statement is the guardians statement.
	Statement StatementID
	// Guardians and Need are its commitments and how many must confirm.
	Guardians []Commitment
	Need      int
	// Changed is true when the statement is a change of guardians: its
	// commitments are made with the zero cell id ([ChangeCommitments]).
	Changed bool
}

// scope is the cell id the commitments of the set are made with.
func (g *GuardianSet) scope(cell CellID) CellID {
	if g.Changed {
		return CellID{}
	}
	return cell
}

// salt returns the salt that opens owner's commitment to the guardian
// with signing key key in the set, in cell.
func (g *GuardianSet) salt(owner *identity.Identity, cell CellID, key []byte) [16]byte {
	return GuardianSalt(owner, g.scope(cell), key)
}

// setOf returns the guardians set of the guardians statement order[i].
func (sc *succession) setOf(i int) *GuardianSet {
	s := sc.order[i].e.stmt
	return &GuardianSet{Statement: s.id, Guardians: s.Guardians, Need: s.Need, Changed: s.Confirmations != nil}
}

// splitChanges splits guardians statements into first namings and
// changes (those carrying confirmations).
func (sc *succession) splitChanges(gs []int) (firsts, changes []int) {
	for _, i := range gs {
		if sc.order[i].e.stmt.Confirmations != nil {
			changes = append(changes, i)
		} else {
			firsts = append(firsts, i)
		}
	}
	return firsts, changes
}

// follow applies to the guardians statement root, in force, the changes
// among cs that count (SCHEMA §4.5), leaving out those skip marks: a
// change counts when enough of the guardians in force confirm it and it
// builds on the statement that put them in force; several first changes
// of one set count only if they name the same guardians (one of them,
// the first in the order, stands for all), or if the current members of
// base built on one of them first (contestChanges). It returns the statement
// whose set is then in force, and the changes that count.
func (sc *succession) follow(base *applier, root int, cs []int, skip []bool) (cur int, counted map[int]bool) {
	cur, counted = root, map[int]bool{}
	group := []int{root} // the statements that put the set in force
	pasts := map[int][]bool{}
	used := map[[16]byte]bool{} // the nonces of the changes that counted
	for {
		set := sc.setOf(cur)
		var ok []int
		for _, i := range cs {
			s := sc.order[i].e.stmt
			if counted[i] || i < cur || skip != nil && skip[i] || used[s.Nonce] {
				continue // an earlier change played again does not count
			}
			if s.Need == set.Need && slices.Equal(s.Guardians, set.Guardians) {
				continue // the guardians in force: nothing to change
			}
			if sc.confirmedChange(s, set) < set.Need {
				continue
			}
			if pasts[i] == nil {
				pasts[i] = sc.past(i)
			}
			if slices.ContainsFunc(group, func(g int) bool { return pasts[i][g] }) {
				ok = append(ok, i)
			}
		}
		var first []int
		for _, i := range ok {
			if !slices.ContainsFunc(ok, func(j int) bool { return j != i && pasts[i][j] }) {
				first = append(first, i)
			}
		}
		if len(first) == 0 {
			return cur, counted
		}
		if first = sc.contestChanges(base, group, first); first == nil {
			return cur, counted // two different changes at once, undecided: none counts
		}
		a := sc.order[first[0]].e.stmt
		cur, group = first[0], first
		used[a.Nonce] = true
		for _, i := range first {
			counted[i] = true
		}
	}
}

// sameChange reports whether two changes of guardians are the same change
// (nonce, need and guardians).
func sameChange(a, b *Statement) bool {
	return a.Nonce == b.Nonce && a.Need == b.Need && slices.Equal(a.Guardians, b.Guardians)
}

// contestChanges decides between first changes of one set of guardians
// (SCHEMA §4.5): if they are all the same change it returns them all;
// otherwise every current member of base other than the owner who was
// already a member in the past of the statements that put the set in
// force (group: a past nobody can add to, so fakes admitted later, or
// backdated, have no vote) votes for the change their own statements
// built on first (smallest seq; one who built on two at once does not
// vote), and the changes that are the same as the one with most votes
// are returned; nil on a tie. Dropped guardians who confirm a change
// backdated beside one the members built on long ago lose; two changes
// made at once, before anyone built on either (coerced guardians), still
// cancel each other.
func (sc *succession) contestChanges(base *applier, group, first []int) []int {
	groups := [][]int{}
	for _, i := range first {
		s := sc.order[i].e.stmt
		if k := slices.IndexFunc(groups, func(g []int) bool { return sameChange(sc.order[g[0]].e.stmt, s) }); k >= 0 {
			groups[k] = append(groups[k], i)
		} else {
			groups = append(groups, []int{i})
		}
	}
	if len(groups) == 1 {
		return first
	}
	owner := sc.cur[first[0]].Author
	then := make([]bool, len(sc.order))
	for _, g := range group {
		for j, in := range sc.past(g) {
			then[j] = then[j] || in
		}
	}
	at := resolve(sc.cell, sc.rewriteWith(func(j int) bool { return sc.inert[j] || !then[j] }), sc.b)
	var voters []identity.ID
	for _, m := range base.members {
		if m.ID != owner && base.isMember(m.ID) && at.isMember(m.ID) {
			voters = append(voters, m.ID)
		}
	}
	best, ok := tally(sc.firstBuilt(owner, groups), voters)
	if !ok {
		return nil
	}
	return groups[best]
}

// confirmedChange counts the distinct guardians of set whose
// confirmation of the change s checks out.
func (sc *succession) confirmedChange(s *Statement, set *GuardianSet) int {
	return len(sc.confirmedBy(s.Author, s.Confirmations, set, ChangeMessage(s.Author, s.Need, s.Guardians, s.Nonce)))
}

// successionInfo is what the state keeps about guardians.
type successionInfo struct {
	sets map[identity.ID]*GuardianSet // in force
	open map[identity.ID]bool         // named, not yet in force
}

// ReplacedBy returns the replacement of the card id in the cell, if any.
func (s *State) ReplacedBy(id identity.ID) (Replacement, bool) {
	for _, r := range s.Replaced {
		if r.Old == id {
			return r, true
		}
	}
	return Replacement{}, false
}

// Guardians returns the guardians in force for id in the cell, if any:
// a replacement of id's card counts only with confirmations of them.
func (s *State) Guardians(id identity.ID) (*GuardianSet, bool) {
	if s.succ == nil {
		return nil, false
	}
	g, ok := s.succ.sets[id]
	return g, ok
}

// NamedGuardians reports whether id has named guardians in the cell (in
// force or not yet).
func (s *State) NamedGuardians(id identity.ID) bool {
	_, ok := s.Guardians(id)
	return ok || s.succ != nil && s.succ.open[id]
}

// verifyCost is the work (in units of [WorkLimit]) of one signature check.
const verifyCost = 64

// succession is the step of SCHEMA §4.5 for one derivation: it hands the
// rules an order in which guardians and replace statements are inert and
// replaced cards are renamed, and reports its own verdicts.
type succession struct {
	cell  CellID
	order []*node // the original order
	b     *budget

	inert   map[int]bool // statements the rules must not judge
	signers map[identity.ID]bool
	verdict map[int]rejection // our verdicts, by order index
	info    successionInfo
	replace []Replacement
	cards   map[identity.ID]*identity.Card

	// The rounds: cur holds each statement as the replacements that
	// counted so far leave it (changed, the renamed ones); the guardians
	// and replace statements of new cards wait in later until their card
	// is made a member by a replacement that counts, and
	// prior maps a new card to the card it replaced.
	cur     []*Statement
	changed map[int]*Statement
	later   map[identity.ID][]int
	prior   map[identity.ID]identity.ID
	next    map[identity.ID]bool // new cards of replace statements
}

// resolveReplaced applies the rules (resolve) to the statements as the
// replacements of cards leave them (SCHEMA §4.5). Without guardians and
// replace statements it is resolve itself.
func resolveReplaced(cell CellID, order []*node, b *budget) (*applier, *succession) {
	sc := &succession{cell: cell, order: order, b: b}
	for i, n := range order {
		if k := n.e.stmt.Kind; k == KindGuardians || k == KindReplace {
			if sc.inert == nil {
				sc.inert, sc.verdict = map[int]bool{}, map[int]rejection{}
			}
			sc.inert[i] = true
		}
	}
	if sc.inert == nil {
		return resolve(cell, order, b), sc
	}
	sc.cur = make([]*Statement, len(order))
	sc.changed = map[int]*Statement{}
	sc.later, sc.prior, sc.next = map[identity.ID][]int{}, map[identity.ID]identity.ID{}, map[identity.ID]bool{}
	for i, n := range order {
		sc.cur[i] = n.e.stmt
		if s := n.e.stmt; s.Kind == KindReplace {
			sc.next[s.Card.ID()] = true
		}
	}
	base := resolve(cell, sc.rewrite(), b)
	sc.cards = base.cards
	sc.guardians(base)
	winners := sc.judgeLater(sc.replacements(base))
	// Rounds: the replacements of a new card are judged in the cell as
	// the replacement that made it leaves it, and so on down a chain.
	for len(winners) > 0 {
		sc.renames(winners)
		base = resolve(cell, sc.rewrite(), b)
		winners = sc.nextRound(base, winners)
	}
	sc.leftovers()
	return base, sc
}

// nextRound judges the guardians and replace statements of the new cards
// of the replacements that counted in the last round, in the cell base
// they leave: those not in the future of the replacement that made the
// card do not count; the others are judged as the old card's were.
func (sc *succession) nextRound(base *applier, made []winner) (winners []winner) {
	for _, m := range made {
		b := m.new.ID()
		sc.prior[b] = m.old

		waiting := sc.later[b]
		delete(sc.later, b)
		if len(waiting) == 0 {
			continue
		}
		future := sc.future(m.at)
		var gs, rs []int
		for _, i := range waiting {
			switch {
			case !future[i]:
				sc.reject(i, ReasonReplaced, "names a new card before its replacement")
			case sc.order[i].e.stmt.Kind == KindGuardians:
				gs = append(gs, i)
			default:
				rs = append(rs, i)
			}
		}
		if len(gs) > 0 {
			sc.guardiansOf(base, b, gs)
		}
		if len(rs) > 0 {
			if w := sc.replacementsOf(base, b, rs, gs); w != nil {
				winners = append(winners, *w)
			}
		}
	}
	slices.SortFunc(winners, func(x, y winner) int { return x.at - y.at })
	return winners
}

// judgeLater takes back the verdicts of the first round on the guardians
// and replace statements of the new cards of winners, which were judged
// because the card was admitted in the first pass (by the old card,
// outside its replacement's past: void once it counts): they are judged
// in the round of their card, as the replacement leaves the cell.
func (sc *succession) judgeLater(winners []winner) []winner {
	again := map[identity.ID]bool{}
	for _, w := range winners {
		again[w.new.ID()] = true
	}
	winners = slices.DeleteFunc(winners, func(w winner) bool { return again[w.old] })
	for i, n := range sc.order {
		s := n.e.stmt
		if k := s.Kind; (k == KindGuardians || k == KindReplace) && again[s.Author] && !slices.Contains(sc.later[s.Author], i) {
			delete(sc.verdict, i)
			sc.later[s.Author] = append(sc.later[s.Author], i)
		}
	}
	for x := range again {
		delete(sc.info.sets, x)
		delete(sc.info.open, x)
		slices.Sort(sc.later[x])
	}
	return winners
}

// leftovers rejects the guardians and replace statements of new cards
// that no replacement made members.
func (sc *succession) leftovers() {
	for _, is := range sc.later {
		for _, i := range is {
			if sc.order[i].e.stmt.Kind == KindGuardians {
				sc.reject(i, ReasonNoAuthority, "the author is not a member")
			} else {
				sc.reject(i, ReasonNoAuthority, "the author was never admitted")
			}
		}
	}
	for i := range sc.changed {
		if sc.inert[i] {
			delete(sc.changed, i)
		}
	}
}

// inertStatement stands in for s in the rules: no author, no kind, so it
// has no effect and is not anyone's acceptance.
func inertStatement(s *Statement) *Statement {
	return &Statement{Cell: s.Cell, Seq: s.Seq, Prev: s.Prev, Created: s.Created, id: s.id, raw: s.raw}
}

// rewrite returns the order with the inert statements replaced by inert
// ones and the renamed statements by their renamed copies.
func (sc *succession) rewrite() []*node {
	return sc.rewriteAll(func(i int) bool { return sc.inert[i] }, sc.changed)
}

// rewriteWith is rewrite with the statements inert says made inert.
func (sc *succession) rewriteWith(inert func(i int) bool) []*node {
	return sc.rewriteAll(inert, sc.changed)
}

func (sc *succession) rewriteAll(inert func(i int) bool, changed map[int]*Statement) []*node {
	out := make([]*node, len(sc.order))
	for i, n := range sc.order {
		s := n.e.stmt
		switch {
		case inert(i):
			s = inertStatement(s)
		case changed[i] != nil:
			s = changed[i]
		default:
			out[i] = n
			continue
		}
		e := *n.e
		e.stmt = s
		out[i] = &node{e: &e, prev: n.prev, next: n.next}
	}
	return out
}

// past returns the statements in the past of order[at] (itself included).
func (sc *succession) past(at int) []bool {
	in := make([]bool, len(sc.order))
	in[at] = true
	sc.b.spend(len(sc.order))
	for i := at; i >= 0; i-- {
		if in[i] {
			for _, p := range sc.order[i].prev {
				in[p] = true
			}
		}
	}
	return in
}

// future returns the statements in the future of order[at] (itself
// included).
func (sc *succession) future(at int) []bool {
	in := make([]bool, len(sc.order))
	in[at] = true
	sc.b.spend(len(sc.order))
	for i := at + 1; i < len(sc.order); i++ {
		in[i] = slices.ContainsFunc(sc.order[i].prev, func(p int) bool { return in[p] })
	}
	return in
}

func (sc *succession) reject(at int, r Reason, detail string) {
	sc.verdict[at] = rejection{at, r, detail}
}

// guardians finds the guardians statement in force for each author who
// named guardians (SCHEMA §4.5): the one in the past of the first
// statements of two other current members (one if there is only one)
// that build on any of the author's guardians statements. If those have
// more than one of them in their past, none is in force.
func (sc *succession) guardians(base *applier) {
	sc.info = successionInfo{sets: map[identity.ID]*GuardianSet{}, open: map[identity.ID]bool{}}
	byAuthor := map[identity.ID][]int{}
	var authors []identity.ID
	for i, n := range sc.order {
		s := n.e.stmt
		if s.Kind != KindGuardians {
			continue
		}
		switch {
		case base.index[s.Author] != nil:
		case sc.next[s.Author]:
			sc.later[s.Author] = append(sc.later[s.Author], i) // a new card: judged in a later round
			continue
		default:
			sc.reject(i, ReasonNoAuthority, "the author is not a member")
			continue
		}
		if byAuthor[s.Author] == nil {
			authors = append(authors, s.Author)
		}
		byAuthor[s.Author] = append(byAuthor[s.Author], i)
	}
	for _, a := range authors {
		sc.guardiansOf(base, a, byAuthor[a])
	}
}

func (sc *succession) guardiansOf(base *applier, author identity.ID, gs []int) {
	firsts, changes := sc.splitChanges(gs)
	if len(firsts) == 0 {
		for _, i := range changes {
			sc.reject(i, ReasonNoAuthority, "a change of guardians where the author named none before")
		}
		return
	}
	root, witnessed := sc.establish(base, author, firsts, nil)
	switch {
	case !witnessed:
		sc.info.open[author] = true
		// named, waiting for other members: no verdict
	case root < 0:
		for _, i := range gs {
			sc.reject(i, ReasonNoAuthority, "the author named guardians more than once at the same time: no replacement of this card counts")
		}
	default:
		cur, counted := sc.follow(base, root, changes, nil)
		sc.info.sets[author] = sc.setOf(cur)
		for _, j := range firsts {
			if j != root {
				sc.reject(j, ReasonNoAuthority, "the author's guardians were already named in this cell; they change only with the confirmations of the guardians in force")
			}
		}
		for _, j := range changes {
			if !counted[j] {
				sc.reject(j, ReasonNotConfirmed, "a change of guardians without the confirmations of enough of the guardians in force before it, or beside a different change")
			}
		}
	}
}

// establish finds which of the author's guardians statements gs is in
// force, looking only at the statements in within (all when nil), with
// the current members of base as witnesses: the only one of gs in the past
// of the first statements of min(2, other members) distinct other current
// members that have any of gs in their past. It returns the statement's
// index, or -1 when several are (witnessed is then true) or there are
// not enough witnesses yet (witnessed false).
func (sc *succession) establish(base *applier, author identity.ID, gs []int, within []bool) (root int, witnessed bool) {
	need := sc.witnessesNeeded(author)
	mine := map[int]bool{}
	for _, i := range gs {
		if within == nil || within[i] {
			mine[i] = true
		}
	}
	if len(mine) == 0 {
		return -1, false
	}
	has := make([]bool, len(sc.order))
	var witnesses []int
	seen := map[identity.ID]bool{}
	sc.b.spend(len(sc.order))
	for i, n := range sc.order {
		if len(witnesses) == need {
			break
		}
		if within != nil && !within[i] {
			continue
		}
		has[i] = mine[i] || slices.ContainsFunc(n.prev, func(p int) bool { return has[p] })
		a := sc.cur[i].Author
		if has[i] && !mine[i] && a != author && !seen[a] && base.isMember(a) {
			seen[a] = true
			witnesses = append(witnesses, i)
		}
	}
	if len(witnesses) < need {
		return -1, false
	}
	roots := map[int]bool{}
	if need == 0 {
		roots = mine
	}
	for _, w := range witnesses {
		in := sc.past(w)
		for i := range mine {
			if in[i] {
				roots[i] = true
			}
		}
	}
	if len(roots) != 1 {
		return -1, true
	}
	for i := range roots {
		root = i
	}
	return root, true
}

// witnessesNeeded is how many witnesses put author's guardians in force:
// two, or one when only one other person ever signed anything in the cell
// (new cards of replacements aside), or none when nobody did. It counts
// signers, not members, so that nothing the author signs can lower it.
func (sc *succession) witnessesNeeded(author identity.ID) int {
	if sc.signers == nil {
		sc.signers = map[identity.ID]bool{}
		next := map[identity.ID]bool{}
		for _, n := range sc.order {
			if s := n.e.stmt; s.Kind == KindReplace {
				next[s.Card.ID()] = true
			}
		}
		for _, n := range sc.order {
			if a := n.e.stmt.Author; !next[a] {
				sc.signers[a] = true
			}
		}
	}
	// The person's earlier cards (a chain of replacements) are not others.
	others := len(sc.signers)
	for card, ok := author, true; ok; card, ok = sc.prior[card] {
		if sc.signers[card] {
			others--
		}
	}
	return min(2, others)
}

// winner is a replacement that counts, with its place in the order.
type winner struct {
	at  int
	old identity.ID
	new *identity.Card
	n   int        // confirmations
	by  [][32]byte // the guardians who confirmed, by signing key

	set  int      // the guardians statement in force for it
	base *applier // the first pass of its world
	past []bool
}

// replacements judges the replace statements and returns the ones that
// count, in the order.
func (sc *succession) replacements(base *applier) (winners []winner) {
	byAuthor := map[identity.ID][]int{}
	var authors []identity.ID
	for i, n := range sc.order {
		if s := n.e.stmt; s.Kind == KindReplace {
			if byAuthor[s.Author] == nil {
				authors = append(authors, s.Author)
			}
			byAuthor[s.Author] = append(byAuthor[s.Author], i)
		}
	}
	guardians := map[identity.ID][]int{}
	for i, n := range sc.order {
		if s := n.e.stmt; s.Kind == KindGuardians {
			guardians[s.Author] = append(guardians[s.Author], i)
		}
	}
	for _, a := range authors {
		if base.index[a] == nil {
			if sc.next[a] { // a new card: judged in a later round
				sc.later[a] = append(sc.later[a], byAuthor[a]...)
				continue
			}
			for _, i := range byAuthor[a] {
				sc.reject(i, ReasonNoAuthority, "the author was never admitted")
			}
			continue
		}
		if w := sc.replacementsOf(base, a, byAuthor[a], guardians[a]); w != nil {
			winners = append(winners, *w)
		}
	}
	slices.SortFunc(winners, func(x, y winner) int { return x.at - y.at })
	return winners
}

// replacementsOf judges the replace statements rs of author a, whose
// guardians statements are gs, and returns the one that counts, if any:
// first each on its own (confirmedReplacements), then against each
// other (winnerOf).
func (sc *succession) replacementsOf(base *applier, a identity.ID, rs, gs []int) *winner {
	valid := sc.confirmedReplacements(a, rs, gs)
	if len(valid) == 0 {
		return nil
	}
	return sc.winnerOf(a, valid)
}

// confirmedReplacements returns those of the replace statements rs of
// author a that the new card accepted and enough of a's guardians (of
// the guardians statements gs) confirmed, and rejects the others. Each
// is judged in its own world: the cell as it would be if it counted
// (a's statements outside its past left out), so nothing the thief
// signs after a replacement can weigh on it.
func (sc *succession) confirmedReplacements(a identity.ID, rs, gs []int) []winner {
	var valid []winner
	for _, i := range rs {
		s := sc.order[i].e.stmt
		b := s.Card.ID()
		sc.b.spend(verifyCost)
		if !ed25519.Verify(s.Card.SigningKey, acceptMessage(s), s.Accept) {
			sc.reject(i, ReasonNotConfirmed, "the new card did not accept the replacement here")
			continue
		}
		if slices.ContainsFunc(sc.replace, func(r Replacement) bool { return r.Old == b }) {
			sc.reject(i, ReasonNoAuthority, "the new card was replaced already in this cell")
			continue
		}
		past := sc.past(i)
		world := sc.rewriteWith(func(j int) bool { return sc.inert[j] || sc.cur[j].Author == a && !past[j] })
		wb := resolve(sc.cell, world, sc.b)
		if wb.index[b] != nil {
			sc.reject(i, ReasonNoAuthority, "the new card is already known in this cell")
			continue
		}
		firsts, changes := sc.splitChanges(gs)
		root, _ := sc.establish(wb, a, firsts, past)
		if root < 0 {
			sc.reject(i, ReasonNotConfirmed, "no guardians of the card were in force in its past")
			continue
		}
		// The changes of guardians count wherever they stand, but in
		// the replacement's future: a replacement placed before a change
		// is judged by the guardians after it.
		cur, _ := sc.follow(wb, root, changes, sc.future(i))
		set := sc.setOf(cur)
		if by := sc.confirmed(s, set); len(by) >= set.Need {
			valid = append(valid, winner{at: i, old: a, new: s.Card, n: len(by), by: by, set: root, base: wb, past: past})
		} else {
			sc.reject(i, ReasonNotConfirmed, fmt.Sprintf("confirmed by %d of the %d guardians needed", len(by), set.Need))
		}
	}
	return valid
}

// winnerOf returns, of the confirmed replacements valid of the card of
// a, the one that counts, and rejects the others: none when they are
// split on which guardians they rely on, or tie on confirmations.
func (sc *succession) winnerOf(a identity.ID, valid []winner) *winner {
	// A replacement with another one of the same card in its past is a
	// statement of the replaced card after its replacement.
	var first []winner
	for _, v := range valid {
		if slices.ContainsFunc(valid, func(u winner) bool { return u.at != v.at && v.past[u.at] }) {
			sc.reject(v.at, ReasonReplaced, "signed with a card after its replacement")
		} else {
			first = append(first, v)
		}
	}
	// Competing replacements relying on different guardians statements:
	// the members of every world vote, each for the guardians statement
	// they built on first.
	set, ok := sc.contest(a, first)
	if !ok {
		sc.undecided(first, "competing replacements of the card rely on different guardians, and the members who could tell them apart are split: none counts, and the card stays as it was")
		return nil
	}
	first = slices.DeleteFunc(first, func(v winner) bool {
		if v.set != set {
			sc.reject(v.at, ReasonNotConfirmed, "it relies on guardians the members built on later than on others")
		}
		return v.set != set
	})
	best := slices.MaxFunc(first, func(x, y winner) int { return x.n - y.n })
	var tie []winner
	for _, v := range first {
		if v.n == best.n {
			tie = append(tie, v)
		} else {
			sc.reject(v.at, ReasonNotConfirmed, "a competing replacement of the card has more confirmations")
		}
	}
	if len(tie) > 1 {
		sc.undecided(tie, "competing replacements of the card have as many confirmations each: none counts, and the card stays as it was")
		return nil
	}
	return &best
}

// undecided rejects competing replacements that cannot be told apart.
func (sc *succession) undecided(vs []winner, detail string) {
	for _, v := range vs {
		if _, done := sc.verdict[v.at]; !done {
			sc.reject(v.at, ReasonNotConfirmed, detail)
		}
	}
}

// contest decides between replacements of a relying on different
// guardians statements: every person who is a current member in each of
// their worlds (other than a) votes for the guardians statement their own
// statements built on first (smallest seq); the one with most votes wins.
// ok is false on a tie (or when there is nothing to decide but
// replacements relying on one statement, set is that one).
func (sc *succession) contest(a identity.ID, vs []winner) (set int, ok bool) {
	sets := map[int]bool{}
	for _, v := range vs {
		sets[v.set] = true
	}
	if len(sets) == 1 {
		return vs[0].set, true
	}
	var groups [][]int
	for g := range sets {
		groups = append(groups, []int{g})
	}
	slices.SortFunc(groups, func(x, y []int) int { return x[0] - y[0] })
	var voters []identity.ID
	for _, m := range vs[0].base.members {
		if m.ID != a && !slices.ContainsFunc(vs, func(v winner) bool { return !v.base.isMember(m.ID) }) {
			voters = append(voters, m.ID)
		}
	}
	best, ok := tally(sc.firstBuilt(a, groups), voters)
	return groups[best][0], ok
}

// firstBuilt returns, for each group of statements, the authors other
// than owner who built on that group first: who signed a statement in the
// future of a statement of that group and of no other group. It goes by
// the statements' pasts alone, never by the seq their authors claim: a
// member's own statements are in the past of their next one, so the one
// built on a group first is in the future of that group only, and every
// later one in the futures of both. Someone with such a statement for two
// groups forked their own history (a backdated seq, or prev leaving out
// their own statements) and counts for neither; neither does someone whose
// first such statement built on two at once.
func (sc *succession) firstBuilt(owner identity.ID, groups [][]int) []map[identity.ID]bool {
	in := make([]int, len(sc.order))   // how many groups' futures hold each statement
	last := make([]int, len(sc.order)) // the last group whose future holds it
	for k, g := range groups {
		has := make([]bool, len(sc.order))
		for _, i := range g {
			for j, f := range sc.future(i) {
				has[j] = has[j] || f
			}
		}
		for j, h := range has {
			if h {
				in[j]++
				last[j] = k
			}
		}
	}
	seen := make([]map[identity.ID]bool, len(groups))
	for k := range seen {
		seen[k] = map[identity.ID]bool{}
	}
	for i, s := range sc.cur {
		if in[i] == 1 && s.Author != owner {
			seen[last[i]][s.Author] = true
		}
	}
	return seen
}

// tally lets each voter vote for the group they built on first (seen,
// from firstBuilt; one who did so for two groups does not vote) and
// returns the group with most votes; ok is false on a tie.
func tally(seen []map[identity.ID]bool, voters []identity.ID) (best int, ok bool) {
	votes := make([]int, len(seen))
	for _, m := range voters {
		vote := -1
		for k := range seen {
			if !seen[k][m] {
				continue
			}
			if vote >= 0 {
				vote = -1 // forked: no vote
				break
			}
			vote = k
		}
		if vote >= 0 {
			votes[vote]++
		}
	}
	tie := false
	for k := 1; k < len(votes); k++ {
		switch {
		case votes[k] > votes[best]:
			best, tie = k, false
		case votes[k] == votes[best]:
			tie = true
		}
	}
	return best, !tie
}

// confirmed returns the signing keys of the distinct guardians of set
// whose confirmation of s checks out.
func (sc *succession) confirmed(s *Statement, set *GuardianSet) [][32]byte {
	return sc.confirmedBy(s.Author, s.Confirmations, set, ConfirmMessage(s.Author, s.Card))
}

// confirmedBy returns the signing keys of the distinct guardians of
// owner's set whose confirmation among cs (unique keys, checked when
// read) opens one of its commitments and verifies msg.
func (sc *succession) confirmedBy(owner identity.ID, cs []Confirmation, set *GuardianSet, msg []byte) [][32]byte {
	var by [][32]byte
	scope := set.scope(sc.cell)
	for _, c := range cs {
		if _, ok := slices.BinarySearchFunc(set.Guardians, Commit(scope, owner, c.Key[:], c.Salt), func(x, y Commitment) int { return bytes.Compare(x[:], y[:]) }); !ok {
			continue
		}
		sc.b.spend(verifyCost)
		if ed25519.Verify(c.Key[:], msg, c.Signature) {
			by = append(by, c.Key)
		}
	}
	return by
}

// renames renames, in cur and changed, the statements the replacements
// change, and marks void (inert, with our verdict) the statements of
// replaced cards outside their replacements' past and the statements
// naming new cards outside their replacements' future.
func (sc *succession) renames(winners []winner) {
	void := func(i int, detail string) {
		sc.inert[i] = true
		sc.reject(i, ReasonReplaced, detail)
	}
	edit := func(i int) *Statement {
		if sc.changed[i] == nil {
			c := *sc.cur[i]
			sc.changed[i] = &c
			sc.cur[i] = &c
		}
		return sc.cur[i]
	}
	for _, w := range winners {
		a, b := w.old, w.new.ID()
		past, future := w.past, sc.future(w.at)
		sc.b.spend(len(sc.order))
		for i, s := range sc.cur {
			if sc.inert[i] {
				if s.Kind == KindGuardians && s.Author == a && !past[i] {
					sc.reject(i, ReasonReplaced, "signed with a card that was replaced, after its replacement or beside it")
				}
				continue
			}
			switch {
			case s.Author == a && !past[i]:
				void(i, "signed with a card that was replaced, after its replacement or beside it")
				continue
			case !future[i] && (s.Author == b || s.Subject == b || s.Card != nil && s.Card.ID() == b):
				void(i, "names a new card before its replacement")
				continue
			}
			if s.Author == a {
				edit(i).Author = b
			}
			if s.Subject == a {
				edit(i).Subject = b
			}
			if s.Card != nil && s.Card.ID() == a {
				edit(i).Card = w.new
			}
		}
		old := sc.cards[a]
		if old == nil { // a new card of an earlier round
			for _, r := range sc.replace {
				if r.New == a {
					old = r.NewCard
				}
			}
		}
		sc.replace = append(sc.replace, Replacement{Old: a, OldCard: old, New: b, NewCard: w.new, Statement: sc.order[w.at].e.stmt.id, Confirmed: w.n, ConfirmedBy: w.by})
	}
}

// fill adds the verdicts and replacements to st, which the rules filled
// from the renamed statements; reject reports a statement of the original
// order that does not count.
func (sc *succession) fill(st *State, reject func(at int, r Reason, detail string)) {
	if sc.inert == nil {
		return
	}
	// The guardians and replace statements that count are those without
	// a verdict: the ones in force or named, and the replacements applied.
	for i, n := range sc.order {
		if k := n.e.stmt.Kind; k == KindGuardians || k == KindReplace {
			if _, judged := sc.verdict[i]; !judged {
				st.Counted++
			}
		}
	}
	for _, v := range sc.verdict {
		reject(v.at, v.reason, v.detail)
	}
	slices.SortFunc(sc.replace, func(x, y Replacement) int { return bytes.Compare(x.Old[:], y.Old[:]) })
	st.Replaced = sc.replace
	st.succ = &sc.info
	// Each author's clock, as signed (the rules saw renamed authors).
	st.seq = map[identity.ID]uint64{}
	for _, n := range sc.order {
		s := n.e.stmt
		st.seq[s.Author] = max(st.seq[s.Author], s.Seq)
	}
}

// NameGuardians adds me's guardians statement: the guardians with the
// given signing keys, need of them to confirm a replacement of me's card.
// Only the first guardians statement of a card in a cell counts.
func (c *Cell) NameGuardians(me *identity.Identity, keys []ed25519.PublicKey, need int, now time.Time) (*Statement, error) {
	s := &Statement{Kind: KindGuardians, Need: need}
	for _, k := range keys {
		s.Guardians = append(s.Guardians, Commit(c.id, me.Card.ID(), k, GuardianSalt(me, c.id, k)))
	}
	slices.SortFunc(s.Guardians, func(x, y Commitment) int { return bytes.Compare(x[:], y[:]) })
	if err := checkGuardians(s.Guardians, need); err != nil {
		return nil, fmt.Errorf("guardians: %w: %v", ErrInvalid, err)
	}
	return c.add(me, s, now, func(st *State) error {
		if st.NamedGuardians(me.Card.ID()) {
			return fmt.Errorf("%w: you already named guardians in this cell", ErrNotAllowed)
		}
		return nil
	})
}

// Replace adds old's statement that its card is replaced by next's card,
// with the guardians' confirmations (see [Confirm]); their salts in this
// cell are filled in here. It fails with [ErrNotAllowed] unless enough of
// the guardians in force in the cell confirmed it.
func (c *Cell) Replace(old, next *identity.Identity, confirmations []Confirmation, now time.Time) (*Statement, error) {
	s := &Statement{Kind: KindReplace, Card: next.Card}
	check := func(st *State) error {
		set, ok := st.Guardians(old.Card.ID())
		if !ok {
			return fmt.Errorf("%w: no guardians of yours are in force in this cell", ErrNotAllowed)
		}
		s.Confirmations = c.salted(old, set, confirmations)
		sc := &succession{cell: c.id}
		if n := len(sc.confirmed(&Statement{Author: old.Card.ID(), Card: next.Card, Confirmations: s.Confirmations}, set)); n < set.Need {
			return fmt.Errorf("%w: %d of the %d guardians needed confirmed", ErrNotAllowed, n, set.Need)
		}
		return nil
	}
	sign := func(s *Statement) {
		s.Author = old.Card.ID()
		s.Accept = next.Sign(acceptMessage(s))
	}
	return c.addWith(old, s, now, check, sign)
}

// salted returns the confirmations cs, one a key, with the salts that
// open owner's commitments of set in c, sorted by key, at most
// MaxGuardians.
func (c *Cell) salted(owner *identity.Identity, set *GuardianSet, cs []Confirmation) []Confirmation {
	var out []Confirmation
	for _, cf := range cs {
		cf.Salt = set.salt(owner, c.id, cf.Key[:])
		if !slices.ContainsFunc(out, func(x Confirmation) bool { return x.Key == cf.Key }) {
			out = append(out, cf)
		}
	}
	slices.SortFunc(out, func(x, y Confirmation) int { return bytes.Compare(x.Key[:], y.Key[:]) })
	if len(out) > MaxGuardians {
		out = out[:MaxGuardians]
	}
	return out
}

// ChangeGuardians adds me's change of guardians: the guardians with the
// given signing keys, need of them to confirm a replacement of me's card,
// by the change with the random nonce given, confirmed by the guardians in
// force (see [ConfirmChange], made for [ChangeCommitments] of the same
// keys, need and nonce); their salts in this
// cell are filled in here. It fails with [ErrNotAllowed] unless
// guardians of me's are in force in the cell and enough of them
// confirmed the change.
func (c *Cell) ChangeGuardians(me *identity.Identity, keys []ed25519.PublicKey, need int, nonce [16]byte, confirmations []Confirmation, now time.Time) (*Statement, error) {
	s := &Statement{Kind: KindGuardians, Author: me.Card.ID(), Need: need, Guardians: ChangeCommitments(me, keys), Nonce: nonce}
	if nonce == ([16]byte{}) {
		return nil, fmt.Errorf("guardians: %w: a change needs a random nonce", ErrInvalid)
	}
	if err := checkGuardians(s.Guardians, need); err != nil {
		return nil, fmt.Errorf("guardians: %w: %v", ErrInvalid, err)
	}
	return c.add(me, s, now, func(st *State) error {
		set, ok := st.Guardians(me.Card.ID())
		if !ok {
			return fmt.Errorf("%w: no guardians of yours are in force in this cell", ErrNotAllowed)
		}
		if set.Need == need && slices.Equal(set.Guardians, s.Guardians) {
			return fmt.Errorf("%w: these guardians are in force already", ErrNotAllowed)
		}
		s.Confirmations = c.salted(me, set, confirmations)
		if len(s.Confirmations) == 0 {
			return fmt.Errorf("%w: 0 of the %d guardians needed confirmed", ErrNotAllowed, set.Need)
		}
		sc := &succession{cell: c.id}
		if n := sc.confirmedChange(s, set); n < set.Need {
			return fmt.Errorf("%w: %d of the %d guardians needed confirmed", ErrNotAllowed, n, set.Need)
		}
		return nil
	})
}
