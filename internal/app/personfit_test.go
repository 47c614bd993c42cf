package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// TestPersonShowsWhatPeopleSayWithoutScrolling: on a 1366×768 screen
// with large text (FYNE_SCALE=1.5, largeTextScreen) and on a 1280×720
// screen, a person's page shows the safety code and what people say of
// them, their bars included, without scrolling: the words about the code
// stand beside it.
func TestPersonShowsWhatPeopleSayWithoutScrolling(t *testing.T) {
	w := newCellWorld(t)
	sharedCell(t, w)
	u := w.u
	data := fileFrom(t, w.ann, w.mara.Card().ID(), w.bob.Card().ID())
	if _, err := w.mara.Import(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	u.changed()
	for _, size := range []fyne.Size{largeTextScreen, fyne.NewSize(1280, 680)} {
		u.win.Resize(size)
		u.showPerson(w.bob.Card().ID())
		p := u.person
		if p == nil || p.badge == nil {
			t.Fatal("Bob's page shows no score")
		}
		u.win.Content().Refresh()
		bars := barsOnPage(t, p)
		bottom := fyne.CurrentApp().Driver().AbsolutePositionForObject(bars).Y + bars.Size().Height
		if view := u.win.Canvas().Size().Height; bottom > view {
			t.Errorf("%.0fx%.0f: what people say of Bob ends %.0f units down, below the window (%.0f)", size.Width, size.Height, bottom, view)
		}
		u.closePages()
	}
}

// barsOnPage returns the row of bars under "What people say" on p.
func barsOnPage(t *testing.T, p *personView) fyne.CanvasObject {
	t.Helper()
	for i, o := range p.body.Objects {
		if l, ok := o.(*widget.Label); ok && l.Text == "What people say" && i+1 < len(p.body.Objects) {
			if box, ok := p.body.Objects[i+1].(*fyne.Container); ok && len(box.Objects) > 0 {
				return box.Objects[0]
			}
		}
	}
	t.Fatal("no bars under What people say")
	return nil
}
