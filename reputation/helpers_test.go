package reputation

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"testing"
	"time"
)

// now is the fixed moment every test computes at.
var now = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// pid returns a stable 32-hex identity id for a short test name.
func pid(name string) string {
	h := sha256.Sum256([]byte("person/" + name))
	return hex.EncodeToString(h[:16])
}

// world builds an Input by name: people and cells are named in tests and
// turned into ids here.
type world struct {
	in    Input
	cells map[string]int
	seq   int
}

func newWorld() *world {
	w := &world{cells: map[string]int{}}
	w.in = Input{Viewer: pid("viewer"), Now: now, Names: map[string]string{pid("viewer"): "viewer"}}
	return w
}

func (w *world) known(names ...string) {
	for _, n := range names {
		w.in.Names[pid(n)] = n
	}
}

func (w *world) verify(names ...string) {
	for _, n := range names {
		w.known(n)
		w.in.Verified = append(w.in.Verified, pid(n))
	}
}

func (w *world) block(names ...string) {
	for _, n := range names {
		w.known(n)
		w.in.Blocked = append(w.in.Blocked, pid(n))
	}
}

func (w *world) cell(name string) *Cell {
	i, ok := w.cells[name]
	if !ok {
		i = len(w.in.Cells)
		w.cells[name] = i
		h := sha256.Sum256([]byte("cell/" + name))
		w.in.Cells = append(w.in.Cells, Cell{ID: hex.EncodeToString(h[:16]), Name: name})
	}
	return &w.in.Cells[i]
}

// member adds who to cell with a status and the names of their vouchers.
func (w *world) member(cell, who, status string, vouchers ...string) {
	w.known(who)
	m := Member{ID: pid(who), Status: status}
	for _, v := range vouchers {
		m.VouchedBy = append(m.VouchedBy, pid(v))
	}
	c := w.cell(cell)
	c.Members = append(c.Members, m)
}

// rate adds a rating to cell and returns it (already appended).
func (w *world) rate(cell, rater, subject string, safety, reliability, daysAgo int) Rating {
	w.known(rater, subject)
	w.seq++
	h := sha256.Sum256(fmt.Appendf(nil, "statement/%d", w.seq))
	r := Rating{
		ID:          hex.EncodeToString(h[:]),
		Rater:       pid(rater),
		Subject:     pid(subject),
		Safety:      safety,
		Reliability: reliability,
		Day:         now.AddDate(0, 0, -daysAgo).Truncate(24 * time.Hour),
		Made:        now.Add(time.Duration(w.seq) * time.Second),
		Note:        fmt.Sprintf("%s about %s", rater, subject),
	}
	c := w.cell(cell)
	c.Ratings = append(c.Ratings, r)
	return r
}

func (w *world) compute() *Result { return Compute(&w.in) }

// settled is the model before its last step, which weighs praise by what
// the viewer knows of its rater through ratings (knowledge.go): the tests
// of trust, the per-path cap, decay, blocking and flags read it, so each
// checks its own stage; TestPraiseNeedsKnowledge checks the last step.
func (w *world) settled() *Result { return settle(&w.in) }

func person(t *testing.T, r *Result, name string) *Score {
	t.Helper()
	s := r.Person(pid(name))
	if s == nil {
		t.Fatalf("no score for %s", name)
	}
	return s
}

// ratingBy returns the explained rating by rater in s.
func ratingBy(t *testing.T, s *Score, rater string) Explained {
	t.Helper()
	for _, e := range s.Ratings {
		if e.RaterID == pid(rater) {
			return e
		}
	}
	t.Fatalf("%s: no rating by %s", s.Name, rater)
	return Explained{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// idx returns the number of the person id (0 if they do not appear).
func (m *model) idx(id string) int32 {
	i, _ := m.find(id)
	return i
}
