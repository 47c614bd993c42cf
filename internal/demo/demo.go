// Package demo builds trustdesk's demo world: a small story of three cells,
// 22 people and eight months of ratings, seen through one person's eyes,
// for `trustdesk demo`, `make demo`, the screenshots and the app's tests.
//
// It is built only on the public API of [trustdesk/core]: every person of
// the story has a home of their own, and what they do reaches the viewer's
// home only through sync files. [Build] fills a home; [World] tells what is
// in it.
package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/internal/words"
	"trustdesk/reputation"
)

// Passphrase is the passphrase that seals a demo home made by the
// command line and `make demo`.
const Passphrase = "demo"

// demoWorkFactor is the passphrase cost of the throwaway homes of the other
// people in a demo world: they are deleted as soon as the world is built.
const demoWorkFactor = 10

// demoSpan is how long ago the demo world's story starts.
const demoSpan = 240 * 24 * time.Hour

// The people and cells of the demo world. The story and the tests refer to
// them by these names.
const (
	demoViewer = "Mara"

	demoNightMarket = "Night market stalls"
	demoRideShare   = "Ride share north"
	demoClinic      = "Clinic volunteers"

	demoExcluded   = "Tomas"
	demoFlagged    = "Kit"
	demoRingLeader = "Rook"
	demoSmeared    = "Bea"
	demoPasted     = "Hana"
)

// demoRing are the six new accounts Rook brings into the night market.
var demoRing = []string{"Deals4U", "Lina K", "Marko 77", "SunnyTrader", "Oleg B", "Vera M"}

// World describes the world [Build] made, so that a caller can tell its
// story. Names are pseudonyms as the viewer's device shows them.
type World struct {
	// Viewer is the pseudonym of the person whose home was filled.
	Viewer string
	// People lists everyone else who has a real identity in the world,
	// the ring included.
	People []string
	// Cells lists the cells, in the order they were founded.
	Cells []string
	// Excluded is the person a cell voted out.
	Excluded string
	// ExcludedFrom is the cell that voted Excluded out.
	ExcludedFrom string
	// ExcludedOn is when the deciding vote was cast.
	ExcludedOn time.Time
	// ExcludedBy lists the people whose votes excluded Excluded.
	ExcludedBy []string
	// Flagged is the person several trusted people found unsafe lately.
	Flagged string
	// RingLeader is the member who vouched for the Ring.
	RingLeader string
	// Ring lists the new accounts that praise RingLeader and run down
	// Smeared.
	Ring []string
	// Smeared is the honest member the Ring runs down.
	Smeared string
	// Blocked is the person the viewer blocked.
	Blocked string
	// Pasted is the contact whose card the viewer pasted from a message
	// and has not verified.
	Pasted string
	// Verified lists the people the viewer verified in person.
	Verified []string
	// SyncFiles is the number of sync files that carried the world from
	// person to person.
	SyncFiles int
	// Story is a few short paragraphs for a newcomer: who the viewer is and
	// what to look at first.
	Story []string
}

// Build fills home, which must hold no identity yet, with a demo world
// seen by one person, Mara: three cells of a neighbourhood's mutual aid and
// informal market, 22 people and their ratings over eight months, an
// exclusion, a person flagged unsafe and a ring of fake accounts.
//
// Everything is made for real. Every other person gets an identity in a
// temporary home (sealed with a low passphrase cost and deleted at the end);
// people exchange cards, found cells, vouch, rate and vote, each with a clock
// set back to the day it happens, and their statements reach Mara's home
// only through sync files, as they would in life. Only Mara's home remains,
// sealed by passphrase with opt (whose clock, if set, gives the day the
// story ends).
func Build(ctx context.Context, home string, passphrase []byte, opt core.Options) (*World, error) {
	return BuildProgress(ctx, home, passphrase, opt, nil)
}

// Months is the number of months the demo's story spans; progress of
// [BuildProgress] counts them.
const Months = int(demoSpan / (30 * 24 * time.Hour))

