package identity

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"trustdesk/internal/plaintext"
)

// Limits on a pseudonym after normalization.
const (
	maxPseudonymRunes = 40
	maxPseudonymBytes = 64
)

// NormalizePseudonym returns the canonical form of a pseudonym, or an error
// wrapping [ErrPseudonym] if s cannot be one.
//
// Normalization trims white space at both ends, replaces every run of
// white space inside the name by a single space and converts the result to
// Unicode Normalization Form C, so that names that look the same are
// encoded the same. The result must be valid UTF-8 of 1 to 40 characters
// and at most 64 bytes, and must not contain control characters or line
// breaks, nor characters that are invisible or change the direction of the
// text (zero-width spaces, direction overrides, Hangul fillers, ...; see
// [plaintext.Hidden], which allows a zero-width joiner or non-joiner only
// where a script such as Persian or Devanagari spells with it).
//
// Cards only carry normalized pseudonyms: [DecodeCard] refuses a card whose
// pseudonym differs from its normal form.
func NormalizePseudonym(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrPseudonym)
	}
	// Reject the characters before anything else: strings.Fields would
	// silently turn a newline into a space.
	for _, r := range s {
		if r == '\t' || r == ' ' {
			continue
		}
		switch {
		case r == '\n' || r == '\r' || r == '\v' || r == '\f' ||
			r == 0x85 || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r):
			return "", fmt.Errorf("%w: contains a line break", ErrPseudonym)
		case unicode.IsControl(r):
			return "", fmt.Errorf("%w: contains the invisible or control character %U", ErrPseudonym, r)
		}
	}
	s = norm.NFC.String(strings.Join(strings.Fields(s), " "))
	if r, ok := plaintext.Hidden(s); ok {
		return "", fmt.Errorf("%w: contains the invisible or control character %U", ErrPseudonym, r)
	}
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrPseudonym)
	}
	if n := utf8.RuneCountInString(s); n > maxPseudonymRunes {
		return "", fmt.Errorf("%w: %d characters, at most %d", ErrPseudonym, n, maxPseudonymRunes)
	}
	if len(s) > maxPseudonymBytes {
		return "", fmt.Errorf("%w: %d bytes, at most %d", ErrPseudonym, len(s), maxPseudonymBytes)
	}
	return s, nil
}
