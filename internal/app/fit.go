package app

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// This file keeps the screens whole in small windows: a row that gives up
// its least important parts before anything overlaps, a label that ends in
// an ellipsis and shows its whole text when the pointer rests on it, and
// the layer those whole texts are drawn on.

// rowItem says how a [priorityRow] treats one of its objects.
type rowItem struct {
	// drop ranks what the row leaves out when it is too narrow: 0 never,
	// otherwise the highest rank goes first, all objects of that rank
	// together. The row shows and hides these objects itself.
	drop int
	// shrink ranks what may get narrower than its whole text: 0 never,
	// otherwise the highest rank shrinks first. Only a [clipLabel] or a
	// truncating label should shrink.
	shrink int
}

// priorityRow lays objects out left to right, each as wide as it wants,
// the ones from index right onwards against the right edge. When the row
// is too narrow it first leaves out objects by their drop rank, then
// narrows the shrinking ones, so nothing is ever drawn over anything
// else.
type priorityRow struct {
	items []rowItem
	right int
	// center puts the objects before right in the middle of the room
	// left over, instead of against the left edge.
	center bool
	// fill gives the first object the room left over.
	fill bool
}

// item returns how the object at i is treated.
func (r *priorityRow) item(i int) rowItem {
	if i < len(r.items) {
		return r.items[i]
	}
	return rowItem{}
}

// naturalWidth is how wide o wants to be: a truncating label its whole
// text, anything else its minimum size.
func naturalWidth(o fyne.CanvasObject) float32 {
	switch l := o.(type) {
	case *clipLabel:
		return l.wholeWidth()
	case *widget.Label:
		if l.Truncation != fyne.TextTruncateOff {
			return labelWidth(l)
		}
	case *fyne.Container:
		if r, ok := l.Layout.(*priorityRow); ok {
			return r.wholeWidth(l.Objects)
		}
	}
	return o.MinSize().Width
}

// wholeWidth is how wide the row is with nothing left out or cut short.
func (r *priorityRow) wholeWidth(objects []fyne.CanvasObject) float32 {
	var w float32
	n := 0
	for i, o := range objects {
		if r.item(i).drop > 0 || o.Visible() {
			w += naturalWidth(o)
			n++
		}
	}
	return w + theme.Padding()*float32(max(n-1, 0))
}

// labelWidth is how wide l is with its whole text on one line.
func labelWidth(l *widget.Label) float32 {
	if l.Text == "" {
		return 0
	}
	size := theme.TextSize()
	if l.SizeName != "" {
		size = theme.Size(l.SizeName)
	}
	// One unit more: at exactly its text's width a label still cuts the
	// text short.
	return fyne.MeasureText(l.Text, size, l.TextStyle).Width + 2*theme.InnerPadding() + 1
}

// Layout places the objects in size.
func (r *priorityRow) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	shown := make([]bool, len(objects))
	widths := make([]float32, len(objects))
	need := func() float32 {
		var w float32
		n := 0
		for i, o := range objects {
			if shown[i] {
				w += widths[i]
				n++
			}
			_ = o
		}
		return w + pad*float32(max(n-1, 0))
	}
	for i, o := range objects {
		shown[i] = r.item(i).drop > 0 || o.Visible()
		widths[i] = naturalWidth(o)
	}
	// Leave out the least important objects until the rest fit.
	for need() > size.Width {
		worst := -1
		for i := range objects {
			if shown[i] && r.item(i).drop > 0 && (worst < 0 || r.item(i).drop > r.item(worst).drop) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		// Objects of one rank go together, such as the words beside
		// both bars.
		rank := r.item(worst).drop
		for i := range objects {
			if r.item(i).drop == rank {
				shown[i] = false
			}
		}
	}
	// Then narrow the texts that may end in an ellipsis.
	for rank := 9; rank > 0 && need() > size.Width; rank-- {
		for i, o := range objects {
			if shown[i] && r.item(i).shrink == rank {
				excess := need() - size.Width
				widths[i] = max(o.MinSize().Width, widths[i]-excess)
			}
		}
	}
	for i, o := range objects {
		if r.item(i).drop > 0 {
			if shown[i] {
				o.Show()
			} else {
				o.Hide()
			}
		}
	}
	place := func(i int, x float32) {
		o := objects[i]
		h := min(o.MinSize().Height, size.Height)
		if _, ok := o.(*fyne.Container); !ok && h >= size.Height-2*pad {
			h = size.Height
		}
		o.Resize(fyne.NewSize(widths[i], h))
		o.Move(fyne.NewPos(x, (size.Height-h)/2))
	}
	if r.fill && len(objects) > 0 {
		widths[0] += max(0, size.Width-need())
	}
	x := float32(0)
	if r.center {
		x = max(0, (size.Width-need())/2)
	}
	for i := 0; i < min(r.right, len(objects)); i++ {
		if shown[i] {
			place(i, x)
			x += widths[i] + pad
		}
	}
	x = size.Width
	for i := len(objects) - 1; i >= r.right; i-- {
		if shown[i] {
			x -= widths[i]
			place(i, x)
			x -= pad
		}
	}
}

