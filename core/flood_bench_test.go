package core

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/store"
)

// openHome is what every start costs: unlock the home, read every cell
// and list them (names included), as the cell list does, work out the
// reputation the People list shows, and list the contacts as the People
// list first shows them (people only introduced through a cell are read
// when asked for, BenchmarkEveryone30000, but for those found unsafe). It reports the time of each
// step (summed over b.N, divided by it).
func openHome(b *testing.B, home string, took *[4]time.Duration, opts Options, forget bool) (afterUnlock time.Duration) {
	newProcess()
	t0 := time.Now()
	s, err := Unlock(home, []byte("correct horse"), opts)
	if err != nil {
		b.Fatal(err)
	}
	if forget {
		forgetStart(b, s) // two records deleted: counted with the unlock
	}
	t1, c1 := time.Now(), cpuTime()
	cells, err := s.Cells()
	if err != nil {
		b.Fatal(err)
	}
	t2 := time.Now()
	rep, err := s.Reputation()
	if err != nil {
		b.Fatal(err)
	}
	t3 := time.Now()
	shown, more, err := s.OwnContactsAndFlagged(rep)
	if err != nil {
		b.Fatal(err)
	}
	t4, c4 := time.Now(), cpuTime()
	took[0] += t1.Sub(t0)
	took[1] += t2.Sub(t1)
	took[2] += t3.Sub(t2)
	took[3] += t4.Sub(t3)
	b.ReportMetric(float64(len(cells)), "cells")
	b.ReportMetric(float64(len(shown)), "shown")
	b.ReportMetric(float64(more), "more")
	s.Close()
	return c4 - c1
}

// benchOpen runs openHome b.N times and reports its steps and the
// processor time of a start. The first start after the import runs
// before and is reported apart (first-cpu-ms); the import kept what it
// shows (see startcache.go).
func benchOpen(b *testing.B, home string) { benchOpenAt(b, home, startKept) }

// How benchOpenAt starts a home.
const (
	startKept          = iota // as it comes: what a start shows is kept
	startNewDay               // each start a day after the one before: the reputation is computed, the list of cells kept
	startComputed             // with what was kept forgotten before each start: the list of cells and the reputation are computed, as before they were kept
	startDaySkipped           // each start two days after the one before (the app closed a whole day: nothing was kept ahead)
	startWeekSkipped          // each start a week after the one before
	startAfterRate            // each start after a command of the command line rated a contact (open, rate, close)
	startAfterBlock           // each start after a command of the command line blocked or unblocked a contact
	startDayAfterRate         // each start the day after a command of the command line rated a contact (what it kept ahead read)
	startWeekAfterRate        // each start a week after a command of the command line rated a contact
	startIdle                 // each start eight days after the one before: past the week a start keeps ahead (keepDaysAhead)
)

// startStep is how long after the one before each start of a mode of
// benchOpenAt comes (none: the same day).
var startStep = map[int]time.Duration{startNewDay: 24 * time.Hour, startDaySkipped: 48 * time.Hour, startWeekSkipped: 7 * 24 * time.Hour, startDayAfterRate: 24 * time.Hour, startWeekAfterRate: 7 * 24 * time.Hour, startIdle: 8 * 24 * time.Hour}

// afterCommand reports whether each start of mode follows a command of
// the command line (benchCommand).
func afterCommand(mode int) bool { return mode >= startAfterRate && mode <= startWeekAfterRate }

// startKinds is every kind of start benchStarts runs, by name, the ones
// after a command last (they change the home).
var startKinds = []struct {
	name string
	mode int
}{{"warm", startKept}, {"newday", startNewDay}, {"dayskipped", startDaySkipped}, {"weekskipped", startWeekSkipped}, {"rated", startAfterRate}, {"blocked", startAfterBlock}, {"ratedthedaybefore", startDayAfterRate}, {"ratedaweekbefore", startWeekAfterRate}, {"eightdaysidle", startIdle}}

