package core

import (
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"trustdesk/crdt"
)

// lookalikeKey is what two names share when they look alike: the name
// after compatibility normalization (NFKC: "ﬁ" is "fi", a full-width "Ｎ"
// is "N"), case folding, the confusable skeleton of Unicode TR39 (a
// Cyrillic "і" or "о" is a Latin "i" or "o", "rn" is "m"), with "l" taken
// for "i" (a capital "I" folds to "i" but looks like "l") and white space
// removed. Names that differ only in these ways count as alike.
func lookalikeKey(name string) string {
	fold := cases.Fold()
	folded := fold.String(norm.NFKC.String(name))
	skeleton := norm.NFC.String(fold.String(confusables.Skeleton(folded)))
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r == 'l':
			return 'i'
		}
		return r
	}, skeleton)
}

// CellLabels returns the name to show for each cell in cells: its own
// name, or, when another of the cells has a name that looks alike (the
// same after NFKC normalization, case folding and removing spaces), the
// name with its founder and the start of its id, such as
// "Night market (founded by Ana · 3f2a)". Names look alike when they
// differ only in case, spacing, compatibility forms or confusable letters
// of other scripts (see lookalikeKey). Someone who pushes a second cell
// named like a real one cannot make the two look the same: their own name
// is shown qualified where it looks like another person's (see
// Service.names).
func CellLabels(cells []*CellView) map[crdt.CellID]string {
	count := map[string]int{}
	for _, v := range cells {
		count[lookalikeKey(v.Name)]++
	}
	out := make(map[crdt.CellID]string, len(cells))
	for _, v := range cells {
		if count[lookalikeKey(v.Name)] < 2 {
			out[v.ID] = v.Name
			continue
		}
		founder := v.Founder.Name
		if founder == "" {
			founder = "someone unknown"
		}
		out[v.ID] = v.Name + " (founded by " + founder + " · " + v.ID.String()[:4] + ")"
	}
	return out
}
