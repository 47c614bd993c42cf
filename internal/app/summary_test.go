package app

import (
	"fmt"
	"strings"
	"testing"

	"trustdesk/core"
)

// TestPreviewOfThousandsStaysShort: the preview of a file that invites,
// admits or excludes thousands of people (a member's fakes) lists a few
// names and how many others, not a wall of names.
func TestPreviewOfThousandsStaysShort(t *testing.T) {
	many := func(prefix string, n int) []core.Person {
		out := make([]core.Person, n)
		for i := range out {
			out[i] = core.Person{Name: fmt.Sprintf("%s%d", prefix, i)}
			out[i].ID[0], out[i].ID[1], out[i].ID[2] = byte(i), byte(i>>8), prefix[0]
		}
		return out
	}
	sum := &core.ImportSummary{From: core.Person{Name: "Bo"}, NewStatements: 10_000, Cells: []core.CellChanges{{
		Name: "Night market", NewStatements: 10_000, Invited: many("Fake", 2500), NewMembers: many("Joined", 2500),
		Excluded: many("Out", 2500), Left: many("Left", 2500),
	}}}
	got := previewDetails(sum)
	if len(got) > 1000 {
		t.Errorf("the preview of a file that changes thousands of people is %d characters long: %.300s…", len(got), got)
	}
	if !strings.Contains(got, "Fake0, Fake1, Fake2, Fake3, Fake4 and 2,495 others") {
		t.Errorf("the preview %q does not name a few of the people invited and count the others", got)
	}
}
