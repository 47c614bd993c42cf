package app

import (
	"math"

	"fyne.io/fyne/v2"
)

// The window's size is remembered in the app's preferences under these
// names, in Fyne units. A size says nothing about the person.
const (
	prefWindowWidth  = "window.width"
	prefWindowHeight = "window.height"
)

// defaultWindowSize is the size the window first opens at on a screen
// large enough for it.
var defaultWindowSize = fyne.NewSize(1040, 720)

// smallestWindow is the smallest size the window is remembered at: a
// window dragged smaller by mistake opens at a usable size the next time.
var smallestWindow = fyne.NewSize(640, 400)

// windowFrame is the room a window manager's title bar and borders may
// take around the window, in Fyne units.
var windowFrame = fyne.NewSize(16, 40)

// chosenWindowSize returns the size the person last left the window at,
// or the default size.
func chosenWindowSize(p fyne.Preferences) fyne.Size {
	w := float32(p.FloatWithFallback(prefWindowWidth, 0))
	h := float32(p.FloatWithFallback(prefWindowHeight, 0))
	if !(w >= smallestWindow.Width && h >= smallestWindow.Height) || math.IsInf(float64(w), 0) || math.IsInf(float64(h), 0) {
		return defaultWindowSize
	}
	return fyne.NewSize(w, h)
}

// rememberWindowSize keeps size as the one the window opens at next time.
func rememberWindowSize(p fyne.Preferences, size fyne.Size) {
	if size.Width < smallestWindow.Width || size.Height < smallestWindow.Height {
		return
	}
	p.SetFloat(prefWindowWidth, float64(size.Width))
	p.SetFloat(prefWindowHeight, float64(size.Height))
}

// openingSize returns chosen made small enough that the window and its
// frame fit in room, the screen's work area in Fyne units. An unknown room
// (zero) leaves chosen as it is.
func openingSize(chosen, room fyne.Size) fyne.Size {
	if room.Width <= 0 || room.Height <= 0 {
		return chosen
	}
	return fyne.NewSize(
		float32(math.Floor(float64(min(chosen.Width, room.Width-windowFrame.Width)))),
		float32(math.Floor(float64(min(chosen.Height, room.Height-windowFrame.Height)))))
}
