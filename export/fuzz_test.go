package export

import (
	"errors"
	"os"
	"testing"
)

// seedCorpus returns the committed sync files, binary and armored.
func seedCorpus(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	for _, name := range committed {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

func TestSeedCorpus(t *testing.T) {
	if n := len(seedCorpus(t)); n < 2 {
		t.Fatalf("%d seed files", n)
	}
}

// FuzzOpen feeds Open arbitrary bytes, starting from real sync files: it
// must never panic, every refusal must be one of the documented errors, and
// whatever it accepts must be a well-formed file for the reader.
func FuzzOpen(f *testing.F) {
	for _, b := range seedCorpus(f) {
		f.Add(b)
	}
	bo := loadBo(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Open(bo, data)
		if err != nil {
			for _, known := range []error{ErrNotForYou, ErrDamaged, ErrForged, ErrTooLarge, ErrVersion} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("undocumented error: %v", err)
		}
		if file.Sender == nil || len(file.Recipients) == 0 {
			t.Fatal("accepted a file without sender or recipients")
		}
		for _, c := range file.Cells {
			if len(c.Heads) == 0 {
				t.Fatal("accepted a cell without heads")
			}
		}
	})
}

// FuzzEnvelope feeds the envelope decoder (what is inside the encryption
// and compression) arbitrary bytes, starting from the envelopes of the real
// files, which a fuzzer could never reach through the encryption.
func FuzzEnvelope(f *testing.F) {
	bo := loadBo(f)
	for _, b := range seedCorpus(f) {
		bin := must(Dearmor(b))
		body := must(unpad(must(decrypt(bo.AgeIdentity(), bin))))
		f.Add(must(decompress(body)))
	}
	f.Fuzz(func(t *testing.T, env []byte) {
		file, err := decodeEnvelope(bo.Card.ID(), env)
		if err != nil {
			for _, known := range []error{ErrDamaged, ErrForged, ErrVersion} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("undocumented error: %v", err)
		}
		if file.Sender == nil || len(file.Recipients) == 0 || file.Cells == nil {
			t.Fatal("accepted an incomplete envelope")
		}
	})
}
