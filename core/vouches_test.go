package core

import (
	"testing"

	"trustdesk/crdt"
)

// TestVouchesCountedAfterVoucherExcluded: in a cell that needs two
// vouches, Mal vouches for Zed and is voted out; Ana vouches too. Zed
// still waits: Mal's vouch went with him. The view counts one vouch, not the two names
// that vouched (the screens show "waiting for vouches (1 of 2)").
func TestVouchesCountedAfterVoucherExcluded(t *testing.T) {
	ana, bo, cy, mal, zed := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Cy"), newService(t, "Mal"), newService(t, "Zed")
	cell := cellOfAll(t, ana, bo, cy, mal)
	meet(t, ana, zed)
	meet(t, mal, zed)
	rules := crdt.Policy{AdmitVouches: 2}
	for i, p := range []*Service{ana, bo, cy} {
		if _, err := p.SetPolicy(cell, rules); err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			sendFile(t, p, []*Service{bo, cy}[i])
		}
	}
	sendFile(t, cy, mal)
	if _, err := mal.Admit(cell, zed.Card().ID()); err != nil {
		t.Fatal(err)
	}
	sendFile(t, mal, ana)
	// Ana and Bo vote Mal out.
	if _, err := ana.VoteExclude(cell, mal.Card().ID()); err != nil {
		t.Fatal(err)
	}
	sendFile(t, ana, bo)
	if _, err := bo.VoteExclude(cell, mal.Card().ID()); err != nil {
		t.Fatal(err)
	}
	sendFile(t, bo, ana)
	v, err := ana.Admit(cell, zed.Card().ID())
	if err != nil {
		t.Fatal(err)
	}
	if v.Policy != rules {
		t.Fatalf("the rules on Ana's device are %+v, want %+v", v.Policy, rules)
	}
	for _, m := range v.Members() {
		if m.ID != zed.Card().ID() {
			continue
		}
		if m.Status != crdt.StatusPending || len(m.VouchedBy) != 2 {
			t.Fatalf("Zed is %s, vouched for by %d: the test needs him waiting with two names", m.Status, len(m.VouchedBy))
		}
		if m.Vouches != 1 {
			t.Errorf("Zed waits with %d vouches counted, want 1 (Mal's went with him)", m.Vouches)
		}
		return
	}
	t.Fatal("Zed is not in the cell on Ana's device")
}
