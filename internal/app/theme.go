package app

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// teal is the deep teal of the trustdesk icon, the app's primary colour.
var teal = color.NRGBA{R: 0x0f, G: 0x6e, B: 0x6e, A: 0xff}

// calmTheme is Fyne's default theme, light, with the icon's deep teal as
// the primary colour and a little more room around things.
type calmTheme struct{}

// Color returns the colour for name: teal for the primary colour and for
// focus and selection, Fyne's light theme for the rest.
func (calmTheme) Color(name fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch name {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return teal
	case theme.ColorNameFocus:
		return color.NRGBA{R: 0x0f, G: 0x6e, B: 0x6e, A: 0x50}
	case theme.ColorNameSelection:
		return color.NRGBA{R: 0x0f, G: 0x6e, B: 0x6e, A: 0x30}
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		// Secondary text (low-importance labels) must stay readable.
		return color.NRGBA{R: 0x6b, G: 0x77, B: 0x74, A: 0xff}
	case theme.ColorNameInputBorder:
		// The outlines of radio buttons, check boxes and text fields: dark
		// enough (3:1 against the background) that a choice not taken
		// still shows clearly.
		return color.NRGBA{R: 0x7e, G: 0x8a, B: 0x87, A: 0xff}
	case theme.ColorNameBackground:
		return color.NRGBA{R: 0xf7, G: 0xf9, B: 0xf8, A: 0xff}
	}
	return theme.DefaultTheme().Color(name, theme.VariantLight)
}

// Font returns Fyne's default font.
func (calmTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon returns Fyne's default icon.
func (calmTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size returns Fyne's default sizes with slightly larger text.
func (calmTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 14
	case theme.SizeNameHeadingText:
		return 22
	case theme.SizeNameSubHeadingText:
		return 17
	}
	return theme.DefaultTheme().Size(n)
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

// meterSize is the size of a reputation bar.
var meterSize = fyne.NewSize(72, 10)

// The colours of a reputation bar: teal from 3.5, amber from 2.5, red
// below (see [meterColour] and the legend, [ui.showLegend]).
var (
	meterAmber = color.NRGBA{R: 0xd4, G: 0x8a, B: 0x1c, A: 0xff}
	meterRed   = color.NRGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}
)

// meterColour returns the colour of a bar for the score v, 1 to 5.
func meterColour(v float64) color.Color {
	switch {
	case v < 2.5:
		return meterRed
	case v < 3.5:
		return meterAmber
	}
	return teal
}

// meter is a small horizontal bar showing a score from 1 to 5, with the
// score as a number beside it: longer is better; its colour turns amber
// and red for low scores. With no score it is an empty grey track and no
// number. Tapping it calls onTapped (the legend of the bars).
type meter struct {
	widget.BaseWidget
	track, fill *canvas.Rectangle
	// number is the score as shown beside the bar, such as "4.5".
	number *canvas.Text
	value  float64
	// onTapped is called when the bar is tapped; nil does nothing.
	onTapped func()
}

// newMeter builds an empty meter.
func newMeter() *meter {
	m := &meter{
		track:  canvas.NewRectangle(color.NRGBA{R: 0xdd, G: 0xe3, B: 0xe1, A: 0xff}),
		fill:   canvas.NewRectangle(teal),
		number: canvas.NewText("", theme.Color(theme.ColorNameForeground)),
	}
	m.number.TextSize = theme.CaptionTextSize()
	m.number.TextStyle.Bold = true
	m.track.CornerRadius = 4
	m.fill.CornerRadius = 4
	m.ExtendBaseWidget(m)
	return m
}

// set shows v (nil: no score).
func (m *meter) set(v *float64) {
	m.value = markFraction(v)
	m.number.Text = ""
	if v != nil {
		m.fill.FillColor = meterColour(*v)
		m.number.Text = fmt.Sprintf("%.1f", *v)
		if m.value < 0.05 {
			m.value = 0.05
		}
	}
	if m.value == 0 {
		m.fill.Hide()
	} else {
		m.fill.Show()
	}
	m.Refresh()
}

// Tapped opens what onTapped opens.
func (m *meter) Tapped(*fyne.PointEvent) {
	if m.onTapped != nil {
		m.onTapped()
	}
}

// Cursor is the pointing hand when the meter can be tapped.
func (m *meter) Cursor() desktop.Cursor {
	if m.onTapped != nil {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

// CreateRenderer draws the meter.
func (m *meter) CreateRenderer() fyne.WidgetRenderer { return &meterRenderer{m: m} }

// meterRenderer lays out a meter's track and fill, and the number to the
// right of them.
type meterRenderer struct{ m *meter }

// numberWidth is the room kept for the number beside a bar, "5.0" wide.
func numberWidth() float32 {
	return fyne.MeasureText("5.0", theme.CaptionTextSize(), fyne.TextStyle{Bold: true}).Width
}

func (r *meterRenderer) Layout(size fyne.Size) {
	num := numberWidth()
	bar := fyne.NewSize(max(0, size.Width-num-theme.Padding()), meterSize.Height)
	top := (size.Height - bar.Height) / 2
	r.m.track.Move(fyne.NewPos(0, top))
	r.m.track.Resize(bar)
	r.m.fill.Move(fyne.NewPos(0, top))
	r.m.fill.Resize(fyne.NewSize(bar.Width*float32(r.m.value), bar.Height))
	r.m.number.Move(fyne.NewPos(bar.Width+theme.Padding(), 0))
	r.m.number.Resize(fyne.NewSize(num, size.Height))
}
func (r *meterRenderer) MinSize() fyne.Size {
	text := fyne.MeasureText("5.0", theme.CaptionTextSize(), fyne.TextStyle{Bold: true})
	return fyne.NewSize(meterSize.Width+theme.Padding()+text.Width, max(meterSize.Height, text.Height))
}
func (r *meterRenderer) Refresh() {
	r.Layout(r.m.Size())
	r.m.fill.Refresh()
	r.m.track.Refresh()
	r.m.number.Refresh()
}
func (r *meterRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.m.track, r.m.fill, r.m.number}
}
func (r *meterRenderer) Destroy() {}
