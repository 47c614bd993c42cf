package identity

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"

	"filippo.io/edwards25519"
	"golang.org/x/crypto/curve25519"
)

// lowOrderEd25519 lists the canonical encodings of the eight points of
// order dividing 8 on edwards25519 (the torsion subgroup).
var lowOrderEd25519 = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity, order 1
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
}

// lowOrderX25519 lists the u-coordinates of points of order dividing 8 on
// Curve25519 and its twist, with their non-canonical encodings u+p that
// still fit in 255 bits (see the Curve25519 paper and libsodium's
// blocklist).
var lowOrderX25519 = []string{
	"0000000000000000000000000000000000000000000000000000000000000000", // 0
	"0100000000000000000000000000000000000000000000000000000000000000", // 1
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p-1
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (= 0)
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p+1 (= 1)
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckSigningKeyLowOrder(t *testing.T) {
	identity := edwards25519.NewIdentityPoint()
	seen := map[string]bool{}
	for _, s := range lowOrderEd25519 {
		b := mustHex(t, s)
		p, err := new(edwards25519.Point).SetBytes(b)
		if err != nil {
			t.Fatalf("%s is not a point: %v", s, err)
		}
		// Check the test vector independently of MultByCofactor: adding
		// the point to itself eight times must give the identity.
		sum := edwards25519.NewIdentityPoint()
		for range 8 {
			sum.Add(sum, p)
		}
		if sum.Equal(identity) != 1 {
			t.Fatalf("%s is not of low order", s)
		}
		seen[string(p.Bytes())] = true
		if err := CheckSigningKey(b); !errors.Is(err, ErrWeakKey) {
			t.Errorf("low-order key %s: got %v, want ErrWeakKey", s, err)
		}
	}
	if len(seen) != 8 {
		t.Fatalf("%d distinct low-order points, want 8", len(seen))
	}
}

// le32 returns n as 32 little-endian bytes.
func le32(n *big.Int) []byte {
	be := n.FillBytes(make([]byte, 32))
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		be[i], be[j] = be[j], be[i]
	}
	return be
}

func TestCheckSigningKeyNonCanonical(t *testing.T) {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	decodable, largeOrder := 0, 0
	// y-coordinates p .. 2^255-1 are non-canonical spellings of 0 .. 18,
	// with either sign bit; so are the "negative zero" spellings of x = 0
	// (y = 1 and y = p-1 with the sign bit set).
	var encodings [][]byte
	for k := int64(0); k < 19; k++ {
		b := le32(new(big.Int).Add(p, big.NewInt(k)))
		encodings = append(encodings, b)
		neg := append([]byte(nil), b...)
		neg[31] |= 0x80
		encodings = append(encodings, neg)
	}
	for _, y := range []*big.Int{big.NewInt(1), new(big.Int).Sub(p, big.NewInt(1))} {
		b := le32(y)
		b[31] |= 0x80
		encodings = append(encodings, b)
	}
	for _, b := range encodings {
		if pt, err := new(edwards25519.Point).SetBytes(b); err == nil {
			decodable++
			if new(edwards25519.Point).MultByCofactor(pt).Equal(edwards25519.NewIdentityPoint()) != 1 {
				largeOrder++
			}
		}
		if err := CheckSigningKey(b); !errors.Is(err, ErrWeakKey) {
			t.Errorf("non-canonical key %x: got %v, want ErrWeakKey", b, err)
		}
	}
	// The canonicity check must be exercised on its own, not only through
	// the low-order check.
	if largeOrder == 0 {
		t.Fatalf("no non-canonical encoding of a large-order point among %d decodable ones", decodable)
	}
	t.Logf("%d non-canonical encodings decode, %d of them to large-order points", decodable, largeOrder)
}

func TestCheckSigningKeyOther(t *testing.T) {
	good := testIdentity(t, "good", 7).Card.SigningKey
	if err := CheckSigningKey(good); err != nil {
		t.Fatalf("real key refused: %v", err)
	}
	if err := CheckSigningKey(good[:31]); !errors.Is(err, ErrWeakKey) {
		t.Errorf("short key: %v", err)
	}
	if err := CheckSigningKey(append(good, 0)); !errors.Is(err, ErrWeakKey) {
		t.Errorf("long key: %v", err)
	}
	// Find a y that is not on the curve: about half of all y are not.
	off := 0
	for y := byte(2); y < 40; y++ {
		b := make([]byte, 32)
		b[0] = y
		if _, err := new(edwards25519.Point).SetBytes(b); err != nil {
			off++
			if err := CheckSigningKey(b); !errors.Is(err, ErrWeakKey) {
				t.Errorf("point off the curve %x: %v", b, err)
			}
		}
	}
	if off == 0 {
		t.Fatal("found no point off the curve to test")
	}
}

// TestCheckAgeKeyAgreesWithX25519: checkAgeKey compares with a list of
// the low-order points; it refuses exactly the canonical keys whose
// X25519 with a clamped scalar is all zeros, the check it replaced, on
// every entry of lowOrderX25519, on small u and on random ones.
func TestCheckAgeKeyAgreesWithX25519(t *testing.T) {
	scalar := mustHex(t, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
	var us [][32]byte
	for _, s := range lowOrderX25519 {
		us = append(us, [32]byte(mustHex(t, s)))
	}
	for i := range 64 {
		us = append(us, [32]byte{byte(i)})
	}
	for range 500 {
		var u [32]byte
		rand.Read(u[:])
		u[31] &= 0x7f
		us = append(us, u)
	}
	refused := map[[32]byte]bool{}
	for _, u := range us {
		if !lessThanLE(u[:], fieldPrime[:]) {
			continue
		}
		_, low := curve25519.X25519(scalar, u[:])
		if err := checkAgeKey(u); (err != nil) != (low != nil) {
			t.Errorf("%x: checkAgeKey %v, X25519 %v", u, err, low)
		}
		if low != nil {
			refused[u] = true
		}
	}
	if len(refused) != len(lowOrderAgeKeys) {
		t.Errorf("%d low-order keys met, want %d", len(refused), len(lowOrderAgeKeys))
	}
}

func TestCheckAgeKey(t *testing.T) {
	for _, s := range lowOrderX25519 {
		var u [32]byte
		copy(u[:], mustHex(t, s))
		if err := checkAgeKey(u); !errors.Is(err, ErrWeakKey) {
			t.Errorf("low-order age key %s: got %v, want ErrWeakKey", s, err)
		}
		// The list itself is right: X25519 with any scalar gives zero.
		if _, err := curve25519.X25519(mustHex(t, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"), u[:]); err == nil {
			t.Errorf("%s is not of low order", s)
		}
	}
	good := testIdentity(t, "good", 8).Card.AgeKey
	if err := checkAgeKey(good); err != nil {
		t.Fatalf("real key refused: %v", err)
	}
	// The same point with the unused top bit set is a second spelling.
	high := good
	high[31] |= 0x80
	if err := checkAgeKey(high); !errors.Is(err, ErrWeakKey) {
		t.Errorf("top bit set: %v", err)
	}
	// u = p + 9 is a second spelling of the base point.
	var nine [32]byte
	copy(nine[:], le32(new(big.Int).Add(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19)), big.NewInt(9))))
	if err := checkAgeKey(nine); !errors.Is(err, ErrWeakKey) {
		t.Errorf("u = p+9: %v", err)
	}
	nine = [32]byte{9}
	if err := checkAgeKey(nine); err != nil {
		t.Errorf("base point refused: %v", err)
	}
}