// BuildProgress is [Build] that also tells progress, if not nil,
// each time the story reaches a new month: month runs from 1 to
// [Months], in order, each told once.
func BuildProgress(ctx context.Context, home string, passphrase []byte, opt core.Options, progress func(month int)) (*World, error) {
	if len(passphrase) == 0 {
		return nil, core.ErrEmptyPassphrase
	}
	if core.HasIdentity(home) {
		return nil, core.ErrIdentityExists
	}
	end := time.Now()
	if opt.Now != nil {
		end = opt.Now()
	}
	end = end.UTC().Truncate(time.Hour)
	tmp, err := os.MkdirTemp("", "trustdesk-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	w := &demoWorld{
		ctx: ctx, tmp: tmp, start: end.Add(-demoSpan), opt: opt,
		progress: progress,
		people:   map[string]*demoPerson{}, cells: map[string]crdt.CellID{},
		hub:     map[crdt.CellID]bool{},
		version: map[crdt.CellID]version{},
	}
	w.clock = w.start
	defer w.close()
	viewerOpt := opt
	viewerOpt.Now = w.now
	v, err := core.Init(home, demoViewer, passphrase, viewerOpt)
	if err != nil {
		return nil, err
	}
	w.viewer = w.add(demoViewer, v)
	if err := w.script(); err != nil {
		w.close()
		_ = core.Wipe(home)
		return nil, fmt.Errorf("demo: %w", err)
	}
	d, err := w.describe()
	if err != nil {
		w.close()
		_ = core.Wipe(home)
		return nil, fmt.Errorf("demo: %w", err)
	}
	return d, nil
}

// demoPerson is one person of the demo world with their own home.
type demoPerson struct {
	name string
	s    *core.Service
	// pending lists the cells where this person made changes the viewer
	// has not received yet; true if a change concerns membership (a vouch
	// or a vote), false if they are ratings only.
	pending map[crdt.CellID]bool
	// seen is, per cell, the version of the viewer's copy this person
	// last received.
	seen map[crdt.CellID]version
}

// version counts the changes of the viewer's copy of a cell: all of them,
// and those about membership.
type version struct{ all, members int }

// demoWorld plays the demo script. The viewer is the hub of every cell she
// is in: people send her what they did and receive from her what others
// did, one sync file at a time. To keep the number of files small, people
// catch up only when it matters: before vouching, when what they hold about
// who is a member is behind; before voting, on everything; before rating,
// when they lack the card of the person rated.
type demoWorld struct {
	ctx    context.Context
	tmp    string
	opt    core.Options
	start  time.Time
	mu     sync.Mutex
	clock  time.Time
	viewer *demoPerson
	order  []*demoPerson
	people map[string]*demoPerson
	cells  map[string]crdt.CellID
	// hub marks the cells the viewer has joined.
	hub map[crdt.CellID]bool
	// version is the version of the viewer's copy of each cell.
	version map[crdt.CellID]version
	// excludedOn is when the exclusion vote completed.
	excludedOn time.Time
	// imports counts the sync files read.
	imports int
	// progress, if not nil, hears of each new month; told is the last
	// month it heard of.
	progress func(month int)
	told     int
}

// tell gives progress every month up to the one of day n of the story.
func (w *demoWorld) tell(n int) {
	month := min(n/30+1, Months)
	for w.progress != nil && w.told < month {
		w.told++
		w.progress(w.told)
	}
}

func (w *demoWorld) now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.clock
}

// day sets the clock to day n of the story, at the given hour.
func (w *demoWorld) day(n, hour int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clock = w.start.Add(time.Duration(n)*24*time.Hour + time.Duration(hour)*time.Hour)
}

func (w *demoWorld) close() {
	for _, p := range w.order {
		if p != w.viewer {
			p.s.Close()
		}
	}
	if w.viewer != nil {
		w.viewer.s.Close()
		w.viewer = nil
	}
	w.order = nil
}

func (w *demoWorld) add(name string, s *core.Service) *demoPerson {
	p := &demoPerson{name: name, s: s, pending: map[crdt.CellID]bool{}, seen: map[crdt.CellID]version{}}
	w.people[name] = p
	w.order = append(w.order, p)
	return p
}

