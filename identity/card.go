package identity

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"

	"filippo.io/age"
)

const (
	// cardVersion is the first byte of every card this package writes.
	cardVersion = 1
	// cardDomain is prepended to the signed part of a card before signing.
	cardDomain = "trustdesk/card/v1\x00"
	// idDomain is prepended to the keys when computing an ID.
	idDomain = "trustdesk/id/v1\x00"
	// textPrefix starts the text form of a version-1 card.
	textPrefix = "TD1"

	// maxCardBytes bounds the binary input DecodeCard looks at. The
	// largest valid card is 1+6+32+32+1+64+64 = 200 bytes.
	maxCardBytes = 256
	// maxCardText bounds the text form after white space is removed. The
	// largest valid card is 3+320 = 323 characters.
	maxCardText = 420
	// maxCreated is the latest creation time a card may carry, the last
	// second of the year 9999, so that every time survives a round trip
	// through time.Time.
	maxCreated = 253402300799
	// maxCardInput bounds the raw text ParseCard accepts, white space
	// included, so that stripping it costs little.
	maxCardInput = 4096
)

// cardText is the base32 alphabet of the text form: upper case, no padding.
var cardText = base32.StdEncoding.WithPadding(base32.NoPadding)

// An ID identifies a card by its two public keys: the first 16 bytes of
// SHA-256("trustdesk/id/v1\x00" || signing key || age key). Cards with the
// same keys have the same ID whatever their pseudonym or creation time.
type ID [16]byte

// String returns id as 32 lower-case hexadecimal characters.
func (id ID) String() string {
	return hex.EncodeToString(id[:])
}

// ParseID parses the 32 hexadecimal characters written by [ID.String], in
// either letter case and with surrounding white space. Other input is
// refused with an error wrapping [ErrMalformed].
func ParseID(s string) (ID, error) {
	var id ID
	s = strings.TrimSpace(s)
	if len(s) != 2*len(id) {
		return ID{}, fmt.Errorf("parse id: %w: %d characters, want %d", ErrMalformed, len(s), 2*len(id))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return ID{}, fmt.Errorf("parse id: %w: not hexadecimal", ErrMalformed)
	}
	return id, nil
}

// A Card is the public part of an [Identity]: what people exchange and
// verify face to face. Cards returned by [DecodeCard], [ParseCard] and [New]
// have passed every check; a Card built or changed by hand is only as good
// as its fields.
type Card struct {
	// Pseudonym is the name the owner chose, in the normal form of
	// [NormalizePseudonym].
	Pseudonym string
	// SigningKey is the owner's Ed25519 public key, 32 bytes, canonical and
	// not of low order (see [CheckSigningKey]).
	SigningKey ed25519.PublicKey
	// AgeKey is the owner's X25519 public key, to which sync files are
	// encrypted (see [Card.Recipient]).
	AgeKey [32]byte
	// Created is when the card was made, in whole seconds, UTC.
	Created time.Time
	// Signature is the owner's 64-byte Ed25519 signature over the domain
	// tag "trustdesk/card/v1\x00" followed by the encoded card up to the
	// signature.
	Signature []byte
}

// ID returns the card's [ID], computed from its two public keys.
func (c *Card) ID() ID {
	h := sha256.New()
	h.Write([]byte(idDomain))
	h.Write(c.SigningKey)
	h.Write(c.AgeKey[:])
	var id ID
	copy(id[:], h.Sum(nil))
	return id
}

// signedPart appends the encoding of everything but the signature to b.
// It panics if a field does not fit the format, which cannot happen for a
// card made by New or decoded by DecodeCard.
func (c *Card) signedPart(b []byte) []byte {
	if len(c.SigningKey) != ed25519.PublicKeySize {
		panic("identity: card signing key is not 32 bytes")
	}
	if len(c.Pseudonym) > math.MaxUint8 {
		panic("identity: card pseudonym is longer than 255 bytes")
	}
	b = append(b, cardVersion)
	b = binary.AppendUvarint(b, uint64(c.Created.Unix()))
	b = append(b, c.SigningKey...)
	b = append(b, c.AgeKey[:]...)
	b = append(b, byte(len(c.Pseudonym)))
	b = append(b, c.Pseudonym...)
	return b
}

