package core

import (
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// TestAttackNameLikeALabel: Mal publishes in a cell two cards: one named
// "Mir", so that the real Mir, verified in person, is shown with what
// tells them apart ("Mir (verified in person · 3f2a9c01)"), and one whose
// name is that very label. No two people may be shown the same, and the
// card named like a label may not read as verified in person on the
// screens that split a label in two (core.SplitLabel).
func TestAttackNameLikeALabel(t *testing.T) {
	me, mir := identity.ID{0xee}, identity.ID{0x3f, 0x2a, 0x9c, 0x01}
	fake, spoof := identity.ID{0x11}, identity.ID{0x22}
	b := newNameBook(me, 4)
	b.set(mir, "Mir", InPerson, false)
	b.set(fake, "Mir", Introduced, false)
	real := b.shown()[mir]
	b.set(spoof, real, Introduced, false)
	shown := b.shown()
	if shown[spoof] == shown[mir] {
		t.Fatalf("the card named %q is shown as the real Mir", real)
	}
	if _, detail := SplitLabel(shown[spoof]); detail != Introduced.Words()+" · "+spoof.String()[:8] {
		t.Errorf("the card named %q is shown %q: what tells it apart is %q", real, shown[spoof], detail)
	}
	// Even with no other "Mir" around, a name made like a label is told
	// apart as itself.
	b = newNameBook(me, 2)
	b.set(mir, "Mir", InPerson, false)
	b.set(spoof, "Mir (verified in person · 3f2a9c01)", Introduced, false)
	if _, detail := SplitLabel(b.shown()[spoof]); detail != Introduced.Words()+" · "+spoof.String()[:8] {
		t.Errorf("shown %q", b.shown()[spoof])
	}
}

// TestAttackCellNameLikeALabel: a cell named like the label another cell
// gets ("Night market (founded by Ana · 3f2a)") is told apart too.
func TestAttackCellNameLikeALabel(t *testing.T) {
	real, twin, spoof := crdt.CellID{0x3f, 0x2a}, crdt.CellID{0x77}, crdt.CellID{0x88}
	labels := labelCells([]namedCell{{real, "Night market", "Ana"}, {twin, "Night market", "Mal"}})
	labels = labelCells([]namedCell{{real, "Night market", "Ana"}, {twin, "Night market", "Mal"}, {spoof, labels[real], "Mal"}})
	if labels[spoof] == labels[real] {
		t.Fatalf("the cell named like a label is shown %q, as the real one", labels[spoof])
	}
}