// person returns the person named name, giving them an identity in a
// temporary home the first time.
// twoPeople looks up two people of the story.
func (w *demoWorld) twoPeople(a, b string) (*demoPerson, *demoPerson, error) {
	pa, err := w.person(a)
	if err != nil {
		return nil, nil, err
	}
	pb, err := w.person(b)
	return pa, pb, err
}

func (w *demoWorld) person(name string) (*demoPerson, error) {
	if p, ok := w.people[name]; ok {
		return p, nil
	}
	opt := core.Options{WorkFactor: demoWorkFactor, Now: w.now, Checker: w.opt.Checker}
	s, err := core.Init(filepath.Join(w.tmp, fmt.Sprint(len(w.order))), name, []byte(Passphrase), opt)
	if err != nil {
		return nil, err
	}
	return w.add(name, s), nil
}

// knows reports whether p holds a contact for q.
func knows(p, q *demoPerson) bool {
	_, err := p.s.Contact(q.s.Card().ID())
	return err == nil
}

// meet has a and b exchange cards face to face.
func (w *demoWorld) meet(a, b *demoPerson) error {
	if _, err := a.s.AddContact(b.s.Card().String(), "", true); err != nil {
		return err
	}
	_, err := b.s.AddContact(a.s.Card().String(), "", true)
	return err
}

// deliver sends what from has of cells to one person as a sync file.
func (w *demoWorld) deliver(from, to *demoPerson, cells ...crdt.CellID) (*core.ImportSummary, error) {
	id := to.s.Card().ID()
	res, err := from.s.Export(core.ExportRequest{To: &id, Cells: cells})
	if err != nil {
		return nil, fmt.Errorf("%s exporting to %s: %w", from.name, to.name, err)
	}
	sum, err := to.s.Import(w.ctx, res.Data)
	if err != nil {
		return nil, fmt.Errorf("%s importing from %s: %w", to.name, from.name, err)
	}
	w.imports++
	return sum, nil
}

// flush brings the viewer what people did in cell: every change if all is
// set, else only the changes of those who vouched or voted there.
func (w *demoWorld) flush(cell crdt.CellID, all bool) error {
	for _, p := range w.order {
		members, ok := p.pending[cell]
		if !ok || !all && !members {
			continue
		}
		var cells []crdt.CellID
		for c := range p.pending {
			cells = append(cells, c)
		}
		slices.SortFunc(cells, func(a, b crdt.CellID) int { return strings.Compare(a.String(), b.String()) })
		sum, err := w.deliver(p, w.viewer, cells...)
		if err != nil {
			return err
		}
		for _, cc := range sum.Cells {
			c := cc.ID
			members := p.pending[c]
			delete(p.pending, c)
			if cc.NewStatements == 0 {
				continue
			}
			// The person has what they sent: if they were up to date,
			// they still are.
			was, seen := w.version[c], p.seen[c]
			w.version[c] = version{was.all + 1, was.members}
			if seen.all == was.all {
				seen.all++
			}
			if members {
				w.version[c] = version{was.all + 1, was.members + 1}
				if seen.members == was.members {
					seen.members++
				}
			}
			p.seen[c] = seen
		}
	}
	return nil
}

// pull brings p up to date with the viewer's copy of cell: with all, on
// everything, else on who is a member.
func (w *demoWorld) pull(p *demoPerson, cell crdt.CellID, all bool) error {
	if !w.hub[cell] {
		return errors.New("the viewer must join a cell before anyone else acts in it")
	}
	if err := w.flush(cell, all); err != nil {
		return err
	}
	have, want := p.seen[cell], w.version[cell]
	if p == w.viewer || have == want || !all && have.members == want.members {
		return nil
	}
	if _, err := w.deliver(w.viewer, p, cell); err != nil {
		return err
	}
	p.seen[cell] = want
	return nil
}

// did records that p changed cell; members says whether the change was
// about membership.
func (w *demoWorld) did(p *demoPerson, cell crdt.CellID, members bool) {
	if p == w.viewer {
		v := w.version[cell]
		v.all++
		if members {
			v.members++
		}
		w.version[cell] = v
		return
	}
	p.pending[cell] = p.pending[cell] || members
}

