package plaintext

import (
	"testing"

	"trustdesk/internal/srcdigest"
)

// TestSourceComplete: SourceDigest covers every file of the package.
func TestSourceComplete(t *testing.T) {
	if missing, err := srcdigest.Missing(source, "."); err != nil || len(missing) > 0 {
		t.Fatalf("not in the //go:embed line of source.go, or changed: %v (%v)", missing, err)
	}
}
