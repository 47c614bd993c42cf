package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"trustdesk/crdt"
)

// TestSummarySaysHistoryForked: Mal copies his home to a second computer
// (or runs a changed program) and acts on both copies, neither seeing
// what the other did: one rates Cy, the other votes Cy out. Bo takes in
// one, then the other: the summary of the second says in plain words
// that Mal sent two different versions of what he did, once; a later
// file with more of Mal's words, or a file that shows the same fork
// again, does not say it again.
func TestSummarySaysHistoryForked(t *testing.T) {
	ana, bo, cy := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy")
	mal := newService(t, "Mal")
	cell := cellOfAll(t, ana, bo, cy, mal)
	send := func(from, to *Service) *ImportSummary {
		t.Helper()
		id := to.Card().ID()
		return mustImport(t, to, mustExport(t, from, ExportRequest{To: &id}))
	}
	send(bo, mal)
	send(cy, mal)
	send(mal, bo)
	send(mal, ana)
	// The copy: Mal's home as it is now, on a second computer.
	home := mal.home
	mal.Close()
	copied := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(copied, os.DirFS(home)); err != nil {
		t.Fatal(err)
	}
	mal, err := Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mal.Close() })
	twin, err := Unlock(copied, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { twin.Close() })
	if _, err := mal.Rate(cy.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5}, []crdt.CellID{cell}); err != nil {
		t.Fatal(err)
	}
	if _, err := twin.VoteExclude(cell, cy.Card().ID()); err != nil {
		t.Fatal(err)
	}
	const said = "Mal sent two different versions of what they did"
	if got := send(mal, bo).String(); strings.Contains(got, said) {
		t.Fatalf("one version of Mal's history: %q", got)
	}
	got := send(twin, bo).String()
	if strings.Count(got, said) != 1 {
		t.Fatalf("the second version of Mal's history: %q does not say once %q", got, said)
	}
	for _, w := range []string{"key", "hash", "signature", "CRDT"} {
		if strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
			t.Errorf("the summary %q says %q", got, w)
		}
	}
	// Told once: Mal's next words (built on both versions) and the same
	// fork arriving again by another way say nothing of it.
	send(bo, mal)
	if _, err := mal.Rate(cy.Card().ID(), crdt.Rating{Safety: 4, Reliability: 5}, []crdt.CellID{cell}); err != nil {
		t.Fatal(err)
	}
	if got := send(mal, bo).String(); strings.Contains(got, said) {
		t.Errorf("Mal's next words: %q says again %q", got, said)
	}
	send(mal, ana)
	send(twin, ana)
	if got := send(ana, bo).String(); strings.Contains(got, said) {
		t.Errorf("the same fork again: %q says again %q", got, said)
	}
}
