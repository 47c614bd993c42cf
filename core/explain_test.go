package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"

	"trustdesk/crdt"
)

// A full disk, whether SQLite or a file write notices it, is one plain
// sentence that says nothing was changed.
func TestExplainFullDisk(t *testing.T) {
	for _, err := range []error{
		&fs.PathError{Op: "write", Path: "/media/usb/sync.tdsync", Err: syscall.ENOSPC},
		fmt.Errorf("update: %w", errors.New("database or disk is full (13)")),
	} {
		if got := Explain(err); !strings.Contains(got, "disk is full") || !strings.Contains(got, "Nothing was changed") {
			t.Errorf("Explain(%v) = %q", err, got)
		}
	}
	if got := Explain(&fs.PathError{Op: "open", Path: "x", Err: os.ErrNotExist}); !strings.Contains(got, "does not exist") {
		t.Errorf("missing file: %q", got)
	}
}

// Every reason an entry does not count reads in plain words.
func TestReasonWords(t *testing.T) {
	for _, r := range []crdt.Reason{crdt.ReasonMalformed, crdt.ReasonWrongCell, crdt.ReasonUnknownAuthor,
		crdt.ReasonBadSignature, crdt.ReasonMissingPrev, crdt.ReasonNoAuthority, crdt.ReasonExcluded,
		crdt.ReasonLeft, crdt.ReasonDuplicateFound, crdt.ReasonSuperseded} {
		w := ReasonWords(r)
		if w == string(r) {
			t.Errorf("%q has no plain words", r)
		}
		for _, jargon := range []string{"key", "hash", "signature", "signed", "crdt", "prev", "automerge"} {
			if strings.Contains(strings.ToLower(w), jargon) {
				t.Errorf("%q reads %q, which says %q", r, w, jargon)
			}
		}
	}
}

// A cell too costly to check is refused in its own words, not as damage.
func TestExplainTooComplex(t *testing.T) {
	got := Explain(fmt.Errorf("check cell data: %w", crdt.ErrTooComplex))
	if !strings.Contains(got, "too much work") || !strings.Contains(got, "nothing was changed") {
		t.Errorf("Explain(ErrTooComplex) = %q", got)
	}
}
