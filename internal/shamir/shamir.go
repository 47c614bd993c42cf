// Package shamir splits a secret into pieces of which any k rebuild it and
// any k-1 reveal nothing about it: Shamir's secret sharing (Shamir, "How to
// share a secret", CACM 1979) over GF(2^8), one polynomial per byte.
//
// # Field and layout
//
// The field is GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1
// (0x11b), as in draft-mcgrew-tss-03 ("Threshold Secret Sharing") and
// FIPS-197. For every byte s of the secret, [Split] picks k-1 uniformly
// random coefficients a1..a(k-1) and gives piece number x (1 to n) the byte
// f(x) = s + a1·x + … + a(k-1)·x^(k-1). [Combine] evaluates the Lagrange
// interpolation of the pieces at x = 0. A piece is its number x and as many
// bytes as the secret; its bytes equal the share bytes of
// draft-mcgrew-tss-03 without the share index byte.
//
// # What it does not do
//
// Pieces carry no checksum: k wrong or mixed pieces combine into wrong
// bytes without an error. Callers check the result (trustdesk checks that
// the rebuilt identity's keys match its card).
package shamir

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// Piece is one piece of a split secret: its number X (1 to 255) and the
// value of each byte's polynomial at X.
type Piece struct {
	X byte
	Y []byte
}

// Errors of [Split] and [Combine].
var (
	// ErrParams means k and n are not 1 <= k <= n <= 255.
	ErrParams = errors.New("shamir: need 1 <= k <= n <= 255")
	// ErrPieces means the pieces given to Combine cannot be combined:
	// none, numbers 0 or repeated, or lengths that differ.
	ErrPieces = errors.New("shamir: pieces do not fit together")
)

// Split splits secret into n pieces, numbered 1 to n, any k of which
// rebuild it with [Combine]. Randomness comes from crypto/rand.
func Split(secret []byte, n, k int) ([]Piece, error) {
	return split(secret, n, k, rand.Reader)
}

// split is Split with the randomness taken from r, for tests.
func split(secret []byte, n, k int, r io.Reader) ([]Piece, error) {
	if k < 1 || n < k || n > 255 {
		return nil, ErrParams
	}
	pieces := make([]Piece, n)
	for i := range pieces {
		pieces[i] = Piece{X: byte(i + 1), Y: make([]byte, len(secret))}
	}
	coef := make([]byte, k) // coef[0] is the secret byte
	defer clear(coef)
	for b, s := range secret {
		coef[0] = s
		if _, err := io.ReadFull(r, coef[1:]); err != nil {
			return nil, fmt.Errorf("shamir: %w", err)
		}
		for i := range pieces {
			// Horner's rule from the highest coefficient down.
			x, y := pieces[i].X, byte(0)
			for j := k - 1; j >= 0; j-- {
				y = mul(y, x) ^ coef[j]
			}
			pieces[i].Y[b] = y
		}
	}
	return pieces, nil
}

// Combine rebuilds the secret from pieces made by [Split]. Given at least
// k pieces of the same split, it returns the secret; given fewer, or
// pieces of different splits, it returns bytes that say nothing about the
// secret, without an error (see the package documentation).
func Combine(pieces []Piece) ([]byte, error) {
	if len(pieces) == 0 {
		return nil, ErrPieces
	}
	size := len(pieces[0].Y)
	var seen [256]bool
	for _, p := range pieces {
		if p.X == 0 || seen[p.X] || len(p.Y) != size {
			return nil, ErrPieces
		}
		seen[p.X] = true
	}
	// The Lagrange basis polynomial of piece i at 0 is the product over
	// j != i of x_j / (x_j - x_i); in GF(2^8) subtraction is XOR.
	basis := make([]byte, len(pieces))
	for i, pi := range pieces {
		num, den := byte(1), byte(1)
		for j, pj := range pieces {
			if i != j {
				num = mul(num, pj.X)
				den = mul(den, pj.X^pi.X)
			}
		}
		basis[i] = mul(num, inv(den))
	}
	secret := make([]byte, size)
	for b := range secret {
		var s byte
		for i, p := range pieces {
			s ^= mul(p.Y[b], basis[i])
		}
		secret[b] = s
	}
	return secret, nil
}

// mul multiplies in GF(2^8) modulo 0x11b, in constant time (no branches
// or table look-ups on the values).
func mul(a, b byte) byte {
	var p byte
	for range 8 {
		p ^= a & -(b & 1)
		hi := a >> 7
		a = a<<1 ^ 0x1b&-hi
		b >>= 1
	}
	return p
}

// inv returns the multiplicative inverse of a (a^254); inv(0) is 0.
func inv(a byte) byte {
	// a^254 = a^(2+4+8+16+32+64+128)
	r := byte(1)
	sq := a
	for range 7 {
		sq = mul(sq, sq)
		r = mul(r, sq)
	}
	return r
}
