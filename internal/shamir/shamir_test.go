package shamir

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	mrand "math/rand/v2"
	"testing"
)

// TestFieldVectors checks the field arithmetic against FIPS-197 §4.2:
// {57}·{83} = {c1}, {57}·{13} = {fe}, and the worked xtime chain
// {57}·{02} = {ae}, ·{04} = {47}, ·{08} = {8e}, ·{10} = {07}; and the
// inverse {53}^-1 = {ca} (FIPS-197 §5.1.1 and its S-box derivation).
func TestFieldVectors(t *testing.T) {
	for _, v := range []struct{ a, b, want byte }{
		{0x57, 0x83, 0xc1}, {0x57, 0x13, 0xfe}, {0x57, 0x02, 0xae},
		{0x57, 0x04, 0x47}, {0x57, 0x08, 0x8e}, {0x57, 0x10, 0x07},
	} {
		if got := mul(v.a, v.b); got != v.want {
			t.Errorf("{%02x}·{%02x} = {%02x}, want {%02x}", v.a, v.b, got, v.want)
		}
	}
	if got := inv(0x53); got != 0xca {
		t.Errorf("{53}^-1 = {%02x}, want {ca}", got)
	}
	for a := 1; a < 256; a++ {
		if mul(byte(a), inv(byte(a))) != 1 {
			t.Fatalf("{%02x}·{%02x}^-1 is not 1", a, a)
		}
		for b := range 256 {
			if mul(byte(a), byte(b)) != mul(byte(b), byte(a)) {
				t.Fatalf("multiplication does not commute at %d, %d", a, b)
			}
		}
	}
}

// TestMcGrewVector combines the shares of the test vector of
// draft-mcgrew-tss-03 (secret "test\0", threshold 2; shares 01b9fa07e185
// and 02f5409b4511, share index first) and checks that splitting with
// the coefficients they imply gives those shares back.
func TestMcGrewVector(t *testing.T) {
	secret, _ := hex.DecodeString("7465737400")
	s1, _ := hex.DecodeString("b9fa07e185")
	s2, _ := hex.DecodeString("f5409b4511")
	got, err := Combine([]Piece{{X: 1, Y: s1}, {X: 2, Y: s2}})
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Combine = %x, %v; want %x", got, err, secret)
	}
	got, _ = Combine([]Piece{{X: 2, Y: s2}, {X: 1, Y: s1}})
	if !bytes.Equal(got, secret) {
		t.Fatalf("Combine in the other order = %x", got)
	}
	// With k = 2, f(1) = s + a, so the coefficients are s1 XOR secret.
	coef := make([]byte, len(secret))
	for i := range coef {
		coef[i] = s1[i] ^ secret[i]
	}
	ps, err := split(secret, 2, 2, bytes.NewReader(coef))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ps[0].Y, s1) || !bytes.Equal(ps[1].Y, s2) {
		t.Fatalf("split gave %x and %x, want %x and %x", ps[0].Y, ps[1].Y, s1, s2)
	}
}

// TestAnyKRebuild: for many n and k, every set of k pieces, and more,
// rebuild the secret, and k-1 do not.
func TestAnyKRebuild(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	secret := make([]byte, 97)
	rand.Read(secret)
	for n := 1; n <= 7; n++ {
		for k := 1; k <= n; k++ {
			ps, err := Split(secret, n, k)
			if err != nil {
				t.Fatal(err)
			}
			for mask := 1; mask < 1<<n; mask++ {
				var sub []Piece
				for i := range n {
					if mask&(1<<i) != 0 {
						sub = append(sub, ps[i])
					}
				}
				rng.Shuffle(len(sub), func(i, j int) { sub[i], sub[j] = sub[j], sub[i] })
				got, err := Combine(sub)
				if err != nil {
					t.Fatal(err)
				}
				if ok := bytes.Equal(got, secret); ok != (len(sub) >= k) {
					t.Fatalf("n=%d k=%d with %d pieces: rebuilt = %v", n, k, len(sub), ok)
				}
			}
		}
	}
	if _, err := Split(secret, 256, 2); !errors.Is(err, ErrParams) {
		t.Error("256 pieces accepted")
	}
	if ps, err := Split(secret, 255, 200); err != nil || len(ps) != 255 {
		t.Error("255 pieces refused")
	}
}