// found has founder found a cell.
func (w *demoWorld) found(founder, name string) error {
	f, err := w.person(founder)
	if err != nil {
		return err
	}
	c, err := f.s.NewCell(name)
	if err != nil {
		return err
	}
	w.cells[name] = c.ID
	return nil
}

// admit has voucher vouch for newcomer in cell and hand them the cell.
func (w *demoWorld) admit(voucher, cell, newcomer string) error {
	v, n, err := w.twoPeople(voucher, newcomer)
	if err != nil {
		return err
	}
	id := w.cells[cell]
	if !knows(v, n) || !knows(n, v) {
		if err := w.meet(v, n); err != nil {
			return err
		}
	}
	if w.hub[id] {
		if err := w.pull(v, id, false); err != nil {
			return err
		}
	}
	if _, err := v.s.Admit(id, n.s.Card().ID()); err != nil {
		return fmt.Errorf("%s admitting %s to %s: %w", voucher, newcomer, cell, err)
	}
	if _, err := w.deliver(v, n, id); err != nil {
		return err
	}
	switch {
	case n == w.viewer:
		// The viewer joins: from now on the cell goes through her.
		w.hub[id] = true
		w.version[id] = version{1, 1}
		v.seen[id] = w.version[id]
	case !w.hub[id]:
		return errors.New("the viewer must join a cell before anyone else acts in it")
	default:
		w.did(v, id, true)
		n.seen[id] = v.seen[id]
		if v == w.viewer {
			n.seen[id] = w.version[id]
		}
	}
	// The newcomer accepts on their own device.
	if _, err := n.s.JoinCell(id); err != nil {
		return fmt.Errorf("%s joining %s: %w", newcomer, cell, err)
	}
	w.did(n, id, true)
	return nil
}

// rate has rater rate subject in cell on the current day.
func (w *demoWorld) rate(rater, cell, subject string, safety, reliability int, tags, note string) error {
	r, s, err := w.twoPeople(rater, subject)
	if err != nil {
		return err
	}
	id := w.cells[cell]
	if !knows(r, s) {
		if err := w.pull(r, id, false); err != nil {
			return err
		}
	}
	var tl []string
	if tags != "" {
		tl = strings.Split(tags, ",")
	}
	rating := crdt.Rating{Safety: safety, Reliability: reliability, Tags: tl, Note: note}
	if _, err := r.s.Rate(s.s.Card().ID(), rating, []crdt.CellID{id}); err != nil {
		return fmt.Errorf("%s rating %s in %s: %w", rater, subject, cell, err)
	}
	w.did(r, id, false)
	return nil
}

// vote has voter vote to exclude subject from cell, having seen everything
// the viewer has.
func (w *demoWorld) vote(voter, cell, subject string) error {
	v, s, err := w.twoPeople(voter, subject)
	if err != nil {
		return err
	}
	id := w.cells[cell]
	if err := w.pull(v, id, true); err != nil {
		return err
	}
	view, err := v.s.VoteExclude(id, s.s.Card().ID())
	if err != nil {
		return fmt.Errorf("%s voting on %s in %s: %w", voter, subject, cell, err)
	}
	w.did(v, id, true)
	for _, m := range view.Members() {
		if m.ID == s.s.Card().ID() && m.Status == crdt.StatusExcluded && w.excludedOn.IsZero() {
			w.excludedOn = w.now()
		}
	}
	return nil
}

// step is one line of the demo script.
type step struct {
	day int
	do  func() error
}

// script plays the eight months of the story, day by day, then today.
func (w *demoWorld) script() error {
	steps := w.story()
	slices.SortStableFunc(steps, func(a, b step) int { return a.day - b.day })
	for i, st := range steps {
		w.tell(st.day)
		w.day(st.day, 9+i%10)
		if err := st.do(); err != nil {
			return err
		}
	}
	return w.today()
}

