package crdt

import (
	"fmt"
	"slices"
	"time"

	"trustdesk/identity"
)

// RateMany adds several ratings by me at once: rs[i] is about subjects[i].
// It is [Cell.Rate] for many ratings (when importing a paper notebook, or
// building test and demo data): the authority check and the derived state
// are computed once, not once per rating. Each rating is still one signed
// statement in its own change, building on the one before. Cards of
// subjects not yet in the cell are published first. On an error, the
// ratings before the failing one stay added.
func (c *Cell) RateMany(me *identity.Identity, subjects []*identity.Card, rs []Rating, now time.Time) ([]*Statement, error) {
	if len(subjects) != len(rs) {
		return nil, fmt.Errorf("rate: %w: %d subjects for %d ratings", ErrInvalid, len(subjects), len(rs))
	}
	published := map[identity.ID]bool{}
	for i, r := range rs {
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("rate: %w: %v", ErrInvalid, err)
		}
		if err := r.CheckDay(now); err != nil {
			return nil, fmt.Errorf("rate: %w: %v", ErrInvalid, err)
		}
		id := subjects[i].ID()
		if id == me.Card.ID() {
			return nil, fmt.Errorf("rate: %w: you cannot rate yourself", ErrNotAllowed)
		}
		if !published[id] {
			if _, err := c.PublishCard(me, subjects[i], now); err != nil {
				return nil, err
			}
			published[id] = true
		}
	}
	return c.appendBatch(me, "rate", func(*State) []*Statement {
		out := make([]*Statement, len(rs))
		for i, r := range rs {
			out[i] = &Statement{Created: now, Kind: KindRate, Subject: subjects[i].ID(), Rating: r}
		}
		return out
	})
}

// PublishCards publishes several cards by me at once, skipping those the
// cell already holds in the same or a newer form. It is
// [Cell.PublishCard] for many cards (demo and test data, and measuring a
// cell that holds thousands): the authority check and the derived state
// are computed once, not once per card. Each card is still one signed
// statement in its own change, building on the one before. On an error,
// the cards before the failing one stay published.
func (c *Cell) PublishCards(me *identity.Identity, cards []*identity.Card, now time.Time) ([]*Statement, error) {
	now = now.Truncate(time.Second).UTC()
	return c.appendBatch(me, "card", func(st *State) []*Statement {
		var out []*Statement
		seen := map[identity.ID]bool{}
		for _, card := range cards {
			if old := st.Cards[card.ID()]; (old != nil && !newerCard(card, old)) || seen[card.ID()] {
				continue
			}
			seen[card.ID()] = true
			out = append(out, &Statement{Created: now, Kind: KindCard, Card: card})
		}
		return out
	})
}

// appendBatch adds, one after another, the statements of mine that build
// returns for the cell's state, each building on the one before: the
// authority check and the derived state are computed once. On an error,
// the statements before the failing one stay added.
func (c *Cell) appendBatch(me *identity.Identity, what string, build func(st *State) []*Statement) ([]*Statement, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ensureDoc(); err != nil {
		return nil, err
	}
	st := c.derive()
	author := me.Card.ID()
	if !st.IsMember(author) {
		return nil, fmt.Errorf("%s: %w: you are not a member of this cell", what, ErrNotAllowed)
	}
	seq := st.seq[author]
	prev := slices.Clone(st.Heads)
	if len(prev) > MaxPrev {
		prev = prev[len(prev)-MaxPrev:]
	}
	var out []*Statement
	for _, s := range build(st) {
		seq++
		s.Cell, s.Seq, s.Prev = c.id, seq, prev
		if err := s.Sign(me); err != nil {
			return out, err
		}
		if err := c.put(s); err != nil {
			return out, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, s)
		prev = []StatementID{s.id}
	}
	return out, nil
}