// TestFewerRevealNothing checks, exhaustively for one secret byte, that
// k-1 pieces are the same for every secret: for k = 3, any two fixed piece
// numbers and every pair of values (y1, y2), exactly one choice of the two
// random coefficients gives them, whatever the secret. So the pieces of
// the k-1 holders are uniform and independent of the secret.
func TestFewerRevealNothing(t *testing.T) {
	for _, xs := range [][2]byte{{2, 5}} {
		for _, s := range []byte{0xa7} {
			var count [256][256]uint16
			for a1 := range 256 {
				for a2 := range 256 {
					ps, err := split([]byte{s}, int(max(xs[0], xs[1], 3)), 3, bytes.NewReader([]byte{byte(a1), byte(a2)}))
					if err != nil {
						t.Fatal(err)
					}
					count[ps[xs[0]-1].Y[0]][ps[xs[1]-1].Y[0]]++
				}
			}
			for y1 := range 256 {
				for y2 := range 256 {
					if count[y1][y2] != 1 {
						t.Fatalf("pieces %v of secret %02x: (%02x, %02x) occurs %d times, want once",
							xs, s, y1, y2, count[y1][y2])
					}
				}
			}
		}
	}
}

// TestOnePieceRevealsNothing: with k = 2, every value of one piece comes
// from exactly one random coefficient, for every secret byte.
func TestOnePieceRevealsNothing(t *testing.T) {
	for s := range 256 {
		var count [256]int
		for a := range 256 {
			ps, err := split([]byte{byte(s)}, 2, 2, bytes.NewReader([]byte{byte(a)}))
			if err != nil {
				t.Fatal(err)
			}
			count[ps[1].Y[0]]++
		}
		for y, c := range count {
			if c != 1 {
				t.Fatalf("secret %02x: piece value %02x occurs %d times", s, y, c)
			}
		}
	}
}

// TestSinglePieceStatistics: over many splits of one fixed secret with
// k = 2, the bytes of one piece are spread evenly (chi-squared over 256
// values), as they would be for any other secret.
func TestSinglePieceStatistics(t *testing.T) {
	secret := bytes.Repeat([]byte{0x42}, 4096)
	var hist [256]int
	for range 16 {
		ps, err := Split(secret, 3, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range ps[0].Y {
			hist[b]++
		}
	}
	total := 16 * len(secret)
	exp := float64(total) / 256
	var chi float64
	for _, c := range hist {
		d := float64(c) - exp
		chi += d * d / exp
	}
	// 255 degrees of freedom: the 99.99th percentile is about 350. A fixed
	// secret leaking through would put everything in a few buckets.
	if chi > 350 {
		t.Fatalf("one piece is not uniform: chi-squared %.0f over 255 degrees of freedom", chi)
	}
}

func TestCombineRefusesBadPieces(t *testing.T) {
	for name, ps := range map[string][]Piece{
		"none":        nil,
		"number zero": {{X: 0, Y: []byte{1}}},
		"repeated":    {{X: 1, Y: []byte{1}}, {X: 1, Y: []byte{2}}},
		"lengths":     {{X: 1, Y: []byte{1}}, {X: 2, Y: []byte{1, 2}}},
	} {
		if _, err := Combine(ps); !errors.Is(err, ErrPieces) {
			t.Errorf("%s: %v, want ErrPieces", name, err)
		}
	}
}

func FuzzCombine(f *testing.F) {
	f.Add([]byte{1, 2, 3}, []byte{2, 4, 5})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if len(a) == 0 || len(b) == 0 {
			return
		}
		_, _ = Combine([]Piece{{X: a[0], Y: a[1:]}, {X: b[0], Y: b[1:]}})
	})
}

func BenchmarkSplitCombine(b *testing.B) {
	secret := make([]byte, 230)
	for b.Loop() {
		ps, _ := Split(secret, 5, 3)
		Combine(ps[:3])
	}
}
