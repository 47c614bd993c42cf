package core

import (
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"trustdesk/reputation"
	"trustdesk/store"
)

// TestRepSourceRoundTrip: what the reputation is computed from, kept and
// read back, computes the reputation the model computes from the cells
// at that time, the ratings made more than a day after the day's end
// left out (madeBy), and the same for the days after.
func TestRepSourceRoundTrip(t *testing.T) {
	for seed := range uint64(3) {
		clk := &clock{t: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)}
		s := opener(t, randomHome(t, seed, clk), clk)()
		s.mu.Lock()
		src, err := s.reputationSourceOfCells()
		s.mu.Unlock()
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		back, err := reputation.DecodeSource(reputation.Prepare(&src.in).Encode())
		if err != nil {
			t.Fatal(err)
		}
		for _, now := range []time.Time{clk.now(), clk.now().Add(15 * time.Hour), clk.now().Add(40 * time.Hour)} {
			in := src.in
			in.Now = dayOf(now)
			in.Cells = nil
			for _, c := range src.in.Cells {
				c.Ratings = slices.DeleteFunc(slices.Clone(c.Ratings), func(r reputation.Rating) bool { return r.Made.After(madeBy(now)) })
				in.Cells = append(in.Cells, c)
			}
			if a, b := mustJSON(t, reputation.Compute(&in).Scores()), mustJSON(t, back.Compute(dayOf(now), madeBy(now), src.in.Blocked).Scores()); a != b {
				t.Fatalf("seed %d, %v: read back computes\n%s\nthe cells compute\n%s", seed, now, b, a)
			}
		}
	}
}

// TestSpoiledRepSourceIgnored: on a new day, with the kept source of the
// reputation damaged, cut or of another form, a start computes from the
// cells and shows what computing shows.
func TestSpoiledRepSourceIgnored(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)}
	home := randomHome(t, 5, clk)
	open := opener(t, home, clk)
	s := open()
	startShows(t, s)
	var kept []byte
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		kept, err = tx.Get(bucketStart, nil, startRepSource)
		return err
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	for name, spoil := range map[string]func(b []byte) []byte{
		"cut":          func(b []byte) []byte { return b[:len(b)/2] },
		"one byte":     func([]byte) []byte { return []byte{0xa5} },
		"other inputs": func(b []byte) []byte { return recodeStart(t, b, func(k *keptStart) { k.Inputs[0] ^= 1 }) },
		"body changed": func(b []byte) []byte { return recodeStart(t, b, func(k *keptStart) { k.Body[len(k.Body)/2] ^= 1 }) },
		"other form":   func(b []byte) []byte { return resumStart(t, b, func(k *keptStart) { k.Body[0]++ }) },
		"body cut":     func(b []byte) []byte { return resumStart(t, b, func(k *keptStart) { k.Body = k.Body[:len(k.Body)-1] }) },
		"body longer":  func(b []byte) []byte { return resumStart(t, b, func(k *keptStart) { k.Body = append(k.Body, 0) }) },
	} {
		s := open()
		forgetStart(t, s)
		want := startShows(t, s)
		err := s.db.Update(func(tx *store.Tx) error {
			for _, k := range [][]byte{[]byte("reputation.0"), []byte("reputation.1")} {
				if err := tx.Delete(bucketStart, nil, k); err != nil {
					return err
				}
			}
			return tx.Put(bucketStart, nil, startRepSource, spoil(kept))
		})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = open()
		if got := startShows(t, s); got != want {
			t.Fatalf("%s: a start shows\n%s\nwant\n%s", name, got, want)
		}
		s.Close()
	}
}

// recodeStart returns the kept start record b changed by f.
func recodeStart(t *testing.T, b []byte, f func(k *keptStart)) []byte {
	t.Helper()
	k := decodeKeptStart(t, b)
	f(&k)
	out, err := cborEnc.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// resumStart is recodeStart with the digest of the body made again:
// damage the digest does not tell.
func resumStart(t *testing.T, b []byte, f func(k *keptStart)) []byte {
	return recodeStart(t, b, func(k *keptStart) {
		f(k)
		sum := sha256.Sum256(k.Body)
		k.Sum = sum[:]
	})
}
