package identity

import (
	"crypto/sha512"
	"encoding/binary"
	"strings"
)

const (
	// safetyVersion is the 2-byte fingerprint version hashed first.
	safetyVersion = 1
	// safetyIterations is the number of SHA-512 iterations per card, as
	// in Signal's safety numbers.
	safetyIterations = 5200
)

// SafetyCode returns the safety code of two cards: 60 decimal digits in 12
// groups of 5 separated by single spaces, such as
// "12345 67890 ... 24680". It is symmetric, SafetyCode(a, b) ==
// SafetyCode(b, a), so both people see the same code on their own devices,
// and it changes if either card's signing key or age key changes. The
// pseudonym and creation time do not enter the code.
//
// The construction follows Signal's safety numbers. For each card, with K
// its signing key followed by its age key,
//
//	h = version (2 bytes, big endian, 1) || K || ID
//	repeat 5200 times: h = SHA-512(h || K)
//
// and the first 30 bytes of h, read as six 5-byte big-endian numbers each
// taken modulo 100000 and written with 5 digits, give the card's 30-digit
// fingerprint. The two fingerprints are sorted and joined.
func SafetyCode(a, b *Card) string {
	fa, fb := fingerprint(a), fingerprint(b)
	if fb < fa {
		fa, fb = fb, fa
	}
	digits := fa + fb
	var sb strings.Builder
	sb.Grow(len(digits) + len(digits)/5)
	for i := 0; i < len(digits); i += 5 {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(digits[i : i+5])
	}
	return sb.String()
}

// fingerprint returns the 30-digit fingerprint of one card.
func fingerprint(c *Card) string {
	key := make([]byte, 0, len(c.SigningKey)+len(c.AgeKey))
	key = append(key, c.SigningKey...)
	key = append(key, c.AgeKey[:]...)
	id := c.ID()

	h := sha512.New()
	sum := make([]byte, 0, sha512.Size)
	sum = binary.BigEndian.AppendUint16(sum, safetyVersion)
	sum = append(sum, key...)
	sum = append(sum, id[:]...)
	for range safetyIterations {
		h.Reset()
		h.Write(sum)
		h.Write(key)
		sum = h.Sum(sum[:0])
	}

	out := make([]byte, 0, 30)
	for i := 0; i < 30; i += 5 {
		var chunk uint64
		for _, x := range sum[i : i+5] {
			chunk = chunk<<8 | uint64(x)
		}
		chunk %= 100000
		out = append(out,
			byte('0'+chunk/10000%10), byte('0'+chunk/1000%10), byte('0'+chunk/100%10),
			byte('0'+chunk/10%10), byte('0'+chunk%10))
	}
	return string(out)
}
