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

// A cell too costly to check is refused in its own words, not as damage.
func TestExplainTooComplex(t *testing.T) {
	got := Explain(fmt.Errorf("check cell data: %w", crdt.ErrTooComplex))
	if !strings.Contains(got, "too much work") || !strings.Contains(got, "nothing was changed") {
		t.Errorf("Explain(ErrTooComplex) = %q", got)
	}
}
