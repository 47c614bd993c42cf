package identity

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"strings"
)

const (
	// safetyVersion is the 2-byte version hashed first, for each card and
	// again for the pair.
	safetyVersion = 2
	// safetyIterations is the number of SHA-512 iterations per card, as
	// in Signal's safety numbers.
	safetyIterations = 5200
)

// safetyPairLabel separates the hash of the pair from any other hash.
const safetyPairLabel = "trustdesk safety code"

// SafetyCode returns the safety code of two cards: 60 decimal digits in 12
// groups of 5 separated by single spaces, such as
// "12345 67890 ... 24680". It is symmetric, SafetyCode(a, b) ==
// SafetyCode(b, a), so both people see the same code on their own devices,
// and it changes if either card's signing key or age key changes. Every
// group depends on both cards, so two people who compare only the first
// groups still compare both cards, and one person's codes with two
// different contacts have nothing in common. The pseudonym and creation
// time do not enter the code.
//
// For each card, with K its signing key followed by its age key, as in
// Signal's safety numbers,
//
//	h = version (2 bytes, big endian, 2) || K || ID
//	repeat 5200 times: h = SHA-512(h || K)
//
// gives the card's 64-byte fingerprint. With f1 ≤ f2 the two fingerprints
// in byte order,
//
//	p = SHA-512("trustdesk safety code" || version (2 bytes, 2) || f1 || f2)
//
// and the first 60 bytes of p, read as twelve 5-byte big-endian numbers
// each taken modulo 100000 and written with 5 digits, are the code.
// (Version 1 joined two 30-digit fingerprints, one per card, so half of
// every code was the same for all of one person's contacts.)
func SafetyCode(a, b *Card) string {
	fa, fb := fingerprint(a), fingerprint(b)
	if bytes.Compare(fb, fa) < 0 {
		fa, fb = fb, fa
	}
	h := sha512.New()
	h.Write([]byte(safetyPairLabel))
	h.Write(binary.BigEndian.AppendUint16(nil, safetyVersion))
	h.Write(fa)
	h.Write(fb)
	sum := h.Sum(nil)

	var sb strings.Builder
	sb.Grow(12*5 + 11)
	for i := 0; i < 60; i += 5 {
		if i > 0 {
			sb.WriteByte(' ')
		}
		var chunk uint64
		for _, x := range sum[i : i+5] {
			chunk = chunk<<8 | uint64(x)
		}
		chunk %= 100000
		sb.Write([]byte{
			byte('0' + chunk/10000%10), byte('0' + chunk/1000%10), byte('0' + chunk/100%10),
			byte('0' + chunk/10%10), byte('0' + chunk%10)})
	}
	return sb.String()
}

// fingerprint returns the 64-byte fingerprint of one card.
func fingerprint(c *Card) []byte {
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
	return sum
}