// MinSize is what the row needs with every droppable object left out
// and every shrinking text at its shortest.
func (r *priorityRow) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	n := 0
	for i, o := range objects {
		m := o.MinSize()
		s.Height = max(s.Height, m.Height)
		if r.item(i).drop > 0 || !o.Visible() {
			continue
		}
		if r.item(i).shrink > 0 {
			s.Width += m.Width
		} else {
			s.Width += naturalWidth(o)
		}
		n++
	}
	s.Width += theme.Padding() * float32(max(n-1, 0))
	return s
}

// clipLabel is a one-line label that ends in an ellipsis when it is too
// narrow for its text, and then shows the whole text in a small note while
// the pointer rests on it.
type clipLabel struct {
	widget.Label
}

// newClipLabel returns a clipLabel showing text.
func newClipLabel(text string) *clipLabel {
	l := &clipLabel{}
	l.Text = text
	l.Truncation = fyne.TextTruncateEllipsis
	l.ExtendBaseWidget(l)
	return l
}

// wholeWidth is how wide the label is with its whole text.
func (l *clipLabel) wholeWidth() float32 { return labelWidth(&l.Label) }

// Clipped reports whether the label shows less than its whole text.
func (l *clipLabel) Clipped() bool { return l.wholeWidth() > l.Size().Width+0.5 }

// MouseIn shows the whole text if it is cut short.
func (l *clipLabel) MouseIn(*desktop.MouseEvent) {
	if l.Clipped() {
		showTip(l, l.Text)
	}
}

// MouseMoved does nothing: the note stays while the pointer is on the
// label.
func (l *clipLabel) MouseMoved(*desktop.MouseEvent) {}

// MouseOut hides the whole text.
func (l *clipLabel) MouseOut() { hideTip(l) }

// tipLayer draws the whole text of a clipped label above the window's
// content. It is part of the content, not an overlay, so the pointer and
// taps still reach what lies beneath it.
type tipLayer struct {
	layer  *fyne.Container
	bubble *fyne.Container
	text   *widget.Label
	owner  fyne.CanvasObject
}

// tipLayers finds the tip layer of a window's canvas.
var tipLayers sync.Map // fyne.Canvas → *tipLayer

// newTipLayer builds the (empty) tip layer of canvas c.
func newTipLayer(c fyne.Canvas) *tipLayer {
	t := &tipLayer{text: widget.NewLabel("")}
	t.text.Wrapping = fyne.TextWrapWord
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	bg.StrokeWidth = 1
	bg.CornerRadius = 4
	t.bubble = container.NewStack(bg, t.text)
	t.bubble.Hide()
	t.layer = container.NewWithoutLayout(t.bubble)
	tipLayers.Store(c, t)
	return t
}

// showTip shows text near o.
func showTip(o fyne.CanvasObject, text string) {
	d := fyne.CurrentApp().Driver()
	c := d.CanvasForObject(o)
	if c == nil {
		return
	}
	v, ok := tipLayers.Load(c)
	if !ok {
		return
	}
	t := v.(*tipLayer)
	room := c.Size()
	t.text.SetText(text)
	w := min(labelWidth(t.text), room.Width-4*theme.Padding(), 480)
	t.text.Resize(fyne.NewSize(w, 1))
	h := t.text.MinSize().Height
	at := d.AbsolutePositionForObject(o)
	x := min(max(at.X, 0), room.Width-w-theme.Padding())
	y := at.Y + o.Size().Height
	if y+h > room.Height {
		y = max(at.Y-h, 0)
	}
	t.owner = o
	t.bubble.Resize(fyne.NewSize(w, h))
	t.bubble.Move(fyne.NewPos(x, y))
	t.bubble.Show()
	t.layer.Refresh()
}

