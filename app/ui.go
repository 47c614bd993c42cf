package app

import (
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

// UI is the whole desktop app: its window, the unlocked home and the
// screens on it. Every field is exported so tests can drive the app
// headless through fyne.io/fyne/v2/test.
type UI struct {
	// App is the Fyne application the window belongs to.
	App fyne.App
	// Win is the main window.
	Win fyne.Window
	// Opts are the options the app was started with.
	Opts Options
	// Svc is the unlocked home, nil until the person unlocks it.
	Svc *core.Service
	// Tabs switches between the main screens: People, Meet in person,
	// Cells, Sync and You. It is nil until the home is unlocked.
	Tabs *container.AppTabs

	// Start is the screen shown before unlocking: making a card,
	// restoring a backup, or typing the passphrase.
	Start *StartScreen

	// People lists everyone this device knows.
	People *PeopleScreen
	// Meet exchanges cards face to face.
	Meet *MeetScreen
	// You shows the person's own card and the home's safety actions.
	You *YouScreen
	// Cells lists the cells and their members.
	Cells *CellsScreen
	// Sync makes and receives sync files.
	Sync *SyncScreen

	// Person is the open Person view, nil when none is open.
	Person *PersonView
	// Rate is the open rating form, nil when none is open.
	Rate *RateForm

	// Dialog is the last dialog the app showed (an error, a question or
	// a progress note), for tests to read and answer.
	Dialog dialog.Dialog
	// LastError is the sentence the last error dialog showed.
	LastError string
	// Legend is the content of the last legend of the bars shown
	// ([UI.ShowLegend]), for tests to read.
	Legend *fyne.Container
	// Yes and No are the buttons of the last question the app asked
	// (confirm a block, type a new name, …), for tests to tap.
	Yes, No *widget.Button

	pages []page
	busy  sync.WaitGroup
	shown fyne.CanvasObject
	tips  *tipLayer

	repMu sync.Mutex
	rep   *reputation.Result
}

// startScreenMap, set only in builds with the tag screenmap
// (screenmap.go), writes where every text is on screen for the screenshot
// walk.
var startScreenMap func(u *UI)

// New builds the app's window for a without showing it. The window first
// shows the way in: making a card on a new device, or the unlock screen
// when this device already holds a card. When opts.Passphrase is set it
// tries to unlock with it at once.
func New(a fyne.App, opts Options) *UI {
	u := &UI{App: a, Opts: opts}
	a.Settings().SetTheme(calmTheme{})
	u.Win = a.NewWindow(Title)
	u.Win.SetIcon(appIcon())
	u.Win.Resize(defaultWindowSize)
	u.Win.SetOnClosed(func() {
		rememberWindowSize(a.Preferences(), u.Win.Canvas().Size())
		tipLayers.Delete(u.Win.Canvas())
		if u.Meet != nil {
			u.Meet.StopScanning()
		}
		u.closeService()
	})
	// Escape closes the dialog on top when no field has the keyboard;
	// fields in dialogs do the same ([dialogEntry]).
	u.Win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			u.closeDialog()
		}
	})
	u.showStart()
	if startScreenMap != nil {
		startScreenMap(u)
	}
	if len(opts.Passphrase) > 0 && core.HasIdentity(opts.Home) {
		u.Start.unlockWith(opts.Passphrase)
	}
	return u
}

// ShowError shows err in a dialog as one plain sentence that says what
// to do ([core.Explain], with the app's own words for a few errors).
func (u *UI) ShowError(err error) {
	if err == nil {
		return
	}
	u.LastError = explain(err)
	// A plain message: Fyne's information dialog draws a large faint
	// icon that overlaps the text.
	u.tell("That did not work", u.LastError)
}

// showDialog remembers d as the current dialog and shows it.
func (u *UI) showDialog(d dialog.Dialog) {
	u.Dialog = d
	d.Show()
}

// Busy shows a note saying what is happening, runs work on its own
// goroutine and, when it succeeds, calls done on the UI goroutine. If work
// fails, the note closes and the error is shown instead. done may be nil.
func (u *UI) Busy(what string, work func() error, done func()) {
	u.busyThen(what, work, func(err error) {
		if err != nil {
			u.ShowError(err)
			return
		}
		if done != nil {
			done()
		}
	})
}

// busyThen is [UI.Busy] that hands the outcome, error or not, to done on
// the UI goroutine.
func (u *UI) busyThen(what string, work func() error, done func(error)) {
	bar := widget.NewProgressBarInfinite()
	note := widget.NewLabel(what)
	note.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomWithoutButtons("Please wait", container.NewVBox(note, bar), u.Win)
	d.Resize(fyne.NewSize(380, 0))
	u.showDialog(d)
	u.busy.Add(1)
	go func() {
		defer u.busy.Done()
		err := work()
		fyne.DoAndWait(func() {
			bar.Stop()
			d.Hide()
			done(err)
		})
	}()
}

