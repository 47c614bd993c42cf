package identity

import (
	"bytes"
	"crypto/sha512"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

var safetyCodeFormat = regexp.MustCompile(`^[0-9]{5}( [0-9]{5}){11}$`)

// specFingerprint computes a card's fingerprint straight from the
// description in the documentation, as a second implementation.
func specFingerprint(c *Card) string {
	id := c.ID()
	key := string(c.SigningKey) + string(c.AgeKey[:])
	h := []byte("\x00\x01" + key + string(id[:]))
	for i := 0; i < 5200; i++ {
		sum := sha512.Sum512([]byte(string(h) + key))
		h = sum[:]
	}
	var out strings.Builder
	for i := 0; i < 6; i++ {
		n := new(big.Int).SetBytes(h[5*i : 5*i+5])
		fmt.Fprintf(&out, "%05d", new(big.Int).Mod(n, big.NewInt(100000)))
	}
	return out.String()
}

func TestSafetyCode(t *testing.T) {
	a := testIdentity(t, "Alice", 21).Card
	b := testIdentity(t, "Bob", 22).Card
	code := SafetyCode(a, b)
	if !safetyCodeFormat.MatchString(code) {
		t.Fatalf("safety code %q is not 12 groups of 5 digits", code)
	}
	if got := SafetyCode(b, a); got != code {
		t.Fatalf("not symmetric: %q and %q", code, got)
	}
	fps := []string{specFingerprint(a), specFingerprint(b)}
	sort.Strings(fps)
	if want := strings.Join(fps, ""); strings.ReplaceAll(code, " ", "") != want {
		t.Fatalf("safety code %q does not follow the specification: %s", code, want)
	}

	// Pseudonym, time and signature do not enter the code.
	renamed := *a
	renamed.Pseudonym, renamed.Created, renamed.Signature = "Alicia", a.Created.Add(time.Hour), nil
	if SafetyCode(&renamed, b) != code {
		t.Error("safety code depends on the pseudonym or time")
	}

	// Any key change on either side changes the code, in either order.
	changes := map[string]func(c *Card){
		"signing key": func(c *Card) { c.SigningKey = bytes.Clone(c.SigningKey); c.SigningKey[31] ^= 0x01 },
		"age key":     func(c *Card) { c.AgeKey[0] ^= 0x80 },
	}
	for name, change := range changes {
		a2, b2 := *a, *b
		change(&a2)
		change(&b2)
		for _, pair := range [][2]*Card{{&a2, b}, {b, &a2}, {a, &b2}, {&b2, a}} {
			if SafetyCode(pair[0], pair[1]) == code {
				t.Errorf("changing a %s does not change the safety code", name)
			}
		}
	}

	// Swapping one key for the other person's is not the same pair.
	mixed := *a
	mixed.AgeKey = b.AgeKey
	if SafetyCode(&mixed, b) == code {
		t.Error("mixed keys give the same code")
	}

	if self := SafetyCode(a, a); !safetyCodeFormat.MatchString(self) || self[:35] != self[36:] {
		t.Errorf("safety code with oneself %q", self)
	}
}
