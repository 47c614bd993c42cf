package core

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// lookalikeKey is what two names share when they look alike: the name
// after compatibility normalization (NFKC: "ﬁ" is "fi", a full-width "Ｎ"
// is "N"), case folding, the confusable skeleton of Unicode TR39 (a
// Cyrillic "і" or "о" is a Latin "i" or "o", "rn" is "m"), with "l" taken
// for "i" (a capital "I" folds to "i" but looks like "l"), and white space
// and the visible characters that draw nothing removed (see blank). Names
// that differ only in these ways count as alike.
func lookalikeKey(name string) string {
	lookalikeKeys.Lock()
	k, ok := lookalikeKeys.m[name]
	lookalikeKeys.Unlock()
	if ok {
		return k
	}
	k, fast := asciiLookalikeKey(name)
	if !fast {
		k = slowLookalikeKey(name)
	}
	lookalikeKeys.Lock()
	defer lookalikeKeys.Unlock()
	lookalikeKeys.put(name, k, !fast)
	if !fast {
		lookalikeKeys.fresh++
		lookalikeKeys.computed++
	}
	return k
}

// lookalikeKeys remembers the look-alike keys of names seen: every list
// of names (a cell's, the People list) asks for the same names again, and
// a key costs a few microseconds, which a cell of thousands of published
// cards multiplies. The name determines the key. Those that took the slow
// way (slowLookalikeKey: not ASCII) are also in slow, which a home keeps
// for the next process (startcache.go); fresh counts those computed here
// rather than learnt from there since they were last kept, computed all
// of them (for tests).
var lookalikeKeys lookalikeMemo

type lookalikeMemo struct {
	sync.Mutex
	m, slow         map[string]string
	fresh, computed int
}

// put remembers name's key k; the caller holds the lock.
func (l *lookalikeMemo) put(name, k string, slow bool) {
	if l.m == nil || len(l.m) >= maxLookalikeKeys {
		l.m, l.slow = make(map[string]string), make(map[string]string)
	}
	l.m[name] = k
	if slow {
		l.slow[name] = k
	}
}

// learnLookalikeKeys remembers keys kept by an earlier process: keys[i]
// is the key of names[i].
func learnLookalikeKeys(names, keys []string) {
	lookalikeKeys.Lock()
	defer lookalikeKeys.Unlock()
	for i, n := range names {
		lookalikeKeys.put(n, keys[i], true)
	}
}

// freshLookalikeKeys returns every key that took the slow way and is
// remembered, if any was computed since the last call; else nil.
func freshLookalikeKeys() (names, keys []string) {
	lookalikeKeys.Lock()
	defer lookalikeKeys.Unlock()
	if lookalikeKeys.fresh == 0 {
		return nil, nil
	}
	lookalikeKeys.fresh = 0
	for n, k := range lookalikeKeys.slow {
		names, keys = append(names, n), append(keys, k)
	}
	return names, keys
}

// maxLookalikeKeys bounds lookalikeKeys.
const maxLookalikeKeys = 1 << 16

// makeLookalikeKey computes lookalikeKey. A name of ASCII characters
// only, each of which stays ASCII through the steps below, takes its key
// from asciiAlike: every step then works on each character alone (the
// normal forms leave ASCII as it is, folding and the confusables map one
// character at a time), so the key is the concatenation of the keys of
// its characters, which costs a few dozen nanoseconds instead of a few
// microseconds (TestLookalikeKeyASCII compares the two ways).
func makeLookalikeKey(name string) string {
	if k, ok := asciiLookalikeKey(name); ok {
		return k
	}
	return slowLookalikeKey(name)
}

// asciiAlike holds, for each ASCII character, the look-alike key of the
// character alone, and whether that key is ASCII.
var asciiAlike = sync.OnceValue(func() *[128]struct {
	key   string
	ascii bool
} {
	var t [128]struct {
		key   string
		ascii bool
	}
	fold := cases.Fold()
	for c := range t {
		// Every step must keep the character ASCII, not only the last.
		folded := fold.String(norm.NFKC.String(string(rune(c))))
		skeleton := confusables.Skeleton(folded)
		t[c].key = slowLookalikeKey(string(rune(c)))
		t[c].ascii = isASCII(folded) && isASCII(skeleton) && isASCII(t[c].key)
	}
	return &t
})

