package identity

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt from today's code")

const goldenFile = "testdata/golden.txt"

// goldenIdentities are the reproducible identities whose cards are kept in
// testdata/golden.txt.
func goldenIdentities(t testing.TB) []*Identity {
	return []*Identity{
		testIdentity(t, "Mirelda Oakthorn", 101),
		testIdentity(t, "Здравко", 102),
	}
}

// TestGolden checks that cards, private identities and the safety code
// written by earlier versions of this package still read the same, and
// that today's code writes exactly the same bytes. A difference means the
// format changed: that needs a new version, not an updated file.
func TestGolden(t *testing.T) {
	ids := goldenIdentities(t)
	var want bytes.Buffer
	fmt.Fprintln(&want, "# Cards and identities written by the identity package, format version 1.")
	fmt.Fprintln(&want, "# They must keep reading forever. Regenerate only for a new format:")
	fmt.Fprintln(&want, "#   go test ./identity -run TestGolden -update")
	for _, id := range ids {
		priv, err := id.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&want, "card %s\n", id.Card)
		fmt.Fprintf(&want, "id %s\n", id.Card.ID())
		fmt.Fprintf(&want, "private %x\n", priv)
	}
	fmt.Fprintf(&want, "safety-code %s\n", SafetyCode(ids[0].Card, ids[1].Card))
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	got, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	// Read the committed file with the real parsers.
	var cards []*Card
	var lastCard *Card
	sc := bufio.NewScanner(bytes.NewReader(got))
	for sc.Scan() {
		kind, value, _ := strings.Cut(sc.Text(), " ")
		switch kind {
		case "card":
			c, err := ParseCard(value)
			if err != nil {
				t.Fatalf("committed card %s: %v", value, err)
			}
			cards = append(cards, c)
			lastCard = c
		case "id":
			id, err := ParseID(value)
			if err != nil || lastCard == nil || id != lastCard.ID() {
				t.Fatalf("committed id %s does not match its card: %v", value, err)
			}
		case "private":
			b, err := hex.DecodeString(value)
			if err != nil {
				t.Fatal(err)
			}
			id, err := UnmarshalIdentity(b)
			if err != nil {
				t.Fatalf("committed identity: %v", err)
			}
			if lastCard == nil || !bytes.Equal(id.Card.Bytes(), lastCard.Bytes()) {
				t.Fatal("committed identity does not match its card")
			}
			if msg := []byte("golden"); !lastCard.VerifySignature(msg, id.Sign(msg)) {
				t.Fatal("committed identity cannot sign for its card")
			}
		case "safety-code":
			if len(cards) != 2 || SafetyCode(cards[1], cards[0]) != value {
				t.Fatalf("committed safety code %s does not match the committed cards", value)
			}
		}
	}
	if len(cards) != 2 {
		t.Fatalf("%s holds %d cards, want 2", goldenFile, len(cards))
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("today's code writes different bytes than %s:\n%s\nwant:\n%s", goldenFile, want.Bytes(), got)
	}
}
