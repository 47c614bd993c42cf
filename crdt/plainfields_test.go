package crdt

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"trustdesk/identity"
	"trustdesk/internal/plaintext"
)

// signRateUnchecked signs a rating as a modified client would, without the
// checks of Sign: the day and the texts are whatever the author wants.
func signRateUnchecked(t *testing.T, author *identity.Identity, c *Cell, subject identity.ID, r Rating, created time.Time) []byte {
	t.Helper()
	body := must(encMode.Marshal(&wireBody{
		Subject: subject[:], Safety: uint64(r.Safety), Reliability: uint64(r.Reliability),
		Tags: r.Tags, Note: r.Note, Day: r.Day,
	}))
	cell, me := c.ID(), author.Card.ID()
	w := wireContent{Cell: cell[:], Author: me[:], Seq: 1, Created: uint64(created.Unix()), Kind: uint64(KindRate), Body: body}
	var prev []StatementID
	for _, st := range c.Statements() {
		prev = append(prev, st.ID())
	}
	slices.SortFunc(prev, compareIDs)
	for _, p := range prev {
		w.Prev = append(w.Prev, p[:])
	}
	content := must(encMode.Marshal(&w))
	sig := author.Sign(append([]byte(statementDomain), content...))
	return must(encMode.Marshal(&wireEnvelope{Content: content, Signature: sig}))
}

// TestAttack8PlainFields is attack 8 of issue 12: cell names, notes and
// tags with invisible or direction-changing characters, and a rating day
// far in the future so that it never decays.
func TestAttack8PlainFields(t *testing.T) {
	a := person(t, 0)
	for _, name := range []string{"Night\u200Bmarket", "Night market\u200E", "\u202Etekram thgiN", "Night\u2066 market", "Night\uFEFFmarket"} {
		if _, err := Found(a, name, t0); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), plaintext.ErrHidden.Error()) {
			t.Errorf("Found(%+q) = %v, want ErrInvalid for a hidden character", name, err)
		}
	}
	// "Bookshop" in Persian: the non-joiner is part of the spelling.
	if _, err := Found(a, "کتاب\u200Cفروشی", t0); err != nil {
		t.Errorf("a Persian name with a non-joiner where it belongs: %v", err)
	}

	c, a, b, x := threeMembers(t)
	for _, r := range []Rating{
		{Safety: 1, Reliability: 1, Day: "2026-11-20", Note: "fine\u202E"},
		{Safety: 1, Reliability: 1, Day: "2026-11-20", Note: "fi\u200Bne"},
		{Safety: 1, Reliability: 1, Day: "2026-11-20", Tags: []string{"late\u200D"}},
		{Safety: 1, Reliability: 1, Day: "2026-11-20", Tags: []string{"\u2067late"}},
	} {
		if _, err := c.Rate(b, x.Card, r, t0); !errors.Is(err, ErrInvalid) {
			t.Errorf("rating %+v accepted: %v", r, err)
		}
	}

	// The day: today, tomorrow (a time zone ahead) and earlier days are
	// fine; the day after tomorrow and 2099 are not.
	for day, ok := range map[string]bool{"2026-11-21": true, "2026-11-22": true, "2020-01-01": true, "2026-11-23": false, "2099-12-31": false} {
		r := Rating{Safety: 3, Reliability: 3, Day: day}
		if err := r.CheckDay(t0); (err == nil) != ok {
			t.Errorf("CheckDay(%s) at %s = %v", day, t0, err)
		}
		s := &Statement{Kind: KindRate, Subject: a.Card.ID(), Rating: r, Cell: c.ID(), Seq: 9, Prev: []StatementID{{1}}, Created: t0}
		if err := s.Sign(b); (err == nil) != ok {
			t.Errorf("Sign with day %s = %v", day, err)
		}
	}

	// A modified client signs a rating dated 2099 anyway: it is malformed
	// and does not count on any device.
	relay := must(Load(c.Save()))
	raw := signRateUnchecked(t, b, c, a.Card.ID(), Rating{Safety: 1, Reliability: 1, Day: "2099-12-31"}, t0)
	if _, err := Decode(raw); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Decode of a rating dated 2099: %v", err)
	}
	relayWrite(t, relay, idOf(raw).String(), raw)
	// And one with a right-to-left override in its note.
	raw2 := signRateUnchecked(t, b, c, a.Card.ID(), Rating{Safety: 1, Reliability: 1, Day: "2026-11-20", Note: "\u202Eevil"}, t0)
	relayWrite(t, relay, idOf(raw2).String(), raw2)
	st := deliver(t, relay).State()
	for _, raw := range [][]byte{raw, raw2} {
		if r := rejectedFor(st, idOf(raw).String()); r != ReasonMalformed {
			t.Errorf("hostile rating: reason %q, want %q", r, ReasonMalformed)
		}
	}
	if rs := st.RatingsAbout(a.Card.ID()); len(rs) != 0 {
		t.Errorf("hostile ratings count: %+v", rs)
	}
	// The same bytes with an honest day do count: the test above fails
	// for the day, not for how the statement was made.
	honest := signRateUnchecked(t, b, c, a.Card.ID(), Rating{Safety: 1, Reliability: 1, Day: "2026-11-20"}, t0)
	relayWrite(t, relay, idOf(honest).String(), honest)
	st = deliver(t, relay).State()
	if rs := st.RatingsAbout(a.Card.ID()); len(rs) != 1 {
		t.Errorf("honest rating made the same way: %d ratings count (%q)", len(rs), rejectedFor(st, idOf(honest).String()))
	}
}
