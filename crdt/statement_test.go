package crdt

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// seedStatements returns one real statement of every kind.
func seedStatements(t testing.TB) [][]byte {
	a, b, x := person(t, 0), person(t, 1), person(t, 2)
	c := must(Found(a, "Seed cell", t0))
	admitJoin(c, a, b, t0)
	must(c.Rate(b, x.Card, Rating{Safety: 2, Reliability: 3, Tags: []string{"late", "rude"}, Note: "kept the money\nnever again", Day: "2026-11-20"}, t0))
	admitJoin(c, a, x, t0)
	must(c.SetPolicy(a, Policy{AdmitVouches: 2, ExcludeQuorum: 3}, t0))
	must(c.VoteExclude(a, x.Card.ID(), t0))
	must(c.Leave(b, t0))
	var out [][]byte
	for _, s := range c.Statements() {
		out = append(out, s.Bytes())
	}
	return out
}

func FuzzDecode(f *testing.F) {
	seeds := seedStatements(f)
	kinds := map[Kind]bool{}
	for _, b := range seeds {
		kinds[must(Decode(b)).Kind] = true
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x82, 0x40, 0x40})
	if len(seeds) == 0 || len(kinds) != 8 {
		f.Fatalf("seed corpus has %d statements of %d kinds, want all 8 kinds", len(seeds), len(kinds))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v is neither malformed nor too large", err)
			}
			return
		}
		// Only the canonical encoding is accepted, and the id is its hash.
		if !bytes.Equal(s.Bytes(), b) || s.ID() != sha256.Sum256(b) {
			t.Fatal("accepted bytes are not the statement's encoding")
		}
		content, err := s.encodeContent()
		if err != nil {
			t.Fatalf("decoded statement does not encode: %v", err)
		}
		if !bytes.Contains(b, content) {
			t.Fatal("re-encoded content differs")
		}
		if s.Verify(person(t, 0).Card) == nil && s.Author != person(t, 0).Card.ID() {
			t.Fatal("verified with the wrong card")
		}
	})
}

func TestDecodeRefuses(t *testing.T) {
	good := seedStatements(t)[0]
	cases := map[string][]byte{
		"empty":     {},
		"truncated": good[:len(good)-1],
		"trailing":  append(append([]byte(nil), good...), 0),
		"too large": make([]byte, MaxStatementSize+1),
		"not cbor":  []byte("hello"),
	}
	for name, b := range cases {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A non-canonical encoding of a valid statement: the signature byte
	// string with a longer length prefix than needed.
	s := must(Decode(good))
	content, _ := s.encodeContent()
	var alt []byte
	alt = append(alt, 0x82)
	alt = append(alt, encodeBstrLong(content)...)
	alt = append(alt, 0x58, 64)
	alt = append(alt, s.Signature...)
	if _, err := Decode(alt); !errors.Is(err, ErrMalformed) {
		t.Errorf("non-canonical encoding: %v", err)
	}
}

// encodeBstrLong encodes b as a CBOR byte string with a 4-byte length,
// which is never the shortest form for statements.
func encodeBstrLong(b []byte) []byte {
	n := len(b)
	return append([]byte{0x5a, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, b...)
}

func TestRatingRules(t *testing.T) {
	ok := Rating{Safety: 1, Reliability: 5, Tags: []string{"a"}, Note: strings.Repeat("é", MaxNoteRunes), Day: "2026-02-28"}
	if err := ok.validate(); err != nil {
		t.Fatal(err)
	}
	bad := []Rating{
		{Safety: 0, Reliability: 1, Day: "2026-01-01"},
		{Safety: 1, Reliability: 6, Day: "2026-01-01"},
		{Safety: 1, Reliability: 1, Day: "2026-02-30"},
		{Safety: 1, Reliability: 1, Day: "26-01-01"},
		{Safety: 1, Reliability: 1, Day: "2026-01-01", Note: strings.Repeat("a", MaxNoteRunes+1)},
		{Safety: 1, Reliability: 1, Day: "2026-01-01", Note: "bell\a"},
		{Safety: 1, Reliability: 1, Day: "2026-01-01", Tags: []string{"a", "a"}},
		{Safety: 1, Reliability: 1, Day: "2026-01-01", Tags: []string{""}},
		{Safety: 1, Reliability: 1, Day: "2026-01-01", Tags: strings.Fields("a b c d e f g h i")},
	}
	for _, r := range bad {
		if r.validate() == nil {
			t.Errorf("accepted %+v", r)
		}
	}
}

// TestBadDayCutsByCharacters: a long day in an error is cut after 20
// characters, never inside one, so the message never prints "\xc3".
func TestBadDayCutsByCharacters(t *testing.T) {
	for _, day := range []string{strings.Repeat("é", 30), "2026-01-0" + strings.Repeat("€", 20), strings.Repeat("a", 19) + "日本語"} {
		msg := badDay(day).Error()
		if strings.Contains(msg, `\x`) || !utf8.ValidString(msg) {
			t.Errorf("badDay(%q) = %s", day, msg)
		}
		if !strings.Contains(msg, "…") {
			t.Errorf("badDay(%q) = %s: not cut", day, msg)
		}
	}
	if msg := badDay("2026-02-30").Error(); msg != `day "2026-02-30" is not a date written YYYY-MM-DD` {
		t.Errorf("short day: %s", msg)
	}
}

var update = flag.Bool("crdt.update", false, "rewrite the compatibility fixture in testdata")

// TestCompatibilityFixture keeps reading a cell document made by an earlier
// version of this package: format version 1 must stay readable forever.
func TestCompatibilityFixture(t *testing.T) {
	path := filepath.Join("testdata", "cell-v1.automerge")
	if *update {
		a, b, x := person(t, 0), person(t, 1), person(t, 2)
		c := must(Found(a, "Fixture cell", t0))
		admitJoin(c, a, b, t0)
		admitJoin(c, b, x, t0)
		must(c.Rate(b, x.Card, rating(2, 3), t0))
		must(c.Rate(x, a.Card, rating(5, 5), t0))
		must(c.SetPolicy(a, Policy{AdmitVouches: 1, ExcludeQuorum: 2}, t0))
		must(c.VoteExclude(a, x.Card.ID(), t0))
		must(c.VoteExclude(b, x.Card.ID(), t0))
		must(c.Leave(b, t0))
		if err := os.WriteFile(path, c.Save(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := must(Load(must(os.ReadFile(path))))
	st := c.State()
	if st.Name != "Fixture cell" || len(st.Invalid) != 0 || st.Counted != 9 || len(st.Ratings) != 2 {
		t.Fatalf("fixture state: name %q, %d counted, %d invalid, %d ratings", st.Name, st.Counted, len(st.Invalid), len(st.Ratings))
	}
	want := []Status{StatusMember, StatusLeft, StatusExcluded}
	if len(st.Members) != 3 {
		t.Fatalf("members: %+v", st.Members)
	}
	for i, m := range st.Members {
		if m.Status != want[i] {
			t.Errorf("member %d (%s): %s, want %s", i, m.Card.Pseudonym, m.Status, want[i])
		}
	}
	if st.Policy != (Policy{AdmitVouches: 1, ExcludeQuorum: 2}) {
		t.Errorf("policy %+v", st.Policy)
	}
}
