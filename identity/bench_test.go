package identity

import (
	"testing"
)

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New("Mirelda Oakthorn", testTime); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCardEncode measures writing a card's text form.
func BenchmarkCardEncode(b *testing.B) {
	c := testIdentity(b, "Mirelda Oakthorn 123", 30).Card
	b.ReportAllocs()
	for b.Loop() {
		_ = c.String()
	}
}

// BenchmarkCardParse measures turning text into a fully checked card:
// base32, structure, pseudonym, both key checks and the self-signature.
func BenchmarkCardParse(b *testing.B) {
	s := testIdentity(b, "Mirelda Oakthorn 123", 31).Card.String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCard(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCard checks a card it has not seen before (the cache of
// checked cards is emptied every time); BenchmarkDecodeCardSeen decodes one
// it has.
func BenchmarkDecodeCard(b *testing.B) {
	raw := testIdentity(b, "Mirelda Oakthorn 123", 32).Card.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		checkedCards.Lock()
		checkedCards.m = nil
		checkedCards.Unlock()
		if _, err := DecodeCard(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeCardSeen(b *testing.B) {
	raw := testIdentity(b, "Mirelda Oakthorn 123", 32).Card.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeCard(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSafetyCode(b *testing.B) {
	x := testIdentity(b, "Alice", 33).Card
	y := testIdentity(b, "Bob", 34).Card
	b.ReportAllocs()
	for b.Loop() {
		_ = SafetyCode(x, y)
	}
}
