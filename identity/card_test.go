package identity

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"unicode/utf8"
)

// cardFields describes a card's signed part field by field, so that tests
// can build cards that are wrong in exactly one way.
type cardFields struct {
	version    byte
	created    []byte // raw varint bytes
	signingKey []byte
	ageKey     []byte
	plen       int // -1: len(pseudonym)
	pseudonym  string
}

func fieldsOf(c *Card) cardFields {
	return cardFields{
		version:    cardVersion,
		created:    binary.AppendUvarint(nil, uint64(c.Created.Unix())),
		signingKey: bytes.Clone(c.SigningKey),
		ageKey:     bytes.Clone(c.AgeKey[:]),
		plen:       -1,
		pseudonym:  c.Pseudonym,
	}
}

// signed encodes f and appends a valid signature by id's signing key.
func (f cardFields) signed(id *Identity) []byte {
	b := []byte{f.version}
	b = append(b, f.created...)
	b = append(b, f.signingKey...)
	b = append(b, f.ageKey...)
	if f.plen < 0 {
		b = append(b, byte(len(f.pseudonym)))
	} else {
		b = append(b, byte(f.plen))
	}
	b = append(b, f.pseudonym...)
	sig := id.Sign(append([]byte(cardDomain), b...))
	return append(b, sig...)
}

// textOf returns the text form of arbitrary card bytes.
func textOf(b []byte) string {
	return textPrefix + cardText.EncodeToString(b)
}

func TestFieldsMatchEncoding(t *testing.T) {
	id := testIdentity(t, "fields", 9)
	if got := fieldsOf(id.Card).signed(id); !bytes.Equal(got, id.Card.Bytes()) {
		t.Fatalf("test encoder differs from Card.Bytes:\n%x\n%x", got, id.Card.Bytes())
	}
}