// asciiLookalikeKey returns the look-alike key of name from asciiAlike,
// or false when name has a character that is not ASCII or whose key is
// not.
func asciiLookalikeKey(name string) (string, bool) {
	t := asciiAlike()
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf || !t[c].ascii {
			return "", false
		}
		n += len(t[c].key)
	}
	var b strings.Builder
	b.Grow(n)
	for i := 0; i < len(name); i++ {
		b.WriteString(t[name[i]].key)
	}
	return b.String(), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// slowLookalikeKey computes lookalikeKey step by step, for any name.
func slowLookalikeKey(name string) string {
	fold := cases.Fold()
	folded := fold.String(norm.NFKC.String(name))
	skeleton := norm.NFC.String(fold.String(confusables.Skeleton(folded)))
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), blank(r):
			return -1
		case r == 'l':
			return 'i'
		}
		return r
	}, skeleton)
}

// blank reports whether r is a visible character that draws nothing, as
// a space does: the braille blank U+2800, the musical null notehead
// U+1D159 and the Khitan filler U+16FE4. (Hidden and format characters,
// such as U+3164 or U+200B, are refused in names already: §2.4 of
// crdt/SCHEMA.md.)
func blank(r rune) bool {
	return r == '\u2800' || r == '\U0001D159' || r == '\U00016FE4'
}

// CellLabels returns the name to show for each cell in cells: its own
// name, or, when another of the cells has a name that looks alike, the
// name with its founder and the start of its id, such as
// "Night market (founded by Ana · 3f2a)", longer where another cell of a
// look-alike founder has an id that starts the same. Names look alike
// when they differ only in case, spacing, blank characters, compatibility
// forms or confusable letters of other scripts (see lookalikeKey). Someone
// who pushes a second cell named like a real one cannot make the two look
// the same: their own name is shown qualified where it looks like another
// person's (see Service.names).
func CellLabels(cells []*CellView) map[crdt.CellID]string {
	return labelCells(cellNames(cells))
}

// CellDetails returns what tells each of cells apart from a cell with a
// look-alike name, "founded by Ana · 3f2a", the words CellLabels puts in
// parentheses after the name; it is "" for a cell whose name is its own.
// A screen short of room shows it on a line of its own, so that cutting
// the name short never hides it.
func CellDetails(cells []*CellView) map[crdt.CellID]string {
	return cellDetails(cellNames(cells))
}

// cellNames is what the labels of cells are made of.
func cellNames(cells []*CellView) []namedCell {
	named := make([]namedCell, len(cells))
	for i, v := range cells {
		named[i] = namedCell{id: v.ID, name: v.Name, founder: v.Founder.Name}
	}
	return named
}

// namedCell is what a cell's label is made of.
type namedCell struct {
	id            crdt.CellID
	name, founder string
}

// labelCells makes the labels of CellLabels: each name, with its details
// in parentheses where it has any.
func labelCells(cells []namedCell) map[crdt.CellID]string {
	out := cellDetails(cells)
	for _, c := range cells {
		if d := out[c.id]; d != "" {
			out[c.id] = c.name + " (" + d + ")"
		} else {
			out[c.id] = c.name
		}
	}
	return out
}

