package identity

import (
	"bytes"
	"crypto/ed25519"
	"fmt"

	"filippo.io/edwards25519"
	"golang.org/x/crypto/curve25519"
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

// probeScalar is a fixed X25519 scalar used to detect low-order age keys.
// X25519 clamps every scalar to a multiple of the cofactor 8, so the shared
// secret with any point of order 1, 2, 4 or 8 is all zeros, which
// curve25519.X25519 reports as an error.
var probeScalar = [32]byte{
	0x74, 0x72, 0x75, 0x73, 0x74, 0x64, 0x65, 0x73,
	0x6b, 0x2f, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x2f,
	0x76, 0x31, 0x55, 0xa3, 0x19, 0x7e, 0x42, 0x0b,
	0x3c, 0x81, 0x6d, 0x2f, 0x90, 0x5e, 0x11, 0x47,
}

// checkAgeKey returns an error wrapping ErrWeakKey unless u is the canonical
// encoding (below 2^255 - 19) of an X25519 point that is not of low order.
func checkAgeKey(u [32]byte) error {
	if !lessThanLE(u[:], fieldPrime[:]) {
		return fmt.Errorf("age key: %w: non-canonical encoding", ErrWeakKey)
	}
	if _, err := curve25519.X25519(probeScalar[:], u[:]); err != nil {
		return fmt.Errorf("age key: %w: low-order point", ErrWeakKey)
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
