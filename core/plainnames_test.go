package core

import (
	"testing"
)

// TestCellNameRefusesBlankAndLineSeparators: a line or paragraph
// separator (U+2028, U+2029) is a line break that unicode.IsControl does
// not catch, and the Braille blank U+2800 draws nothing: "Night⠀market"
// looks like "Night market". Cell names refuse them (crdt/SCHEMA.md §2.4,
// internal/plaintext), as do tags, notes, pseudonyms and private names.
func TestCellNameRefusesBlankAndLineSeparators(t *testing.T) {
	ana := newService(t, "Ana")
	var taken []string
	for _, n := range []string{"Night\u2028market", "Night\u2029market", "Night\u2800market"} {
		if _, err := ana.NewCell(n); err == nil {
			taken = append(taken, n)
		}
	}
	if len(taken) > 0 {
		t.Errorf("cell names %q are taken: crdt/SCHEMA.md §2.4 refuses line separators and the Braille blank", taken)
	}
}