// today brings everything to Mara, who then blocks Kit and pastes the
// card Hana sent her.
func (w *demoWorld) today() error {
	w.tell(238)
	w.day(238, 18)
	for _, name := range []string{demoNightMarket, demoRideShare, demoClinic} {
		if err := w.flush(w.cells[name], true); err != nil {
			return err
		}
	}
	kit := w.people[demoFlagged]
	if _, err := w.viewer.s.SetBlocked(kit.s.Card().ID(), true); err != nil {
		return err
	}
	hana, err := w.person(demoPasted)
	if err != nil {
		return err
	}
	if _, err := w.viewer.s.AddContact(hana.s.Card().String(), "", false); err != nil {
		return err
	}
	return nil
}

// story is the script's steps, in the order they were written: spring,
// summer, autumn, then the ring of fake accounts and the last weeks.
func (w *demoWorld) story() []step {
	nm, rs, cv := demoNightMarket, demoRideShare, demoClinic
	steps := []step{
		// Spring: Ines starts the night market group and brings in Mara.
		{0, w.foundStep("Ines", nm)},
		{0, w.admitStep("Ines", nm, demoViewer)},
		{2, w.admitStep("Ines", nm, demoSmeared)},
		{3, w.meetStep(demoViewer, demoSmeared)},
		{4, w.admitStep("Ines", nm, demoExcluded)},
		{8, w.foundStep("Dario", rs)},
		{8, w.admitStep("Dario", rs, demoViewer)},
		{9, w.admitStep("Dario", rs, "Sol")},
		{10, w.admitStep(demoSmeared, nm, "Felix")},
		{14, w.admitStep(demoViewer, nm, "Priya")},
		{15, w.foundStep("Noor", cv)},
		{15, w.admitStep("Noor", cv, demoViewer)},
		{18, w.admitStep("Noor", cv, "Omar")},
		{20, w.rateStep(demoViewer, nm, demoSmeared, 5, 5, "fair prices,kind", "Lent me her scale when mine broke. Knows everyone at the market.")},
		{25, w.rateStep("Priya", nm, demoExcluded, 2, 3, "pushy", "Put his crates across the front of my stall and laughed when I asked him to move them.")},
		{30, w.admitStep("Dario", rs, "June")},
		{30, w.rateStep("Ines", nm, "Felix", 4, 4, "helpful", "Helped carry the awning in the rain.")},
		{32, w.meetStep(demoViewer, "June")},
		{35, w.admitStep(demoViewer, cv, "June")},
		{35, w.rateStep(demoSmeared, nm, demoExcluded, 2, 1, "money,no-show", "Kept the money we pooled for the shared tarp and never bought it.")},
		{40, w.admitStep("Sol", rs, demoFlagged)},
		{40, w.rateStep("Felix", nm, demoSmeared, 5, 5, "fair prices", "")},
		{40, w.rateStep("Noor", cv, "Omar", 5, 5, "reliable", "Covered three night shifts at short notice.")},
		{45, w.admitStep("Dario", rs, "Amir")},
		{45, w.rateStep(demoExcluded, nm, "Priya", 1, 1, "", "Complains about everything.")},
		{48, w.rateStep(demoViewer, nm, demoExcluded, 1, 2, "aggressive", "Grabbed my arm hard during the argument over the tarp money.")},
		{50, w.rateStep("June", rs, "Sol", 5, 5, "patient,on time", "Waited twenty minutes when my shift ran late.")},
		// Early summer: the night market votes Tomas out.
		{50, w.voteStep(demoSmeared, nm, demoExcluded)},
		{51, w.voteStep("Priya", nm, demoExcluded)},
		{52, w.voteStep(demoViewer, nm, demoExcluded)},
		{55, w.admitStep(demoViewer, rs, "Felix")},
		{60, w.admitStep("Felix", nm, demoRingLeader)},
		{60, w.admitStep("Omar", cv, "Lev")},
		{60, w.rateStep(demoViewer, rs, demoFlagged, 4, 4, "on time", "Fine ride to the market, on time.")},
		{65, w.rateStep("Sol", rs, demoFlagged, 4, 4, "careful driver", "Careful driver, clean car.")},
		{70, w.rateStep(demoRingLeader, nm, "Felix", 4, 4, "", "Good neighbour.")},
		{70, w.rateStep("Amir", rs, "Dario", 5, 5, "organised,fair", "Organises everything and is fair with the fuel money.")},
		{70, w.rateStep("Omar", cv, "Lev", 4, 5, "reliable", "Learns fast, never late.")},
		{75, w.rateStep(demoSmeared, nm, demoRingLeader, 2, 2, "pushy", "Pushed me hard to give him my corner spot and got in my face when I said no.")},
		{80, w.rateStep(demoViewer, rs, "Dario", 5, 5, "organised", "Always finds a seat for everyone.")},
		{85, w.rateStep(demoViewer, cv, "Noor", 5, 5, "kind,organised", "Keeps the whole clinic going.")},
		{90, w.rateStep("Dario", rs, "June", 5, 4, "friendly", "")},
		{95, w.rateStep("Ines", nm, demoRingLeader, 2, 3, "threats", "Threatened a new vendor who sold cheaper than him.")},
		{100, w.admitStep(demoViewer, cv, "Priya")},
		{100, w.rateStep(demoFlagged, rs, "Amir", 3, 3, "", "")},
		{105, w.rateStep("Lev", cv, "June", 5, 5, "kind", "Stayed late to help me with the intake forms.")},
		{110, w.rateStep("Priya", nm, demoRingLeader, 1, 2, "followed me", "Followed me to the bus stop after we argued about space.")},
		{120, w.rateStep("Ines", nm, demoSmeared, 5, 4, "on time", "Always on time for the Friday setup.")},
		{130, w.rateStep("Priya", nm, demoSmeared, 5, 5, "kind", "")},
		{130, w.rateStep("Felix", rs, "Sol", 4, 5, "on time", "")},
		{140, w.rateStep("June", cv, "Omar", 4, 4, "", "Good with the kids in the waiting room.")},
		{112, w.rateStep(demoSmeared, nm, "Ines", 5, 5, "fair,organised", "Sorted out the stall rota without a single argument.")},
		{118, w.rateStep("June", rs, "Dario", 5, 4, "careful driver", "Drives carefully, even when we are late.")},
		{125, w.rateStep("Sol", rs, "Amir", 4, 4, "on time", "")},
		{135, w.rateStep("Priya", cv, "Noor", 5, 5, "kind", "Taught me how to calm people in the waiting room.")},
		{145, w.rateStep("June", rs, "Amir", 4, 3, "friendly", "Chatty, but always there when he says he will be.")},
		{150, w.rateStep(demoViewer, nm, "Priya", 5, 5, "helpful", "Swapped stalls with me when I needed shade for the fruit.")},
		{160, w.rateStep("Ines", nm, "Priya", 4, 5, "", "")},
		{175, w.rateStep("Priya", nm, "Ines", 4, 5, "helpful", "")},
		{185, w.rateStep("June", cv, "Noor", 4, 5, "", "")},
		// Autumn: Kit turns dangerous.
		{165, w.rateStep("June", rs, demoFlagged, 2, 3, "detour,night", "Took a long detour at night and would not stop where I asked.")},
		{170, w.rateStep("Noor", cv, "Priya", 5, 5, "calm", "Calm with frightened patients.")},
		{190, w.rateStep("Dario", rs, demoFlagged, 1, 2, "drunk driving", "Smelled of drink behind the wheel. We took the keys.")},
		{200, w.rateStep("Omar", cv, demoViewer, 5, 5, "reliable", "Mara never misses her Tuesday shift.")},
		{210, w.rateStep("Amir", rs, demoFlagged, 2, 2, "shouting", "Shouted at a passenger who asked to open the window.")},
	}
	// Late autumn: six new accounts appear around Rook.
	steps = append(steps, w.ringSteps(212)...)
	steps = append(steps,
		step{220, w.voteStep("Dario", rs, demoFlagged)},
		step{222, w.voteStep("June", rs, demoFlagged)},
		step{225, w.rateStep(demoViewer, nm, "Felix", 4, 3, "friendly", "Friendly, but forgot to hand over the cash float twice.")},
		step{228, w.rateStep(demoFlagged, rs, "Dario", 1, 1, "", "Liar. Spreads rumours about me.")},
		step{232, w.rateStep("Noor", cv, "Lev", 3, 2, "late", "Missed two Saturday shifts without telling anyone.")},
	)
	return steps
}

