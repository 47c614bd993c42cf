package identity

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePseudonym(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Mirelda Oakthorn", "Mirelda Oakthorn"},
		{"  Mirelda\t Oakthorn \u00a0", "Mirelda Oakthorn"},
		{"Rene\u0301", "René"}, // NFC composes
		{"\u212b", "\u00c5"},   // the Ångström sign becomes Å
		{"x", "x"},             // one character
		{strings.Repeat("a", 40), strings.Repeat("a", 40)},
		{strings.Repeat("é", 32), strings.Repeat("é", 32)}, // 64 bytes
		{"山田太郎", "山田太郎"},
		{"Zoë 🦊", "Zoë 🦊"},
		{"Zoë \u2764\ufe0f", "Zoë \u2764\ufe0f"},                 // a colour heart
		{"کتاب\u200cفروشی", "کتاب\u200cفروشی"},                   // Persian spells with a non-joiner
		{"\u0915\u094d\u200d\u0937", "\u0915\u094d\u200d\u0937"}, // Devanagari: virama, joiner
	} {
		got, err := NormalizePseudonym(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizePseudonym(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		// Normal form is a fixed point.
		if again, err := NormalizePseudonym(got); err != nil || again != got {
			t.Errorf("NormalizePseudonym(%q) is not stable: %q, %v", got, again, err)
		}
	}
	for _, in := range []string{
		"",
		"   ",
		"\t\u3000",
		strings.Repeat("a", 41),
		strings.Repeat("é", 33), // 33 characters but 66 bytes
		strings.Repeat("山", 22), // 66 bytes
		"line\nbreak",
		"line\r\nbreak",
		"line\u2028separator",
		"para\u2029separator",
		"next\u0085line",
		"nul\x00",
		"bell\a",
		"del\x7f",
		"zero\u200bwidth",
		"join\u200dme",
		"bidi\u202eoverride",
		"bom\ufeff",
		"private\ue000use",
		"non\ufffecharacter",
		"bad\xffutf8",
		"Mir\u3164",       // Hangul filler: looks like "Mir"
		"Mi\u034fr",       // combining grapheme joiner
		"Mir\ufe0f",       // variation selector
		"Mi\u200cr",       // a non-joiner between Latin letters draws nothing
		"Mir\u200e",       // direction mark
		"\u2067Mir\u2069", // isolate
		"a\u061cb",        // Arabic letter mark
	} {
		if got, err := NormalizePseudonym(in); !errors.Is(err, ErrPseudonym) {
			t.Errorf("NormalizePseudonym(%q) = %q, %v; want ErrPseudonym", in, got, err)
		}
	}
}
