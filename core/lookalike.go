package core

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"trustdesk/crdt"
)

// lookalikeKey is what two cell names share when they look alike: the
// name after compatibility normalization (NFKC: "ﬁ" is "fi", a
// full-width "Ｎ" is "N"), case folding, and with white space removed.
func lookalikeKey(name string) string {
	folded := norm.NFKC.String(cases.Fold().String(norm.NFKC.String(name)))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, folded)
}

// CellLabels returns the name to show for each cell in cells: its own
// name, or, when another of the cells has a name that looks alike (the
// same after NFKC normalization, case folding and removing spaces), the
// name with its founder and the start of its id, such as
// "Night market (founded by Ana · 3f2a)". Someone who pushes a second
// cell named like a real one cannot make the two look the same.
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
