package identity

import (
	"bytes"
	"crypto/ed25519"
	"fmt"

	"filippo.io/edwards25519"
)

// CheckSigningKey reports whether pub is a safe Ed25519 public key for a
// card. It returns an error wrapping [ErrWeakKey] unless pub is 32 bytes,
// decodes to a point on the curve, is the canonical encoding of that point
// (re-encoding gives the same bytes, so no key has two spellings), and is
// not of low order (multiplying it by the cofactor 8 does not give the
// identity, so signatures made with it cannot be valid for many messages at
// once).
func CheckSigningKey(pub []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("signing key: %w: %d bytes, want %d", ErrWeakKey, len(pub), ed25519.PublicKeySize)
	}
	p, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return fmt.Errorf("signing key: %w: not a point on the curve", ErrWeakKey)
	}
	if !bytes.Equal(p.Bytes(), pub) {
		return fmt.Errorf("signing key: %w: non-canonical encoding", ErrWeakKey)
	}
	if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return fmt.Errorf("signing key: %w: low-order point", ErrWeakKey)
	}
	return nil
}

// fieldPrime is 2^255 - 19 in little-endian order.
var fieldPrime = [32]byte{
	0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
}

// lowOrderAgeKeys are the canonical encodings (below 2^255 - 19) of the
// X25519 u-coordinates of the points whose order divides 8, on Curve25519
// and on its twist: 0 (order 2), 1 and p-1 (order 4, one on the curve,
// the other on the twist) and the two of order 8 (the curve's points of
// order dividing 8 form a cyclic group of 8, two of each order-8 pair
// sharing a u; the twist's cofactor is 4, so it adds nothing more). They
// are exactly the keys whose X25519 with any clamped scalar (a multiple
// of 8) is all zeros, which is what checking with a scalar
// multiplication found, at about 90 µs a card; an import checks every
// card it brings (TestCheckAgeKeyAgreesWithX25519).
var lowOrderAgeKeys = [...][32]byte{
	{0},
	{1},
	{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
	{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
}

// checkAgeKey returns an error wrapping ErrWeakKey unless u is the canonical
// encoding (below 2^255 - 19) of an X25519 point that is not of low order.
func checkAgeKey(u [32]byte) error {
	if !lessThanLE(u[:], fieldPrime[:]) {
		return fmt.Errorf("age key: %w: non-canonical encoding", ErrWeakKey)
	}
	for _, low := range lowOrderAgeKeys {
		if u == low {
			return fmt.Errorf("age key: %w: low-order point", ErrWeakKey)
		}
	}
	return nil
}

// lessThanLE reports whether a < b, both little-endian numbers of the same
// length.
func lessThanLE(a, b []byte) bool {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
