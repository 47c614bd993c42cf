// Package plaintext decides which characters a name, note or tag may hold,
// so that two different texts never look the same and no text changes the
// direction of what is shown after it.
//
// # The rule
//
// [Hidden] finds the first character that is invisible or changes text
// direction:
//
//   - every format character (Unicode category Cf): zero-width space and
//     joiners U+200B–U+200D, direction marks U+200E–U+200F and U+061C,
//     embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069,
//     invisible operators U+2060–U+2064, the byte order mark U+FEFF, soft
//     hyphen, tag characters and the rest of the category;
//   - the other default-ignorable characters (Hangul fillers U+115F, U+1160,
//     U+3164, U+FFA0, the combining grapheme joiner U+034F, …) and the
//     variation selectors, which draw nothing;
//   - private-use characters and noncharacters, which no font agrees on;
//   - the line and paragraph separators U+2028 and U+2029, which break a
//     line where the reader expects none, and the blank Braille pattern
//     U+2800, which draws nothing but is not a space.
//
// Control characters (tabs, line breaks) are left to the caller: a note may
// hold a line break, a name may not.
//
// # Joiners in real scripts
//
// The zero-width non-joiner U+200C and joiner U+200D are part of correct
// spelling in some scripts: Persian writes "می‌خواهم" with a non-joiner, and
// the Indic scripts use both after a virama to choose between a conjunct and
// a visible virama. There they change what is drawn, so they cannot make
// two names look alike. They are allowed only in that place, following
// the contextual rules of IDNA (RFC 5892, appendix A.1 and A.2):
//
//   - either joiner right after a virama (canonical combining class 9) and
//     before a letter or mark;
//   - the non-joiner between two letters of a joining script (Arabic,
//     Syriac, N'Ko, Mongolian) where the letter before it can join to the
//     left, so that it breaks a join that would otherwise be drawn.
//
// Anywhere else (between Latin letters, at either end, next to another
// joiner, after an Arabic letter that never joins to the left) they draw
// nothing and are refused. Emoji sequences built with a joiner are refused
// too.
//
// Likewise a variation selector is allowed only right after a symbol
// (category So: "❤️" asks for the colour emoji) or a Han ideograph (the
// ideographic variants of Japanese names), where it changes the glyph;
// after a letter ("Mir" followed by U+FE0F) it draws nothing.
package plaintext

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/rangetable"
)

// ErrHidden means a text holds a character that is invisible or changes
// the direction of the text.
var ErrHidden = errors.New("invisible or direction-changing character")

const (
	zwnj = '\u200C'
	zwj  = '\u200D'
)

// joiningScripts are the scripts whose letters join to their neighbours.
var joiningScripts = []*unicode.RangeTable{unicode.Arabic, unicode.Syriac, unicode.Nko, unicode.Mongolian}

// rightJoiningOnly lists the Arabic letters that never join to the letter
// after them (joining type R or U in ArabicShaping.txt): a non-joiner after
// them draws nothing.
var rightJoiningOnly = &unicode.RangeTable{R16: []unicode.Range16{
	{Lo: 0x0621, Hi: 0x0625, Stride: 1},
	{Lo: 0x0627, Hi: 0x0627, Stride: 1},
	{Lo: 0x0629, Hi: 0x0629, Stride: 1},
	{Lo: 0x062F, Hi: 0x0632, Stride: 1},
	{Lo: 0x0648, Hi: 0x0648, Stride: 1},
	{Lo: 0x0671, Hi: 0x0677, Stride: 1},
	{Lo: 0x0688, Hi: 0x0699, Stride: 1},
	{Lo: 0x06C0, Hi: 0x06C0, Stride: 1},
	{Lo: 0x06C3, Hi: 0x06CB, Stride: 1},
	{Lo: 0x06CD, Hi: 0x06CD, Stride: 1},
	{Lo: 0x06CF, Hi: 0x06CF, Stride: 1},
	{Lo: 0x06D2, Hi: 0x06D5, Stride: 1},
	{Lo: 0x06EE, Hi: 0x06EF, Stride: 1},
	{Lo: 0x0710, Hi: 0x0710, Stride: 1}, // Syriac alaph
	{Lo: 0x0715, Hi: 0x0719, Stride: 1},
	{Lo: 0x071E, Hi: 0x071E, Stride: 1},
	{Lo: 0x0728, Hi: 0x0728, Stride: 1},
	{Lo: 0x072A, Hi: 0x072A, Stride: 1},
	{Lo: 0x072C, Hi: 0x072C, Stride: 1},
	{Lo: 0x072F, Hi: 0x072F, Stride: 1},
}}

// Hidden returns the first character of s that is invisible or changes
// text direction (see the package documentation) and true, or 0 and false
// if there is none. Invalid UTF-8 is the caller's to refuse; its bytes are
// not reported here.
func Hidden(s string) (rune, bool) {
	for i, r := range s {
		if hidden(r) && !((r == zwnj || r == zwj) && joinerAllowed(s, i, r)) &&
			!(unicode.Is(unicode.Variation_Selector, r) && selectorAllowed(s, i)) {
			return r, true
		}
	}
	return 0, false
}

// Check returns an error wrapping [ErrHidden] that names the first hidden
// character of s, or nil.
func Check(s string) error {
	if r, ok := Hidden(s); ok {
		return fmt.Errorf("%w %U", ErrHidden, r)
	}
	return nil
}

func hidden(r rune) bool {
	if r < 0xAD { // ASCII and most of Latin-1: the first one is the soft hyphen
		return false
	}
	return unicode.Is(hiddenTable, r)
}

// hiddenTable holds every character [hidden] refuses, in one table so that
// a character is looked up once.
var hiddenTable = rangetable.Merge(unicode.Cf, unicode.Co, unicode.Other_Default_Ignorable_Code_Point,
	unicode.Variation_Selector, unicode.Noncharacter_Code_Point, unicode.Zl, unicode.Zp,
	&unicode.RangeTable{R16: []unicode.Range16{{Lo: 0x2800, Hi: 0x2800, Stride: 1}}})

// selectorAllowed reports whether the variation selector at byte offset i
// of s follows a symbol (an emoji such as ❤️ drawn in colour) or a Han
// ideograph (a variant of a name's character): there it changes the glyph.
func selectorAllowed(s string, i int) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	return before != utf8.RuneError && unicode.In(before, unicode.So, unicode.Han)
}

// joinerAllowed reports whether the joiner j at byte offset i of s stands
// where a script needs it.
func joinerAllowed(s string, i int, j rune) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(j):])
	if before == utf8.RuneError || after == utf8.RuneError {
		return false // at either end
	}
	if norm.NFC.PropertiesString(string(before)).CCC() == 9 {
		return unicode.In(after, unicode.L, unicode.M)
	}
	if j != zwnj {
		return false
	}
	// Skip the vowel marks written over or under the letter before.
	k := i
	for k > 0 && unicode.Is(unicode.Mn, before) {
		k -= utf8.RuneLen(before)
		before, _ = utf8.DecodeLastRuneInString(s[:k])
	}
	return unicode.IsLetter(before) && unicode.IsLetter(after) &&
		unicode.In(before, joiningScripts...) && unicode.In(after, joiningScripts...) &&
		!unicode.Is(rightJoiningOnly, before)
}
