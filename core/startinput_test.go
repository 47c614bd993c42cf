package core

import (
	"crypto/sha256"
	"reflect"
	"testing"
	"time"

	"trustdesk/reputation"
	"trustdesk/store"
)

// TestRepSourceRoundTrip: what the reputation is computed from, kept and
// read back, is what was kept (nil slices and all), and computes the
// same reputation.
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
		got, err := decodeRepSource(src.encode())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normalTimes(got.in), normalTimes(src.in)) {
			t.Fatalf("seed %d: read back\n%+v\nkept\n%+v", seed, got.in, src.in)
		}
		in, _ := src.at(clk.now())
		back, _ := got.at(clk.now())
		if a, b := mustJSON(t, reputation.Compute(in).Scores()), mustJSON(t, reputation.Compute(back).Scores()); a != b {
			t.Fatalf("seed %d: read back computes\n%s\nkept computes\n%s", seed, b, a)
		}
	}
}

// normalTimes returns in with every time in UTC (the model only compares
// them; a kept one is read back in UTC).
func normalTimes(in reputation.Input) reputation.Input {
	cells := make([]reputation.Cell, len(in.Cells))
	for i, c := range in.Cells {
		cells[i] = c
		if c.Ratings != nil {
			cells[i].Ratings = make([]reputation.Rating, len(c.Ratings))
			for j, r := range c.Ratings {
				r.Day, r.Made = r.Day.UTC(), r.Made.UTC()
				cells[i].Ratings[j] = r
			}
		}
	}
	in.Cells = cells
	return in
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

// FuzzDecodeRepSource: whatever a kept source holds, reading it never
// panics, and what it reads is encoded back to the same bytes' meaning.
func FuzzDecodeRepSource(f *testing.F) {
	src := &repSource{in: reputation.Input{Viewer: "a", Verified: []string{"b"}, Names: map[string]string{"b": "Bo"}, Cells: []reputation.Cell{{
		ID: "c", Name: "Night", Members: []reputation.Member{{ID: "b", Status: "member", VouchedBy: []string{}}},
		Ratings: []reputation.Rating{{ID: "r", Rater: "b", Subject: "a", Safety: 2, Reliability: 3, Day: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), Made: time.Unix(1e9, 5).UTC(), Tags: []string{"late"}}},
	}}}}
	f.Add(src.encode())
	f.Add((&repSource{}).encode())
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeRepSource(b)
		if err != nil {
			return
		}
		again, err := decodeRepSource(got.encode())
		if err != nil || !reflect.DeepEqual(again.in, got.in) {
			t.Fatalf("read back %+v, then %+v (%v)", got.in, again, err)
		}
	})
}