// signedMessage returns the bytes the self-signature covers.
func (c *Card) signedMessage() []byte {
	return c.signedPart(append(make([]byte, 0, 256), cardDomain...))
}

// Bytes returns the canonical binary encoding of the card, signature
// included, as described in the package documentation. It panics if the
// signing key is not 32 bytes or the signature not 64 bytes.
func (c *Card) Bytes() []byte {
	if len(c.Signature) != ed25519.SignatureSize {
		panic("identity: card signature is not 64 bytes")
	}
	b := c.signedPart(make([]byte, 0, 256))
	return append(b, c.Signature...)
}

// String returns the text form of the card: "TD1" followed by [Card.Bytes]
// in upper-case base32 without padding. It uses only characters of the QR
// alphanumeric set.
func (c *Card) String() string {
	return textPrefix + cardText.EncodeToString(c.Bytes())
}

// Recipient returns the card's age key as an age recipient, to encrypt
// files that only the card's owner can read.
func (c *Card) Recipient() *age.X25519Recipient {
	r, err := age.ParseX25519Recipient(bech32Encode("age", c.AgeKey[:]))
	if err != nil {
		// A 32-byte key always encodes to a valid recipient.
		panic("identity: cannot encode age recipient: " + err.Error())
	}
	return r
}

// VerifySignature reports whether sig is a valid Ed25519 signature of msg by
// the card's signing key. Callers add and check their own domain tags.
func (c *Card) VerifySignature(msg, sig []byte) bool {
	if len(c.SigningKey) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(c.SigningKey, msg, sig)
}

// DecodeCard decodes and fully checks the binary encoding written by
// [Card.Bytes]. It refuses input over 256 bytes ([ErrTooLarge]), another
// version ([ErrVersion]), damaged or non-canonical encodings
// ([ErrMalformed]), pseudonyms not in normal form ([ErrPseudonym]), weak
// keys ([ErrWeakKey]) and a self-signature that does not match
// ([ErrSignature]). The returned card does not share memory with b.
func DecodeCard(b []byte) (*Card, error) {
	if c := lookupChecked(b); c != nil {
		return c, nil
	}
	c, err := decodeCard(b)
	if err != nil {
		return nil, fmt.Errorf("decode card: %w", err)
	}
	rememberChecked(b, c)
	return c, nil
}

// DecodeStoredCard decodes the binary encoding of a card that passed
// [DecodeCard] before and was kept since where nobody else can alter it
// (inside this device's encrypted store). It checks the encoding as
// DecodeCard does, but not the pseudonym's form, the keys or the
// self-signature: those checks cost about a quarter of a millisecond a
// card, and a store can hold tens of thousands of cards that others
// published. Never give it bytes from outside.
func DecodeStoredCard(b []byte) (*Card, error) {
	if c := lookupChecked(b); c != nil {
		return c, nil
	}
	c, err := parseCard(b, false)
	if err != nil {
		return nil, fmt.Errorf("decode card: %w", err)
	}
	return c, nil
}

// decodeCard is DecodeCard without the context prefix on errors.
func decodeCard(b []byte) (*Card, error) { return parseCard(b, true) }

