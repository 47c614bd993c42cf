package core

import (
	"strings"
	"testing"

	"trustdesk/crdt"
)

// TestSummarySaysExclusionUndone: two sides vote each other out at the
// same time, neither having seen the other's votes. Bo's device first sees
// only Ana's side, which excludes Cy; then the other side's file, with more
// voters against Ana. By the rules (crdt/SCHEMA.md §4.7) Ana loses, and the
// summary of that file says every change of standing in plain words: Cy's
// exclusion undone (not "1 new member": nobody joined), Ana excluded.
func TestSummarySaysExclusionUndone(t *testing.T) {
	ana, bo, cy, dee := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy"), newService(t, "Dee")
	cell := cellOfAll(t, ana, bo, cy, dee)
	send := func(from, to *Service) *ImportSummary {
		t.Helper()
		id := to.Card().ID()
		return mustImport(t, to, mustExport(t, from, ExportRequest{To: &id}))
	}
	vote := func(by, against *Service) {
		t.Helper()
		if _, err := by.VoteExclude(cell, against.Card().ID()); err != nil {
			t.Fatal(err)
		}
	}
	// Ana's side: Ana and Bo vote Cy out; Bo also votes against Ana.
	vote(ana, cy)
	send(ana, bo)
	vote(bo, cy)
	vote(bo, ana)
	v, err := bo.FindCell(cell.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range v.Members() {
		if m.ID == cy.Card().ID() && m.Status != "excluded" {
			t.Fatalf("on Bo's device before the other side's file, Cy is %s", m.Status)
		}
	}
	// The other side: Cy and Dee vote Ana out, without Ana's side's votes.
	vote(cy, ana)
	send(cy, dee)
	vote(dee, ana)
	before := statusesOn(t, bo, cell)
	sum := send(dee, bo)
	after := statusesOn(t, bo, cell)
	got := sum.String()
	undone := 0
	for name, was := range before {
		switch now := after[name]; {
		case was == "excluded" && now != "excluded":
			undone++
			if !strings.Contains(got, name+"'s exclusion was undone") {
				t.Errorf("%s went from excluded to %s; the summary %q does not say so", name, now, got)
			}
		case was != "excluded" && now == "excluded":
			if !strings.Contains(got, name+" excluded") {
				t.Errorf("%s went from %s to excluded; the summary %q does not say so", name, was, got)
			}
		}
	}
	// Cy is back, not new: "1 new member" would say someone joined.
	if strings.Contains(got, "new member") {
		t.Errorf("the summary %q counts someone whose exclusion was undone as a new member", got)
	}
	if undone == 0 {
		t.Fatalf("the race no longer undoes an exclusion on Bo's device (before %v, after %v): the test needs a history that does", before, after)
	}
	t.Log(got)
}

// TestRulesSentenceNeverOverstates: new rules with a quorum of 1000, as a
// summary says them, are never "1000 votes to exclude someone" alone: in
// a cell of five, the four others exclude (crdt.Policy.VotesToExclude).
func TestRulesSentenceNeverOverstates(t *testing.T) {
	for p, want := range map[crdt.Policy]string{
		{AdmitVouches: 1}:                      "1 vouch to join; a majority of the other members to exclude someone",
		{AdmitVouches: 2, ExcludeQuorum: 1}:    "2 vouches to join; 1 vote to exclude someone",
		{AdmitVouches: 1, ExcludeQuorum: 1000}: "1 vouch to join; 1,000 votes (all the other members where there are fewer) to exclude someone",
	} {
		if got := RulesSentence(p); got != want {
			t.Errorf("RulesSentence(%+v) = %q, want %q", p, got, want)
		}
	}
}
