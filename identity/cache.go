package identity

import (
	"slices"
	"sync"
)

// maxCheckedCards bounds the cache of checked cards.
const maxCheckedCards = 8192

// checkedCards remembers, by their exact bytes, cards that passed every
// check of [DecodeCard]: checking a card's keys and self-signature costs a
// quarter of a millisecond, and the same cards are decoded again and again
// (every contact list, every statement that carries a card). The bytes
// determine the result, so a hit is as good as a fresh check.
var checkedCards struct {
	sync.Mutex
	m map[string]*Card
}

func lookupChecked(b []byte) *Card {
	checkedCards.Lock()
	defer checkedCards.Unlock()
	if c := checkedCards.m[string(b)]; c != nil {
		return c.clone()
	}
	return nil
}

func rememberChecked(b []byte, c *Card) {
	checkedCards.Lock()
	defer checkedCards.Unlock()
	if checkedCards.m == nil || len(checkedCards.m) >= maxCheckedCards {
		checkedCards.m = make(map[string]*Card)
	}
	checkedCards.m[string(b)] = c.clone()
}

// clone returns a copy of c that shares nothing with it, so callers may
// change what they get.
func (c *Card) clone() *Card {
	cp := *c
	cp.SigningKey = slices.Clone(c.SigningKey)
	cp.Signature = slices.Clone(c.Signature)
	return &cp
}
