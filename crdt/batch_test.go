package crdt

import (
	"errors"
	"testing"

	"trustdesk/identity"
)

func TestRateMany(t *testing.T) {
	a, m, x := person(t, 0), person(t, 1), person(t, 2)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, m, t0)
	subjects := []*identity.Card{m.Card, x.Card, m.Card}
	rs := []Rating{rating(5, 4), rating(1, 1), rating(3, 3)}
	sts, err := c.RateMany(a, subjects, rs, t0)
	if err != nil || len(sts) != 3 {
		t.Fatalf("RateMany: %v %v", sts, err)
	}
	st := c.State()
	if len(st.Invalid) != 0 || len(st.Ratings) != 2 || len(st.Superseded) != 1 {
		t.Fatalf("state: %d ratings, %d superseded, invalid %v", len(st.Ratings), len(st.Superseded), st.Invalid)
	}
	if got := st.RatingsAbout(m.Card.ID()); len(got) != 1 || got[0].Rating.Safety != 3 {
		t.Fatalf("latest rating about m: %+v", got)
	}
	// The same checks as Rate.
	if _, err := c.RateMany(x, subjects[:1], rs[:1], t0); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("non-member: %v", err)
	}
	if _, err := c.RateMany(a, subjects[:1], []Rating{rating(9, 1)}, t0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad rating: %v", err)
	}
	if _, err := c.RateMany(a, subjects[:2], rs[:1], t0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("mismatched lengths: %v", err)
	}
}

// TestPublishCards: PublishCards publishes each card once, as PublishCard
// would, leaving out cards the cell already holds, and refuses a
// non-member.
func TestPublishCards(t *testing.T) {
	a, m, x, y := person(t, 0), person(t, 1), person(t, 2), person(t, 3)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, m, t0)
	sts, err := c.PublishCards(a, []*identity.Card{x.Card, m.Card, y.Card, x.Card}, t0)
	if err != nil || len(sts) != 2 {
		t.Fatalf("PublishCards: %d statements, %v; want 2 (m's card is there, x's twice)", len(sts), err)
	}
	st := c.State()
	if len(st.Invalid) != 0 || st.Cards[x.Card.ID()] == nil || st.Cards[y.Card.ID()] == nil {
		t.Fatalf("state: cards %d, invalid %v", len(st.Cards), st.Invalid)
	}
	if sts, err := c.PublishCards(a, []*identity.Card{x.Card}, t0); err != nil || len(sts) != 0 {
		t.Fatalf("publishing again: %v, %v", sts, err)
	}
	if _, err := c.PublishCards(x, []*identity.Card{y.Card}, t0); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("non-member: %v", err)
	}
}
