package identity

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// sentinels are the errors every refusal must wrap.
var sentinels = []error{ErrMalformed, ErrVersion, ErrSignature, ErrWeakKey, ErrTooLarge, ErrPseudonym}

func wrapsSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// seedCards returns real cards and damaged variants of them, as text.
func seedCards(t testing.TB) []string {
	var seeds []string
	for _, id := range goldenIdentities(t) {
		s := id.Card.String()
		b := id.Card.Bytes()
		flipped := bytes.Clone(b)
		flipped[len(b)/2] ^= 0x10
		seeds = append(seeds,
			s,
			strings.ToLower(s[:100])+"\n"+s[100:],
			"TD2"+s[3:],
			s[:len(s)-9],
			s+"AAAAAAAA",
			textOf(flipped),
			textOf(append([]byte{2}, b[1:]...)),
			textOf(append(bytes.Clone(b), 0)),
		)
	}
	return append(seeds, "", "TD1", "td1aaaa", "hello world")
}

// compactText is how ParseCard reads text: without white space and format
// characters, ASCII letters upper-cased.
func compactText(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

func FuzzParseCard(f *testing.F) {
	for _, s := range seedCards(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseCard(text)
		if err != nil {
			if c != nil {
				t.Fatal("card returned with an error")
			}
			if !wrapsSentinel(err) {
				t.Fatalf("error %q wraps no sentinel", err)
			}
			return
		}
		// A card that parses has exactly one spelling.
		if got := c.String(); got != compactText(text) {
			t.Fatalf("parsed %q but the card reads %q", text, got)
		}
		d, err := DecodeCard(c.Bytes())
		if err != nil {
			t.Fatalf("re-decoding a parsed card: %v", err)
		}
		if d.String() != c.String() || d.ID() != c.ID() {
			t.Fatal("re-decoded card differs")
		}
	})
}

func FuzzDecodeCard(f *testing.F) {
	for _, s := range seedCards(f) {
		if b, err := cardText.DecodeString(strings.TrimPrefix(s, textPrefix)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCard(b)
		if err != nil {
			if c != nil {
				t.Fatal("card returned with an error")
			}
			if !wrapsSentinel(err) {
				t.Fatalf("error %q wraps no sentinel", err)
			}
			return
		}
		if !bytes.Equal(c.Bytes(), b) {
			t.Fatalf("decoded %x but the card encodes as %x", b, c.Bytes())
		}
		if _, err := ParseCard(c.String()); err != nil {
			t.Fatalf("text form of a decoded card: %v", err)
		}
	})
}

// corpusDirs are the committed seed corpora, written with -update.
var corpusDirs = map[string]string{
	"FuzzParseCard":  "testdata/fuzz/FuzzParseCard",
	"FuzzDecodeCard": "testdata/fuzz/FuzzDecodeCard",
}

// readCorpus returns the values of the committed corpus files in dir.
func readCorpus(t *testing.T, dir string) [][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var values [][]byte
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		header, value, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
		if header != "go test fuzz v1" {
			t.Fatalf("%s: not a fuzz corpus file", e.Name())
		}
		typ, quoted, ok := strings.Cut(value, "(")
		if !ok || (typ != "string" && typ != "[]byte") {
			t.Fatalf("%s: unexpected value %q", e.Name(), value)
		}
		v, err := strconv.Unquote(strings.TrimSuffix(quoted, ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		values = append(values, []byte(v))
	}
	return values
}

// TestFuzzCorpus checks that the committed seed corpora exist and hold
// real cards as well as refusals, so the fuzz targets start from good
// inputs even on machines without a fuzz cache.
func TestFuzzCorpus(t *testing.T) {
	if *update {
		seeds := seedCards(t)
		for target, dir := range corpusDirs {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i, s := range seeds {
				var value string
				if target == "FuzzParseCard" {
					value = fmt.Sprintf("string(%q)", s)
				} else {
					b, err := cardText.DecodeString(strings.TrimPrefix(s, textPrefix))
					if err != nil {
						continue
					}
					value = fmt.Sprintf("[]byte(%q)", b)
				}
				name := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
				if err := os.WriteFile(name, []byte("go test fuzz v1\n"+value+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for target, dir := range corpusDirs {
		values := readCorpus(t, dir)
		valid, refused := 0, 0
		for _, v := range values {
			var err error
			if target == "FuzzParseCard" {
				_, err = ParseCard(string(v))
			} else {
				_, err = DecodeCard(v)
			}
			if err == nil {
				valid++
			} else {
				refused++
			}
		}
		if valid == 0 || refused < 5 {
			t.Errorf("%s: %d valid and %d refused seeds, want at least 1 and 5", dir, valid, refused)
		}
	}
}
