package core

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/store"
)

// The hostile homes of the hunt for a sync file that makes later starts
// slow (issue 12): each is Ana's home after she imported one file from
// Bo, a member of her cell whom she met, who filled the cell with what
// one member (and fakes he admits) may sign. benchHuntStarts measures
// every kind of start that does not change the home: as it comes
// (warm), the first start of each new day (newday, read from what the
// import kept ahead), a week after the one before (weekskipped) and
// eight days after (eightdaysidle: past what was kept ahead, so
// computed). keptStartBytes reports how large the kept list of cells
// is, which a warm start decodes whole.

// benchHuntStarts runs the kinds of start above on home.
func benchHuntStarts(b *testing.B, home string) {
	b.Logf("kept list of cells: %d bytes", keptStartBytes(b, home))
	for _, m := range []struct {
		name string
		mode int
	}{{"warm", startKept}, {"newday", startNewDay}, {"weekskipped", startWeekSkipped}, {"eightdaysidle", startIdle}} {
		b.Run(m.name, func(b *testing.B) { benchOpenAt(b, home, m.mode) })
	}
}

// keptStartBytes returns the size of the kept list of cells of home.
func keptStartBytes(b *testing.B, home string) int {
	s, err := Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Cells(); err != nil {
		b.Fatal(err)
	}
	n := 0
	err = s.db.View(func(tx *store.Tx) error {
		v, err := tx.Get(bucketStart, nil, startCells)
		n = len(v)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// huntFakes makes n identities that Bo admits to work and that accept.
func huntFakes(bo *Service, work *crdt.Cell, n int, now time.Time) ([]*identity.Identity, error) {
	fs := make([]*identity.Identity, n)
	for i := range fs {
		var err error
		if fs[i], err = identity.New(fmt.Sprintf("Fake %d", i), now); err != nil {
			return nil, err
		}
		if _, err := work.Admit(bo.me(), fs[i].Card, now); err != nil {
			return nil, err
		}
		if _, err := work.Join(fs[i], now); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

var huntFiles = map[string]map[int]*publishedCards{}

// huntHome returns Ana's home after Bo's file of shape, n as the shape
// says; made once in $TRUSTDESK_BENCH_HOMES, if set, and kept there (see
// benchHome).
func huntHome(b *testing.B, shape string, n int, fill func(bo *Service, work *crdt.Cell, cards []*identity.Card) error) string {
	return keptBenchHome(b, fmt.Sprintf("hunt-%s-%d", shape, n), func() string {
		if huntFiles[shape] == nil {
			huntFiles[shape] = map[int]*publishedCards{}
		}
		return homeAfterFile(b, huntFiles[shape], n, func(b *testing.B, ana *Service, n int) []byte {
			return bosCellFile(b, ana, n, fill)
		})
	})
}

// BenchmarkHuntMembers2000: Bo admits 2,000 fakes, who accept (the kept
// list of cells names every member).
func BenchmarkHuntMembers2000(b *testing.B) { benchHuntMembers(b, 2000) }

// BenchmarkHuntMembers8000: the same with 8,000 fakes.
func BenchmarkHuntMembers8000(b *testing.B) { benchHuntMembers(b, 8000) }

func benchHuntMembers(b *testing.B, fakes int) {
	benchHuntStarts(b, huntHome(b, "members", fakes, func(bo *Service, work *crdt.Cell, _ []*identity.Card) error {
		_, err := huntFakes(bo, work, fakes, time.Now())
		return err
	}))
}

// BenchmarkHuntInvalid30000: Bo admits 10 fakes, who accept; on a copy
// of the cell they rate 3,000 people each while, on the cell, they
// leave: 30,000 ratings that do not count (the list of cells kept
// listed each, with why, before it kept only their number).
func BenchmarkHuntInvalid30000(b *testing.B) {
	benchHuntStarts(b, huntHome(b, "invalid", 30000, ratedAfterLeaving(10)))
}

// ratedAfterLeaving fills a cell as bosCellFile asks: Bo admits fakes
// people, who accept; on a copy of the cell they rate the cards between
// them (as many each) while, on the cell, they leave. Every rating is
// concurrent with its author's leave, so none counts.
func ratedAfterLeaving(fakes int) func(bo *Service, work *crdt.Cell, cards []*identity.Card) error {
	return func(bo *Service, work *crdt.Cell, cards []*identity.Card) error {
		now := time.Now()
		fs, err := huntFakes(bo, work, fakes, now)
		if err != nil {
			return err
		}
		if _, err := work.PublishCards(bo.me(), cards, now); err != nil {
			return err
		}
		fork, err := work.Clone()
		if err != nil {
			return err
		}
		per := len(cards) / len(fs)
		for i, f := range fs {
			if _, err := work.Leave(f, now); err != nil {
				return err
			}
			rs := make([]crdt.Rating, per)
			for j := range rs {
				rs[j] = crdt.Rating{Safety: 1 + j%5, Reliability: 3, Day: now.Format(time.DateOnly)}
			}
			if _, err := fork.RateMany(f, cards[i*per:(i+1)*per], rs, now); err != nil {
				return err
			}
		}
		return work.Merge(fork)
	}
}

// BenchmarkHuntFlaggedLong10000: Bo publishes 10,000 cards named at the
// limit (64 bytes, Cyrillic: the slow look-alike keys) and rates each
// unsafe with a note and tags at their limits.
func BenchmarkHuntFlaggedLong10000(b *testing.B) {
	defer func(old string) { cardNames = old }(cardNames)
	cardNames = strings.Repeat("Ж", 29) + " %05d"
	benchHuntStarts(b, huntHome(b, "flaggedlong", 10000, func(bo *Service, work *crdt.Cell, cards []*identity.Card) error {
		now := time.Now()
		note := strings.Repeat("ж", crdt.MaxNoteRunes)
		tags := make([]string, crdt.MaxTags)
		for i := range tags {
			tags[i] = fmt.Sprintf("%d%s", i, strings.Repeat("t", crdt.MaxTagBytes-1))
		}
		rs := make([]crdt.Rating, len(cards))
		for i := range rs {
			rs[i] = crdt.Rating{Safety: 1, Reliability: 1, Day: now.Format(time.DateOnly), Note: note, Tags: tags}
		}
		_, err := work.RateMany(bo.me(), cards, rs, now)
		return err
	}))
}

// BenchmarkHuntVotes: Bo admits 1,000 fakes, who accept and each vote to
// exclude the next: 1,000 open votes, each about someone else.
func BenchmarkHuntVotes(b *testing.B) {
	benchHuntStarts(b, huntHome(b, "votes", 0, func(bo *Service, work *crdt.Cell, _ []*identity.Card) error {
		now := time.Now()
		fs, err := huntFakes(bo, work, 1000, now)
		if err != nil {
			return err
		}
		for i, f := range fs {
			if _, err := work.VoteExclude(f, fs[(i+1)%len(fs)].Card.ID(), now); err != nil {
				return err
			}
		}
		return nil
	}))
}

// BenchmarkHuntBaseline: Bo's cell with nothing more in it, for
// comparison.
func BenchmarkHuntBaseline(b *testing.B) {
	benchHuntStarts(b, huntHome(b, "baseline", 0, func(*Service, *crdt.Cell, []*identity.Card) error { return nil }))
}
