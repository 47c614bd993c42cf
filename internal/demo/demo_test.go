package demo

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/internal/workergate"
	"trustdesk/reputation"
)

// TestDemo builds the demo world and checks, through the public API of the
// viewer's home, every fact its story tells.
func TestDemo(t *testing.T) {
	home := filepath.Join(t.TempDir(), "demo")
	end := time.Now().UTC()
	opt := testOptions
	opt.Now = func() time.Time { return end }
	// Under the race detector every checking worker would otherwise wait a
	// second before exiting, and the world takes about ninety sync files.
	opt.Checker = &crdt.Checker{Env: []string{"GORACE=atexit_sleep_ms=0"}}
	d, err := Build(context.Background(), home, []byte(Passphrase), opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), home, []byte(Passphrase), opt); !errors.Is(err, core.ErrIdentityExists) {
		t.Fatalf("second build into the same home: %v, want core.ErrIdentityExists", err)
	}
	if _, err := core.Unlock(home, []byte("not demo"), opt); !errors.Is(err, core.ErrWrongPassphrase) {
		t.Fatalf("unlock with another passphrase: %v", err)
	}
	s, err := core.Unlock(home, []byte(Passphrase), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Card().Pseudonym != d.Viewer {
		t.Fatalf("the home belongs to %q, the story to %q", s.Card().Pseudonym, d.Viewer)
	}
	if age := end.Sub(s.Card().Created); age < 200*24*time.Hour {
		t.Errorf("the viewer's card is %v old; the story spans months", age)
	}

	contacts, err := s.Contacts()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*core.Contact{}
	verified := map[core.Verification]int{}
	for _, c := range contacts {
		byName[c.Name()] = c
		verified[c.Verified]++
	}
	id := func(name string) string {
		t.Helper()
		c, ok := byName[name]
		if !ok {
			t.Fatalf("%s is not a contact of the viewer", name)
		}
		return c.ID().String()
	}
	if real := len(contacts) - len(d.Ring); real < 12 {
		t.Errorf("%d people besides the viewer and the ring, want at least 12", real)
	}
	if len(d.People) != len(contacts) {
		t.Errorf("the story has %d people, the viewer's contacts are %d", len(d.People), len(contacts))
	}
	if verified[core.InPerson] < 3 || verified[core.Introduced] < 3 || verified[core.Unverified] != 1 {
		t.Errorf("verification of the contacts: %v", verified)
	}
	if c := byName[d.Pasted]; c == nil || c.Verified != core.Unverified {
		t.Errorf("the pasted card of %s: %+v", d.Pasted, c)
	}
	for _, c := range contacts {
		if c.Blocked != (c.Name() == d.Blocked) {
			t.Errorf("%s blocked = %v", c.Name(), c.Blocked)
		}
	}

	cells, err := s.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 3 {
		t.Fatalf("%d cells, want 3", len(cells))
	}
	founders := map[string]bool{}
	months := map[string]bool{}
	memberships := map[string]int{}
	for _, c := range cells {
		if !slices.Contains(d.Cells, c.Name) {
			t.Errorf("cell %q is not in the story", c.Name)
		}
		if c.Me != crdt.StatusMember {
			t.Errorf("the viewer is %q in %s", c.Me, c.Name)
		}
		doc, err := s.CellDocument(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		loaded, err := crdt.Load(doc)
		if err != nil {
			t.Fatal(err)
		}
		state := loaded.State()
		founders[state.Founder.String()] = true
		if len(state.Invalid) > 0 {
			t.Errorf("%s: statements that do not count: %+v", c.Name, state.Invalid)
		}
		for _, r := range state.Ratings {
			months[r.Rating.Day[:7]] = true
		}
		for _, m := range c.Members() {
			memberships[m.Name]++
			if m.Status == crdt.StatusMember && len(m.VouchedBy) == 0 && m.ID != state.Founder {
				t.Errorf("%s is a member of %s without a vouch", m.Name, c.Name)
			}
		}
		// Every statement is its author's, as received through sync files.
		for _, st := range loaded.Statements() {
			card := state.Cards[st.Author]
			if card == nil {
				t.Fatalf("%s: no card for the author of a statement", c.Name)
			}
			if err := st.Verify(card); err != nil {
				t.Errorf("%s: %v", c.Name, err)
			}
		}
	}
	if len(founders) != 3 {
		t.Errorf("the cells have %d distinct founders, want 3", len(founders))
	}
	if len(months) < 4 {
		t.Errorf("ratings over %d months, want at least 4: %v", len(months), months)
	}
	overlap := 0
	for name, n := range memberships {
		if n > 1 && name != "you" {
			overlap++
		}
	}
	if overlap < 2 {
		t.Errorf("%d people besides the viewer are in several cells", overlap)
	}

	// The exclusion, with its votes.
	cell, err := s.FindCell(d.ExcludedFrom)
	if err != nil {
		t.Fatal(err)
	}
	var excluded *core.MemberView
	for i, m := range cell.Members() {
		if m.Name == d.Excluded {
			excluded = &cell.Members()[i]
		}
	}
	if excluded == nil || excluded.Status != crdt.StatusExcluded || len(excluded.ExcludedBy) < 3 {
		t.Fatalf("%s in %s: %+v", d.Excluded, d.ExcludedFrom, excluded)
	}
	if len(d.ExcludedBy) != len(excluded.ExcludedBy) || d.ExcludedOn.IsZero() {
		t.Errorf("the story says %v excluded %s on %v; the cell says %+v", d.ExcludedBy, d.Excluded, d.ExcludedOn, excluded.ExcludedBy)
	}

	rep, err := s.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	// The person flagged unsafe by several trusted raters.
	flagged := rep.Person(id(d.Flagged))
	if flagged == nil || flagged.Flags < 3 {
		t.Fatalf("%s: %+v, want at least 3 flags", d.Flagged, flagged)
	}
	recentLow := 0
	for _, e := range flagged.Ratings {
		if e.Safety <= reputation.FlagSafety && end.Sub(e.Day) <= reputation.FlagWindow && e.Weight > 0 {
			recentLow++
		}
	}
	if recentLow < 3 {
		t.Errorf("%s has %d recent, trusted low safety ratings", d.Flagged, recentLow)
	}
	// Flags last two years: the excluded member and the ring's leader, whom
	// trusted people found unsafe months ago, are still flagged; nobody else.
	for _, sc := range rep.Scores() {
		if sc.Flags > 0 && sc.Name != d.Flagged && sc.Name != d.Excluded && sc.Name != d.RingLeader {
			t.Errorf("%s is flagged too (%d)", sc.Name, sc.Flags)
		}
	}
	if sc := rep.Person(id(d.Excluded)); sc == nil || sc.Safety == nil || *sc.Safety >= 2.5 {
		t.Errorf("%s's safety: %+v", d.Excluded, sc)
	}

	// The ring: each fake weighs next to nothing, their praise of the
	// leader nothing at all, and the honest member they ran down barely moves.
	ring := map[string]bool{}
	for _, name := range d.Ring {
		ring[id(name)] = true
		if sc := rep.Person(id(name)); sc.Trust >= 0.1 {
			t.Errorf("ring member %s has trust %.3f", name, sc.Trust)
		}
	}
	leader := rep.Person(id(d.RingLeader))
	praise := 0
	for _, e := range leader.Ratings {
		if ring[e.RaterID] {
			praise++
			if e.Weight != 0 {
				t.Errorf("%s's praise of %s weighs %.3f", e.Rater, d.RingLeader, e.Weight)
			}
		}
	}
	if praise != len(d.Ring) || leader.Safety == nil || *leader.Safety >= 3 {
		t.Errorf("%s: %d praising ratings, safety %v", d.RingLeader, praise, leader.Safety)
	}
	smeared := rep.Person(id(d.Smeared))
	var ringWeight, honestWeight float64
	smears := 0
	for _, e := range smeared.Ratings {
		if ring[e.RaterID] {
			smears++
			ringWeight += e.Weight
		} else {
			honestWeight += e.Weight
		}
	}
	if smears != len(d.Ring) || ringWeight > 0.25 || ringWeight > honestWeight/8 {
		t.Errorf("%d smears of %s weigh %.3f together, the honest ratings %.3f", smears, d.Smeared, ringWeight, honestWeight)
	}
	if smeared.Flags != 0 {
		t.Errorf("the ring flagged %s", d.Smeared)
	}
	for _, name := range d.Ring {
		if _, err := s.SetBlocked(byName[name].ID(), true); err != nil {
			t.Fatal(err)
		}
	}
	without, err := s.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	before, after := *without.Person(id(d.Smeared)).Safety, *smeared.Safety
	if math.Abs(after-before) > 0.2 || after < 4 {
		t.Errorf("%s's safety is %.2f with the ring and %.2f without it", d.Smeared, after, before)
	}
	if *without.Person(id(d.RingLeader)).Safety != *leader.Safety {
		t.Errorf("the ring moved %s's safety", d.RingLeader)
	}
	t.Logf("%d sync files; %s's safety %.2f without the ring, %.2f with it (the ring's weight %.3f, the honest raters' %.3f)",
		d.SyncFiles, d.Smeared, before, after, ringWeight, honestWeight)
	if len(d.Story) < 4 {
		t.Errorf("the story: %q", d.Story)
	}
}

func TestDemoRefusesUsedHome(t *testing.T) {
	home := t.TempDir()
	s, err := core.Init(home, "Someone", []byte("pw"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Build(context.Background(), home, []byte(Passphrase), testOptions); !errors.Is(err, core.ErrIdentityExists) {
		t.Fatalf("demo into a used home: %v", err)
	}
	s, err = core.Unlock(home, []byte("pw"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Card().Pseudonym != "Someone" {
		t.Fatalf("the home now belongs to %q", s.Card().Pseudonym)
	}
	if _, err := Build(context.Background(), filepath.Join(t.TempDir(), "x"), nil, testOptions); !errors.Is(err, core.ErrEmptyPassphrase) {
		t.Fatalf("empty passphrase: %v", err)
	}
}

// testOptions make homes with a low passphrase cost.
var testOptions = core.Options{WorkFactor: 10}

// TestMain lets the test binary serve as the checking worker.
func TestMain(m *testing.M) { workergate.Main(m) }
