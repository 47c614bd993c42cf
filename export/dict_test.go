package export

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestDictionaryFixed fails if the preset DEFLATE dictionary changes: it
// is part of format version 2, and every version 2 file needs it as it is.
func TestDictionaryFixed(t *testing.T) {
	const want = "8244d48a6cc121899b9c9aa6df6e0ece6fe470485049fedb776521f502f9e48d"
	sum := sha256.Sum256(deflateDict)
	if got := hex.EncodeToString(sum[:]); got != want || len(deflateDict) != 3578 {
		t.Fatalf("dictionary of %d bytes with SHA-256 %s; FORMAT.md says 3578 bytes, %s", len(deflateDict), got, want)
	}
}
