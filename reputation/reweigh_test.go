package reputation

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// settleWeighingAll is settleModel with every subject weighed again in
// every pass, as before a pass weighed only what changed: each pass is
// told the small trees it kept are stale, so none counts as the last
// pass's tree.
func settleWeighingAll(m *model) *Result {
	standing := make([]float64, m.n)
	for i := range standing {
		standing[i] = 1
	}
	e := m.newEval()
	for range StandingRounds {
		e.vtValid = false
		m.evaluate(standing, e)
		if m.updateStanding(e, standing) < StandingTolerance {
			break
		}
	}
	e.vtValid = false
	m.evaluate(standing, e)
	r := &Result{m: m, e: e, standing: standing}
	r.m.weighByKnowledge(r.e)
	return r
}

// floodWorld is a world shaped like the flood of crdt/SCHEMA.md §7: the
// viewer verified Bo, who vouched for fakes that rate one another badly
// (their standing, so the trust of everyone they vouched for, changes
// from pass to pass), and who rated many cards, as did the fakes and a
// card one fake vouched for; Bo rated a fake too.
func floodWorld() *Input {
	w := newWorld()
	w.verify("bo")
	w.member("market", "bo", StatusMember)
	w.member("market", "viewer", StatusMember, "bo")
	for i := range 12 {
		w.member("market", fmt.Sprintf("fake %d", i), StatusMember, "bo")
	}
	w.member("market", "card vouched", StatusMember, "fake 3")
	for i := range 12 {
		w.rate("market", fmt.Sprintf("fake %d", i), fmt.Sprintf("fake %d", (i+1)%12), 1+i%2, 2, i%20)
		w.rate("market", fmt.Sprintf("fake %d", i), fmt.Sprintf("card %d", i*7), 5, 5, 1)
	}
	w.rate("market", "card vouched", "card 14", 1, 1, 2)
	w.rate("market", "bo", "fake 5", 1, 2, 3)
	for i := range 300 {
		w.rate("market", "bo", fmt.Sprintf("card %d", i), 1+i%5, 1+i%3, i%40)
	}
	return &w.in
}

// TestReweighOnlyWhatChanged: a pass that weighs again only the
// subjects whose weighing reads a trust that changed since the last
// pass computes what weighing every subject in every pass computes: every
// score (explanations included) and the flagged first, on the flood (most
// subjects rated only by Bo, whose trust does not change; some by fakes,
// whose trust does) and on random worlds.
func TestReweighOnlyWhatChanged(t *testing.T) {
	worlds := []*Input{floodWorld()}
	for seed := range uint64(4) {
		worlds = append(worlds, generate(seed, 300, 8, 3000))
	}
	for k, in := range worlds {
		src := prepare(in, in.Blocked)
		got := computeModel(src.model(in.Now, time.Time{}))
		want := settleWeighingAll(src.model(in.Now, time.Time{}))
		if !bytes.Equal(scoresJSON(t, got), scoresJSON(t, want)) {
			t.Errorf("world %d: the scores differ from weighing every subject in every pass", k)
		}
		if g, w := fmt.Sprint(got.FlaggedFirst()), fmt.Sprint(want.FlaggedFirst()); g != w {
			t.Errorf("world %d: the flagged first differ from weighing every subject in every pass", k)
		}
	}
}
