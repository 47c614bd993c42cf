package app

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/internal/demo"
	"trustdesk/internal/testenv"
)

// The smallest windows every screen must hold: a 1024×600 laptop screen
// less a panel, an 800×600 window, and a 1366×768 screen less a panel
// with large text (FYNE_SCALE=1.5), in Fyne units.
var (
	smallScreen     = fyne.NewSize(1024, 576)
	narrowScreen    = fyne.NewSize(800, 600)
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
	// clipped are the texts of labels cut short with an ellipsis.
	clipped []string
}

// walk visits o at pos (window coordinates). view is the part of the
// window its parents let it be seen in now; reach is where it may be seen
// once scrolled to: content in a vertical scroll may come from anywhere
// above or below.
func (c *layoutCheck) walk(o fyne.CanvasObject, pos fyne.Position, view, reach box) {
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
		// Text a scroll hides is not drawn; the part it shows is.
		b := box{max(x, view.x0), max(at.Y, view.y0), min(x+w, view.x1), min(at.Y+size.Height, view.y1)}
		if b.x1-b.x0 > 1 && b.y1-b.y0 > 1 {
			c.texts = append(c.texts, drawnText{o.Text, b})
		}
		return
	case *widget.Button:
		label := o.Text
		if label == "" {
			label = "(icon button)"
		}
		c.buttons = append(c.buttons, drawnButton{label, box{at.X, at.Y, at.X + size.Width, at.Y + size.Height}, reach})
	case *container.Scroll:
		port := box{at.X, at.Y, at.X + size.Width, at.Y + size.Height}
		view = box{max(view.x0, port.x0), max(view.y0, port.y0), min(view.x1, port.x1), min(view.y1, port.y1)}
		reach = box{max(reach.x0, port.x0), max(reach.y0, port.y0), min(reach.x1, port.x1), min(reach.y1, port.y1)}
		if o.Direction == container.ScrollVerticalOnly || o.Direction == container.ScrollBoth {
			reach.y0, reach.y1 = -1e9, 1e9
		}
		if o.Direction == container.ScrollHorizontalOnly || o.Direction == container.ScrollBoth {
			reach.x0, reach.x1 = -1e9, 1e9
		}
	}
	if l, ok := o.(*clipLabel); ok && shownText(l) != l.Text {
		c.clipped = append(c.clipped, shownText(l))
	}
	switch o := o.(type) {
	case *fyne.Container:
		for _, child := range o.Objects {
			c.walk(child, at, view, reach)
		}
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(o).Objects() {
			c.walk(child, at, view, reach)
		}
	}
}

// shownText returns the text o draws.
func shownText(o fyne.CanvasObject) string {
	switch o := o.(type) {
	case *canvas.Text:
		return o.Text
	case fyne.Widget:
		var b strings.Builder
		for _, child := range test.WidgetRenderer(o).Objects() {
			b.WriteString(shownText(child))
		}
		return b.String()
	}
	return ""
}

// checkLayout lays the window out at size and reports every pair of texts
// drawn over each other and every button that cannot be seen whole. It
// returns the texts cut short with an ellipsis.
func checkLayout(t *testing.T, w fyne.Window, size fyne.Size) (clipped []string) {
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
	// A dialog covers what lies beneath it: only the one on top counts.
	if top := cv.Overlays().Top(); top != nil {
		c.walk(top, fyne.Position{}, win, win)
	} else {
		c.walk(cv.Content(), fyne.Position{}, win, win)
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
	if dir := os.Getenv("TRUSTDESK_LAYOUT_PNG"); dir != "" {
		savePicture(t, cv, filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+".png"))
	}
	return c.clipped
}

// savePicture writes what cv shows to a PNG file, for a person to look
// at (TRUSTDESK_LAYOUT_PNG=dir go test -run TestScreensHoldSmallWindow).
func savePicture(t *testing.T, cv fyne.Canvas, name string) {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, cv.Capture()); err != nil {
		t.Fatal(err)
	}
}

// demoUI opens the app on a new demo world.
func demoUI(t *testing.T) *ui {
	t.Helper()
	home := t.TempDir()
	if _, err := demo.Build(context.Background(), home, []byte(demo.Passphrase), testCore); err != nil {
		t.Fatal(err)
	}
	return startUI(t, home, demo.Passphrase)
}

