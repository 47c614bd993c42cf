package core

import (
	"strings"
	"unicode"

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
// "Night market (founded by Ana · 3f2a)". Names look alike when they
// differ only in case, spacing, blank characters, compatibility forms or
// confusable letters of other scripts (see lookalikeKey). Someone who pushes a second cell
// named like a real one cannot make the two look the same: their own name
// is shown qualified where it looks like another person's (see
// Service.names).
func CellLabels(cells []*CellView) map[crdt.CellID]string {
	named := make([]namedCell, len(cells))
	for i, v := range cells {
		named[i] = namedCell{id: v.ID, name: v.Name, founder: v.Founder.Name}
	}
	return labelCells(named)
}

// namedCell is what a cell's label is made of.
type namedCell struct {
	id            crdt.CellID
	name, founder string
}

func labelCells(cells []namedCell) map[crdt.CellID]string {
	count := map[string]int{}
	for _, c := range cells {
		count[lookalikeKey(c.name)]++
	}
	out := make(map[crdt.CellID]string, len(cells))
	for _, c := range cells {
		if count[lookalikeKey(c.name)] < 2 {
			out[c.id] = c.name
			continue
		}
		founder := c.founder
		if founder == "" {
			founder = "someone unknown"
		}
		out[c.id] = c.name + " (founded by " + founder + " · " + c.id.String()[:4] + ")"
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
	me    identity.ID
	name  map[identity.ID]string
	how   map[identity.ID]Verification
	alike map[identity.ID]string // lookalikeKey of name
}

func newNameBook(me identity.ID) *nameBook {
	b := &nameBook{me: me, name: map[identity.ID]string{}, how: map[identity.ID]Verification{}, alike: map[identity.ID]string{}}
	b.set(me, "you", InPerson)
	return b
}

// set names id; a later call for the same id replaces the earlier one,
// except that I am always "you".
func (b *nameBook) set(id identity.ID, name string, how Verification) {
	if id == b.me && name != "you" {
		return
	}
	b.name[id], b.how[id], b.alike[id] = name, how, lookalikeKey(name)
}

// has reports whether the book names id.
func (b *nameBook) has(id identity.ID) bool {
	_, ok := b.name[id]
	return ok
}

// shown returns the name to show for everyone in the book.
func (b *nameBook) shown() map[identity.ID]string {
	count := make(map[string]int, len(b.alike))
	for _, k := range b.alike {
		count[k]++
	}
	out := make(map[identity.ID]string, len(b.name))
	for id, n := range b.name {
		if id != b.me && count[b.alike[id]] > 1 {
			n += " (" + b.how[id].Words() + " · " + id.String()[:8] + ")"
		}
		out[id] = n
	}
	return out
}

// ContactLabels returns the name to show for each of contacts in a list of
// them: their name, or, where it looks like another's in the list or like
// "you", the name with how the card was learned and the start of its id
// ("Cy (introduced through a cell · 3f2a9c01)"), as on every other screen.
func (s *Service) ContactLabels(contacts []*Contact) map[identity.ID]string {
	b := newNameBook(s.me().Card.ID())
	for _, c := range contacts {
		b.set(c.ID(), c.Name(), c.Verified)
	}
	return b.shown()
}
