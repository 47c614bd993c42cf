package export

import _ "embed"

// deflateDict is the preset DEFLATE dictionary of version 2 (FORMAT.md §4,
// "Compression"): the envelope of a typical small file, so that even the
// first rating of a file compresses like the later ones. Its bytes are part
// of the format and never change.
//
//go:embed dict-v2.bin
var deflateDict []byte
