package core

import (
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
)

// TestSummaryTellsReplacements: an import says in plain words when a card
// was replaced and by how many guardians, when a replacement held on this
// device no longer counts (a competing one arrived: Bo's card is no
// longer replaced, Di's is replaced by another new card), and when a file
// tries to replace a card without enough guardians; each once, and never
// for what the device already held.
func TestSummaryTellsReplacements(t *testing.T) {
	ana, anaNew, bo, boNew := identity.ID{1}, identity.ID{2}, identity.ID{3}, identity.ID{4}
	cy, cyNew, di, diNew, diOther := identity.ID{5}, identity.ID{6}, identity.ID{7}, identity.ID{8}, identity.ID{15}
	names := map[identity.ID]string{ana: "Ana", bo: "Bo", cy: "Cy", di: "Di"}
	card := &identity.Card{}
	old := crdt.StatementID{9}
	before := &crdt.State{
		Replaced: []crdt.Replacement{{Old: bo, New: boNew, NewCard: card, Confirmed: 2}, {Old: di, New: diNew, NewCard: card, Confirmed: 2}},
		Invalid:  []crdt.Rejected{{ID: old, Author: cy, Kind: crdt.KindReplace, Reason: crdt.ReasonNotConfirmed}},
	}
	after := &crdt.State{
		Replaced: []crdt.Replacement{{Old: ana, New: anaNew, NewCard: card, Confirmed: 3}, {Old: di, New: diOther, NewCard: card, Confirmed: 3}},
		Invalid: []crdt.Rejected{
			{ID: old, Author: cy, Kind: crdt.KindReplace, Reason: crdt.ReasonNotConfirmed},
			{ID: crdt.StatementID{10}, Author: bo, Kind: crdt.KindReplace, Reason: crdt.ReasonNotConfirmed},
			{ID: crdt.StatementID{11}, Author: bo, Kind: crdt.KindReplace, Reason: crdt.ReasonNotConfirmed},
			{ID: crdt.StatementID{12}, Author: cy, Kind: crdt.KindReplace, Reason: crdt.ReasonNotConfirmed},
			{ID: crdt.StatementID{13}, Author: cy, Kind: crdt.KindReplace, Reason: crdt.ReasonReplaced},
			{ID: crdt.StatementID{14}, Author: cyNew, Kind: crdt.KindRate, Reason: crdt.ReasonReplaced},
		},
	}
	var cc CellChanges
	diffCell(&cc, before, after, names)
	if len(cc.Replaced) != 2 || cc.Replaced[0].Name != "Ana" || cc.Replaced[0].Guardians != 3 || cc.Replaced[1].Name != "Di" {
		t.Errorf("Replaced = %+v", cc.Replaced)
	}
	if len(cc.ReplacementUndone) != 2 || cc.ReplacementUndone[0].Name != "Bo" || cc.ReplacementUndone[1].Name != "Di" {
		t.Errorf("ReplacementUndone = %+v", cc.ReplacementUndone)
	}
	if len(cc.ReplacementRefused) != 1 || cc.ReplacementRefused[0].Name != "Cy" {
		t.Errorf("ReplacementRefused = %+v", cc.ReplacementRefused)
	}
	cc.Name, cc.NewStatements = "Night", 6
	sum := (&ImportSummary{From: Person{Name: "Di"}, NewStatements: 6, Cells: []CellChanges{cc}}).String()
	for _, want := range []string{
		"Ana's card was replaced by a new one, confirmed by 3 of their guardians",
		"the replacement of Bo's card that this computer had taken no longer counts",
		"an attempt to replace Cy's card was refused",
	} {
		if strings.Count(sum, want) != 1 {
			t.Errorf("the summary does not say %q once: %q", want, sum)
		}
	}
	if w := words.Jargon.FindString(sum); w != "" {
		t.Errorf("the summary says %q: %q", w, sum)
	}
	// In a cell that only invited me, a replacement changes nothing on
	// this device (TestAttackThiefCellReplacement): it is a claim, and
	// none was ever taken that could stop counting.
	cc.OnlyInvited = true
	got := strings.Join(cc.ReplacementPhrases(), "; ")
	for _, want := range []string{
		"a claim that Ana's card was replaced by a new one, confirmed by 3 of their guardians (nothing changes on this computer: you have not joined)",
		"an attempt to replace Cy's card was refused",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("only invited: %q does not say %q", got, want)
		}
	}
	if strings.Contains(got, "no longer counts") {
		t.Errorf("only invited: %q", got)
	}
}
