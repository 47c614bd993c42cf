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

// specSafetyCode computes a safety code straight from the description in
// the documentation, as a second implementation.
func specSafetyCode(a, b *Card) string {
	fp := func(c *Card) string {
		id := c.ID()
		key := string(c.SigningKey) + string(c.AgeKey[:])
		h := []byte("\x00\x02" + key + string(id[:]))
		for i := 0; i < 5200; i++ {
			sum := sha512.Sum512([]byte(string(h) + key))
			h = sum[:]
		}
		return string(h)
	}
	fps := []string{fp(a), fp(b)}
	sort.Strings(fps)
	p := sha512.Sum512([]byte("trustdesk safety code\x00\x02" + fps[0] + fps[1]))
	var groups []string
	for i := 0; i < 12; i++ {
		n := new(big.Int).SetBytes(p[5*i : 5*i+5])
		groups = append(groups, fmt.Sprintf("%05d", new(big.Int).Mod(n, big.NewInt(100000))))
	}
	return strings.Join(groups, " ")
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
	if want := specSafetyCode(a, b); code != want {
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

	if self := SafetyCode(a, a); !safetyCodeFormat.MatchString(self) {
		t.Errorf("safety code with oneself %q", self)
	}
}

// TestSafetyCodeEveryGroupBothCards checks that one person's codes with
// different contacts share no group in the same place (in version 1 the
// person's own half was the same in all of them), while both sides of
// each pair see the same code.
func TestSafetyCodeEveryGroupBothCards(t *testing.T) {
	ana := testIdentity(t, "Ana", 31).Card
	var others []*Card
	for i, name := range []string{"Bo", "Cy", "Dario", "Ines", "Kit"} {
		others = append(others, testIdentity(t, name, byte(32+i)).Card)
	}
	var codes [][]string
	for _, o := range others {
		code := SafetyCode(ana, o)
		if back := SafetyCode(o, ana); back != code {
			t.Fatalf("Ana sees %q with %s, %s sees %q", code, o.Pseudonym, o.Pseudonym, back)
		}
		codes = append(codes, strings.Fields(code))
	}
	for i := range codes {
		for j := i + 1; j < len(codes); j++ {
			for g := range codes[i] {
				if codes[i][g] == codes[j][g] {
					t.Errorf("Ana's codes with %s and %s share group %d (%s)",
						others[i].Pseudonym, others[j].Pseudonym, g+1, codes[i][g])
				}
			}
		}
	}
}