// parseCard decodes b, with every check of DecodeCard if check is set,
// else only those of the encoding.
func parseCard(b []byte, check bool) (*Card, error) {
	if len(b) > maxCardBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), maxCardBytes)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if b[0] != cardVersion {
		return nil, fmt.Errorf("%w: version %d", ErrVersion, b[0])
	}
	rest := b[1:]
	created, n := binary.Uvarint(rest)
	if n <= 0 {
		return nil, fmt.Errorf("%w: bad creation time", ErrMalformed)
	}
	if n != varintLen(created) {
		return nil, fmt.Errorf("%w: creation time is not minimally encoded", ErrMalformed)
	}
	if created > maxCreated {
		return nil, fmt.Errorf("%w: creation time after the year 9999", ErrMalformed)
	}
	rest = rest[n:]
	if len(rest) < 32+32+1 {
		return nil, fmt.Errorf("%w: truncated", ErrMalformed)
	}
	c := &Card{
		Created:    time.Unix(int64(created), 0).UTC(),
		SigningKey: ed25519.PublicKey(append([]byte(nil), rest[:32]...)),
	}
	copy(c.AgeKey[:], rest[32:64])
	plen := int(rest[64])
	rest = rest[65:]
	if plen > maxPseudonymBytes {
		return nil, fmt.Errorf("%w: %w (%d bytes, at most %d)", ErrPseudonym, ErrTooLarge, plen, maxPseudonymBytes)
	}
	if len(rest) < plen+ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: truncated", ErrMalformed)
	}
	if len(rest) > plen+ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: %d unexpected bytes at the end", ErrMalformed, len(rest)-plen-ed25519.SignatureSize)
	}
	c.Pseudonym = string(rest[:plen])
	c.Signature = append([]byte(nil), rest[plen:]...)
	if !check {
		return c, nil
	}
	if norm, err := NormalizePseudonym(c.Pseudonym); err != nil {
		return nil, err
	} else if norm != c.Pseudonym {
		return nil, fmt.Errorf("%w: not in normal form", ErrPseudonym)
	}
	if err := CheckSigningKey(c.SigningKey); err != nil {
		return nil, err
	}
	if err := checkAgeKey(c.AgeKey); err != nil {
		return nil, err
	}
	if !ed25519.Verify(c.SigningKey, c.signedMessage(), c.Signature) {
		return nil, ErrSignature
	}
	return c, nil
}

// varintLen returns the length of the minimal unsigned varint encoding of v.
func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// ParseCard parses and fully checks the text form written by
// [Card.String]. White space and invisible format characters (such as
// zero-width spaces and soft hyphens) anywhere in text are ignored, and
// letters may be in any case, because messengers wrap and change long
// lines. Text without the "TD1" prefix is refused: with [ErrVersion] if it
// starts with "TD" and another digit, otherwise with [ErrMalformed]. Text
// longer than any card can be (over 420 characters once white space is
// removed, or over 4096 bytes in all) is refused with [ErrTooLarge] before
// it is decoded. The binary content is then checked as by [DecodeCard].
func ParseCard(text string) (*Card, error) {
	if len(text) > maxCardInput {
		return nil, fmt.Errorf("parse card: %w: %d bytes of text", ErrTooLarge, len(text))
	}
	var sb strings.Builder
	sb.Grow(len(text))
	for _, r := range text {
		switch {
		case unicode.IsSpace(r) || unicode.Is(unicode.Cf, r):
			// White space and invisible format characters (zero-width
			// spaces, soft hyphens, byte order marks) that messengers
			// insert into long words.
		case 'a' <= r && r <= 'z':
			sb.WriteRune(r - 'a' + 'A')
		default:
			sb.WriteRune(r)
		}
	}
	s := sb.String()
	if len(s) > maxCardText {
		return nil, fmt.Errorf("parse card: %w: %d characters, at most %d", ErrTooLarge, len(s), maxCardText)
	}
	if !strings.HasPrefix(s, textPrefix) {
		if len(s) >= 3 && s[:2] == "TD" && '0' <= s[2] && s[2] <= '9' {
			return nil, fmt.Errorf("parse card: %w: prefix %q", ErrVersion, s[:3])
		}
		return nil, fmt.Errorf("parse card: %w: does not start with %q", ErrMalformed, textPrefix)
	}
	b, err := cardText.DecodeString(s[len(textPrefix):])
	if err != nil {
		return nil, fmt.Errorf("parse card: %w: not valid base32", ErrMalformed)
	}
	// Refuse unused bits that are not zero, so that every card has exactly
	// one spelling.
	if cardText.EncodeToString(b) != s[len(textPrefix):] {
		return nil, fmt.Errorf("parse card: %w: not canonical base32", ErrMalformed)
	}
	c, err := decodeCard(b)
	if err != nil {
		return nil, fmt.Errorf("parse card: %w", err)
	}
	return c, nil
}
