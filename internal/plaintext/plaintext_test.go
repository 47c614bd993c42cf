package plaintext

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHidden(t *testing.T) {
	refused := map[string]rune{
		"Mi\u200Br":                  0x200B, // zero-width space
		"Mir\u200C":                  0x200C, // non-joiner at the end
		"\u200DMir":                  0x200D, // joiner at the start
		"Mi\u200Cr":                  0x200C, // non-joiner between Latin letters
		"Mi\u200Dr":                  0x200D,
		"Mir\u200E":                  0x200E, // left-to-right mark
		"Mir\u200F":                  0x200F,
		"\u202Eadnalerim":            0x202E, // right-to-left override
		"Mir\u202A":                  0x202A,
		"\u2066Mir\u2069":            0x2066, // isolates
		"Mir\u2069":                  0x2069,
		"a\u061Cb":                   0x061C,  // Arabic letter mark
		"Mir\u2060":                  0x2060,  // word joiner
		"Mir\u2064":                  0x2064,  // invisible plus
		"\uFEFFMir":                  0xFEFF,  // byte order mark
		"Mi\u00ADr":                  0x00AD,  // soft hyphen
		"Mir\U000E0041":              0xE0041, // tag character
		"Mir\u3164":                  0x3164,  // Hangul filler
		"Night\u2028market":          0x2028,  // line separator
		"Night\u2029market":          0x2029,  // paragraph separator
		"Night\u2800market":          0x2800,  // blank Braille pattern
		"Mi\u034Fr":                  0x034F,  // combining grapheme joiner
		"Mir\uFE0F":                  0xFE0F,  // variation selector after a letter
		"\uFE0Fheart":                0xFE0F,  // at the start
		"Mir\uE000":                  0xE000,  // private use
		"Mir\uFFFF":                  0xFFFF,  // noncharacter
		"\u0627\u200C\u0628":         0x200C,  // after alef, which never joins onward
		"\u0628\u200C\u200C\u0628":   0x200C,  // two in a row
		"\u0915\u200D\u0937":         0x200D,  // between Devanagari letters, no virama
		"\U0001F469\u200D\U0001F467": 0x200D,  // emoji sequence
	}
	for s, want := range refused {
		r, ok := Hidden(s)
		if !ok || r != want {
			t.Errorf("Hidden(%+q) = %U, %v; want %U", s, r, ok, want)
		}
		if err := Check(s); !errors.Is(err, ErrHidden) {
			t.Errorf("Check(%+q) = %v, want ErrHidden", s, err)
		}
	}
	allowed := []string{
		"Mirelda",
		"Night market",
		"Ça va, Zoë",
		"Şehir pazarı",
		"می\u200Cخواهم",            // Persian: "I want", with a non-joiner
		"\u0628\u064E\u200C\u0628", // after a vowel mark on a joining letter
		"\u0915\u094D\u200D\u0937", // Devanagari: virama, joiner, letter
		"\u0915\u094D\u200C\u0937", // Devanagari: visible virama
		"\u0D28\u0D4D\u200D\u0D31", // Malayalam
		"שלום",
		"東京の市場",
		"first line\nsecond line", // controls are the caller's
		"kind \u2764\uFE0F",       // colour heart
		"\u845B\U000E0100城",       // an ideographic variant
	}
	for _, s := range allowed {
		if r, ok := Hidden(s); ok {
			t.Errorf("Hidden(%+q) = %U, want none", s, r)
		}
		if err := Check(s); err != nil {
			t.Errorf("Check(%+q) = %v", s, err)
		}
	}
}

func FuzzHidden(f *testing.F) {
	for _, s := range []string{"", "Mir", "Mi\u200Br", "\u0628\u200C", "\u094D\u200D", "\xff\u200C\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := Hidden(s)
		if ok != (Check(s) != nil) {
			t.Fatalf("Hidden and Check disagree on %+q", s)
		}
		if ok && !hidden(r) {
			t.Fatalf("Hidden(%+q) reported %U, which is not hidden", s, r)
		}
	})
}

// BenchmarkCheckNote checks a note of the longest length (280
// characters), in Persian with non-joiners and in Latin script.
func BenchmarkCheckNote(b *testing.B) {
	for _, note := range []string{strings.Repeat("kept the money ", 19)[:280], strings.Repeat("می\u200Cخواهم ", 35)} {
		b.Run(fmt.Sprint(utf8.RuneCountInString(note)), func(b *testing.B) {
			for b.Loop() {
				if Check(note) != nil {
					b.Fatal("refused")
				}
			}
		})
	}
}