// TestScreensHoldSmallWindow lays out every main screen on the demo world
// in a 1024×576 window, and in the window a 1366×768 screen leaves with
// large text, and fails when two pieces of text are drawn over each other
// or a button lies outside the window.
//
// It also opens the app's dialogs in those windows (a dialog taller than
// the window must scroll inside). Both share one demo world, the slow
// part of the test.
func TestScreensHoldSmallWindow(t *testing.T) {
	if testenv.Race {
		t.Skip("builds the demo world, which takes minutes under the race detector; make test runs it without -race (make layout)")
	}
	u := demoUI(t)
	if u.tabs == nil {
		t.Fatal("the demo home did not unlock")
	}
	t.Run("dialogs", func(t *testing.T) { checkDialogs(t, u) })
	for _, size := range []fyne.Size{smallScreen, narrowScreen, largeTextScreen} {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			for i, it := range u.tabs.Items {
				t.Run(it.Text, func(t *testing.T) {
					u.tabs.SelectIndex(i)
					clipped := checkLayout(t, u.win, size)
					// At 1024 units across, People has room for every
					// name and every way a card was checked.
					if it.Text == "People" && size == smallScreen && len(clipped) > 0 {
						t.Errorf("cut short with room to spare: %q", clipped)
					}
				})
			}
			t.Run("Meet in person, comparing", func(t *testing.T) {
				u.tabs.SelectIndex(1)
				u.meet.useCardText(newSomeone(t, "Zoe").Card().String())
				defer u.meet.reset()
				checkLayout(t, u.win, size)
			})
			for _, v := range u.cells.views {
				t.Run("Cell "+v.Name, func(t *testing.T) {
					for i, it := range u.tabs.Items {
						if it.Text == "Cells" {
							u.tabs.SelectIndex(i)
						}
					}
					u.cells.selectCell(v.ID)
					checkLayout(t, u.win, size)
				})
			}
			for _, row := range u.people.all {
				t.Run("Person "+row.contact.Name(), func(t *testing.T) {
					u.showPerson(row.contact.ID())
					defer u.closePages()
					checkLayout(t, u.win, size)
				})
			}
		})
	}
}

// checkDialogs opens the app's dialogs in the smallest windows and fails
// when their text is drawn over each other or a button lies outside the
// window.
func checkDialogs(t *testing.T, u *ui) {
	var kit *core.Contact
	for _, row := range u.people.all {
		if row.contact.Card.Pseudonym == "Kit" {
			kit = row.contact
		}
	}
	if kit == nil {
		t.Fatal("no Kit in the demo world")
	}
	dialogs := []struct {
		name string
		open func()
	}{
		{"paste a card", u.people.pasteCard},
		{"compare the safety code", func() { u.showPerson(kit.ID()); u.person.verify() }},
		{"block", func() { u.showPerson(kit.ID()); u.person.block() }},
		{"rename", func() { u.showPerson(kit.ID()); u.person.rename() }},
		{"new cell", u.cells.askNewCell},
		{"admit", u.cells.askAdmit},
		{"rules", u.cells.askPolicy},
		{"leave", u.cells.askLeave},
		{"paste a sync file", u.sync.askPaste},
		{"backup", u.you.askBackup},
		{"passphrase", u.you.askPassphrase},
		{"wipe", u.you.askWipe},
		{"same name", func() {
			u.tell("Same name, different card", strings.Repeat("You already have someone with this name. ", 30))
		}},
	}
	for _, size := range []fyne.Size{smallScreen, narrowScreen, largeTextScreen} {
		for _, d := range dialogs {
			t.Run(fmt.Sprintf("%.0fx%.0f/%s", size.Width, size.Height, d.name), func(t *testing.T) {
				u.win.Resize(size)
				d.open()
				defer func() {
					for _, o := range u.win.Canvas().Overlays().List() {
						u.win.Canvas().Overlays().Remove(o)
					}
					u.closePages()
				}()
				checkLayout(t, u.win, size)
			})
		}
	}
}