// hideTip hides the text shown for o, if any.
func hideTip(o fyne.CanvasObject) {
	c := fyne.CurrentApp().Driver().CanvasForObject(o)
	if c == nil {
		return
	}
	if v, ok := tipLayers.Load(c); ok {
		t := v.(*tipLayer)
		if t.owner == o {
			t.owner = nil
			t.bubble.Hide()
		}
	}
}

// dialogChrome is about the height a dialog's title, buttons and margins
// take from the window.
const dialogChrome = 150

// scrollInDialog returns content in a scroll that is as tall as content
// while the window has room for it, and scrolls inside when it has not,
// so a dialog never grows taller than the window.
func (u *ui) scrollInDialog(content fyne.CanvasObject) fyne.CanvasObject {
	room := func() float32 { return u.win.Canvas().Size().Height - dialogChrome }
	return container.New(cappedLayout{room: room}, container.NewVScroll(content))
}

// cappedLayout gives its one scroll the height of the scroll's content,
// but no more than room.
type cappedLayout struct{ room func() float32 }

// Layout fills size with the scroll.
func (l cappedLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// MinSize is the content's size, no taller than room (nor shorter than
// a few lines).
func (l cappedLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		m := o.MinSize()
		if sc, ok := o.(*container.Scroll); ok && sc.Content != nil {
			m = sc.Content.MinSize()
		}
		s = s.Max(m)
	}
	s.Height = min(s.Height, max(l.room(), 4*theme.TextSize()))
	return s
}

// sideBySide lays out two objects next to each other, the first as wide
// as it needs and the second in the room left, when the room holds both;
// in a narrower room it puts the second below the first, both as wide as
// the room. Like a wrapping label it needs only the width of the wider
// one, and its height follows the width it was last given.
type sideBySide struct {
	// stacked records whether the last layout put the two one over the
	// other.
	stacked bool
}

// fits reports whether the two objects fit next to each other in width.
func (l *sideBySide) fits(objects []fyne.CanvasObject, width float32) bool {
	return objects[0].MinSize().Width+theme.Padding()+objects[1].MinSize().Width <= width
}

// MinSize is the width of the wider object and the height of the last
// layout.
func (l *sideBySide) MinSize(objects []fyne.CanvasObject) fyne.Size {
	if len(objects) != 2 {
		return fyne.Size{}
	}
	a, b := objects[0].MinSize(), objects[1].MinSize()
	if l.stacked {
		return fyne.NewSize(max(a.Width, b.Width), a.Height+theme.Padding()+b.Height)
	}
	return fyne.NewSize(max(a.Width, b.Width), max(a.Height, b.Height))
}

// Layout places the two objects in size.
func (l *sideBySide) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	if len(objects) != 2 {
		return
	}
	pad := theme.Padding()
	a, b := objects[0], objects[1]
	l.stacked = !l.fits(objects, size.Width)
	if l.stacked {
		ah := a.MinSize().Height
		a.Move(fyne.NewPos(0, 0))
		a.Resize(fyne.NewSize(size.Width, ah))
		b.Move(fyne.NewPos(0, ah+pad))
		b.Resize(fyne.NewSize(size.Width, max(size.Height-ah-pad, b.MinSize().Height)))
		return
	}
	aw := a.MinSize().Width
	a.Move(fyne.NewPos(0, 0))
	a.Resize(fyne.NewSize(aw, size.Height))
	b.Move(fyne.NewPos(aw+pad, 0))
	b.Resize(fyne.NewSize(size.Width-aw-pad, size.Height))
}

// bringIntoView scrolls sc so that o, part of its content, is seen whole,
// or from its top when it is taller than the view; it first lays out
// what was just shown or hidden. It does not move what is seen already.
func bringIntoView(sc *container.Scroll, o fyne.CanvasObject) {
	sc.Content.Refresh() // the sizes its objects need now
	sc.Refresh()         // the content laid out at that size
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(sc.Content).Y
	bottom, view, y := top+o.Size().Height, sc.Size().Height, sc.Offset.Y
	switch {
	case top < y || bottom-top > view:
		y = top
	case bottom > y+view:
		y = bottom - view
	default:
		return
	}
	sc.ScrollToOffset(fyne.NewPos(sc.Offset.X, max(0, min(y, sc.Content.Size().Height-view))))
}
