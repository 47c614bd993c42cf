package app

import (
	"context"
	"runtime/debug"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/reputation"
)

// ui is the whole desktop app: its window, the unlocked home and the
// screens on it. Every field is exported so tests can drive the app
// headless through fyne.io/fyne/v2/test.
type ui struct {
	// app is the Fyne application the window belongs to.
	app fyne.App
	// win is the main window.
	win fyne.Window
	// opts are the options the app was started with.
	opts Options
	// svc is the unlocked home, nil until the person unlocks it.
	svc *core.Service
	// tabs switches between the main screens: People, Meet in person,
	// Cells, Sync and You. It is nil until the home is unlocked.
	tabs *container.AppTabs

	// start is the screen shown before unlocking: making a card,
	// restoring a backup, or typing the passphrase.
	start *startScreen

	// people lists everyone this device knows.
	people *peopleScreen
	// meet exchanges cards face to face.
	meet *meetScreen
	// you shows the person's own card and the home's safety actions.
	you *youScreen
	// cells lists the cells and their members.
	cells *cellsScreen
	// sync makes and receives sync files.
	sync *syncScreen

	// person is the open Person view, nil when none is open.
	person *personView
	// rate is the open rating form, nil when none is open.
	rate *rateForm

	// dialog is the last dialog the app showed (an error, a question or
	// a progress note), for tests to read and answer.
	dialog dialog.Dialog
	// lastError is the sentence the last error dialog showed.
	lastError string
	// legend is the content of the last legend of the bars shown
	// ([ui.showLegend]), for tests to read.
	legend *fyne.Container
	// yes and No are the buttons of the last question the app asked
	// (confirm a block, type a new name, …), for tests to tap.
	yes, no *widget.Button

	pages []page
	busy  sync.WaitGroup
	// onUI is held while the outcome of work done on another goroutine
	// changes the screens. In the app that runs on the UI goroutine
	// anyway; fyne's test driver runs it on the worker's goroutine, so a
	// test that acts on the screens while work is under way holds it too.
	onUI  sync.Mutex
	shown fyne.CanvasObject
	tips  *tipLayer

	repMu sync.Mutex
	rep   *reputation.Result
}

// startScreenMap, set only in builds with the tag screenmap
// (screenmap.go), writes where every text is on screen for the screenshot
// walk.
var startScreenMap func(u *ui)

// newUI builds the app's window for a without showing it. The window first
// shows the way in: making a card on a new device, or the unlock screen
// when this device already holds a card. When opts.Passphrase is set it
// tries to unlock with it at once.
func newUI(a fyne.App, opts Options) *ui {
	u := &ui{app: a, opts: opts}
	a.Settings().SetTheme(calmTheme{})
	u.win = a.NewWindow(Title)
	u.win.SetIcon(appIcon())
	u.win.Resize(defaultWindowSize)
	u.win.SetOnClosed(func() {
		rememberWindowSize(a.Preferences(), u.win.Canvas().Size())
		tipLayers.Delete(u.win.Canvas())
		if u.meet != nil {
			u.meet.stopScanning()
		}
		u.closeService()
	})
	// Escape closes the dialog on top when no field has the keyboard;
	// fields in dialogs do the same ([dialogEntry]).
	u.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			u.closeDialog()
		}
	})
	u.showStart()
	if startScreenMap != nil {
		startScreenMap(u)
	}
	if len(opts.Passphrase) > 0 && core.HasIdentity(opts.Home) {
		u.start.unlockWith(opts.Passphrase)
	}
	return u
}

// showError shows err in a dialog as one plain sentence that says what
// to do ([core.Explain], with the app's own words for a few errors).
func (u *ui) showError(err error) {
	if err == nil {
		return
	}
	u.lastError = explain(err)
	// A plain message: Fyne's information dialog draws a large faint
	// icon that overlaps the text.
	u.tell("That did not work", u.lastError)
}

// showDialog remembers d as the current dialog and shows it.
func (u *ui) showDialog(d dialog.Dialog) {
	u.dialog = d
	d.Show()
}

// runBusy shows a note saying what is happening, runs work on its own
// goroutine and, when it succeeds, calls done on the UI goroutine. If work
// fails, the note closes and the error is shown instead. done may be nil.
func (u *ui) runBusy(what string, work func() error, done func()) {
	u.busyThen(what, work, func(err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if done != nil {
			done()
		}
	})
}

// busyThen is [ui.runBusy] that hands the outcome, error or not, to done on
// the UI goroutine.
func (u *ui) busyThen(what string, work func() error, done func(error)) {
	bar := widget.NewProgressBarInfinite()
	note := widget.NewLabel(what)
	note.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomWithoutButtons("Please wait", container.NewVBox(note, bar), u.win)
	d.Resize(fyne.NewSize(380, 0))
	u.showDialog(d)
	u.busy.Add(1)
	go func() {
		defer u.busy.Done()
		err := work()
		fyne.DoAndWait(func() {
			u.onUI.Lock()
			defer u.onUI.Unlock()
			bar.Stop()
			d.Hide()
			done(err)
		})
	}()
}

