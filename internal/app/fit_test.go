package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestPriorityRowGivesWayInOrder narrows a row step by step and checks
// that nothing overlaps or leaves the row, that the words go in their
// order, both words of one rank together, and that texts are cut short
// only once everything droppable is gone.
func TestPriorityRowGivesWayInOrder(t *testing.T) {
	test.NewTempApp(t)
	name, how := newClipLabel("Marko 77 (Marko)"), newClipLabel("Blocked · Introduced through a cell")
	known := widget.NewLabel("some evidence")
	safety, reliability := widget.NewLabel("Safety"), widget.NewLabel("Reliability")
	bar1, bar2 := newMeter(), newMeter()
	objects := []fyne.CanvasObject{name, how, known, safety, bar1, reliability, bar2}
	row := container.New(&priorityRow{
		items: []rowItem{{shrink: 1}, {shrink: 2}, {drop: 1}, {drop: 2}, {}, {drop: 2}, {}},
		right: 2,
	}, objects...)
	whole := row.Layout.(*priorityRow).wholeWidth(objects)
	least := row.MinSize().Width
	if least >= whole {
		t.Fatalf("the row needs %v at least and %v whole", least, whole)
	}
	for w := whole + 40; w >= least; w -= 7 {
		row.Resize(fyne.NewSize(w, 40))
		var x float32
		for i, o := range objects {
			if !o.Visible() {
				continue
			}
			if o.Position().X < x-0.01 || o.Position().X+o.Size().Width > w+0.01 {
				t.Errorf("width %.0f: object %d at %.1f–%.1f overlaps the one before (ends %.1f) or leaves the row",
					w, i, o.Position().X, o.Position().X+o.Size().Width, x)
			}
			x = o.Position().X + o.Size().Width
		}
		if safety.Visible() != reliability.Visible() {
			t.Errorf("width %.0f: one word beside the bars without the other", w)
		}
		if w < whole-0.01 && known.Visible() && safety.Visible() {
			t.Errorf("width %.0f: narrower than the whole row, yet every word is shown", w)
		}
		if !known.Visible() && safety.Visible() {
			t.Errorf("width %.0f: how much is known went before the words beside the bars", w)
		}
		if (name.Clipped() || how.Clipped()) && known.Visible() {
			t.Errorf("width %.0f: a name cut short while %q is still shown", w, known.Text)
		}
	}
	row.Resize(fyne.NewSize(whole, 40))
	if name.Clipped() || how.Clipped() || !known.Visible() || !safety.Visible() {
		t.Error("at its whole width the row leaves something out")
	}
}
