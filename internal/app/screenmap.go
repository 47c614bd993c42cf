//go:build screenmap

package app

// The screen map: with the build tag screenmap (used only by "make
// screenshots"), and TRUSTDESK_SCREEN_MAP naming a file, the app writes
// there, a few times a second, every piece of text it draws and where:
// one line per text, "layer<TAB>x<TAB>y<TAB>text", with x and y the
// middle of the text in window pixels and layer 0 for the window's
// content, 1 and up for the dialogs and menus over it (the highest is on
// top). scripts/screenshots.sh clicks on what it finds there, so the walk
// follows the screens when their layout changes.
//
// It writes what is on screen (names, cells) in plain text, so it is
// never built into the app people use.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "unsafe" // for go:linkname

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
)

// Fyne keeps the renderers of the widgets it drew in an internal cache;
// these reach it to walk what is on screen without drawing anything anew.
//
//go:linkname cachedRenderer fyne.io/fyne/v2/internal/cache.Renderer
func cachedRenderer(fyne.Widget) fyne.WidgetRenderer

//go:linkname isRendered fyne.io/fyne/v2/internal/cache.IsRendered
func isRendered(fyne.Widget) bool

func init() { startScreenMap = runScreenMap }

// runScreenMap writes the screen map of u's window to the file named by
// TRUSTDESK_SCREEN_MAP whenever it changes, until the app exits.
func runScreenMap(u *ui) {
	path := os.Getenv("TRUSTDESK_SCREEN_MAP")
	if path == "" {
		return
	}
	go func() {
		last := ""
		for range time.Tick(150 * time.Millisecond) {
			var text string
			fyne.DoAndWait(func() { text = screenMap(u.win.Canvas()) })
			if text == last {
				continue
			}
			tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".new")
			if os.WriteFile(tmp, []byte(text), 0o600) == nil && os.Rename(tmp, path) == nil {
				last = text
			}
		}
	}()
}

// screenMap lists every text drawn on c whose middle is in view.
func screenMap(c fyne.Canvas) string {
	var b strings.Builder
	scale := c.Scale()
	layers := append([]fyne.CanvasObject{c.Content()}, c.Overlays().List()...)
	for layer, root := range layers {
		var walk func(o fyne.CanvasObject, parent, clipPos fyne.Position, clipSize fyne.Size)
		walk = func(o fyne.CanvasObject, parent, clipPos fyne.Position, clipSize fyne.Size) {
			if o == nil || !o.Visible() {
				return
			}
			pos := parent.Add(o.Position())
			size := o.Size()
			var children []fyne.CanvasObject
			switch x := o.(type) {
			case *canvas.Text:
				mid := pos.AddXY(size.Width/2, size.Height/2)
				if strings.TrimSpace(x.Text) != "" && inside(mid, clipPos, clipSize) {
					fmt.Fprintf(&b, "%d\t%d\t%d\t%s\n", layer, int(mid.X*scale), int(mid.Y*scale), x.Text)
				}
				return
			case *container.Scroll:
				clipPos, clipSize = intersect(clipPos, clipSize, pos, size)
			}
			switch x := o.(type) {
			case *fyne.Container:
				children = x.Objects
			case fyne.Widget:
				if isRendered(x) {
					children = cachedRenderer(x).Objects()
				}
			}
			for _, ch := range children {
				walk(ch, pos, clipPos, clipSize)
			}
		}
		walk(root, fyne.Position{}, fyne.Position{}, c.Size())
	}
	return b.String()
}

// inside reports whether p lies in the rectangle at pos of size.
func inside(p, pos fyne.Position, size fyne.Size) bool {
	return p.X >= pos.X && p.Y >= pos.Y && p.X < pos.X+size.Width && p.Y < pos.Y+size.Height
}

// intersect returns the part that two rectangles share.
func intersect(p1 fyne.Position, s1 fyne.Size, p2 fyne.Position, s2 fyne.Size) (fyne.Position, fyne.Size) {
	x0, y0 := max(p1.X, p2.X), max(p1.Y, p2.Y)
	x1, y1 := min(p1.X+s1.Width, p2.X+s2.Width), min(p1.Y+s1.Height, p2.Y+s2.Height)
	return fyne.NewPos(x0, y0), fyne.NewSize(max(0, x1-x0), max(0, y1-y0))
}