// wait blocks until every piece of work started with [ui.runBusy] has
// finished and its result is on screen. Tests call it.
func (u *ui) wait() { u.busy.Wait() }

// changed tells every screen that the data changed, so each shows it
// afresh. It also forgets the cached reputation.
func (u *ui) changed() {
	u.repMu.Lock()
	u.rep = nil
	u.repMu.Unlock()
	if u.svc == nil {
		return
	}
	if u.people != nil {
		u.people.Refresh()
	}
	if u.meet != nil {
		u.meet.Refresh()
	}
	if u.you != nil {
		u.you.Refresh()
	}
	if u.cells != nil {
		u.cells.Refresh()
	}
	if u.sync != nil {
		u.sync.Refresh()
	}
	if u.person != nil {
		u.person.Refresh()
	}
}

// reputation returns everyone's reputation as this device sees it. It is
// computed once and kept until the next [ui.changed].
func (u *ui) reputation() (*reputation.Result, error) {
	u.repMu.Lock()
	defer u.repMu.Unlock()
	if u.rep != nil {
		return u.rep, nil
	}
	if u.svc == nil {
		return nil, core.ErrNoIdentity
	}
	r, err := u.svc.Reputation()
	if err != nil {
		return nil, err
	}
	u.rep = r
	return r, nil
}

// showPerson opens the Person view for the contact with id, in place of
// any page open before.
func (u *ui) showPerson(id identity.ID) {
	if u.svc == nil {
		return
	}
	p, err := newPersonView(u, id)
	if err != nil {
		u.showError(err)
		return
	}
	u.closePages()
	u.person = p
	u.showPage(u.withMenu(p.Content()), func() { u.person = nil })
}

// showRate opens the rating form for the person with id, with cells
// ticked; with no cells, every cell both people are members of is ticked.
func (u *ui) showRate(id identity.ID, cells []crdt.CellID) {
	if u.svc == nil {
		return
	}
	f, err := newRateForm(u, id, cells)
	if err != nil {
		u.showError(err)
		return
	}
	u.rate = f
	u.showPage(u.withMenu(f.Content()), func() { u.rate = nil })
}

// page is one view laid over the tabs (a person, a rating form), with
// what to do when it closes.
type page struct {
	content fyne.CanvasObject
	closed  func()
}

// showPage lays content over the tabs with a Back button that returns to
// what was there before.
func (u *ui) showPage(content fyne.CanvasObject, closed func()) {
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), u.back)
	back.Importance = widget.LowImportance
	framed := container.NewBorder(container.NewHBox(back), nil, nil, nil, content)
	u.pages = append(u.pages, page{content: framed, closed: closed})
	u.setContent(framed)
}

// withMenu puts the list of main screens beside content, as the tabs
// show it, so a page laid over the tabs (a person, a rating form) keeps
// the way to every screen in view. Choosing one closes the pages.
func (u *ui) withMenu(content fyne.CanvasObject) fyne.CanvasObject {
	if u.tabs == nil {
		return content
	}
	menu := container.NewVBox()
	for i, it := range u.tabs.Items {
		b := widget.NewButtonWithIcon(it.Text, it.Icon, func() {
			u.closePages()
			u.tabs.SelectIndex(i)
		})
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		menu.Add(b)
	}
	return container.NewBorder(nil, nil, container.NewHBox(menu, widget.NewSeparator()), nil, content)
}

// back closes the page on top (a person, a rating form) and shows the one
// beneath it, or the tabs.
func (u *ui) back() {
	if len(u.pages) == 0 {
		return
	}
	top := u.pages[len(u.pages)-1]
	u.pages = u.pages[:len(u.pages)-1]
	if top.closed != nil {
		top.closed()
	}
	if len(u.pages) > 0 {
		u.setContent(u.pages[len(u.pages)-1].content)
		return
	}
	u.setContent(u.tabs)
}

// closePages closes every page laid over the tabs.
func (u *ui) closePages() {
	for len(u.pages) > 0 {
		top := u.pages[len(u.pages)-1]
		u.pages = u.pages[:len(u.pages)-1]
		if top.closed != nil {
			top.closed()
		}
	}
	if u.tabs != nil {
		u.setContent(u.tabs)
	}
}

// setContent shows content in the window. Whatever has the keyboard focus
// loses it first: a text field that leaves the window with the old content
// would otherwise keep its cursor blinking unseen, and the window would be
// drawn again many times a second for nothing.
//
// The content is laid under the layer that shows the whole text of a
// label cut short ([clipLabel]); [ui.Shown] returns the content itself.
func (u *ui) setContent(content fyne.CanvasObject) {
	u.win.Canvas().Unfocus()
	if u.tips == nil {
		u.tips = newTipLayer(u.win.Canvas())
	}
	u.tips.bubble.Hide()
	u.shown = content
	u.win.SetContent(container.NewStack(content, u.tips.layer))
}

