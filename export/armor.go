package export

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"filippo.io/age/armor"
)

// Armor returns the ASCII armor of a binary sync file (age's armor: PEM with
// type "AGE ENCRYPTED FILE", 64 columns), for pasting into a messenger or an
// e-mail. The age tool reads it as it is.
func Armor(b []byte) ([]byte, error) {
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("armor sync file: %w: %d bytes", ErrTooLarge, len(b))
	}
	if !bytes.HasPrefix(b, []byte(ageMagic)) {
		return nil, fmt.Errorf("armor sync file: %w: not an age file", ErrDamaged)
	}
	var buf bytes.Buffer
	buf.Grow(len(b)*4/3 + len(b)/48 + 128)
	w := armor.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PasteNote is the plain line that [ArmorWithNote] puts above the armor, so
// that a person who receives the text in a messenger knows what it is and
// what to do with it. It names nobody: the messenger sees it.
const PasteNote = "trustdesk sync file. To take it in: open trustdesk, choose Sync, then Paste text under Receive."

// ArmorWithNote returns [PasteNote], a line break and the armor of b
// ([Armor]): the text the app copies for pasting into a messenger.
// [Dearmor] ignores the note; the block under it is unchanged age armor.
func ArmorWithNote(b []byte) ([]byte, error) {
	text, err := Armor(b)
	if err != nil {
		return nil, err
	}
	return append([]byte(PasteNote+"\n"), text...), nil
}

// isNoise reports whether r is a character that messengers and editors add
// to pasted text without meaning: white space, line and paragraph
// separators, no-break spaces, zero-width characters and byte order marks.
func isNoise(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f',
		'\u00a0', // no-break space
		'\u200b', // zero width space
		'\u200c', // zero width non-joiner
		'\u200d', // zero width joiner
		'\u2028', // line separator
		'\u2029', // paragraph separator
		'\u202f', // narrow no-break space
		'\u2060', // word joiner
		'\ufeff': // byte order mark, zero width no-break space
		return true
	}
	return false
}

// Dearmor returns the binary sync file in data. Binary files are returned as
// they are; armored text is decoded.
//
// Armored text is accepted the way messengers deliver it: with white space,
// line breaks (of any kind, anywhere, including none), no-break and
// zero-width spaces before, after and inside the block, and [PasteNote]
// before the begin line. Everything else is refused with ErrDamaged: other
// text before the begin line or text after the end line,
// a second block, header lines, any character outside the base64 alphabet,
// missing or wrong padding. Input over MaxArmoredSize, or decoding to more
// than MaxFileSize, is refused with ErrTooLarge before it is decoded.
func Dearmor(data []byte) ([]byte, error) {
	if bytes.HasPrefix(data, []byte(ageMagic)) {
		if len(data) > MaxFileSize {
			return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(data), MaxFileSize)
		}
		return data, nil
	}
	if len(data) > MaxArmoredSize {
		return nil, fmt.Errorf("%w: %d bytes of text, the limit is %d", ErrTooLarge, len(data), MaxArmoredSize)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: neither a sync file nor its text", ErrDamaged)
	}
	text := strings.TrimFunc(string(data), isNoise)
	if rest, ok := strings.CutPrefix(text, PasteNote); ok {
		text = strings.TrimLeftFunc(rest, isNoise)
	}
	body, ok := strings.CutPrefix(text, armor.Header)
	if !ok {
		return nil, fmt.Errorf("%w: neither a sync file nor its text", ErrDamaged)
	}
	body, ok = strings.CutSuffix(body, armor.Footer)
	if !ok {
		return nil, fmt.Errorf("%w: the text does not end with its end line", ErrDamaged)
	}
	clean := make([]byte, 0, len(body))
	for _, r := range body {
		switch {
		case isNoise(r):
		case r < utf8.RuneSelf && isBase64(byte(r)):
			clean = append(clean, byte(r))
		default:
			return nil, fmt.Errorf("%w: unexpected character %q in the text", ErrDamaged, r)
		}
	}
	if base64.StdEncoding.DecodedLen(len(clean)) > MaxFileSize+2 {
		return nil, fmt.Errorf("%w: the text holds over %d bytes", ErrTooLarge, MaxFileSize)
	}
	bin := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Strict().Decode(bin, clean)
	if err != nil {
		return nil, fmt.Errorf("%w: text: %v", ErrDamaged, err)
	}
	bin = bin[:n]
	if len(bin) > MaxFileSize {
		return nil, fmt.Errorf("%w: the text holds %d bytes, the limit is %d", ErrTooLarge, len(bin), MaxFileSize)
	}
	if !bytes.HasPrefix(bin, []byte(ageMagic)) {
		return nil, fmt.Errorf("%w: the text holds no sync file", ErrDamaged)
	}
	return bin, nil
}

func isBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '+' || c == '/' || c == '='
}