// The steps of the story: each does one thing on its day.

func (w *demoWorld) rateStep(rater, cell, subject string, safety, reliability int, tags, note string) func() error {
	return func() error { return w.rate(rater, cell, subject, safety, reliability, tags, note) }
}

func (w *demoWorld) admitStep(voucher, cell, newcomer string) func() error {
	return func() error { return w.admit(voucher, cell, newcomer) }
}

func (w *demoWorld) voteStep(voter, cell, subject string) func() error {
	return func() error { return w.vote(voter, cell, subject) }
}

func (w *demoWorld) foundStep(founder, name string) func() error {
	return func() error { return w.found(founder, name) }
}

func (w *demoWorld) meetStep(a, b string) func() error {
	return func() error {
		pa, pb, err := w.twoPeople(a, b)
		if err != nil {
			return err
		}
		return w.meet(pa, pb)
	}
}

// ringSteps are the fake accounts around Rook from day on: admitted, then
// praising him and smearing Bea.
func (w *demoWorld) ringSteps(day int) []step {
	nm := demoNightMarket
	var out []step
	for i, fake := range demoRing {
		out = append(out, step{day + i/2, w.admitStep(demoRingLeader, nm, fake)})
	}
	for i, fake := range demoRing {
		out = append(out,
			step{day + 3 + i/2, w.rateStep(fake, nm, demoRingLeader, 5, 5, "honest,fair prices", "Best prices in the market, a really honest guy!")},
			step{day + 4 + i/2, w.rateStep(fake, nm, demoSmeared, 1, 1, "cheats,unsafe", "Sells stale bread and cheats on the weight. Stay away from her!")},
		)
	}
	return out
}