// Shown returns what the window shows: the start screen, the tabs or the
// page laid over them.
func (u *ui) shownScreen() fyne.CanvasObject { return u.shown }

// showStart shows the way in: making a card or restoring a backup on a new
// device, the unlock screen otherwise.
func (u *ui) showStart() {
	u.start = newStartScreen(u)
	u.setContent(u.start.Content())
	if u.start.firstRun {
		u.win.Canvas().Focus(u.start.name)
	} else {
		u.win.Canvas().Focus(u.start.passphrase)
	}
}

// unlocked switches to the main tabs once svc is open.
func (u *ui) unlocked(svc *core.Service) {
	u.svc = svc
	u.pages = nil
	u.repMu.Lock()
	u.rep = nil
	u.repMu.Unlock()
	u.people = newPeopleScreen(u)
	u.meet = newMeetScreen(u)
	u.cells = newCellsScreen(u)
	u.sync = newSyncScreen(u)
	u.you = newYouScreen(u)
	u.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("People", theme.AccountIcon(), u.people.Content()),
		container.NewTabItemWithIcon("Meet in person", theme.ViewFullScreenIcon(), u.meet.Content()),
		container.NewTabItemWithIcon("Cells", theme.GridIcon(), u.cells.Content()),
		container.NewTabItemWithIcon("Sync", theme.ViewRefreshIcon(), u.sync.Content()),
		container.NewTabItemWithIcon("You", theme.HomeIcon(), u.you.Content()),
	)
	u.tabs.SetTabLocation(container.TabLocationLeading)
	u.tabs.OnSelected = func(*container.TabItem) {
		if u.meet != nil && u.tabs.Selected().Content != u.meet.Content() {
			u.meet.stopScanning()
		}
	}
	u.start = nil
	u.setContent(u.tabs)
	// Opening a large home and building its screens leave much garbage
	// behind (tens of thousands of statements decoded, sorted, scored):
	// give it back to the system now, not at some later collection, so the
	// app stays small while it sits open.
	debug.FreeOSMemory()
	// Then the checking of sync files gets ready in the background, so
	// that the first file for a large cell costs what it brings; closing
	// the home stops it.
	go svc.Prepare(context.Background())
}

// lock closes the home and goes back to the unlock screen.
func (u *ui) lock() {
	if u.meet != nil {
		u.meet.stopScanning()
	}
	u.closeService()
	u.tabs = nil
	u.people, u.meet, u.you, u.cells, u.sync = nil, nil, nil, nil, nil
	u.person, u.rate = nil, nil
	u.pages = nil
	u.showStart()
}

// closeService locks the home if it is open.
func (u *ui) closeService() {
	if u.svc != nil {
		_ = u.svc.Close()
		u.svc = nil
	}
	u.repMu.Lock()
	u.rep = nil
	u.repMu.Unlock()
}

// ask shows a dialog with body and two buttons, [ui.yes] labelled yes and
// [ui.no] labelled "Cancel". Tapping Yes closes it and calls then. A body
// taller than the window scrolls between the title and the buttons.
func (u *ui) ask(title string, body fyne.CanvasObject, yes string, then func()) {
	u.askWith(title, body, yes, "Cancel", then)
}

// askWith is [ui.ask] with no as the label of [ui.no].
func (u *ui) askWith(title string, body fyne.CanvasObject, yes, no string, then func()) {
	var d dialog.Dialog
	u.yes = widget.NewButton(yes, func() {
		d.Hide()
		then()
	})
	u.yes.Importance = widget.HighImportance
	u.no = widget.NewButton(no, func() { d.Hide() })
	buttons := container.NewHBox(layout.NewSpacer(), u.no, u.yes)
	d = dialog.NewCustomWithoutButtons(title, container.NewBorder(nil, buttons, nil, nil, u.scrollInDialog(body)), u.win)
	d.Resize(fyne.NewSize(520, 0))
	u.showDialog(d)
}

// confirmUnverified runs then at once for a contact verified in person;
// for any other it first says that nobody compared the safety code with
// them and asks (anyone can publish a card in a cell under any name).
// doing is the yes button's label ("Vouch for them anyway").
func (u *ui) confirmUnverified(id identity.ID, doing string, then func()) {
	c, err := u.svc.FindContact(id.String())
	if err != nil {
		u.showError(err)
		return
	}
	if c.Verified == core.InPerson {
		then()
		return
	}
	msg := wrapped(verifiedWords(c.Verified) + ". " + verifiedHelp(c.Verified) +
		" If this card is not the person you think, they get what you give them.")
	u.ask(c.Name()+" is not verified in person", msg, doing, then)
}

// tell shows a short message with an OK button.
func (u *ui) tell(title, message string) {
	l := widget.NewLabel(message)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(title, "OK", u.scrollInDialog(l), u.win)
	d.Resize(fyne.NewSize(460, 0))
	u.showDialog(d)
}
