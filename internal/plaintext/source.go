package plaintext

import (
	"embed"
	"sync"

	"trustdesk/internal/srcdigest"
)

// source is this package's code as built into the program
// (TestSourceComplete checks that the list is whole).
//
//go:embed plaintext.go source.go
var source embed.FS

// SourceDigest returns a digest of this package's code. Which text fields
// a cell accepts may change with it, so package crdt keys the derived
// states a device keeps by it (crdt/SCHEMA.md §7).
var SourceDigest = sync.OnceValue(func() []byte { return srcdigest.Of(source) })