func TestDecodeCardRefuses(t *testing.T) {
	id := testIdentity(t, "Refusal Test", 10)
	good := id.Card.Bytes()
	f := func(change func(*cardFields)) []byte {
		x := fieldsOf(id.Card)
		change(&x)
		return x.signed(id)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		return b
	}
	// S + L is a second, malleable spelling of the same signature.
	sPlusL := bytes.Clone(good)
	{
		s := good[len(good)-32:]
		le := make([]byte, 32)
		for i := range s {
			le[31-i] = s[i]
		}
		n := new(big.Int).SetBytes(le)
		l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
		n.Add(n, l)
		copy(sPlusL[len(good)-32:], le32(n))
	}
	otherKey := bytes.Clone(good)
	copy(otherKey[1+len(fieldsOf(id.Card).created):], testIdentity(t, "y", 20).Card.SigningKey)
	lowOrderAge := mustHex(t, lowOrderX25519[2])
	created := fieldsOf(id.Card).created

	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"nil", nil, ErrMalformed},
		{"version 0", f(func(x *cardFields) { x.version = 0 }), ErrVersion},
		{"version 2", f(func(x *cardFields) { x.version = 2 }), ErrVersion},
		{"version 255", f(func(x *cardFields) { x.version = 255 }), ErrVersion},
		{"oversize", append(bytes.Clone(good), make([]byte, maxCardBytes-len(good)+1)...), ErrTooLarge},
		{"one trailing byte", append(bytes.Clone(good), 0), ErrMalformed},
		{"non-minimal varint", f(func(x *cardFields) {
			x.created = append(bytes.Clone(created), 0)
			x.created[len(created)-1] |= 0x80
		}), ErrMalformed},
		{"zero padded varint", f(func(x *cardFields) { x.created = []byte{0x80, 0x00} }), ErrMalformed},
		{"varint overflow", f(func(x *cardFields) { x.created = bytes.Repeat([]byte{0xff}, 11) }), ErrMalformed},
		{"time after 9999", f(func(x *cardFields) { x.created = binary.AppendUvarint(nil, maxCreated+1) }), ErrMalformed},
		{"time beyond int64", f(func(x *cardFields) { x.created = binary.AppendUvarint(nil, math.MaxUint64) }), ErrMalformed},
		{"pseudonym length past end", f(func(x *cardFields) { x.plen = 64 }), ErrMalformed},
		{"pseudonym length short", f(func(x *cardFields) { x.plen = 3 }), ErrMalformed},
		{"empty pseudonym", f(func(x *cardFields) { x.pseudonym = "" }), ErrPseudonym},
		{"pseudonym 65 bytes", f(func(x *cardFields) { x.pseudonym = strings.Repeat("x", 65) }), ErrTooLarge},
		{"pseudonym 65 bytes is a pseudonym error", f(func(x *cardFields) { x.pseudonym = strings.Repeat("x", 65) }), ErrPseudonym},
		{"pseudonym 41 runes", f(func(x *cardFields) { x.pseudonym = strings.Repeat("x", 41) }), ErrPseudonym},
		{"pseudonym not NFC", f(func(x *cardFields) { x.pseudonym = "Rene\u0301" }), ErrPseudonym},
		{"pseudonym padded", f(func(x *cardFields) { x.pseudonym = " Rene" }), ErrPseudonym},
		{"pseudonym double space", f(func(x *cardFields) { x.pseudonym = "A  B" }), ErrPseudonym},
		{"pseudonym newline", f(func(x *cardFields) { x.pseudonym = "A\nB" }), ErrPseudonym},
		{"pseudonym control", f(func(x *cardFields) { x.pseudonym = "A\x00B" }), ErrPseudonym},
		{"pseudonym bidi override", f(func(x *cardFields) { x.pseudonym = "A\u202eB" }), ErrPseudonym},
		{"pseudonym bad utf-8", f(func(x *cardFields) { x.pseudonym = "A\xffB" }), ErrPseudonym},
		{"low-order signing key", f(func(x *cardFields) { x.signingKey = mustHex(t, lowOrderEd25519[4]) }), ErrWeakKey},
		{"identity signing key", f(func(x *cardFields) { x.signingKey = mustHex(t, lowOrderEd25519[0]) }), ErrWeakKey},
		{"low-order age key", f(func(x *cardFields) { x.ageKey = lowOrderAge }), ErrWeakKey},
		{"zero age key", f(func(x *cardFields) { x.ageKey = make([]byte, 32) }), ErrWeakKey},
		{"signed by someone else", fieldsOf(id.Card).signed(testIdentity(t, "x", 11)), ErrSignature},
		{"changed time", flip(2), ErrSignature},
		{"changed signing key", otherKey, ErrSignature},
		{"changed age key", flip(40), ErrSignature},
		{"changed pseudonym", flip(len(good) - 65), ErrSignature},
		{"changed signature R", flip(len(good) - 64), ErrSignature},
		{"changed signature S", flip(len(good) - 1), ErrSignature},
		{"malleable signature", sPlusL, ErrSignature},
	} {
		c, err := DecodeCard(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			continue
		}
		if c != nil {
			t.Errorf("%s: card returned with error", tc.name)
		}
		if !strings.HasPrefix(err.Error(), "decode card: ") {
			t.Errorf("%s: message %q lacks context", tc.name, err)
		}
		// The text form refuses the same way.
		if len(tc.in) <= maxCardBytes {
			if _, err := ParseCard(textOf(tc.in)); !errors.Is(err, tc.want) {
				t.Errorf("%s as text: got %v, want %v", tc.name, err, tc.want)
			}
		}
	}
}

func TestDecodeCardTruncated(t *testing.T) {
	good := testIdentity(t, "Truncation", 12).Card.Bytes()
	for n := 0; n < len(good); n++ {
		if _, err := DecodeCard(good[:n]); !errors.Is(err, ErrMalformed) {
			t.Errorf("first %d of %d bytes: got %v, want ErrMalformed", n, len(good), err)
		}
	}
}

func TestDecodeCardDoesNotAlias(t *testing.T) {
	b := testIdentity(t, "alias", 13).Card.Bytes()
	c, err := DecodeCard(b)
	if err != nil {
		t.Fatal(err)
	}
	want := c.String()
	for i := range b {
		b[i] = 0
	}
	if c.String() != want {
		t.Fatal("decoded card shares memory with its input")
	}
}