// cellDetails makes the details of CellDetails. The start of the id is 4
// characters long, or longer where another cell with a look-alike name and
// founder has an id that starts the same: a founder can grind the id of a
// second cell until it starts like their first.
func cellDetails(cells []namedCell) map[crdt.CellID]string {
	type entry struct {
		name, founder, founderKey, id string
		label                         bool // the name has a parenthesis (labelKey)
	}
	groups := map[string][]entry{}
	ids := map[string]crdt.CellID{}
	for _, c := range cells {
		founder := c.founder
		if founder == "" {
			founder = "someone unknown"
		}
		k, label := labelKey(lookalikeKey(c.name))
		e := entry{c.name, founder, lookalikeKey(founder), c.id.String(), label}
		groups[k] = append(groups[k], e)
		ids[e.id] = c.id
	}
	out := make(map[crdt.CellID]string, len(cells))
	for _, group := range groups {
		if len(group) < 2 && !group[0].label {
			out[ids[group[0].id]] = ""
			continue
		}
		// Sorted by founder and id, the id that starts most like another
		// of the same founder is next to it.
		slices.SortFunc(group, func(a, b entry) int {
			return cmp.Or(strings.Compare(a.founderKey, b.founderKey), strings.Compare(a.id, b.id))
		})
		common := func(i, j int) int {
			if j < 0 || j >= len(group) || group[i].founderKey != group[j].founderKey {
				return 0
			}
			n := 0
			for n < len(group[i].id) && group[i].id[n] == group[j].id[n] {
				n++
			}
			return n
		}
		for i, e := range group {
			n := min(max(4, common(i, i-1)+1, common(i, i+1)+1), len(e.id))
			out[ids[e.id]] = "founded by " + e.founder + " · " + e.id[:n]
		}
	}
	return out
}

// nameBook holds the names this device shows people by, with how each
// card was learned. Nobody else is ever shown under a name that looks like
// mine ("you") or like another person's: where names look alike (see
// lookalikeKey), each person but me is shown with how their card was
// learned and the start of their id, as in "Ana (introduced through a
// cell · 3f2a9c01)". Anyone can put any name on a card; how it was
// learned they cannot fake.
type nameBook struct {
	me     identity.ID
	people map[identity.ID]namedPerson
	// chosen holds the cards of the contacts of my own doing (see
	// chosen), as held, for an import to tell who takes another name.
	chosen map[identity.ID]*identity.Card
}

// namedPerson is what a nameBook holds of one person.
type namedPerson struct {
	name  string
	how   Verification
	alike string // lookalikeKey of name, up to a parenthesis (see labelKey)
	label bool   // the name has a parenthesis, as a label has
	// card is when the card an introduced contact is named by was made
	// (see heldCard); zero for anyone else.
	card time.Time
}

// newNameBook returns a book that names me "you", with room for about n
// people.
func newNameBook(me identity.ID, n int) *nameBook {
	b := &nameBook{me: me, people: make(map[identity.ID]namedPerson, n)}
	b.set(me, "you", InPerson, true)
	return b
}

// set names id; a later call for the same id replaces the earlier one,
// except that I am always "you". A name this device gave (own: a
// contact's petname) is taken as it is; any other came on a card, and
// its holder chose it (see labelKey).
func (b *nameBook) set(id identity.ID, name string, how Verification, own bool) {
	if id == b.me && name != "you" {
		return
	}
	p := namedPerson{name: name, how: how, alike: lookalikeKey(name)}
	if !own {
		p.alike, p.label = labelKey(p.alike)
	}
	b.people[id] = p
}

// labelKey returns the look-alike key key up to its first parenthesis,
// and whether it had one. The names shown are told apart by what follows
// them in parentheses ("Mir (verified in person · 3f2a9c01)",
// "Night market (founded by Ana · 3f2a)"), so a name that anyone chose
// could copy the label of another; such a name looks like the name
// before its parenthesis (with the look-alikes of "(", which the key
// maps to it), and is always told apart itself
// (TestAttackNameLikeALabel, TestAttackCellNameLikeALabel).
func labelKey(key string) (string, bool) {
	i := strings.IndexByte(key, '(')
	if i < 0 {
		return key, false
	}
	return key[:i], true
}

// heldCard records that the introduced contact id, whom no name of mine
// names, is named by their card made at created.
func (b *nameBook) heldCard(id identity.ID, created time.Time) {
	if p, ok := b.people[id]; ok && p.how == Introduced {
		p.card = created
		b.people[id] = p
	}
}

