package app

import (
	"context"
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
)

// The smallest windows every screen must hold: a 1024×600 laptop screen
// less a panel, and a 1366×768 screen less a panel with large text
// (FYNE_SCALE=1.5), in Fyne units.
var (
	smallScreen     = fyne.NewSize(1024, 576)
	largeTextScreen = fyne.NewSize(910, 485)
)

// box is a rectangle in window coordinates.
type box struct{ x0, y0, x1, y1 float32 }

// overlap returns how far a and b overlap across and down.
func (a box) overlap(b box) (w, h float32) {
	return min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0)
}

// inside reports whether a lies within b, give or take half a pixel.
func (a box) inside(b box) bool {
	const slack = 0.5
	return a.x0 >= b.x0-slack && a.y0 >= b.y0-slack && a.x1 <= b.x1+slack && a.y1 <= b.y1+slack
}

// drawnText is a piece of text on screen with the room it takes.
type drawnText struct {
	text string
	at   box
}

// drawnButton is a button on screen with the room it may be seen in.
type drawnButton struct {
	label    string
	at, clip box
}

// layoutCheck walks what a window draws and collects its text and buttons.
type layoutCheck struct {
	texts   []drawnText
	buttons []drawnButton
}

// walk visits o at pos (window coordinates) with clip, the part of the
// window its parents let it be seen in; content in a vertical scroll may
// be scrolled to from anywhere above or below.
func (c *layoutCheck) walk(o fyne.CanvasObject, pos fyne.Position, clip box) {
	if o == nil || !o.Visible() {
		return
	}
	at := pos.Add(o.Position())
	size := o.Size()
	switch o := o.(type) {
	case *canvas.Text:
		if o.Text == "" {
			return
		}
		// Text wider than its object spills over whatever lies beside it.
		w := max(size.Width, o.MinSize().Width)
		x := at.X
		switch o.Alignment {
		case fyne.TextAlignCenter:
			x += (size.Width - w) / 2
		case fyne.TextAlignTrailing:
			x += size.Width - w
		}
		c.texts = append(c.texts, drawnText{o.Text, box{x, at.Y, x + w, at.Y + size.Height}})
		return
	case *widget.Button:
		label := o.Text
		if label == "" {
			label = "(icon button)"
		}
		c.buttons = append(c.buttons, drawnButton{label, box{at.X, at.Y, at.X + size.Width, at.Y + size.Height}, clip})
	case *container.Scroll:
		view := box{at.X, at.Y, at.X + size.Width, at.Y + size.Height}
		clip = box{max(clip.x0, view.x0), max(clip.y0, view.y0), min(clip.x1, view.x1), min(clip.y1, view.y1)}
		if o.Direction == container.ScrollVerticalOnly || o.Direction == container.ScrollBoth {
			clip.y0, clip.y1 = -1e9, 1e9
		}
		if o.Direction == container.ScrollHorizontalOnly || o.Direction == container.ScrollBoth {
			clip.x0, clip.x1 = -1e9, 1e9
		}
	}
	switch o := o.(type) {
	case *fyne.Container:
		for _, child := range o.Objects {
			c.walk(child, at, clip)
		}
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(o).Objects() {
			c.walk(child, at, clip)
		}
	}
}

// checkLayout lays the window out at size and reports every pair of texts
// drawn over each other and every button that cannot be seen whole.
func checkLayout(t *testing.T, w fyne.Window, size fyne.Size) {
	t.Helper()
	w.Resize(size)
	cv := w.Canvas()
	if got := cv.Size(); got.Width > size.Width || got.Height > size.Height {
		t.Errorf("the window needs %v, more than %v", got, size)
	}
	// The real window never gets smaller than what its content needs.
	if m := cv.Content().MinSize(); m.Width > size.Width || m.Height > size.Height {
		t.Errorf("the screen needs at least %v, more than the %v window", m, size)
	}
	c := &layoutCheck{}
	win := box{0, 0, size.Width, size.Height}
	c.walk(cv.Content(), fyne.Position{}, win)
	for _, o := range cv.Overlays().List() {
		c.walk(o, fyne.Position{}, win)
	}
	for i, a := range c.texts {
		for _, b := range c.texts[i+1:] {
			// Lines set close together touch a little; text drawn over
			// other text overlaps across and over most of its height.
			ow, oh := a.at.overlap(b.at)
			if ow > 1 && oh > 0.5*min(a.at.y1-a.at.y0, b.at.y1-b.at.y0) {
				t.Errorf("%q and %q are drawn over each other at (%.0f, %.0f)", a.text, b.text, max(a.at.x0, b.at.x0), max(a.at.y0, b.at.y0))
			}
		}
	}
	for _, b := range c.buttons {
		if !b.at.inside(b.clip) || !b.at.inside(win) && b.clip.y0 > win.y0 {
			t.Errorf("the button %q at (%.0f, %.0f)–(%.0f, %.0f) lies outside the %v window", b.label, b.at.x0, b.at.y0, b.at.x1, b.at.y1, size)
		}
	}
	if t.Failed() {
		t.Logf("%d texts and %d buttons checked", len(c.texts), len(c.buttons))
	}
}

// demoUI opens the app on a new demo world.
func demoUI(t *testing.T) *UI {
	t.Helper()
	home := t.TempDir()
	if _, err := core.BuildDemo(context.Background(), home, []byte(core.DemoPassphrase), testCore); err != nil {
		t.Fatal(err)
	}
	return startUI(t, home, core.DemoPassphrase)
}

// TestScreensHoldSmallWindow lays out every main screen on the demo world
// in a 1024×576 window, and in the window a 1366×768 screen leaves with
// large text, and fails when two pieces of text are drawn over each other
// or a button lies outside the window.
func TestScreensHoldSmallWindow(t *testing.T) {
	u := demoUI(t)
	if u.Tabs == nil {
		t.Fatal("the demo home did not unlock")
	}
	for _, size := range []fyne.Size{smallScreen, largeTextScreen} {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			for i, it := range u.Tabs.Items {
				t.Run(it.Text, func(t *testing.T) {
					u.Tabs.SelectIndex(i)
					checkLayout(t, u.Win, size)
				})
			}
			for _, row := range u.People.all {
				t.Run("Person "+row.Contact.Name(), func(t *testing.T) {
					u.ShowPerson(row.Contact.ID())
					defer u.closePages()
					checkLayout(t, u.Win, size)
				})
			}
		})
	}
}