func TestParseCardTolerance(t *testing.T) {
	c := testIdentity(t, "Tolerant Parser", 14).Card
	s := c.String()
	var wrapped strings.Builder
	for i, r := range strings.ToLower(s) {
		if i%7 == 3 {
			wrapped.WriteString(" \r\n\t\u00a0")
		}
		wrapped.WriteRune(r)
	}
	for _, in := range []string{
		s,
		strings.ToLower(s),
		"  " + s + "\n",
		s[:50] + "\n" + s[50:100] + "\r\n" + s[100:],
		wrapped.String(),
		"\ufeff" + s[:40] + "\u200b" + s[40:80] + "\u00ad" + s[80:120] + "\u2060" + s[120:],
	} {
		got, err := ParseCard(in)
		if err != nil {
			t.Errorf("ParseCard(%q): %v", in, err)
			continue
		}
		if got.String() != s {
			t.Errorf("ParseCard(%q) gave a different card", in)
		}
	}
}

func TestParseCardRefuses(t *testing.T) {
	c := testIdentity(t, "Text Refusal", 15).Card
	s := c.String()
	body := s[len(textPrefix):]
	// Find a pseudonym whose card leaves unused bits in the last base32
	// character, to test that they must be zero.
	var padded string
	for n := 1; n <= 8 && padded == ""; n++ {
		cs := testIdentity(t, strings.Repeat("p", n), 16).Card.String()
		if (len(cs)-len(textPrefix))*5%8 != 0 {
			last := strings.IndexByte(base32Alphabet, cs[len(cs)-1])
			padded = cs[:len(cs)-1] + string(base32Alphabet[last|1])
		}
	}
	if padded == "" {
		t.Fatal("no card with unused bits found")
	}
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrMalformed},
		{"only spaces", " \n ", ErrMalformed},
		{"prefix only", "TD1", ErrMalformed},
		{"no prefix", body, ErrMalformed},
		{"other prefix", "XY1" + body, ErrMalformed},
		{"TD without digit", "TDX" + body, ErrMalformed},
		{"version 2", "TD2" + body, ErrVersion},
		{"version 0", "td0" + body, ErrVersion},
		{"version 9", "TD9" + body, ErrVersion},
		{"digit 1 in body", s[:10] + "1" + s[11:], ErrMalformed},
		{"digit 8 in body", s[:10] + "8" + s[11:], ErrMalformed},
		{"padding", s + "=", ErrMalformed},
		{"punctuation", s[:20] + "-" + s[21:], ErrMalformed},
		{"non-ASCII", s[:20] + "Ä" + s[21:], ErrMalformed},
		{"bad length", s[:len(s)-1], ErrMalformed},
		{"unused bits set", padded, ErrMalformed},
		{"one character changed", s[:len(s)-5] + string(base32Alphabet[(strings.IndexByte(base32Alphabet, s[len(s)-5])+1)%32]) + s[len(s)-4:], ErrSignature},
		{"text too long", s + strings.Repeat("A", maxCardText-len(s)+1), ErrTooLarge},
		{"input too long", s + strings.Repeat(" ", maxCardInput), ErrTooLarge},
		{"binary too long", textOf(make([]byte, maxCardBytes+1)), ErrTooLarge},
	} {
		if _, err := ParseCard(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// qrAlphanumeric is the character set of the QR alphanumeric mode.
const qrAlphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

func TestCardTextLength(t *testing.T) {
	for _, tc := range []struct {
		name, pseudonym string
		max             int // 0: only reported
	}{
		{"20 ASCII characters", "Mirelda Oakthorn 123", 300},
		{"20 two-byte characters", "МирелдаОкторновичЖуя", 300},
		{"20 accented Latin characters", "Zoë Ångström Ñúñez É", 300},
		{"20 three-byte characters", "山田太郎山田太郎山田太郎山田太郎山田太郎", 0},
		{"40 ASCII characters", strings.Repeat("m", 40), 0},
		{"64 bytes", strings.Repeat("é", 32), maxCardText},
	} {
		id := testIdentity(t, tc.pseudonym, 17)
		if n := utf8.RuneCountInString(id.Card.Pseudonym); tc.max == 300 && n != 20 {
			t.Fatalf("%s: %d characters", tc.name, n)
		}
		s := id.Card.String()
		t.Logf("%s (%d bytes): card is %d bytes, text %d characters", tc.name, len(id.Card.Pseudonym), len(id.Card.Bytes()), len(s))
		if tc.max > 0 && len(s) > tc.max {
			t.Errorf("%s: text is %d characters, at most %d", tc.name, len(s), tc.max)
		}
		if !strings.HasPrefix(s, "TD1") {
			t.Errorf("%s: text %q lacks the TD1 prefix", tc.name, s)
		}
		for _, r := range s {
			if !strings.ContainsRune(qrAlphanumeric, r) || r == ' ' {
				t.Fatalf("%s: character %q is not QR alphanumeric", tc.name, r)
			}
		}
	}
}

func TestLargestCardFitsLimits(t *testing.T) {
	// The largest card has the latest time and a 64-byte pseudonym.
	id := testIdentity(t, "x", 18)
	f := fieldsOf(id.Card)
	f.created = binary.AppendUvarint(nil, maxCreated)
	f.pseudonym = strings.Repeat("é", 32)
	b := f.signed(id)
	c, err := DecodeCard(b)
	if err != nil {
		t.Fatal(err)
	}
	if c.Created.Year() != 9999 || c.Created.Unix() != maxCreated {
		t.Fatalf("created %v", c.Created)
	}
	if len(b) != 200 || len(b) > maxCardBytes {
		t.Errorf("largest card is %d bytes, want 200 (limit %d)", len(b), maxCardBytes)
	}
	if s := c.String(); len(s) != 323 || len(s) > maxCardText {
		t.Errorf("largest card is %d characters, want 323 (limit %d)", len(s), maxCardText)
	}
	if _, err := ParseCard(c.String()); err != nil {
		t.Fatal(err)
	}
}

func TestCardBytesPanicsOnBadFields(t *testing.T) {
	c := *testIdentity(t, "panic", 19).Card
	for name, change := range map[string]func(c *Card){
		"short signing key": func(c *Card) { c.SigningKey = c.SigningKey[:31] },
		"short signature":   func(c *Card) { c.Signature = c.Signature[:63] },
		"huge pseudonym":    func(c *Card) { c.Pseudonym = strings.Repeat("x", 256) },
	} {
		d := c
		change(&d)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Bytes did not panic", name)
				}
			}()
			d.Bytes()
		}()
	}
}

