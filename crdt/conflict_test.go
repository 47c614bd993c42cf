package crdt

import (
	"testing"
)

// These tests show the written rules of SCHEMA.md §4.4 for concurrent
// conflicts on concrete histories: two replicas act without seeing each
// other, then exchange everything.

func exchange(t *testing.T, x, y *Cell) {
	t.Helper()
	if err := x.ApplyChanges(must(y.ChangesSince(x.Heads()))); err != nil {
		t.Fatal(err)
	}
	if err := y.ApplyChanges(must(x.ChangesSince(y.Heads()))); err != nil {
		t.Fatal(err)
	}
	if x.State().Digest() != y.State().Digest() {
		t.Fatal("replicas differ after exchanging everything")
	}
}

func TestMutualExclusion(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		a, x := person(t, 0), person(t, 1)
		base := testCell(t, a, "Two", t0)
		admitJoin(base, a, x, t0)
		ra, rx := must(Load(base.Save())), must(Load(base.Save()))
		va := must(ra.VoteExclude(a, x.Card.ID(), t0))
		vx := must(rx.VoteExclude(x, a.Card.ID(), t0))
		exchange(t, ra, rx)

		st := ra.State()
		ma, _ := st.Member(a.Card.ID())
		mx, _ := st.Member(x.Card.ID())
		// Neither vote saw the other and each has one voter: the junior
		// member loses, whatever the ids (the founder is the most senior).
		_ = va
		if ma.Status != StatusMember || mx.Status != StatusExcluded {
			t.Fatalf("founder %s, junior %s", ma.Status, mx.Status)
		}
		if r := rejectedFor(st, vx.ID().String()); r != ReasonExcluded {
			t.Fatalf("the excluded member's concurrent vote: %q", r)
		}
	})
}

func TestAdmissionConcurrentWithVoucherExclusion(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		a, b, v, p := person(t, 0), person(t, 1), person(t, 2), person(t, 3)
		base := testCell(t, a, "Cell", t0)
		admitJoin(base, a, b, t0)
		admitJoin(base, a, v, t0)
		// V admits P on V's replica, and P rates someone there.
		rv := must(Load(base.Save()))
		adm := admitJoin(rv, v, p, t0)
		// P's rating is built on the admission, on the same replica.
		rt := must(rv.Rate(p, a.Card, rating(1, 1), t0))
		// Meanwhile A and B exclude V without having seen the admission.
		ra := must(Load(base.Save()))
		must(ra.VoteExclude(a, v.Card.ID(), t0))
		must(ra.VoteExclude(b, v.Card.ID(), t0))
		exchange(t, ra, rv)

		st := ra.State()
		if m, _ := st.Member(v.Card.ID()); m.Status != StatusExcluded {
			t.Fatalf("V: %s", m.Status)
		}
		if st.IsMember(p.Card.ID()) {
			t.Fatal("P is a member through a vouch concurrent with V's exclusion")
		}
		if r := rejectedFor(st, adm.ID().String()); r != ReasonExcluded {
			t.Fatalf("V's admission: %q", r)
		}
		if r := rejectedFor(st, rt.ID().String()); r != ReasonNoAuthority {
			t.Fatalf("P's rating: %q", r)
		}

		// An admission the excluding votes had seen stays.
		base2 := testCell(t, a, "Cell 2", t0)
		admitJoin(base2, a, b, t0)
		admitJoin(base2, a, v, t0)
		admitJoin(base2, v, p, t0)
		must(base2.VoteExclude(a, v.Card.ID(), t0))
		must(base2.VoteExclude(b, v.Card.ID(), t0))
		if !base2.State().IsMember(p.Card.ID()) {
			t.Fatal("an earlier admission was undone by the voucher's exclusion")
		}
	})
}

func TestMissingPrevArrivesLater(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	s1 := must(c.Rate(b, a.Card, rating(4, 4), t0))
	s2 := must(c.Rate(a, b.Card, rating(5, 5), t0)) // builds on s1

	// A replica gets s2 without s1 (written directly, as a relay could).
	r := must(Load(must(c.ChangesSince(nil))))
	r2 := must(Load(r.Save()))
	r2.mu.Lock()
	if err := r2.doc.Path(keyStatements).Map().Delete(s1.ID().String()); err != nil {
		t.Fatal(err)
	}
	if err := r2.commit(); err != nil {
		t.Fatal(err)
	}
	r2.mu.Unlock()
	held := must(Load(r2.Save()))
	if rsn := rejectedFor(held.State(), s2.ID().String()); rsn != ReasonMissingPrev {
		t.Fatalf("s2 without s1: %q", rsn)
	}
	// s1 arrives: written back by a replica that has it.
	held.mu.Lock()
	if err := held.doc.Path(keyStatements, s1.ID().String()).Set(s1.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := held.commit(); err != nil {
		t.Fatal(err)
	}
	if err := held.rescan(); err != nil {
		t.Fatal(err)
	}
	held.mu.Unlock()
	st := held.State()
	if len(st.Invalid) != 0 || len(st.Ratings) != 2 {
		t.Fatalf("after s1 arrived: invalid %+v, %d ratings", st.Invalid, len(st.Ratings))
	}
}
