// Package app is the trustdesk desktop app, written with the Fyne toolkit.
//
// It is the only package besides [trustdesk/assets] that imports Fyne. It
// holds no trust logic of its own: every screen calls the same core service
// ([trustdesk/core]) that the command line uses, and every error is shown
// as the one plain sentence [core.Explain] gives for it, with the window's
// own hints ([trustdesk/internal/words]).
//
// # Starting the app
//
// [Run] creates the Fyne application with the identifier [ID] (the same one
// FyneApp.toml declares), opens the main window and blocks until the person
// closes it. [newUI] builds that window for a given application without
// showing it, which is how the tests drive it headless with
// fyne.io/fyne/v2/test.
//
// # Screens
//
// On a new device the window offers to make a card (a name, and a
// passphrase typed twice) or to restore a backup. Later it asks for the
// passphrase, unless [Options.Passphrase] already holds it. Once unlocked,
// a row of tabs leads to:
//
//   - People: everyone this device knows, with a small reputation badge
//     (safety and reliability bars, how much is known, warnings), how their
//     card was verified, a search box and sorting; people are added from
//     pasted card text or a picture of their code. A person opens the
//     Person view: their card, the safety code to compare, their reputation
//     with the ratings behind it (who rated, in which cell, when, how much
//     it counts), whom they vouched for, and the actions rate, mark as
//     verified in person, rename, block and remove. Rating asks for safety
//     and reliability from 1 to 5 in words, tags, a note, the day and the
//     cells that will see it.
//   - Meet in person: my card as a large QR code, scanning theirs with the
//     camera or from a picture, comparing the safety code, and marking them
//     as verified in person.
//   - Cells and Sync: the groups and the files that carry them from person
//     to person.
//   - You: my card, backup, change of passphrase, lock and wipe.
//
// # Tests
//
// The tests are in package app: every widget a test needs is a field of
// [ui] or of a screen ([startScreen], [peopleScreen], [personView],
// [rateForm], [meetScreen], [youScreen]), and questions the app asks are
// answered through [ui.yes] and [ui.no]. Nothing is exported for them: the
// package exports only [Run], [Options], [ErrNoDisplay], [ID] and [Title].
//
// # Threads
//
// Fyne widgets may only be touched from the UI goroutine. Slow work
// (unlocking, importing, scanning) runs in [ui.runBusy], which shows a
// progress note, does the work on its own goroutine and hands the result
// back with [fyne.Do]; FyneApp.toml sets fyneDo = true so Fyne checks
// this. Camera scans run the one scan loop of [trustdesk/export/qr]
// through a [cameraScan], which hands each picture and the result to the
// UI goroutine the same way.
package app

import (
	"errors"
	"os"
	"runtime"

	// Before the toolkit reads the locale, in the program and in this
	// package's tests alike: the toolkit cannot parse LANG=C.
	_ "a.trustdesk.internal/cleanlocale"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"trustdesk/assets"
	"trustdesk/core"
)

// ID is the application identifier in reverse-domain form. It names the
// app to the desktop (preferences, the .desktop file) and must match the
// ID in FyneApp.toml.
const ID = "org.trustdesk.app"

// Title is the window title.
const Title = "trustdesk"

// Options configures the desktop app.
type Options struct {
	// Home is the folder where this device keeps trustdesk's information,
	// already resolved by the caller (--home, TRUSTDESK_HOME or the
	// system's data folder).
	Home string
	// Passphrase, when not empty, unlocks the home at once without asking;
	// the command line fills it from TRUSTDESK_PASSPHRASE. If it is wrong,
	// the unlock screen says so and asks.
	Passphrase []byte
	// Core tunes the service; the zero value is right for real use. Tests
	// set a small WorkFactor so that sealing is fast.
	Core core.Options
}

// ErrNoDisplay means there is no graphical screen to open the window on,
// as when trustdesk runs in a plain terminal or over a remote shell.
var ErrNoDisplay = errors.New("no screen to open the window on")

// Run starts the desktop app and blocks until its window is closed. The
// window opens at the size it was last closed at, made smaller if the
// screen's work area is smaller. On
// Linux and the BSDs it first checks that there is a screen to draw on
// (DISPLAY or WAYLAND_DISPLAY is set) and returns [ErrNoDisplay] if not,
// so the command line can say so in one plain sentence.
func Run(opts Options) error {
	if needsDisplay(runtime.GOOS) && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return ErrNoDisplay
	}
	a := fyneapp.NewWithID(ID)
	a.SetIcon(assets.Icon)
	u := newUI(a, opts)
	// The window opens at the size the person left it at, but never larger
	// than the screen: on a small laptop a window taller than the screen
	// hides its title and its last rows.
	u.win.Resize(openingSize(chosenWindowSize(a.Preferences()), screenRoom(a)))
	u.win.CenterOnScreen()
	u.win.ShowAndRun()
	return nil
}

// needsDisplay reports whether windows on goos are drawn through an X11 or
// Wayland display named in the environment.
func needsDisplay(goos string) bool {
	switch goos {
	case "darwin", "windows", "ios", "android", "js", "wasip1":
		return false
	}
	return true
}

// appIcon returns the trustdesk icon.
func appIcon() fyne.Resource { return assets.Icon }
