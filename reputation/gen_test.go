package reputation

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// generate builds a random but plausible viewer's world: cells admitted
// as trees of vouches, some exclusions, verified and blocked contacts,
// ratings of all ages, older ratings superseded by newer ones, and ratings
// that reached several cells.
func generate(seed uint64, people, cells, ratings int) *Input {
	rng := rand.New(rand.NewPCG(seed, 1))
	id := func(i int) string { return pid(fmt.Sprintf("p%d", i)) }
	in := &Input{Viewer: id(0), Now: now, Names: map[string]string{}}
	for i := range people {
		if i%10 != 9 { // some people are known only by id
			in.Names[id(i)] = fmt.Sprintf("person %d", i)
		}
	}
	for range 30 {
		in.Verified = append(in.Verified, id(1+rng.IntN(people-1)))
	}
	for range 5 {
		in.Blocked = append(in.Blocked, id(1+rng.IntN(people-1)))
	}
	size := max(3, 3*people/cells)
	members := make([][]int, cells)
	for c := range cells {
		h := sha256.Sum256(fmt.Appendf(nil, "cell %d", c))
		cell := Cell{ID: hex.EncodeToString(h[:16]), Name: fmt.Sprintf("cell %d", c)}
		perm := rng.Perm(people)[:size]
		if c < 5 { // the viewer is in a few cells, admitted by someone there
			perm[1] = 0
		}
		for k, p := range perm {
			m := Member{ID: id(p), Status: StatusMember}
			switch x := rng.IntN(20); {
			case k == 0:
			case x == 0:
				m.Status = StatusExcluded
			case x == 1:
				m.Status = StatusLeft
			case x == 2:
				m.Status = StatusPending
			}
			if k > 0 {
				for range 1 + rng.IntN(2) {
					m.VouchedBy = append(m.VouchedBy, id(perm[rng.IntN(k)]))
				}
			}
			cell.Members = append(cell.Members, m)
		}
		members[c] = perm
		in.Cells = append(in.Cells, cell)
	}
	for n := range ratings {
		c := rng.IntN(cells)
		ms := members[c]
		rater := ms[rng.IntN(len(ms))]
		subject := ms[rng.IntN(len(ms))]
		if rater == subject {
			subject = ms[(rng.IntN(len(ms)-1)+1+indexOf(ms, rater))%len(ms)]
		}
		h := sha256.Sum256(fmt.Appendf(nil, "rating %d", n))
		day := now.AddDate(0, 0, -rng.IntN(730))
		r := Rating{
			ID:          hex.EncodeToString(h[:]),
			Rater:       id(rater),
			Subject:     id(subject),
			Safety:      1 + min(4, rng.IntN(6)),
			Reliability: 1 + rng.IntN(5),
			Day:         day,
			Made:        day.Add(time.Duration(rng.Int64N(48 * 3600 * 1e9))),
			Note:        "met at the market",
		}
		in.Cells[c].Ratings = append(in.Cells[c].Ratings, r)
		if n%20 == 0 { // the same statement reached another cell
			o := rng.IntN(cells)
			in.Cells[o].Ratings = append(in.Cells[o].Ratings, r)
		}
	}
	return in
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// shuffled returns a deep copy of in with every list in another order.
func shuffled(in *Input, seed uint64) *Input {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := *in
	shuffle := func(n int, swap func(i, j int)) { rng.Shuffle(n, swap) }
	out.Verified = append([]string(nil), in.Verified...)
	shuffle(len(out.Verified), func(i, j int) { out.Verified[i], out.Verified[j] = out.Verified[j], out.Verified[i] })
	out.Blocked = append([]string(nil), in.Blocked...)
	shuffle(len(out.Blocked), func(i, j int) { out.Blocked[i], out.Blocked[j] = out.Blocked[j], out.Blocked[i] })
	out.Cells = append([]Cell(nil), in.Cells...)
	shuffle(len(out.Cells), func(i, j int) { out.Cells[i], out.Cells[j] = out.Cells[j], out.Cells[i] })
	for c := range out.Cells {
		cell := &out.Cells[c]
		cell.Members = append([]Member(nil), cell.Members...)
		shuffle(len(cell.Members), func(i, j int) { cell.Members[i], cell.Members[j] = cell.Members[j], cell.Members[i] })
		for k := range cell.Members {
			v := append([]string(nil), cell.Members[k].VouchedBy...)
			shuffle(len(v), func(i, j int) { v[i], v[j] = v[j], v[i] })
			cell.Members[k].VouchedBy = v
		}
		cell.Ratings = append([]Rating(nil), cell.Ratings...)
		shuffle(len(cell.Ratings), func(i, j int) { cell.Ratings[i], cell.Ratings[j] = cell.Ratings[j], cell.Ratings[i] })
	}
	return &out
}

func scoresJSON(t testing.TB, r *Result) []byte {
	b, err := json.Marshal(r.Scores())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOrderIndependence(t *testing.T) {
	people, cells, ratings := 200, 8, 3000
	if testing.Short() {
		people, cells, ratings = 100, 5, 1000
	}
	for seed := range uint64(2) {
		in := generate(seed, people, cells, ratings)
		want := scoresJSON(t, Compute(in))
		for s := range uint64(2) {
			got := scoresJSON(t, Compute(shuffled(in, seed*10+s)))
			if !bytes.Equal(got, want) {
				t.Fatalf("seed %d, shuffle %d: scores differ with input order", seed, s)
			}
		}
	}
}

// TestGeneratedWorldIsMeaningful guards the benchmark and order tests
// against a generator that produces nothing to compute.
func TestGeneratedWorldIsMeaningful(t *testing.T) {
	r := Compute(generate(1, 300, 10, 6000))
	var connected, rated, flagged, reduced int
	for _, s := range r.Scores() {
		if s.Trust > 0 {
			connected++
		}
		if s.Safety != nil {
			rated++
		}
		if s.Flags > 0 {
			flagged++
		}
		for _, e := range s.Ratings {
			if e.Why == WhyAdmittedByThem {
				reduced++
			}
		}
	}
	t.Logf("%d connected, %d rated, %d flagged, %d ratings reduced as self-serving", connected, rated, flagged, reduced)
	if connected < 100 || rated < 100 || flagged == 0 || reduced == 0 {
		t.Errorf("generated world too thin: %d connected, %d rated, %d flagged, %d reduced", connected, rated, flagged, reduced)
	}
}

// TestStandingConverges checks that Compute stops at a fixed point: one
// more round of refinement changes no standing by StandingTolerance.
func TestStandingConverges(t *testing.T) {
	people, cells, ratings := 600, 15, 12000
	if testing.Short() {
		people, cells, ratings = 300, 10, 6000
	}
	for seed := range uint64(2) {
		r := Compute(generate(seed, people, cells, ratings))
		standing := append([]float64(nil), r.standing...)
		e := r.m.newEval()
		r.m.evaluate(standing, e)
		if change := r.m.updateStanding(e, standing); change >= StandingTolerance {
			t.Errorf("seed %d: one more round changes standing by %v", seed, change)
		}
	}
}

// TestInvariants checks, over random worlds with junk mixed in (empty ids,
// unknown statuses, self-vouches, members listed twice, blocked verified
// contacts), that every number stays in its range and agrees with the
// explanation.
func TestInvariants(t *testing.T) {
	for seed := range uint64(5) {
		in := generate(seed, 120, 6, 1500)
		rng := rand.New(rand.NewPCG(seed, 3))
		c := &in.Cells[0]
		c.Members = append(c.Members,
			Member{ID: "", Status: StatusMember},
			Member{ID: c.Members[1].ID, Status: "suspended", VouchedBy: []string{c.Members[0].ID}},
			Member{ID: c.Members[2].ID, Status: StatusExcluded, VouchedBy: []string{c.Members[2].ID}},
		)
		in.Blocked = append(in.Blocked, in.Verified[rng.IntN(len(in.Verified))], in.Viewer, "")
		in.Verified = append(in.Verified, in.Viewer, "")
		for _, s := range Compute(in).Scores() {
			if (s.Safety == nil) != (s.Raters == 0) || (s.Reliability == nil) != (s.Raters == 0) {
				t.Fatalf("%s: safety %v with %d raters", s.ID, s.Safety, s.Raters)
			}
			if s.Safety != nil && (*s.Safety < 1 || *s.Safety > 5 || *s.Reliability < 1 || *s.Reliability > 5) {
				t.Fatalf("%s: scores out of range: %v %v", s.ID, *s.Safety, *s.Reliability)
			}
			if s.Confidence < 0 || s.Confidence >= 1 || s.Trust < 0 || s.Trust > 1 || s.Standing < 0 || s.Standing > 1 {
				t.Fatalf("%s: confidence %v trust %v standing %v", s.ID, s.Confidence, s.Trust, s.Standing)
			}
			if s.Blocked && s.Trust != 0 {
				t.Fatalf("%s: blocked but trusted %v", s.ID, s.Trust)
			}
			counted := 0
			for _, e := range s.Ratings {
				if e.Weight < 0 || e.Weight > 1 {
					t.Fatalf("%s: weight %v", s.ID, e.Weight)
				}
				if e.Weight > 0 {
					counted++
				} else if e.Why == "" {
					t.Fatalf("%s: rating by %s weighs 0 without a reason", s.ID, e.RaterID)
				}
			}
			if counted != s.Raters || s.Flags > len(s.Ratings) {
				t.Fatalf("%s: %d raters, %d counted ratings, %d flags of %d", s.ID, s.Raters, counted, s.Flags, len(s.Ratings))
			}
		}
	}
}