// TestDecodeStoredCard: DecodeStoredCard reads what DecodeCard reads and
// refuses the same damaged encodings, but does not check the keys or the
// self-signature again (it is for cards checked before they were stored):
// a card whose signature changed is read, and DecodeCard still refuses it.
func TestDecodeStoredCard(t *testing.T) {
	id := testIdentity(t, "Stored", 14)
	good := id.Card.Bytes()
	if c, err := DecodeStoredCard(good); err != nil || c.String() != id.Card.String() {
		t.Fatalf("DecodeStoredCard = %v, %v", c, err)
	}
	for n := 0; n < len(good); n++ {
		if _, err := DecodeStoredCard(good[:n]); !errors.Is(err, ErrMalformed) {
			t.Errorf("first %d of %d bytes: got %v, want ErrMalformed", n, len(good), err)
		}
	}
	version := bytes.Clone(good)
	version[0] = 2
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"version 2", version, ErrVersion},
		{"one trailing byte", append(bytes.Clone(good), 0), ErrMalformed},
		{"oversize", append(bytes.Clone(good), make([]byte, maxCardBytes-len(good)+1)...), ErrTooLarge},
	} {
		if c, err := DecodeStoredCard(tc.in); !errors.Is(err, tc.want) || c != nil {
			t.Errorf("%s: got %v, %v, want %v", tc.name, c, err, tc.want)
		}
	}
	changed := bytes.Clone(good)
	changed[len(changed)-1] ^= 0x01
	if _, err := DecodeStoredCard(changed); err != nil {
		t.Errorf("a stored card is checked again: %v", err)
	}
	if _, err := DecodeCard(changed); !errors.Is(err, ErrSignature) {
		t.Errorf("DecodeCard after DecodeStoredCard read the same bytes: %v, want ErrSignature", err)
	}
}
