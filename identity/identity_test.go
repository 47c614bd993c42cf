package identity

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// testTime is a fixed creation time for reproducible cards.
var testTime = time.Date(2026, 11, 21, 19, 30, 0, 0, time.UTC)

// testIdentity returns a reproducible identity derived from seed.
func testIdentity(t testing.TB, pseudonym string, seed byte) *Identity {
	t.Helper()
	var s [32]byte
	s[0] = seed
	id, err := newIdentity(pseudonym, testTime, rand.NewChaCha8(s))
	if err != nil {
		t.Fatalf("newIdentity(%q): %v", pseudonym, err)
	}
	return id
}

func TestNewCardRoundTrip(t *testing.T) {
	id, err := New("  Mirelda   Oakthorn ", testTime.Add(700*time.Millisecond).In(time.FixedZone("x", 3600)))
	if err != nil {
		t.Fatal(err)
	}
	c := id.Card
	if c.Pseudonym != "Mirelda Oakthorn" {
		t.Errorf("pseudonym %q, want normalized %q", c.Pseudonym, "Mirelda Oakthorn")
	}
	if !c.Created.Equal(testTime) || c.Created.Location() != time.UTC {
		t.Errorf("created %v, want %v in UTC", c.Created, testTime)
	}
	for name, decode := range map[string]func() (*Card, error){
		"binary": func() (*Card, error) { return DecodeCard(c.Bytes()) },
		"text":   func() (*Card, error) { return ParseCard(c.String()) },
	} {
		got, err := decode()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Pseudonym != c.Pseudonym || !got.Created.Equal(c.Created) ||
			!bytes.Equal(got.SigningKey, c.SigningKey) || got.AgeKey != c.AgeKey ||
			!bytes.Equal(got.Signature, c.Signature) || got.ID() != c.ID() {
			t.Errorf("%s: round trip changed the card: %+v, want %+v", name, got, c)
		}
		if !bytes.Equal(got.Bytes(), c.Bytes()) {
			t.Errorf("%s: re-encoding differs", name)
		}
	}
}

func TestIndependentKeys(t *testing.T) {
	a, err := New("a", testTime)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New("a", testTime)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Card.SigningKey, b.Card.SigningKey) || a.Card.AgeKey == b.Card.AgeKey || a.Card.ID() == b.Card.ID() {
		t.Fatal("two new identities share a key")
	}
	if bytes.Equal(a.Card.SigningKey, a.Card.AgeKey[:]) {
		t.Fatal("signing key and age key are the same bytes")
	}
}

func TestSignVerify(t *testing.T) {
	id := testIdentity(t, "signer", 1)
	other := testIdentity(t, "other", 2)
	msg := []byte("trustdesk/test\x00hello")
	sig := id.Sign(msg)
	if !id.Card.VerifySignature(msg, sig) {
		t.Fatal("own signature does not verify")
	}
	if other.Card.VerifySignature(msg, sig) {
		t.Fatal("signature verifies under another card")
	}
	if id.Card.VerifySignature([]byte("other message"), sig) {
		t.Fatal("signature verifies for another message")
	}
	if id.Card.VerifySignature(msg, sig[:63]) {
		t.Fatal("short signature verifies")
	}
	if (&Card{SigningKey: []byte{1, 2}}).VerifySignature(msg, sig) {
		t.Fatal("short key verifies")
	}
}

func TestAgeRoundTrip(t *testing.T) {
	id := testIdentity(t, "reader", 3)
	if got, want := id.Card.Recipient().String(), id.AgeIdentity().Recipient().String(); got != want {
		t.Fatalf("card recipient %s, identity recipient %s", got, want)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, id.Card.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("secret"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := age.Decrypt(&buf, id.AgeIdentity())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.ReadFrom(r)
	if out.String() != "secret" {
		t.Fatalf("decrypted %q", out.String())
	}
}

func TestMarshalIdentity(t *testing.T) {
	id := testIdentity(t, "Здравко", 4)
	b, err := id.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalIdentity(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Card.Bytes(), id.Card.Bytes()) {
		t.Fatal("card changed")
	}
	msg := []byte("m")
	if !id.Card.VerifySignature(msg, got.Sign(msg)) {
		t.Fatal("restored signing key differs")
	}
	if got.AgeIdentity().String() != id.AgeIdentity().String() {
		t.Fatal("restored age key differs")
	}

	other := testIdentity(t, "other", 5)
	ob, _ := other.MarshalBinary()
	swapSigning := append(append(append([]byte{1}, ob[1:33]...), b[33:65]...), b[65:]...)
	swapAge := append(append(append([]byte{1}, b[1:33]...), ob[33:65]...), b[65:]...)
	badCard := bytes.Clone(b)
	badCard[len(badCard)-1] ^= 1
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"version", append([]byte{2}, b[1:]...), ErrVersion},
		{"truncated", b[:40], ErrMalformed},
		{"no card", b[:65], ErrMalformed},
		{"signing key of another", swapSigning, ErrMalformed},
		{"age key of another", swapAge, ErrMalformed},
		{"damaged card", badCard, ErrSignature},
	} {
		if _, err := UnmarshalIdentity(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := (&Identity{}).MarshalBinary(); !errors.Is(err, ErrMalformed) {
		t.Errorf("identity without card: %v", err)
	}
	if _, err := (&Identity{Card: id.Card}).MarshalBinary(); !errors.Is(err, ErrMalformed) {
		t.Errorf("identity without keys: %v", err)
	}
}

func TestNewRefuses(t *testing.T) {
	if _, err := New(" \t ", testTime); !errors.Is(err, ErrPseudonym) {
		t.Errorf("blank pseudonym: %v", err)
	}
	if _, err := New("old", time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("creation time before 1970 accepted")
	}
	if _, err := New("late", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("creation time after 9999 accepted")
	}
	last, err := New("last", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCard(last.Card.String()); err != nil {
		t.Errorf("card made in the last second of 9999: %v", err)
	}
}

func TestID(t *testing.T) {
	c := testIdentity(t, "id", 6).Card
	id := c.ID()
	s := id.String()
	if len(s) != 32 || strings.ToLower(s) != s {
		t.Fatalf("ID string %q is not 32 lowercase hex characters", s)
	}
	for _, in := range []string{s, strings.ToUpper(s), " " + s + "\n"} {
		got, err := ParseID(in)
		if err != nil || got != id {
			t.Errorf("ParseID(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", s[:31], s + "0", "zz" + s[2:], s[:16] + " " + s[17:]} {
		if _, err := ParseID(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseID(%q): %v, want ErrMalformed", in, err)
		}
	}
	// The ID depends on each key and nothing else.
	d := *c
	d.Pseudonym, d.Created = "renamed", c.Created.Add(time.Hour)
	if d.ID() != id {
		t.Error("ID depends on pseudonym or time")
	}
	d.AgeKey[0] ^= 1
	if d.ID() == id {
		t.Error("ID ignores the age key")
	}
	d = *c
	d.SigningKey = bytes.Clone(c.SigningKey)
	d.SigningKey[0] ^= 1
	if d.ID() == id {
		t.Error("ID ignores the signing key")
	}
}