// benchDaysUsed is how far after today the days of the starts of the
// runs of benchOpenAt so far went: each run of a mode that moves the
// clock starts after them. Before, each run started today again, so its
// first measured start fell on a day the run before (the framework's
// run of one) had computed and kept: one start in b.N read what was
// kept instead of computing, which made a new day and a week closed look
// cheaper than a day closed (whose days, two apart, share the slot of
// the day the run before overwrote: startReputation).
var benchDaysUsed time.Duration

// benchDays returns the day of the first start of a run of n starts
// step apart after a first one, and moves benchDaysUsed past them and a
// week more: the run's first start is then neither the day after the
// last start of the run before (which would make it keep the week
// ahead, startedYesterday, and later starts of a run that should
// compute read what it kept) nor within the week that run kept ahead.
func benchDays(step time.Duration, n int) time.Time {
	day := time.Now().Add(benchDaysUsed)
	benchDaysUsed += step*time.Duration(n+1) + keptDays*24*time.Hour
	return day
}

// benchOpenAt is benchOpen, each start as mode says, with the processor
// time of a whole start (cpu-ms/op) and of what follows the unlock
// (start-cpu-ms). For the modes after a command it also reports the
// processor time of the command (cmd-cpu-ms: unlock, change, close).
func benchOpenAt(b *testing.B, home string, mode int) {
	opts := testOptions
	step := startStep[mode]
	day := benchDays(step, b.N)
	opts.Now = func() time.Time { return day }
	var took [4]time.Duration
	first := cpuTime()
	openHome(b, home, &took, opts, false)
	first = cpuTime() - first
	took = [4]time.Duration{}
	// The first start's garbage is its own, not the measured starts'.
	debug.FreeOSMemory()
	b.ResetTimer()
	var cpu, cmd, after time.Duration
	for i := range b.N {
		if afterCommand(mode) {
			b.StopTimer()
			start := cpuTime()
			benchCommand(b, home, opts, mode, i)
			cmd += cpuTime() - start
			b.StartTimer()
		}
		day = day.Add(step)
		// A start is a new process: nothing it allocates finds memory
		// already touched but what its own unlock touched.
		b.StopTimer()
		debug.FreeOSMemory()
		b.StartTimer()
		start := cpuTime()
		after += openHome(b, home, &took, opts, mode == startComputed)
		cpu += cpuTime() - start
	}
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(after)/float64(time.Millisecond)/float64(b.N), "start-cpu-ms")
	b.ReportMetric(float64(first)/float64(time.Millisecond), "first-cpu-ms")
	if cmd > 0 {
		b.ReportMetric(float64(cmd)/float64(time.Millisecond)/float64(b.N), "cmd-cpu-ms")
	}
	for i, unit := range []string{"unlock-ms", "cells-ms", "reputation-ms", "contacts-ms"} {
		b.ReportMetric(float64(took[i].Microseconds())/1000/float64(b.N), unit)
	}
}