// describe checks the world came out as the story says and tells it.
func (w *demoWorld) describe() (*World, error) {
	v := w.viewer.s
	d := &World{
		Viewer:     demoViewer,
		Cells:      []string{demoNightMarket, demoRideShare, demoClinic},
		Excluded:   demoExcluded,
		Flagged:    demoFlagged,
		RingLeader: demoRingLeader,
		Ring:       slices.Clone(demoRing),
		Smeared:    demoSmeared,
		Blocked:    demoFlagged,
		Pasted:     demoPasted,
		SyncFiles:  w.imports,
	}
	for _, p := range w.order {
		if p != w.viewer {
			d.People = append(d.People, p.name)
		}
	}
	contacts, err := v.Contacts()
	if err != nil {
		return nil, err
	}
	for _, c := range contacts {
		if c.Verified == core.InPerson {
			d.Verified = append(d.Verified, c.Name())
		}
	}
	if err := w.checkExclusion(d); err != nil {
		return nil, err
	}
	rep, err := v.Reputation()
	if err != nil {
		return nil, err
	}
	kit := rep.Person(w.people[demoFlagged].s.Card().ID().String())
	if kit == nil || kit.Flags < 2 {
		return nil, errors.New("the flags did not come through")
	}
	kitVoters, more, err := w.openVote()
	if err != nil {
		return nil, err
	}
	ring, err := w.ringWeight(rep)
	if err != nil {
		return nil, err
	}
	d.Story = w.tellStory(d, kit.Flags, kitVoters, more, ring)
	return d, nil
}

// checkExclusion checks that Tomas was voted out of the night market and
// notes by whom.
func (w *demoWorld) checkExclusion(d *World) error {
	nm, err := w.viewer.s.FindCell(demoNightMarket)
	if err != nil {
		return err
	}
	for _, m := range nm.Members() {
		if m.Name == demoExcluded && m.Status == crdt.StatusExcluded {
			for _, p := range m.ExcludedBy {
				d.ExcludedBy = append(d.ExcludedBy, p.Name)
			}
		}
	}
	if len(d.ExcludedBy) == 0 {
		return errors.New("the exclusion did not happen")
	}
	d.ExcludedFrom = demoNightMarket
	d.ExcludedOn = w.excludedOn
	return nil
}

