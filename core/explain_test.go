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

// What a cell does not allow is said as a sentence about the person asked
// for: "they were excluded from this cell", never a sentence without a
// subject ("That is not possible in this cell: was excluded from this
// cell.", which reads as if the user had been).
func TestExplainNotAllowedSaysWho(t *testing.T) {
	ana, bo, cy, mal := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy"), newService(t, "Mal")
	cell := cellOfAll(t, ana, bo, cy, mal)
	for _, voter := range []*Service{ana, bo} {
		votesAgainst(t, cell, voter, mal)
		sendFile(t, voter, cy)
		sendFile(t, cy, ana)
	}
	votesAgainst(t, cell, ana, cy)
	for _, c := range []struct {
		err  error
		want string
	}{
		{func() error { _, err := cy.Admit(cell, mal.Card().ID()); return err }(), "they were excluded from this cell"},
		{func() error { _, err := cy.Admit(cell, bo.Card().ID()); return err }(), "they are a member already"},
		{func() error { _, err := cy.VoteExclude(cell, mal.Card().ID()); return err }(), "they are not a member"},
		{func() error { _, err := ana.VoteExclude(cell, cy.Card().ID()); return err }(), "you voted to exclude them already"},
	} {
		got := Explain(c.err)
		if want := "That is not possible in this cell: " + c.want + "."; got != want {
			t.Errorf("Explain(%v) = %q, want %q", c.err, got, want)
		}
	}
}