// benchCommand changes home as a command of the command line does: a
// service of its own rates (or blocks, as mode says) the first of the
// owner's contacts, then closes.
func benchCommand(b *testing.B, home string, opts Options, mode, i int) {
	newProcess()
	s, err := Unlock(home, []byte("correct horse"), opts)
	if err != nil {
		b.Fatal(err)
	}
	own, err := s.OwnContacts()
	if err != nil || len(own) == 0 {
		b.Fatalf("%d contacts, %v", len(own), err)
	}
	if mode != startAfterBlock {
		_, err = s.Rate(own[0].ID(), crdt.Rating{Safety: 1 + i%5, Reliability: 3, Day: opts.Now().Format(time.DateOnly)}, nil)
	} else {
		_, err = s.SetBlocked(own[0].ID(), !own[0].Blocked)
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	// The command's garbage is the command's: a new process would not
	// collect it during the start.
	debug.FreeOSMemory()
}

// benchStarts runs every kind of start on the home of homeWithBigCell(n),
// the ones after a command last (they change the home).
func benchStarts(b *testing.B, n int) {
	home := benchHome(b, n)
	for _, m := range startKinds {
		b.Run(m.name, func(b *testing.B) { benchOpenAt(b, home, m.mode) })
	}
}

// BenchmarkStarts10k, 30k and 100k: every kind of start of Ana's home
// with the cell of BenchmarkOpenWithBigCell10k (30k, 100k): kept, the
// first of a new day, after a day or a week closed, after a rating or
// a block made from the command line, and the day or a week after a
// rating made from the command line (read from what it kept ahead), and
// eight days after the one before (past what the one before kept ahead).
func BenchmarkStarts10k(b *testing.B)  { benchStarts(b, 10000) }
func BenchmarkStarts30k(b *testing.B)  { benchStarts(b, 30000) }
func BenchmarkStarts100k(b *testing.B) { benchStarts(b, 100000) }

// BenchmarkStartsSealed18At100k: every kind of start of
// BenchmarkStarts100k (startKinds), of its home sealed at the work
// factor of real homes (18; the tests use 10), each in a process of its
// own, as a real start is, and the first start after an update of the
// program that changed the rules ("updated": every cell's derived state
// and every start record kept by other code, keptByOtherCode). The
// unlock's 256 MiB are handed back to the heap, not to the system
// (releaseScryptMemory, in store), so what a new process's start
// allocates next reuses them instead of touching fresh memory; in one
// process running start after start it would find memory of the starts
// before, so the starts here are child processes (TestStartChild).
// start-cpu-ms is the processor time of what follows the unlock; the
// commands before the starts that follow one run in this process
// (cmd-cpu-ms). With $TRUSTDESK_START_PROFILE set, each child writes
// the CPU profile of its start to that path, with its mode and number
// appended.
func BenchmarkStartsSealed18At100k(b *testing.B) {
	home := keptBenchHome(b, "bigcell-100000-sealed18", func() string {
		home := b.TempDir()
		if err := os.CopyFS(home, os.DirFS(benchHome(b, 100000))); err != nil {
			b.Fatal(err)
		}
		s, err := Unlock(home, []byte("correct horse"), Options{WorkFactor: 18})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if err := s.ChangePassphrase([]byte("correct horse")); err != nil {
			b.Fatal(err)
		}
		return home
	})
	for _, m := range startKinds {
		b.Run(m.name, func(b *testing.B) { benchChildStarts(b, home, m.name, m.mode) })
	}
	// Made last, from the home as this build keeps it: after an update
	// that changed the rules (every cell derived again), and one that
	// changed only core or reputation.
	for _, u := range []struct {
		name  string
		rules bool
	}{{"updated", true}, {"updatedcore", false}} {
		updated := keptBenchHome(b, "bigcell-100000-sealed18-"+u.name, func() string {
			startChild(b, home, time.Now(), "") // kept by this build
			dir := b.TempDir()
			if err := os.CopyFS(dir, os.DirFS(home)); err != nil {
				b.Fatal(err)
			}
			keptByOtherCode(b, dir, u.rules)
			return dir
		})
		b.Run(u.name, func(b *testing.B) { benchUpdatedStarts(b, updated, u.name) })
	}
}

// benchChildStarts is benchOpenAt's mode, each start in a child
// process (startChild), the commands in this one.
func benchChildStarts(b *testing.B, home, name string, mode int) {
	step := startStep[mode]
	day := benchDays(step, b.N)
	startChild(b, home, day, "") // the first start after the runs before
	var cpu, cmd time.Duration
	for i := range b.N {
		if afterCommand(mode) {
			b.StopTimer()
			opts := Options{WorkFactor: 18, Now: func() time.Time { return day }}
			start := cpuTime()
			benchCommand(b, home, opts, mode, i)
			cmd += cpuTime() - start
			b.StartTimer()
		}
		day = day.Add(step)
		cpu += startChild(b, home, day, fmt.Sprintf("%s.%d", name, i))
	}
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "start-cpu-ms")
	if cmd > 0 {
		b.ReportMetric(float64(cmd)/float64(time.Millisecond)/float64(b.N), "cmd-cpu-ms")
	}
}

