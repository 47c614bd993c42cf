package identity

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// The cache of checked cards gives the same answer as a fresh check, hands
// out independent copies, and never remembers a refused card.
func TestCheckedCardsCache(t *testing.T) {
	id, err := New("Cached", time.Unix(1_700_000_000, 0))
	if err != nil {
		t.Fatal(err)
	}
	b := id.Card.Bytes()
	first, err := DecodeCard(b)
	if err != nil {
		t.Fatal(err)
	}
	first.Pseudonym = "Changed"
	first.SigningKey[0] ^= 1
	second, err := DecodeCard(b)
	if err != nil {
		t.Fatal(err)
	}
	if second.Pseudonym != "Cached" || !bytes.Equal(second.SigningKey, id.Card.SigningKey) {
		t.Fatal("a caller's change to a decoded card reached the cache")
	}
	bad := bytes.Clone(b)
	bad[len(bad)-1] ^= 1
	for range 2 {
		if _, err := DecodeCard(bad); !errors.Is(err, ErrSignature) {
			t.Fatalf("a damaged card: %v", err)
		}
	}
}
