package app

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"trustdesk/assets"
	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/identity"
)

// testCore keeps passphrase derivation cheap in the app's own tests. Its
// clock runs testLater ahead of the real one.
var testCore = core.Options{WorkFactor: 10, Now: func() time.Time {
	return time.Now().Add(time.Duration(testLater.Load()))
}}

// testLater moves the tests' clock forward; laterBy sets it for one test.
var testLater atomic.Int64

// laterBy moves the tests' clock forward by d until the test ends.
func laterBy(t *testing.T, d time.Duration) {
	testLater.Add(int64(d))
	t.Cleanup(func() { testLater.Add(-int64(d)) })
}

// testPass is the passphrase of the homes the tests make.
const testPass = "correct horse battery"

// newHome makes a home holding a card called name, locked with testPass.
func newHome(t *testing.T, name string) string {
	t.Helper()
	home := t.TempDir()
	s, err := core.Init(home, name, []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return home
}

// startUI builds the app on home with opts' passphrase and waits for any
// unlocking to finish.
func startUI(t *testing.T, home string, passphrase string) *ui {
	t.Helper()
	opts := Options{Home: home, Core: testCore}
	if passphrase != "" {
		opts.Passphrase = []byte(passphrase)
	}
	u := newUI(test.NewTempApp(t), opts)
	u.wait()
	u.win.Resize(fyne.NewSize(1040, 720))
	t.Cleanup(func() {
		u.wait()
		if u.meet != nil {
			u.meet.stopScanning()
		}
		u.wait()
		u.win.Close()
		u.closeService()
	})
	u.wait()
	return u
}

// world is Mara's unlocked app with Bea, whom Mara verified in person and
// admitted to the cell "Market", and Cy, whose card Mara does not hold.
type world struct {
	u       *ui
	bea, cy *someone
	market  crdt.CellID
}

// someone is a person with a card but no home of their own: enough to be
// added, admitted and rated.
type someone struct{ card *identity.Card }

// card returns their card.
func (s *someone) Card() *identity.Card { return s.card }

// newSomeone makes a card called name.
func newSomeone(t *testing.T, name string) *someone {
	t.Helper()
	i, err := identity.New(name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &someone{card: i.Card}
}

// newWorld builds the world. Bea has a home of her own, so she can accept
// Mara's invitation to Market as in life.
func newWorld(t *testing.T) *world {
	t.Helper()
	bea, err := core.Init(t.TempDir(), "Bea", []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bea.Close() })
	w := &world{u: startUI(t, t.TempDir(), ""), bea: &someone{card: bea.Card()}, cy: newSomeone(t, "Cy")}
	svc, err := core.Init(w.u.opts.Home, "Mara", []byte(testPass), testCore)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddContact(w.bea.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := bea.AddContact(svc.Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	cell, err := svc.NewCell("Market")
	if err != nil {
		t.Fatal(err)
	}
	w.market = cell.ID
	if _, err := svc.Admit(cell.ID, w.bea.Card().ID()); err != nil {
		t.Fatal(err)
	}
	accept(t, svc, bea, cell.ID)
	w.u.unlocked(svc)
	return w
}

// accept brings p the invitation to cell that from made, has p accept it on
// their own device, and brings the acceptance back to from.
func accept(t *testing.T, from, p *core.Service, cell crdt.CellID) {
	t.Helper()
	to, back := p.Card().ID(), from.Card().ID()
	res, err := from.Export(core.ExportRequest{To: &to, Cells: []crdt.CellID{cell}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Import(context.Background(), res.Data); err != nil {
		t.Fatal(err)
	}
	if _, err := p.JoinCell(cell); err != nil {
		t.Fatal(err)
	}
	if res, err = p.Export(core.ExportRequest{To: &back, Cells: []crdt.CellID{cell}}); err != nil {
		t.Fatal(err)
	}
	if _, err := from.Import(context.Background(), res.Data); err != nil {
		t.Fatal(err)
	}
}

// carded is anything with a card: a home or someone.
type carded interface{ Card() *identity.Card }

// id returns the identity id of c's card.
func id(c carded) identity.ID { return c.Card().ID() }

// tapYes answers the open question with its Yes button.
func tapYes(t *testing.T, u *ui) {
	t.Helper()
	if u.yes == nil {
		t.Fatal("no question is open")
	}
	if u.yes.Disabled() {
		t.Fatalf("the %q button is disabled", u.yes.Text)
	}
	test.Tap(u.yes)
	u.wait()
}

// wantError fails unless the last error shown is explain(want).
func wantError(t *testing.T, u *ui, want error) {
	t.Helper()
	if u.lastError != explain(want) {
		t.Fatalf("error shown = %q, want %q", u.lastError, explain(want))
	}
}

func TestNewShowsFirstRunOnEmptyHome(t *testing.T) {
	u := startUI(t, t.TempDir(), "")
	if u.svc != nil || u.tabs != nil {
		t.Fatal("an empty home is unlocked")
	}
	if !u.start.firstRun || u.start.choices == nil || u.start.name == nil {
		t.Fatal("an empty home does not offer to make a card")
	}
	if u.shownScreen() != u.start.Content() {
		t.Fatal("the window does not show the start screen")
	}
	if u.win.Title() != Title {
		t.Errorf("title = %q", u.win.Title())
	}
}

func TestUnlockedShowsTabs(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)
	if u.svc == nil || u.tabs == nil {
		t.Fatal("not unlocked")
	}
	var names []string
	for _, it := range u.tabs.Items {
		names = append(names, it.Text)
	}
	if got := strings.Join(names, ","); got != "People,Meet in person,Cells,Sync,You" {
		t.Fatalf("tabs = %s", got)
	}
	if u.shownScreen() != u.tabs {
		t.Fatal("the window does not show the tabs")
	}
	// The window fits a small laptop screen with the tabs on the side.
	if w := u.tabs.MinSize().Width; w > 1040 {
		t.Errorf("the tabs need %v pixels across, more than the window's 1040", w)
	}
}

func TestBusyShowsErrorOrRunsDone(t *testing.T) {
	u := startUI(t, t.TempDir(), "")
	done := false
	u.runBusy("Working…", func() error { return nil }, func() { done = true })
	u.wait()
	if !done || u.lastError != "" {
		t.Fatalf("done = %v, error %q", done, u.lastError)
	}
	u.runBusy("Working…", func() error { return core.ErrBlocked }, func() { t.Error("done ran after an error") })
	u.wait()
	wantError(t, u, core.ErrBlocked)
}

func TestRunWithoutDisplay(t *testing.T) {
	if !needsDisplay("linux") || needsDisplay("darwin") || needsDisplay("windows") {
		t.Fatal("needsDisplay is wrong")
	}
	if !needsDisplay(runtime.GOOS) {
		t.Skip("this system needs no display variable")
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	if err := Run(Options{Home: t.TempDir()}); !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("Run without a screen = %v, want ErrNoDisplay", err)
	}
}

func TestIconAndTheme(t *testing.T) {
	if appIcon() != assets.Icon {
		t.Fatal("the window icon is not the trustdesk icon")
	}
	var th calmTheme
	if th.Color(theme.ColorNamePrimary, theme.VariantLight) != teal {
		t.Fatal("the primary colour is not the icon's teal")
	}
}

// crdtRating is a rating for today with the two marks.
func crdtRating(safety, reliability int) crdt.Rating {
	return crdt.Rating{Safety: safety, Reliability: reliability, Day: time.Now().Format(time.DateOnly)}
}

// TestPagesAndReputationCache opens and closes pages and checks that the
// reputation is computed once per change.
func TestPagesAndReputationCache(t *testing.T) {
	w := newWorld(t)

	// The reputation is kept until a change.
	{
		r1, err := w.u.reputation()
		if err != nil {
			t.Fatal(err)
		}
		if r2, _ := w.u.reputation(); r2 != r1 {
			t.Fatal("the reputation is computed again without a change")
		}
		w.u.changed()
		if r3, _ := w.u.reputation(); r3 == r1 {
			t.Fatal("the reputation is kept after a change")
		}
	}

	// Pages open over the tabs and Back closes them.
	{
		w.u.showPerson(id(w.bea))
		if w.u.person == nil || w.u.person.name.Text != "Bea" {
			t.Fatal("Bea's page is not open")
		}
		w.u.showRate(id(w.bea), nil)
		if w.u.rate == nil {
			t.Fatal("the rating form is not open")
		}
		w.u.back()
		if w.u.rate != nil || w.u.person == nil || w.u.shownScreen() == w.u.tabs {
			t.Fatal("Back from the rating form does not return to Bea's page")
		}
		w.u.back()
		if w.u.person != nil || w.u.shownScreen() != w.u.tabs {
			t.Fatal("Back from Bea's page does not return to the tabs")
		}
		w.u.showPerson(id(w.cy))
		if w.u.person != nil {
			t.Fatal("a page opened for someone this device does not know")
		}
		wantError(t, w.u, core.ErrNotFound)
	}
}