// benchUpdatedStarts starts a fresh copy of the home updated (kept by
// other code) b.N times, each in a child process.
func benchUpdatedStarts(b *testing.B, updated, name string) {
	day := benchDays(0, b.N)
	var cpu time.Duration
	for i := range b.N {
		b.StopTimer()
		run := filepath.Join(b.TempDir(), "home")
		if err := os.CopyFS(run, os.DirFS(updated)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		cpu += startChild(b, run, day, fmt.Sprintf("%s.%d", name, i))
		b.StopTimer()
		if err := os.RemoveAll(run); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "start-cpu-ms")
}

// keptByOtherCode makes home as a program built from other code finds
// it after an update: each start record kept under another code digest
// and, if rules, each cell's derived state and its parts (crdt/SCHEMA.md
// §7) under another rules digest (the first byte of each digest
// turned). Nothing else changes.
func keptByOtherCode(b *testing.B, home string, rules bool) {
	// The store alone: a service would work out again, as it closes,
	// what it finds kept by other code.
	db, err := store.Open(home, []byte("correct horse"), store.Options{WorkFactor: 18})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	turned := 0
	err = db.Update(func(tx *store.Tx) error {
		cells, err := tx.List(bucketCell, nil)
		if err != nil {
			return err
		}
		type group struct {
			bucket string
			group  []byte
		}
		where := []group{{bucketStart, nil}, {bucketStart, startRepTexts}}
		if rules {
			where = append(where, group{bucketState, nil})
			for _, c := range cells {
				where = append(where, group{bucketStateParts, c.Key})
			}
		}
		for _, w := range where {
			recs, err := tx.List(w.bucket, w.group)
			if err != nil {
				return err
			}
			for _, r := range recs {
				// A map whose key 1 is a small integer, key 2 a
				// digest of 32 bytes: turn its first byte.
				v := r.Value
				if len(v) < 38 || v[1] != 1 || v[3] != 2 || v[4] != 0x58 || v[5] != 32 {
					continue // startStarted: not a kept record
				}
				v[6] ^= 0xff
				if err := tx.Put(w.bucket, w.group, r.Key, v); err != nil {
					return err
				}
				turned++
			}
		}
		return nil
	})
	if err != nil || turned == 0 {
		b.Fatalf("%d records turned: %v", turned, err)
	}
}

// startChild starts home at day in a child process (TestStartChild) and
// returns the processor time of its start after the unlock. With
// $TRUSTDESK_START_PROFILE set, the child writes the CPU profile of its
// start to that path with "." and profile appended (none if profile is
// "").
func startChild(b *testing.B, home string, day time.Time, profile string) time.Duration {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestStartChild$", "-test.v")
	cmd.Env = append(os.Environ(), "TRUSTDESK_START_CHILD="+home, "TRUSTDESK_START_DAY="+day.Format(time.RFC3339Nano))
	if p := os.Getenv("TRUSTDESK_START_PROFILE"); p != "" && profile != "" {
		cmd.Env = append(cmd.Env, "TRUSTDESK_START_PROFILE_TO="+p+"."+profile)
	}
	out, err := cmd.CombinedOutput()
	_, after, ok := bytes.Cut(out, []byte("start-cpu-ns "))
	if err != nil || !ok {
		b.Fatalf("%v: %s", err, out)
	}
	var ns int64
	if _, err := fmt.Sscan(string(after), &ns); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	return time.Duration(ns)
}

// TestStartChild is one start of BenchmarkStartsSealed18At100k, in its
// own process; it runs only when that benchmark asks.
func TestStartChild(t *testing.T) {
	home := os.Getenv("TRUSTDESK_START_CHILD")
	if home == "" {
		t.Skip("run by BenchmarkStartsSealed18At100k")
	}
	day, err := time.Parse(time.RFC3339Nano, os.Getenv("TRUSTDESK_START_DAY"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Unlock(home, []byte("correct horse"), Options{WorkFactor: 18, Now: func() time.Time { return day }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p := os.Getenv("TRUSTDESK_START_PROFILE_TO"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	start := cpuTime()
	showStart(t, s)
	t.Logf("start-cpu-ns %d", cpuTime()-start)
}

// benchHome returns homeWithBigCell(n), made once in the folder
// $TRUSTDESK_BENCH_HOMES if it is set and kept there for later runs
// (so that two builds can be compared in turns without making the home
// again each time), else in a temporary folder.
func benchHome(b *testing.B, n int) string {
	return keptBenchHome(b, fmt.Sprintf("bigcell-%d", n), func() string { return homeWithBigCell(b, n) })
}

// keptBenchHome returns the home build makes, made once in the folder
// $TRUSTDESK_BENCH_HOMES, under name, if it is set and kept there for
// later runs (see benchHome).
func keptBenchHome(b *testing.B, name string, build func() string) string {
	dir := os.Getenv("TRUSTDESK_BENCH_HOMES")
	if dir == "" {
		return build()
	}
	home := filepath.Join(dir, name)
	if _, err := os.Stat(home); err == nil {
		return home
	}
	made := build()
	if err := os.CopyFS(home+".tmp", os.DirFS(made)); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(home+".tmp", home); err != nil {
		b.Fatal(err)
	}
	return home
}

// BenchmarkOpenAfterInvitationFlood: a start of Ana's home after a card
// she only pasted sent her one sync file of 1,000 invitations to new
// cells (before the bound, all 1,000 were kept and read at every start).
func BenchmarkOpenAfterInvitationFlood(b *testing.B) {
	home := b.TempDir()
	ana, err := Init(home, "Ana", []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	mal, err := Init(b.TempDir(), "Mal", []byte("pw"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer mal.Close()
	pasted(b, ana, mal)
	_, file := floodCells(b, mal, ana, 1000)
	t0 := time.Now()
	if _, err := ana.Import(ctx, file); err != nil {
		b.Fatal(err)
	}
	b.Logf("import of 1,000 invitations: %v", time.Since(t0))
	ana.Close()
	benchOpen(b, home)
}

// BenchmarkOpenWithPublishedCards3000: a start of Ana's home after a
// member of her cell published 3,000 cards in it (each becomes a person
// introduced through the cell).
func BenchmarkOpenWithPublishedCards3000(b *testing.B) {
	benchOpen(b, homeWithPublishedCards(b, 3000))
}

// BenchmarkOpenWithPublishedCards0: the same cell without published
// cards, for comparison.
func BenchmarkOpenWithPublishedCards0(b *testing.B) {
	benchOpen(b, homeWithPublishedCards(b, 0))
}

// BenchmarkOpenWithPublishedCards30000: the same with 30,000 cards (a
// sync file of about 9 MB; a file may be up to 64 MiB).
func BenchmarkOpenWithPublishedCards30000(b *testing.B) {
	benchOpen(b, homeWithPublishedCards(b, 30000))
}

// publishedCardsFiles caches, by number of cards, a sync file from Bo to
// Ana carrying a cell in which Bo published that many cards, with both
// homes' passphrases: making 30,000 cards takes half a minute, and every
// run of a benchmark function would make them again.
var publishedCardsFiles = map[int]*publishedCards{}

type publishedCards struct {
	backup []byte // Ana's home before the import
	file   []byte
}

// flaggedCards is how many of the cards Bo publishes he also rates as
// unsafe: the People list shows them from the start however many he
// publishes.
const flaggedCards = 5

// homeWithPublishedCards returns Ana's home after she imported a file
// from Bo in which Bo, a member of her cell, published n cards.
func homeWithPublishedCards(b *testing.B, n int) string {
	return homeAfterFile(b, publishedCardsFiles, n, publishedCardsFile)
}

// homeAfterFile returns a new home of Ana's after she imported the file
// that makeFile(b, ana, n) makes for her; files caches it, by n, with Ana's
// home before the import.
func homeAfterFile(b *testing.B, files map[int]*publishedCards, n int, makeFile func(b *testing.B, ana *Service, n int) []byte) string {
	b.Helper()
	home := b.TempDir()
	pc := files[n]
	if pc == nil {
		ana, err := Init(b.TempDir(), "Ana", []byte("correct horse"), testOptions)
		if err != nil {
			b.Fatal(err)
		}
		pc = &publishedCards{file: makeFile(b, ana, n)}
		var buf bytes.Buffer
		if err := ana.Backup(&buf, []byte("correct horse")); err != nil {
			b.Fatal(err)
		}
		pc.backup = buf.Bytes()
		files[n] = pc
		ana.Close()
	}
	// A file of 100,000 statements takes more than the checking worker's
	// default limits (20 s on two busy cores, 1 GiB: "could not check");
	// a device can still come to hold such a cell through several files.
	// Setting up is not what is measured.
	setup := testOptions
	setup.Checker = &crdt.Checker{Timeout: 10 * time.Minute, MemoryLimit: 4 << 30}
	defer setup.Checker.Close() // its worker would stay for the test
	ana, err := Restore(home, bytes.NewReader(pc.backup), []byte("correct horse"), setup)
	if err != nil {
		b.Fatal(err)
	}
	t0, cpu := time.Now(), cpuTime()
	if _, err := ana.Import(ctx, pc.file); err != nil {
		b.Fatal(err)
	}
	b.Logf("import of %d (%d bytes): %v (%v of processor time here, the checking worker apart)", n, len(pc.file), time.Since(t0), cpuTime()-cpu)
	ana.Close()
	return home
}

// publishedCardsFile makes Bo, whom ana meets, has him invite her to his
// cell and publish n cards in it, and returns his sync file to her. Bo
// found the first few of those people unsafe (flaggedCards of them).
func publishedCardsFile(b *testing.B, ana *Service, n int) []byte {
	return bosCellFile(b, ana, n, func(bo *Service, work *crdt.Cell, cards []*identity.Card) error {
		_, err := work.PublishCards(bo.me(), cards, time.Now())
		return err
	})
}

// cardNames is the pseudonym of the cards bosCellFile makes, with their
// number.
var cardNames = "Card %d"

// bosCellFile makes Bo, whom ana meets, has him invite her to his cell,
// make n cards and fill the cell with them, and returns his sync file to
// her.
func bosCellFile(b testing.TB, ana *Service, n int, fill func(bo *Service, work *crdt.Cell, cards []*identity.Card) error) []byte {
	bo, err := Init(b.TempDir(), "Bo", []byte("pw"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer bo.Close()
	meet(b, ana, bo)
	cell, err := bo.NewCell("Market")
	if err != nil {
		b.Fatal(err)
	}
	invite(b, bo, ana, cell.ID)
	cards := make([]*identity.Card, n)
	for i := range cards {
		p, err := identity.New(fmt.Sprintf(cardNames, i), time.Now())
		if err != nil {
			b.Fatal(err)
		}
		cards[i] = p.Card
	}
	err = func() error {
		bo.mu.Lock()
		defer bo.mu.Unlock()
		all, err := bo.loadCells()
		if err != nil {
			return err
		}
		work, err := all[cell.ID].Clone()
		if err != nil {
			return err
		}
		if err := fill(bo, work, cards); err != nil {
			return err
		}
		flagged := cards[:min(n, flaggedCards)]
		rs := make([]crdt.Rating, len(flagged))
		for i := range rs {
			rs[i] = crdt.Rating{Safety: 1, Reliability: 1, Day: time.Now().Format(time.DateOnly)}
		}
		if _, err := work.RateMany(bo.me(), flagged, rs, time.Now()); err != nil {
			return err
		}
		_, err = bo.saveCells(all, work)
		return err
	}()
	if err != nil {
		b.Fatal(err)
	}
	return mustExportB(b, bo, ExportRequest{To: to(ana.Card().ID()), Cells: []crdt.CellID{cell.ID}})
}

// benchEveryone measures the People list with everyone shown (or a
// search): every contact, people introduced through a cell included,
// with the labels that tell look-alike names apart; and a name query.
func benchEveryone(b *testing.B, n int) {
	s, err := Unlock(homeWithPublishedCards(b, n), []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var list, find time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		all, err := s.Contacts()
		if err != nil || len(all) < n {
			b.Fatalf("%d contacts, %v", len(all), err)
		}
		s.ContactLabels(all)
		t1 := time.Now()
		if c, err := s.FindContact(fmt.Sprintf("card %d", n-1)); err != nil || c.Card.Pseudonym != fmt.Sprintf("Card %d", n-1) {
			b.Fatalf("found %v, %v", c, err)
		}
		list += t1.Sub(t0)
		find += time.Since(t1)
	}
	b.ReportMetric(float64(list.Microseconds())/1000/float64(b.N), "list-ms")
	b.ReportMetric(float64(find.Microseconds())/1000/float64(b.N), "find-ms")
}

// BenchmarkPreviewWithDeclined10000: checking a sync file that brings one
// invitation, on a home where 10,000 invitations were turned down one by
// one (a pest founding cell after cell). An import reads only the records
// of the file's cells, not the whole list.
func BenchmarkPreviewWithDeclined10000(b *testing.B) {
	ana, err := Init(b.TempDir(), "Ana", []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer ana.Close()
	mal, err := Init(b.TempDir(), "Mal", []byte("pw"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer mal.Close()
	pasted(b, ana, mal)
	malID := mal.Card().ID()
	err = ana.db.Update(func(tx *store.Tx) error {
		for i := range 10000 {
			var id crdt.CellID
			binary.BigEndian.PutUint64(id[:], uint64(i)+1)
			if err := putRecord(tx, bucketDeclined, id[:], declinedRecord{Name: fmt.Sprintf("Pest %d", i), From: malID[:], At: time.Now().Unix()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	_, file := floodCells(b, mal, ana, 1)
	b.ResetTimer()
	for range b.N {
		if _, err := ana.PreviewImport(ctx, file); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEveryone3000: the People list of everyone with 3,000 people
// introduced through a cell.
func BenchmarkEveryone3000(b *testing.B) { benchEveryone(b, 3000) }

// BenchmarkEveryone30000: the same with 30,000.
func BenchmarkEveryone30000(b *testing.B) { benchEveryone(b, 30000) }

// BenchmarkFirstView30000: the People list's first view after 30,000
// cards were published in a cell, flaggedCards of them flagged: the
// user's own contacts alone (own-ms, the list before flagged people were
// added to it) against the same with the flagged looked up by id
// (flagged-ms), in turns on one home, so that the load of the machine
// weighs on both alike. The reputation, which the list shows anyway, is
// worked out once.
func BenchmarkFirstView30000(b *testing.B) {
	s, err := Unlock(homeWithPublishedCards(b, 30000), []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Reputation()
	if err != nil {
		b.Fatal(err)
	}
	var own, flagged time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		a, err := s.OwnContacts()
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		c, _, err := s.OwnContactsAndFlagged(rep)
		if err != nil || len(c) != len(a)+flaggedCards {
			b.Fatalf("%d shown with the flagged, %d without, %v", len(c), len(a), err)
		}
		own += t1.Sub(t0)
		flagged += time.Since(t1)
	}
	b.ReportMetric(float64(own.Microseconds())/1000/float64(b.N), "own-ms")
	b.ReportMetric(float64(flagged.Microseconds())/1000/float64(b.N), "flagged-ms")
}