// Wait blocks until every piece of work started with [UI.Busy] has
// finished and its result is on screen. Tests call it.
func (u *UI) Wait() { u.busy.Wait() }

// Changed tells every screen that the data changed, so each shows it
// afresh. It also forgets the cached reputation.
func (u *UI) Changed() {
	u.repMu.Lock()
	u.rep = nil
	u.repMu.Unlock()
	if u.Svc == nil {
		return
	}
	if u.People != nil {
		u.People.Refresh()
	}
	if u.Meet != nil {
		u.Meet.Refresh()
	}
	if u.You != nil {
		u.You.Refresh()
	}
	if u.Cells != nil {
		u.Cells.Refresh()
	}
	if u.Sync != nil {
		u.Sync.Refresh()
	}
	if u.Person != nil {
		u.Person.Refresh()
	}
}

// Reputation returns everyone's reputation as this device sees it. It is
// computed once and kept until the next [UI.Changed].
func (u *UI) Reputation() (*reputation.Result, error) {
	u.repMu.Lock()
	defer u.repMu.Unlock()
	if u.rep != nil {
		return u.rep, nil
	}
	if u.Svc == nil {
		return nil, core.ErrNoIdentity
	}
	r, err := u.Svc.Reputation()
	if err != nil {
		return nil, err
	}
	u.rep = r
	return r, nil
}

// ShowPerson opens the Person view for the contact with id, in place of
// any page open before.
func (u *UI) ShowPerson(id identity.ID) {
	if u.Svc == nil {
		return
	}
	p, err := newPersonView(u, id)
	if err != nil {
		u.ShowError(err)
		return
	}
	u.closePages()
	u.Person = p
	u.showPage(u.withMenu(p.Content()), func() { u.Person = nil })
}

// ShowRate opens the rating form for the person with id, with cells
// ticked; with no cells, every cell both people are members of is ticked.
func (u *UI) ShowRate(id identity.ID, cells []crdt.CellID) {
	if u.Svc == nil {
		return
	}
	f, err := newRateForm(u, id, cells)
	if err != nil {
		u.ShowError(err)
		return
	}
	u.Rate = f
	u.showPage(u.withMenu(f.Content()), func() { u.Rate = nil })
}

// page is one view laid over the tabs (a person, a rating form), with
// what to do when it closes.
type page struct {
	content fyne.CanvasObject
	closed  func()
}

// showPage lays content over the tabs with a Back button that returns to
// what was there before.
func (u *UI) showPage(content fyne.CanvasObject, closed func()) {
	back := widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), u.Back)
	back.Importance = widget.LowImportance
	framed := container.NewBorder(container.NewHBox(back), nil, nil, nil, content)
	u.pages = append(u.pages, page{content: framed, closed: closed})
	u.setContent(framed)
}

// withMenu puts the list of main screens beside content, as the tabs
// show it, so a page laid over the tabs (a person, a rating form) keeps
// the way to every screen in view. Choosing one closes the pages.
func (u *UI) withMenu(content fyne.CanvasObject) fyne.CanvasObject {
	if u.Tabs == nil {
		return content
	}
	menu := container.NewVBox()
	for i, it := range u.Tabs.Items {
		b := widget.NewButtonWithIcon(it.Text, it.Icon, func() {
			u.closePages()
			u.Tabs.SelectIndex(i)
		})
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		menu.Add(b)
	}
	return container.NewBorder(nil, nil, container.NewHBox(menu, widget.NewSeparator()), nil, content)
}

// Back closes the page on top (a person, a rating form) and shows the one
// beneath it, or the tabs.
func (u *UI) Back() {
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
	u.setContent(u.Tabs)
}

// closePages closes every page laid over the tabs.
func (u *UI) closePages() {
	for len(u.pages) > 0 {
		top := u.pages[len(u.pages)-1]
		u.pages = u.pages[:len(u.pages)-1]
		if top.closed != nil {
			top.closed()
		}
	}
	if u.Tabs != nil {
		u.setContent(u.Tabs)
	}
}

// setContent shows content in the window. Whatever has the keyboard focus
// loses it first: a text field that leaves the window with the old content
// would otherwise keep its cursor blinking unseen, and the window would be
// drawn again many times a second for nothing.
//
// The content is laid under the layer that shows the whole text of a
// label cut short ([clipLabel]); [UI.Shown] returns the content itself.
func (u *UI) setContent(content fyne.CanvasObject) {
	u.Win.Canvas().Unfocus()
	if u.tips == nil {
		u.tips = newTipLayer(u.Win.Canvas())
	}
	u.tips.bubble.Hide()
	u.shown = content
	u.Win.SetContent(container.NewStack(content, u.tips.layer))
}