// openVote checks that the vote to exclude Kit is still open and returns
// who voted and how many more votes would decide it.
func (w *demoWorld) openVote() (voters []string, more int, err error) {
	rs, err := w.viewer.s.FindCell(demoRideShare)
	if err != nil {
		return nil, 0, err
	}
	need := 0
	for _, vote := range rs.Votes() {
		if vote.Subject.Name == demoFlagged {
			for _, p := range vote.Voters {
				voters = append(voters, p.Name)
			}
			need = vote.Needed
		}
	}
	more = need - len(voters)
	if len(voters) == 0 || more <= 0 {
		return nil, 0, errors.New("the vote on Kit did not stay open")
	}
	return voters, more, nil
}

// ringWeight is what one ring rating of Bea weighs next to the viewer's
// own rating of her.
func (w *demoWorld) ringWeight(rep *reputation.Result) (float64, error) {
	var ring, mine float64
	for _, e := range rep.Person(w.people[demoSmeared].s.Card().ID().String()).Ratings {
		switch {
		case slices.Contains(demoRing, e.Rater):
			ring = max(ring, e.Weight)
		case e.Rater == "you":
			mine = e.Weight
		}
	}
	if mine == 0 {
		return 0, errors.New("the viewer's rating of Bea does not count")
	}
	return ring / mine, nil
}

// tellStory tells the world in five paragraphs.
func (w *demoWorld) tellStory(d *World, kitFlags int, kitVoters []string, more int, ring float64) []string {
	return []string{
		fmt.Sprintf("You are %s. Since %s you have sold fruit at the night market, shared rides to work and volunteered at the clinic. "+
			"You belong to three cells: %s (started by Ines), %s (started by Dario) and %s (started by Noor). "+
			"You met %s in person and checked their cards; the others you know through your cells.",
			demoViewer, w.start.Format("January"), demoNightMarket, demoRideShare, demoClinic, words.JoinAnd(d.Verified)),
		fmt.Sprintf("Look first at %s, excluded from %s in %s by the votes of %s, after he kept the group's money and grabbed your arm.",
			demoExcluded, demoNightMarket, d.ExcludedOn.Format("January"), words.JoinAnd(d.ExcludedBy)),
		fmt.Sprintf("%s is flagged unsafe: %d people you trust felt unsafe riding with %s in the last two years. "+
			"%s voted to exclude %s from %s; %s would decide it, and yours could be one. "+
			"You blocked %s, so %s gets nothing from you, and the angry rating %s gave Dario counts for nothing.",
			demoFlagged, kitFlags, demoFlagged, words.JoinAnd(kitVoters), demoFlagged, demoRideShare, words.Count(more, "more vote", "more votes"),
			demoFlagged, demoFlagged, demoFlagged),
		fmt.Sprintf("Last month six new accounts (%s) joined %s, all vouched for by %s. They all gave %s 5 out of 5 and called %s a cheat. "+
			"Only %s, whom people you trust found unsafe, vouches for them, so each of their ratings of %s counts %s as much as your own, "+
			"and their praise of %s counts for nothing: nobody can raise the person who let them in.",
			strings.Join(demoRing, ", "), demoNightMarket, demoRingLeader, demoRingLeader, demoSmeared,
			demoRingLeader, demoSmeared, percentWords(ring), demoRingLeader),
		fmt.Sprintf("%s sent you her card in a message. You have not met her yet, so she is not verified: "+
			"meet her and compare the safety code before you vouch for her anywhere.", demoPasted),
	}
}

// percentWords writes a share as a whole percentage, or "less than 1%".
func percentWords(f float64) string {
	if f < 0.005 {
		return "less than 1%"
	}
	return fmt.Sprintf("%.0f%%", 100*f)
}
