// Package srcdigest gives a digest of a package's own source code, built
// into the program with //go:embed, so that what a package derives and a
// device keeps can be keyed by the code that derived it (see
// crdt/SCHEMA.md §7, "The derived state kept").
package srcdigest

import (
	"bytes"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
)

// Of returns the SHA-256 over the names and bytes of the .go files at the
// top of fsys, in the order of their names.
func Of(fsys fs.FS) []byte {
	h := sha256.New()
	names, _ := fs.Glob(fsys, "*.go")
	for _, n := range names {
		b, _ := fs.ReadFile(fsys, n)
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(b)
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// Build returns the SHA-256 of what the running program was built with, as
// far as it records it: the Go version, every module with its version and
// checksum, and the version control revision (absent in tests).
func Build() []byte {
	h := sha256.New()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return h.Sum(nil)
	}
	h.Write([]byte(bi.GoVersion + "\n"))
	for _, m := range bi.Deps {
		for m != nil {
			h.Write([]byte(m.Path + " " + m.Version + " " + m.Sum + "\n"))
			m = m.Replace
		}
	}
	for _, s := range bi.Settings {
		if strings.HasPrefix(s.Key, "vcs.") {
			h.Write([]byte(s.Key + "=" + s.Value + "\n"))
		}
	}
	return h.Sum(nil)
}

// Missing returns the files of the package in dir (its .go files but the
// tests) that fsys lacks or holds otherwise than on disk, and those fsys
// holds that the package lacks: a package's test calls it with its
// embedded source and "." so that the list in its //go:embed line stays
// whole.
func Missing(fsys fs.FS, dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var out, want []string
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		want = append(want, name)
		disk, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if emb, err := fs.ReadFile(fsys, name); err != nil || !bytes.Equal(disk, emb) {
			out = append(out, name)
		}
	}
	got, _ := fs.Glob(fsys, "*.go")
	for _, name := range got {
		if !slices.Contains(want, name) {
			out = append(out, name)
		}
	}
	return out, nil
}
