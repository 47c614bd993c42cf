package identity

import (
	"embed"
	"sync"

	"trustdesk/internal/srcdigest"
)

// source is this package's code as built into the program
// (TestSourceComplete checks that the list is whole).
//
//go:embed bech32.go cache.go card.go doc.go errors.go identity.go keys.go pseudonym.go safety.go source.go
var source embed.FS

// SourceDigest returns a digest of this package's code. What it accepts as
// a card may change with the code, so package crdt keys the derived states
// a device keeps by it (crdt/SCHEMA.md §7).
var SourceDigest = sync.OnceValue(func() []byte { return srcdigest.Of(source) })
