// Package app is the trustdesk desktop app, written with the Fyne toolkit.
//
// It is the only package besides [trustdesk/assets] that imports Fyne. It
// holds no trust logic of its own: every screen calls the same core service
// that the command line uses.
//
// # Starting the app
//
// [Run] creates the Fyne application with the identifier [ID] (the same one
// FyneApp.toml declares), opens the main window and blocks until the person
// closes it. [NewWindow] builds that window for a given application without
// showing it, which is how the tests drive it headless with
// fyne.io/fyne/v2/test.
//
// # What the window shows today
//
// A welcome screen: what trustdesk is for, in two plain sentences, where
// this device keeps its information, and an honest note that setting up a
// card and contacts is done with the command line ("trustdesk help") until
// the full desktop app arrives.
//
// # Threads
//
// Fyne widgets may only be touched from the UI goroutine. Work that runs
// elsewhere hands its results back with [fyne.Do]; FyneApp.toml sets
// fyneDo = true so Fyne checks this.
package app

import (
	"errors"
	"os"
	"runtime"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/assets"
)

// ID is the application identifier in reverse-domain form. It names the
// app to the desktop (preferences, the .desktop file) and must match the
// ID in FyneApp.toml.
const ID = "org.trustdesk.app"

// Title is the window title.
const Title = "trustdesk"

// HelpCommand is the command line the welcome screen points people to.
const HelpCommand = "trustdesk help"

// Options configures the desktop app.
type Options struct {
	// Home is the folder where this device keeps trustdesk's information,
	// already resolved by the caller (--home, TRUSTDESK_HOME or the
	// system's data folder). The window shows it so people know where
	// their information lives.
	Home string
}

// Window is the main trustdesk window together with the widgets on it,
// kept in fields so tests can read and drive them.
type Window struct {
	// Window is the underlying Fyne window.
	fyne.Window

	// Heading greets the person.
	Heading *widget.Label
	// About says in plain words what trustdesk is for.
	About *widget.Label
	// Setup explains how to get started today.
	Setup *widget.Label
	// Command shows the command to type; its text can be selected.
	Command *widget.Label
	// CopyCommand copies [HelpCommand] to the clipboard.
	CopyCommand *widget.Button
	// Folder says where this device keeps its information; it is hidden
	// when no folder was given.
	Folder *widget.Label
}

// ErrNoDisplay means there is no graphical screen to open the window on,
// as when trustdesk runs in a plain terminal or over a remote shell.
var ErrNoDisplay = errors.New("no screen to open the window on")

// Run starts the desktop app and blocks until its window is closed. On
// Linux and the BSDs it first checks that there is a screen to draw on
// (DISPLAY or WAYLAND_DISPLAY is set) and returns [ErrNoDisplay] if not,
// so the command line can say so in one plain sentence.
func Run(opts Options) error {
	if needsDisplay(runtime.GOOS) && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return ErrNoDisplay
	}
	w := NewWindow(fyneapp.NewWithID(ID), opts)
	w.ShowAndRun()
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

// NewWindow builds the main window for a without showing it. It also
// gives a the trustdesk icon.
func NewWindow(a fyne.App, opts Options) *Window {
	a.SetIcon(assets.Icon)
	w := &Window{Window: a.NewWindow(Title)}
	w.SetIcon(assets.Icon)

	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(112, 112))

	w.Heading = widget.NewLabelWithStyle("Welcome to trustdesk", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	w.Heading.SizeName = theme.SizeNameHeadingText

	w.About = wrapped("trustdesk helps a small group of people know whom they can count on. " +
		"You meet face to face, swap cards, and keep your own private record of who " +
		"turned out to be safe and reliable. It needs no server and no internet: " +
		"nothing leaves this computer unless you carry it.")

	w.Setup = wrapped("The full desktop app is still being built. For now, you make your card, " +
		"add people and do everything else from the command line. Open a terminal and type:")

	w.Command = widget.NewLabelWithStyle(HelpCommand, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	w.Command.Selectable = true

	w.CopyCommand = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), nil)
	w.CopyCommand.OnTapped = func() {
		a.Clipboard().SetContent(HelpCommand)
		w.CopyCommand.SetText("Copied")
		w.CopyCommand.SetIcon(theme.ConfirmIcon())
	}

	w.Folder = wrapped("")
	w.Folder.TextStyle = fyne.TextStyle{Italic: true}
	if opts.Home == "" {
		w.Folder.Hide()
	} else {
		w.Folder.SetText("This computer keeps your trustdesk information in " + opts.Home)
	}

	command := container.NewHBox(w.Command, w.CopyCommand)
	body := container.NewVBox(
		container.NewCenter(icon),
		w.Heading,
		w.About,
		widget.NewSeparator(),
		w.Setup,
		command,
		w.Folder,
	)
	w.SetContent(container.New(column{maxWidth: 560},
		container.NewVBox(layout.NewSpacer(), body, layout.NewSpacer())))
	w.Resize(fyne.NewSize(720, 600))
	w.CenterOnScreen()
	return w
}

// wrapped returns a label that wraps its text at word boundaries.
func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// column lays out its objects one over the other in a centred column at
// most maxWidth wide, so lines of text stay short enough to read in a wide
// window.
type column struct{ maxWidth float32 }

// Layout gives every object the column's width and the full height.
func (c column) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding() * 2
	width := min(size.Width-2*pad, c.maxWidth)
	for _, o := range objects {
		o.Resize(fyne.NewSize(width, size.Height))
		o.Move(fyne.NewPos((size.Width-width)/2, 0))
	}
}

// MinSize is the largest minimum size of the objects plus the margins.
func (c column) MinSize(objects []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding() * 2
	var s fyne.Size
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s.AddWidthHeight(2*pad, 0)
}
