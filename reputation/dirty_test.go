package reputation

import (
	"testing"
	"time"
)

// TestDirtyFollowsAncestors: in a pass whose tree of strongest paths is
// the last pass's, a rater whose own trust is what it was but some of
// whose ancestors' trust changed is dirty, and the subjects it rates are
// weighed again (MODEL.md §9, "Only what changed"): their weighing reads
// the trust of the points above the raters where their paths meet. The
// viewer verified Ann, who vouched for Bo, who vouched for Cy and Di,
// who rated Eve; from one pass to the next Ann's standing halves and
// Bo's doubles, so Bo's trust halves and Cy's and Di's stay the same.
func TestDirtyFollowsAncestors(t *testing.T) {
	w := newWorld()
	w.verify("ann")
	w.member("market", "ann", StatusMember)
	w.member("market", "bo", StatusMember, "ann")
	w.member("market", "cy", StatusMember, "bo")
	w.member("market", "di", StatusMember, "bo")
	w.rate("market", "cy", "eve", 2, 2, 3)
	w.rate("market", "di", "eve", 2, 3, 4)
	m := prepare(&w.in, nil).model(w.in.Now, time.Time{})
	ann, bo, cy, di, eve := m.idx(pid("ann")), m.idx(pid("bo")), m.idx(pid("cy")), m.idx(pid("di")), m.idx(pid("eve"))
	standing := make([]float64, m.n)
	for i := range standing {
		standing[i] = 1
	}
	standing[bo] = 0.5
	e := m.newEval()
	m.evaluate(standing, e)
	trustBo, trustCy := e.trust[bo], e.trust[cy]
	standing[ann], standing[bo] = 0.5, 1
	m.evaluate(standing, e)
	if !e.sameTree {
		t.Fatal("the tree of strongest paths changed; the world does not test what it should")
	}
	if e.trust[bo] == trustBo || e.trust[cy] != trustCy || trustCy == 0 {
		t.Fatalf("Bo's trust %v → %v, Cy's %v → %v: want Bo's changed and Cy's the same", trustBo, e.trust[bo], trustCy, e.trust[cy])
	}
	for _, r := range []int32{bo, cy, di} {
		if !e.dirty[r] {
			t.Errorf("person %d (below Bo, whose trust changed) is not dirty", r)
		}
	}
	if !m.reweigh(eve, e) {
		t.Error("Eve, rated by Cy and Di whose paths meet at Bo, is not weighed again")
	}
}
