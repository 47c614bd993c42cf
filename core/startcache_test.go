package core

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"trustdesk/crdt"
	"trustdesk/internal/srcdigest"
	"trustdesk/reputation"
	"trustdesk/store"
)

// TestCoreSourceComplete: every file built into this package is in the
// digest of the code that keeps what a start shows.
func TestCoreSourceComplete(t *testing.T) {
	if missing, err := srcdigest.Missing(coreSource, "."); err != nil || len(missing) > 0 {
		t.Fatalf("not in the //go:embed line of startcache.go, or changed: %v (%v)", missing, err)
	}
}

// clock is a settable time for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// randomHome makes Ana's home at the time of clk, with people she met,
// people whose card she pasted, cells among them (names alike, not all
// ASCII), ratings of every mark (some made by a clock two days ahead),
// open votes and a block, as seed draws them. It returns the home's
// folder, Ana's service closed.
func randomHome(t *testing.T, seed uint64, clk *clock) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 12))
	home := t.TempDir()
	opts := testOptions
	opts.Now = clk.now
	ana := anaAt(t, home, clk)
	defer ana.Close()
	names := []string{"Bo", "Zoë", "Мира", "Mira", "Ana", "Ünal", "Cy", "Bo"}
	var others []*Service
	for i := range 3 + rng.IntN(3) {
		o := opts
		if i == 0 && seed%2 == 1 {
			// A clock 50 hours ahead: its ratings count from the next
			// day on (madeBy).
			o.Now = func() time.Time { return clk.now().Add(50 * time.Hour) }
		}
		s, err := Init(t.TempDir(), names[(int(seed)+i)%len(names)], []byte("pw"), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if rng.IntN(3) == 0 {
			pasted(t, ana, s)
		} else {
			meet(t, ana, s)
		}
		others = append(others, s)
	}
	for i := range 1 + rng.IntN(2) {
		cell, err := ana.NewCell([]string{"Night", "Market", "Nіght"}[i])
		if err != nil {
			t.Fatal(err)
		}
		for j, o := range others {
			if j == 0 || rng.IntN(4) != 0 {
				invite(t, ana, o, cell.ID)
			}
		}
	}
	// The first of the others rates Ana (made ahead for odd seeds).
	if _, err := others[0].Rate(ana.Card().ID(), crdt.Rating{Safety: 2, Reliability: 3, Day: clk.now().Format(time.DateOnly)}, nil); err != nil {
		t.Fatal(err)
	}
	all := append([]*Service{ana}, others...)
	for range 12 {
		rater, subject := all[rng.IntN(len(all))], all[rng.IntN(len(all))]
		if rater == subject {
			continue
		}
		if _, err := rater.Contact(subject.Card().ID()); err != nil {
			if _, err := rater.AddContact(subject.Card().String(), "", false); err != nil {
				t.Fatal(err)
			}
		}
		day := clk.now().AddDate(0, 0, -rng.IntN(900)).Format(time.DateOnly)
		r := crdt.Rating{Safety: 1 + rng.IntN(5), Reliability: 1 + rng.IntN(5), Day: day, Note: "n"}
		_, _ = rater.Rate(subject.Card().ID(), r, nil) // the two may share no cell
	}
	cells, err := ana.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if len(others) > 1 && rng.IntN(2) == 0 {
		_, _ = others[0].VoteExclude(cells[0].ID, others[1].Card().ID())
	}
	for _, o := range others {
		if res, err := o.Export(ExportRequest{To: to(ana.Card().ID())}); err == nil {
			if _, err := ana.Import(ctx, res.Data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if rng.IntN(2) == 0 {
		if _, err := ana.SetBlocked(others[0].Card().ID(), true); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

// startShows is everything a start shows, as the screens and the command
// line get it: the list of cells (with what each view answers about its
// members), everyone's score, the flagged first, and the People list's
// first view.
func startShows(t *testing.T, s *Service) string {
	t.Helper()
	views, err := s.Cells()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	first, more, err := s.OwnContactsAndFlagged(rep)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("first view: %v, %d more\n", ids(first), more)
	for _, c := range first {
		out += fmt.Sprintf("%s: %s\n", c.ID(), mustJSON(t, rep.Person(c.ID().String())))
	}
	flagged, total := rep.FlaggedFirstN(3)
	out += fmt.Sprintf("flagged first: %v of %d\n", flagged, total)
	for _, v := range views {
		cp := *v
		cp.state, cp.load, cp.detail, cp.loadDetail = nil, nil, nil, nil
		out += fmt.Sprintf("%+v\n%s\n", cp, mustJSON(t, v.details())) // kept apart, read when asked for
		for _, m := range v.Members() {
			out += fmt.Sprintf("  %s member %v, votes %d, can admit: %v\n", m.ID, v.IsMember(m.ID), v.VotesToExclude(m.ID), v.CanAdmit(m.ID))
		}
	}
	out += fmt.Sprintf("%s\n%s\n", rep.IDs(), mustJSON(t, rep.Scores()))
	return out + mustJSON(t, views) // null and [] apart

}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// forgetStart deletes what the home keeps of its start.
func forgetStart(t testing.TB, s *Service) {
	t.Helper()
	err := s.db.Update(func(tx *store.Tx) error {
		for _, k := range [][]byte{startCells, startDetail, startRepSource} {
			if err := tx.Delete(bucketStart, nil, k); err != nil {
				return err
			}
		}
		for d := range keptDays {
			if err := tx.Delete(bucketStart, nil, fmt.Appendf(nil, "reputation.%d", d)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// showStart does what a start shows: the cells, the reputation and my
// own contacts with the first flagged.
func showStart(t testing.TB, s *Service) {
	t.Helper()
	if _, err := s.Cells(); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.OwnContactsAndFlagged(rep); err != nil {
		t.Fatal(err)
	}
}

// startFromKept reports whether a start of s reads its cells and
// reputation from what was kept: it reads no cell.
func startFromKept(t *testing.T, s *Service) bool {
	t.Helper()
	showStart(t, s)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cells == nil
}

// TestKeptStartShowsWhatComputingShows: on random homes, a start that
// reads what an earlier start kept shows exactly what a start that reads
// every cell and computes the reputation shows (and does not read the
// cells). After each change made as the command line makes it (a
// service that does not stay open: a rating, a renamed or blocked
// contact), and after time passes (later the same day, a new day, on
// which a rating made ahead comes due, a day skipped, a week skipped),
// the next start
// still reads no cell before its first screen, and shows what computing
// shows.
func TestKeptStartShowsWhatComputingShows(t *testing.T) {
	for seed := range uint64(4) {
		clk := &clock{t: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)}
		home := randomHome(t, seed, clk)
		open := opener(t, home, clk)
		check := func(step string) string {
			t.Helper()
			s := open()
			forgetStart(t, s)
			computed := startShows(t, s)
			s.Close()
			s = open()
			if !startFromKept(t, s) {
				t.Fatalf("seed %d, %s: a start after one that kept its work read the cells", seed, step)
			}
			s.Close()
			s = open()
			if got := startShows(t, s); got != computed {
				t.Fatalf("seed %d, %s: a start from what was kept shows\n%s\ncomputing shows\n%s", seed, step, got, computed)
			}
			if got, want := keptScores(t, s), scoresOfCells(t, s, clk.now()); got != want {
				t.Fatalf("seed %d, %s: a start from what was kept scores\n%s\nthe model given the cells scores\n%s", seed, step, got, want)
			}
			s.Close()
			return computed
		}
		check("at first")
		for _, ch := range startChanges(t, clk) {
			s := open()
			ch.change(s)
			s.Close()
			s = open()
			fromKept := startFromKept(t, s)
			shows := startShows(t, s)
			s.Close()
			if computed := check("after " + ch.name); shows != computed {
				t.Fatalf("seed %d, after %s: the first start shows\n%s\ncomputing shows\n%s", seed, ch.name, shows, computed)
			}
			if !fromKept {
				t.Fatalf("seed %d, after %s: the first start read every cell", seed, ch.name)
			}
		}
	}
}

// startChange is a change of a home between two starts.
type startChange struct {
	name   string
	change func(s *Service)
}

// startChanges returns the changes TestKeptStartShowsWhatComputingShows
// makes, each as the command line would (the service closes after it),
// or by letting the clock of clk run.
func startChanges(t *testing.T, clk *clock) []startChange {
	return []startChange{
		{"a rating", func(s *Service) {
			contacts, _ := s.OwnContacts()
			if _, err := s.Rate(contacts[0].ID(), crdt.Rating{Safety: 1, Reliability: 2, Day: clk.now().Format(time.DateOnly)}, nil); err != nil {
				t.Logf("rating: %v", err)
			}
		}},
		{"a renamed contact", func(s *Service) {
			contacts, _ := s.OwnContacts()
			if _, err := s.RenameContact(contacts[len(contacts)-1].ID(), "Mіra"); err != nil {
				t.Fatal(err)
			}
		}},
		{"a blocked contact", func(s *Service) {
			contacts, _ := s.OwnContacts()
			if _, err := s.SetBlocked(contacts[0].ID(), !contacts[0].Blocked); err != nil {
				t.Fatal(err)
			}
		}},
		{"later the same day", func(*Service) { clk.add(7 * time.Hour) }}, // a rating made ahead is not due before the next day
		{"a new day", func(*Service) { clk.add(15 * time.Hour) }},
		{"a day skipped", func(*Service) { clk.add(48 * time.Hour) }},
		{"a week skipped", func(*Service) { clk.add(7 * 24 * time.Hour) }},
		{"a rating, then a day skipped", func(s *Service) {
			contacts, _ := s.OwnContacts()
			if _, err := s.Rate(contacts[len(contacts)-1].ID(), crdt.Rating{Safety: 2, Reliability: 5, Day: clk.now().Format(time.DateOnly)}, nil); err != nil {
				t.Logf("rating: %v", err)
			}
			clk.add(48 * time.Hour)
		}},
	}
}

// TestSpoiledKeptStartIgnored: a kept start record that is damaged, cut,
// kept for other inputs or by other code is not used: the start computes
// and shows what computing shows.
func TestSpoiledKeptStartIgnored(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)}
	home := randomHome(t, 7, clk)
	open := opener(t, home, clk)
	s := open()
	want := startShows(t, s)
	var kept [2][]byte
	var err error
	err = s.db.View(func(tx *store.Tx) error {
		for i, k := range [][]byte{startCells, startReputation(clk.now())} {
			if kept[i], err = tx.Get(bucketStart, nil, k); err != nil {
				return err
			}
		}
		return nil
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	recode := func(b []byte, f func(k *keptStart)) []byte { return recodeStart(t, b, f) }
	for name, spoil := range map[string]func(b []byte) []byte{
		"cut":          func(b []byte) []byte { return b[:len(b)/2] },
		"one byte":     func([]byte) []byte { return []byte{0xa5} },
		"other inputs": func(b []byte) []byte { return recode(b, func(k *keptStart) { k.Inputs[0] ^= 1 }) },
		"other code":   func(b []byte) []byte { return recode(b, func(k *keptStart) { k.Code[0] ^= 1 }) },
		"other form":   func(b []byte) []byte { return recode(b, func(k *keptStart) { k.Form++ }) },
		"body changed": func(b []byte) []byte { return recode(b, func(k *keptStart) { k.Body[len(k.Body)/2] ^= 1 }) },
		"body of the other": func(b []byte) []byte {
			return recode(b, func(k *keptStart) {
				o := decodeKeptStart(t, kept[0])
				if slices.Equal(o.Body, k.Body) {
					o = decodeKeptStart(t, kept[1])
				}
				k.Body, k.Sum = o.Body, o.Sum
			})
		},
	} {
		s := open()
		err := s.db.Update(func(tx *store.Tx) error {
			for i, k := range [][]byte{startCells, startReputation(clk.now())} {
				if err := tx.Put(bucketStart, nil, k, spoil(kept[i])); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := startShows(t, s); got != want {
			t.Fatalf("%s: a start shows\n%s\nwant\n%s", name, got, want)
		}
		s.Close()
	}
}

func decodeKeptStart(t *testing.T, b []byte) keptStart {
	t.Helper()
	var k keptStart
	if err := cbor.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestKeptStartReadInPlace: a record as keepStart writes it is read
// without a copy of its byte strings, as cbor.Unmarshal reads it; one
// written otherwise (longer heads, another order, more after it) is read
// by cbor.Unmarshal, or refused as it refuses it.
func TestKeptStartReadInPlace(t *testing.T) {
	body := bytes.Repeat([]byte("body"), 1<<15)
	for _, k := range []keptStart{
		{Form: startForm, Code: startCode(), Inputs: []byte("inputs"), From: -1 << 40, Until: 1 << 62, Body: body, Sum: []byte{1}},
		{Form: -3, Code: []byte{}, Inputs: nil, From: 23, Until: 24, Body: body[:255], Sum: body[:256]},
		{Form: 1 << 40, Code: body[:23], Inputs: body[:24], From: math.MinInt64, Until: math.MaxInt64, Body: body[:65536], Sum: nil},
	} {
		b, err := cborEnc.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		var fast, slow keptStart
		if !parseKeptStart(b, &fast) {
			t.Fatalf("%x not read in place", b)
		}
		if err := cbor.Unmarshal(b, &slow); err != nil || !reflect.DeepEqual(fast, slow) || !reflect.DeepEqual(fast, k) {
			t.Fatalf("read as %+v, cbor.Unmarshal reads %+v, %v", fast, slow, err)
		}
		var got keptStart
		for _, other := range [][]byte{append(bytes.Clone(b), 0), b[:len(b)-1], append([]byte{0xb8, 7}, b[1:]...), append([]byte{0xbf}, append(b[1:], 0xff)...)} {
			slowErr := cbor.Unmarshal(other, &slow)
			if parseKeptStart(other, &fast) {
				t.Errorf("%x read in place", other)
			}
			if err := unmarshalKeptStart(other, &got); (err == nil) != (slowErr == nil) || err == nil && !reflect.DeepEqual(got, slow) {
				t.Errorf("%x read as %+v, %v; cbor.Unmarshal: %+v, %v", other, got, err, slow, slowErr)
			}
		}
		if parseKeptStart(b, &fast); len(fast.Body) > 0 {
			was := bytes.Clone(fast.Body)
			for i := range b {
				b[i] ^= 0xff
			}
			if bytes.Equal(fast.Body, was) {
				t.Error("the body is a copy")
			}
		}
	}
}

// FuzzStartBody: whatever a kept start record holds, reading it never
// panics, and gives a body only for the inputs and the time it names.
func FuzzStartBody(f *testing.F) {
	inputs := []byte("inputs")
	at := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
	w := newKeepWindow(at)
	body := []byte("body")
	for _, k := range []keptStart{
		{Form: startForm, Code: startCode(), Inputs: inputs, Body: body},
		{Form: startForm, Code: startCode(), Inputs: inputs, From: w.from, Until: w.until, Body: body},
	} {
		sum := sha256.Sum256(k.Body)
		k.Sum = sum[:]
		b, err := cborEnc.Marshal(k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, int64(0))
		f.Add(b, int64(24*time.Hour))
	}
	f.Add([]byte{}, int64(0))
	f.Fuzz(func(t *testing.T, b []byte, later int64) {
		var fast, slow keptStart
		if parseKeptStart(b, &fast) {
			if err := cbor.Unmarshal(b, &slow); err != nil || !reflect.DeepEqual(fast, slow) {
				t.Fatalf("read as %+v, cbor.Unmarshal reads %+v, %v: %x", fast, slow, err, b)
			}
		}
		now := at.Add(time.Duration(later))
		got := startBody(b, inputs, now)
		if got == nil {
			return
		}
		k := decodeKeptStart(t, b)
		if !slices.Equal(k.Inputs, inputs) || !reflect.DeepEqual(k.Body, got) {
			t.Fatalf("a body for other inputs: %x", b)
		}
		if (k.From != 0 || k.Until != 0) && (now.UnixNano() < k.From || now.UnixNano() >= k.Until) {
			t.Fatalf("a body out of its time: %x at %v", b, now)
		}
	})
}

// TestTomorrowKeptAhead: the app's service (prepared, see Prepare)
// works out in the background the reputation of each of the next
// daysAhead days; the first start of each of them then reads it and
// shows what computing shows. Later, nothing is kept of that day's
// reputation: the start computes it from what the reputation is
// computed from (kept), reading no cell either.
func TestTomorrowKeptAhead(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)}
	home := randomHome(t, 2, clk)
	open := opener(t, home, clk)
	s := open()
	s.Prepare(ctx)
	if _, err := s.Reputation(); err != nil {
		t.Fatal(err)
	}
	waitAhead(s)
	s.Close()
	for day := 1; day <= daysAhead+1; day++ {
		if day <= daysAhead {
			clk.add(24 * time.Hour)
		} else {
			clk.add((daysAhead + 1) * 24 * time.Hour) // past the week kept: the starts between computed nothing
		}
		s = open()
		if got, kept := keptFor(t, s, clk.now()), day <= daysAhead; got != kept {
			t.Fatalf("day %d after: the day's reputation kept %v, want %v", day, got, kept)
		}
		if !startFromKept(t, s) {
			t.Fatalf("day %d after: the start read every cell", day)
		}
		s.Close()
		s = open()
		shows := startShows(t, s)
		s.Close()
		if computed := computedToday(t, open, clk); computed != shows {
			t.Fatalf("day %d after: a start shows\n%s\ncomputing shows\n%s", day, shows, computed)
		}
	}
}

// waitAhead waits until s works out nothing ahead (keepAhead).
func waitAhead(s *Service) {
	for {
		s.bgMu.Lock()
		busy := s.aheadBusy
		s.bgMu.Unlock()
		if !busy {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLookalikeKeysKept: the look-alike keys of names that are not ASCII
// are kept; a new process naming everyone again (what was kept of the
// start forgotten) computes none of them and shows the same.
func TestLookalikeKeysKept(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)}
	home := randomHome(t, 3, clk) // Мира, Ünal and Zoë among them
	opts := testOptions
	opts.Now = clk.now
	var shows [2]string
	for i := range shows {
		newProcess()
		s, err := Unlock(home, []byte("correct horse"), opts)
		if err != nil {
			t.Fatal(err)
		}
		forgetStart(t, s)
		shows[i] = startShows(t, s)
		s.Close()
		lookalikeKeys.Lock()
		computed := lookalikeKeys.computed
		lookalikeKeys.Unlock()
		if (computed > 0) != (i == 0) {
			t.Fatalf("start %d computed %d look-alike keys the slow way", i, computed)
		}
	}
	if shows[0] != shows[1] {
		t.Fatalf("with the keys kept a start shows\n%s\nwithout\n%s", shows[1], shows[0])
	}
}

// anaAt makes Ana's home in home, at the time of clk.
func anaAt(t *testing.T, home string, clk *clock) *Service {
	t.Helper()
	opts := testOptions
	opts.Now = clk.now
	ana, err := Init(home, "Ana", []byte("correct horse"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return ana
}

// opener returns a function that unlocks home with clk's time.
func opener(t *testing.T, home string, clk *clock) func() *Service {
	opts := testOptions
	opts.Now = clk.now
	return func() *Service {
		t.Helper()
		s, err := Unlock(home, []byte("correct horse"), opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// keptScores returns everyone's scores as a start of s gets them.
func keptScores(t *testing.T, s *Service) string {
	t.Helper()
	rep, err := s.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, rep.Scores())
}

// scoresOfCells returns everyone's scores as the model computes them at
// now from the cells and contacts of s, read now, with the day and the
// ratings that count at now worked out here (made no later than a day
// after the end of now's day): what a kept start must show, whatever it
// kept.
func scoresOfCells(t *testing.T, s *Service, now time.Time) string {
	t.Helper()
	s.mu.Lock()
	src, err := s.reputationSourceOfCells()
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	in := src.in
	y, m, d := now.UTC().Date()
	in.Now = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	in.Cells = nil
	for _, c := range src.in.Cells {
		c.Ratings = slices.DeleteFunc(slices.Clone(c.Ratings), func(r reputation.Rating) bool {
			return r.Made.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Add(48 * time.Hour))
		})
		in.Cells = append(in.Cells, c)
	}
	return mustJSON(t, reputation.Compute(&in).Scores())
}