// learn names, as introduced, the people of cards the book does not name
// yet (cards first seen in a sync file); with renames, also the
// introduced contacts whose card in cards is newer than the one they are
// named by and bears another name (the import stores it: learnCards).
// It returns whom it named.
func (b *nameBook) learn(cards map[identity.ID]*identity.Card, renames bool) []identity.ID {
	var named []identity.ID
	for id, card := range cards {
		p, ok := b.people[id]
		switch {
		case !ok:
			b.set(id, card.Pseudonym, Introduced, false)
		case renames && p.how == Introduced && !p.card.IsZero() && card.Created.After(p.card) && card.Pseudonym != p.name:
			// A card first published as "Zed" cannot take a verified
			// contact's name later without the summary saying so.
			b.set(id, card.Pseudonym, Introduced, false)
			b.heldCard(id, card.Created)
		default:
			continue
		}
		named = append(named, id)
	}
	return named
}

// A NamedLike is a card new to this device whose name is, looks like or
// begins the name of a contact I verified in person: they are not the
// same person, and the summary of the file that brought it says so.
type NamedLike struct {
	// Card is the new card, by the name it calls itself.
	Card Person
	// Like is the verified contact, by the name I know them by.
	Like Person
}

// namedLike returns, sorted by name, the people of ids (cards the book
// learnt from a file, new or newly named) whose name has the look-alike key of a contact
// verified in person, or the beginning of it: lookups prefer a whole
// name, so a card "Mir" would be found first by someone typing the
// beginning of "Mirelda". Each comes with the first such contact by name.
func (b *nameBook) namedLike(ids []identity.ID) []NamedLike {
	var verified []identity.ID
	for id, p := range b.people {
		if p.how == InPerson && id != b.me && p.alike != "" {
			verified = append(verified, id)
		}
	}
	if len(verified) == 0 {
		return nil
	}
	byName := func(a, c identity.ID) int {
		return cmp.Or(cmp.Compare(b.people[a].name, b.people[c].name), bytes.Compare(a[:], c[:]))
	}
	slices.SortFunc(verified, byName)
	var out []NamedLike
	for _, id := range slices.SortedFunc(slices.Values(ids), byName) {
		p, ok := b.people[id]
		if !ok || p.how != Introduced || p.alike == "" {
			continue
		}
		for _, v := range verified {
			if strings.HasPrefix(b.people[v].alike, p.alike) {
				out = append(out, NamedLike{Card: Person{ID: id, Name: p.name}, Like: Person{ID: v, Name: b.people[v].name}})
				break
			}
		}
	}
	return out
}

// shown returns the name to show for everyone in the book.
func (b *nameBook) shown() map[identity.ID]string {
	count := make(map[string]int, len(b.people))
	for _, p := range b.people {
		count[p.alike]++
	}
	out := make(map[identity.ID]string, len(b.people))
	for id, p := range b.people {
		n := p.name
		if id != b.me && (count[p.alike] > 1 || p.label) {
			n += " (" + p.how.Words() + " · " + id.String()[:8] + ")"
		}
		out[id] = n
	}
	return out
}

// SplitLabel splits a name shown for someone whose name looks like
// another's, "Cy (introduced through a cell · 3f2a9c01)", into the name
// and what tells them apart ("introduced through a cell · 3f2a9c01"),
// for a screen that shows the two apart; detail is "" for any other name.
func SplitLabel(label string) (name, detail string) {
	i := strings.LastIndex(label, " (")
	if i < 0 || !strings.HasSuffix(label, ")") {
		return label, ""
	}
	inner := label[i+2 : len(label)-1]
	how, id, ok := strings.Cut(inner, " · ")
	if !ok || len(id) != 8 || strings.Trim(id, "0123456789abcdef") != "" {
		return label, ""
	}
	for _, v := range []Verification{InPerson, Introduced, Unverified} {
		if how == v.Words() {
			return label[:i], inner
		}
	}
	return label, ""
}

// ContactLabels returns the name to show for each of contacts in a list of
// them: their name, or, where it looks like another's in the list or like
// "you", the name with how the card was learned and the start of its id
// ("Cy (introduced through a cell · 3f2a9c01)"), as on every other screen.
func (s *Service) ContactLabels(contacts []*Contact) map[identity.ID]string {
	b := newNameBook(s.me().Card.ID(), len(contacts))
	for _, c := range contacts {
		b.set(c.ID(), c.Name(), c.Verified, c.Petname != "")
	}
	return b.shown()
}