// Shown returns what the window shows: the start screen, the tabs or the
// page laid over them.
func (u *UI) Shown() fyne.CanvasObject { return u.shown }

// showStart shows the way in: making a card or restoring a backup on a new
// device, the unlock screen otherwise.
func (u *UI) showStart() {
	u.Start = newStartScreen(u)
	u.setContent(u.Start.Content())
	if u.Start.FirstRun {
		u.Win.Canvas().Focus(u.Start.Name)
	} else {
		u.Win.Canvas().Focus(u.Start.Passphrase)
	}
}

// unlocked switches to the main tabs once svc is open.
func (u *UI) unlocked(svc *core.Service) {
	u.Svc = svc
	u.pages = nil
	u.repMu.Lock()
	u.rep = nil
	u.repMu.Unlock()
	u.People = newPeopleScreen(u)
	u.Meet = newMeetScreen(u)
	u.Cells = newCellsScreen(u)
	u.Sync = newSyncScreen(u)
	u.You = newYouScreen(u)
	u.Tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("People", theme.AccountIcon(), u.People.Content()),
		container.NewTabItemWithIcon("Meet in person", theme.ViewFullScreenIcon(), u.Meet.Content()),
		container.NewTabItemWithIcon("Cells", theme.GridIcon(), u.Cells.Content()),
		container.NewTabItemWithIcon("Sync", theme.ViewRefreshIcon(), u.Sync.Content()),
		container.NewTabItemWithIcon("You", theme.HomeIcon(), u.You.Content()),
	)
	u.Tabs.SetTabLocation(container.TabLocationLeading)
	u.Tabs.OnSelected = func(*container.TabItem) {
		if u.Meet != nil && u.Tabs.Selected().Content != u.Meet.Content() {
			u.Meet.StopScanning()
		}
	}
	u.Start = nil
	u.setContent(u.Tabs)
	// Opening a large home and building its screens leave much garbage
	// behind (tens of thousands of statements decoded, sorted, scored):
	// give it back to the system now, not at some later collection, so the
	// app stays small while it sits open.
	debug.FreeOSMemory()
}

// Lock closes the home and goes back to the unlock screen.
func (u *UI) Lock() {
	if u.Meet != nil {
		u.Meet.StopScanning()
	}
	u.closeService()
	u.Tabs = nil
	u.People, u.Meet, u.You, u.Cells, u.Sync = nil, nil, nil, nil, nil
	u.Person, u.Rate = nil, nil
	u.pages = nil
	u.showStart()
}

// closeService locks the home if it is open.
func (u *UI) closeService() {
	if u.Svc != nil {
		_ = u.Svc.Close()
		u.Svc = nil
	}
	u.repMu.Lock()
	u.rep = nil
	u.repMu.Unlock()
}

// ask shows a dialog with body and two buttons, [UI.Yes] labelled yes and
// [UI.No] labelled "Cancel". Tapping Yes closes it and calls then. A body
// taller than the window scrolls between the title and the buttons.
func (u *UI) ask(title string, body fyne.CanvasObject, yes string, then func()) {
	u.askWith(title, body, yes, "Cancel", then)
}

// askWith is [UI.ask] with no as the label of [UI.No].
func (u *UI) askWith(title string, body fyne.CanvasObject, yes, no string, then func()) {
	var d dialog.Dialog
	u.Yes = widget.NewButton(yes, func() {
		d.Hide()
		then()
	})
	u.Yes.Importance = widget.HighImportance
	u.No = widget.NewButton(no, func() { d.Hide() })
	buttons := container.NewHBox(layout.NewSpacer(), u.No, u.Yes)
	d = dialog.NewCustomWithoutButtons(title, container.NewBorder(nil, buttons, nil, nil, u.scrollInDialog(body)), u.Win)
	d.Resize(fyne.NewSize(520, 0))
	u.showDialog(d)
}

// confirmUnverified runs then at once for a contact verified in person;
// for any other it first says that nobody compared the safety code with
// them and asks (anyone can publish a card in a cell under any name).
// doing is the yes button's label ("Vouch for them anyway").
func (u *UI) confirmUnverified(id identity.ID, doing string, then func()) {
	c, err := u.Svc.FindContact(id.String())
	if err != nil {
		u.ShowError(err)
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
func (u *UI) tell(title, message string) {
	l := widget.NewLabel(message)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(title, "OK", u.scrollInDialog(l), u.Win)
	d.Resize(fyne.NewSize(460, 0))
	u.showDialog(d)
}
