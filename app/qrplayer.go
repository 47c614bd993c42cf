package app

import (
	"fmt"
	"image"
	"math"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/export/qr"
	"trustdesk/internal/words"
)

// The QR player's speed range and default, in frames per second.
const (
	minFPS     = 1
	maxFPS     = 20
	defaultFPS = 10
)

// profileNames are the choices of QRPlayer.Profile, most robust first.
// Each says what it is, so the drop-down needs no label beside it; the
// chosen one is short, as the row of controls is narrow.
var profileNames = map[qr.Profile]string{
	qr.Robust: "Simple codes (poor camera)",
	qr.Normal: "Normal codes",
	qr.Dense:  "Dense codes (sharp camera)",
}

// QRPlayer shows a sync file as moving QR codes over the whole window, for
// another device's camera. The codes are drawn with a whole number of
// screen pixels per module and never smoothed, so every module stays sharp.
type QRPlayer struct {
	u    *UI
	data []byte

	// Image shows the current code.
	Image *canvas.Image
	// Counter says which code is shown, as "code 12 of 52".
	Counter *widget.Label
	// Help says what the other person does.
	Help *widget.Label
	// TooSmall says, when the codes cannot be drawn large enough for a
	// camera, what to do about it; it is hidden otherwise.
	TooSmall *widget.Label
	// Speed sets the frames per second; SpeedText says it in words.
	Speed     *widget.Slider
	SpeedText *widget.Label
	// Profile chooses between fewer, larger codes and more, simpler ones.
	Profile *widget.Select
	// Pause stops and restarts the codes; Previous and Next step through
	// them while paused; Close returns to the Sync screen.
	Pause, Previous, Next, Close *widget.Button

	mu    sync.Mutex
	seq   *qr.Sequence
	frame int
	ppm   int // screen pixels per module of the image shown
	fps   int
	run   chan struct{} // closed to stop the running loop, nil when paused
	wg    sync.WaitGroup

	content fyne.CanvasObject
}

func newQRPlayer(u *UI, data []byte, seq *qr.Sequence) *QRPlayer {
	p := &QRPlayer{u: u, data: data, seq: seq, fps: defaultFPS, ppm: 1}
	p.Image = canvas.NewImageFromImage(seq.Frame(0))
	p.Image.ScaleMode = canvas.ImageScalePixels
	p.Image.FillMode = canvas.ImageFillOriginal
	p.Counter = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	p.Help = newParagraph("")
	p.Help.Alignment = fyne.TextAlignCenter
	p.TooSmall = newParagraph("")
	p.TooSmall.Alignment = fyne.TextAlignCenter
	p.TooSmall.Importance = widget.WarningImportance
	p.TooSmall.TextStyle.Bold = true
	p.TooSmall.Hide()

	p.SpeedText = widget.NewLabel("")
	p.Speed = widget.NewSlider(minFPS, maxFPS)
	p.Speed.Step = 1
	p.Speed.SetValue(defaultFPS)
	p.Speed.OnChanged = func(v float64) { p.setFPS(int(v)) }

	var names []string
	for _, pr := range qr.Profiles() {
		names = append(names, profileNames[pr])
	}
	p.Profile = widget.NewSelect(names, nil)
	p.Profile.SetSelected(profileNames[seq.Profile()])
	p.Profile.OnChanged = p.changeProfile

	p.Pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), p.TogglePause)
	p.Previous = widget.NewButtonWithIcon("", theme.MediaSkipPreviousIcon(), func() { p.Step(-1) })
	p.Next = widget.NewButtonWithIcon("", theme.MediaSkipNextIcon(), func() { p.Step(1) })
	p.Close = widget.NewButtonWithIcon("Close", theme.CancelIcon(), u.Back)

	// On a narrow screen the speed in words goes first, then the counter.
	speed := container.NewGridWrap(fyne.NewSize(140, p.Speed.MinSize().Height), p.Speed)
	controls := container.New(&priorityRow{
		items:  []rowItem{{}, {}, {}, {drop: 2}, {drop: 1}, {}, {}, {}},
		right:  8,
		center: true,
	}, p.Previous, p.Pause, p.Next, p.Counter, p.SpeedText, speed, p.Profile, p.Close)
	area := container.New(&pixelLayout{p: p}, p.Image)
	p.content = container.NewBorder(container.NewVBox(p.Help, p.TooSmall), controls, nil, nil, area)
	p.setFPS(defaultFPS)
	p.showFrame()
	return p
}

// TypedKey steers the player from the keyboard: space pauses and plays,
// the left and right arrows step while paused, Escape closes.
func (p *QRPlayer) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeySpace:
		p.TogglePause()
	case fyne.KeyLeft:
		if !p.Playing() {
			p.Step(-1)
		}
	case fyne.KeyRight:
		if !p.Playing() {
			p.Step(1)
		}
	case fyne.KeyEscape:
		p.u.Back()
	}
}

// Content returns the player's root object.
func (p *QRPlayer) Content() fyne.CanvasObject { return p.content }

// Sequence returns the sequence being shown.
func (p *QRPlayer) Sequence() *qr.Sequence {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seq
}

// Frame returns the index of the code shown, from 0.
func (p *QRPlayer) Frame() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frame
}

// PixelsPerModule returns how many screen pixels one module of the code
// takes on each side.
func (p *QRPlayer) PixelsPerModule() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ppm
}

// Modules returns the width of a code in modules, quiet zone included.
func (p *QRPlayer) Modules() int {
	return p.Sequence().Frame(0).Bounds().Dx()
}

// Playing reports whether the codes are moving.
func (p *QRPlayer) Playing() bool { return p.run != nil }

// Play starts moving through the codes.
func (p *QRPlayer) Play() {
	if p.run != nil {
		return
	}
	stop := make(chan struct{})
	p.run = stop
	p.Pause.SetText("Pause")
	p.Pause.SetIcon(theme.MediaPauseIcon())
	p.Previous.Disable()
	p.Next.Disable()
	p.wg.Add(1)
	go p.loop(stop)
}

// Stop stops the codes; the current one stays on screen.
func (p *QRPlayer) Stop() {
	if p.run == nil {
		return
	}
	close(p.run)
	p.run = nil
	p.Pause.SetText("Play")
	p.Pause.SetIcon(theme.MediaPlayIcon())
	p.Previous.Enable()
	p.Next.Enable()
}

// Wait blocks until the loop started by Play has ended after Stop.
func (p *QRPlayer) Wait() { p.wg.Wait() }

// TogglePause pauses or resumes the codes.
func (p *QRPlayer) TogglePause() {
	if p.run != nil {
		p.Stop()
	} else {
		p.Play()
	}
}

// Step moves by delta codes, wrapping around.
func (p *QRPlayer) Step(delta int) {
	p.mu.Lock()
	n := p.seq.Len()
	p.frame = ((p.frame+delta)%n + n) % n
	p.mu.Unlock()
	p.showFrame()
}

// loop moves to the next code at the chosen speed until stop is closed.
// The code is drawn off the UI goroutine.
func (p *QRPlayer) loop(stop chan struct{}) {
	defer p.wg.Done()
	t := time.NewTimer(p.interval())
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		p.mu.Lock()
		p.frame = (p.frame + 1) % p.seq.Len()
		img, err := p.render()
		p.mu.Unlock()
		if err == nil {
			fyne.Do(func() {
				select {
				case <-stop:
				default:
					p.apply(img)
				}
			})
		}
		t.Reset(p.interval())
	}
}

func (p *QRPlayer) interval() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Second / time.Duration(p.fps)
}

func (p *QRPlayer) setFPS(fps int) {
	p.mu.Lock()
	p.fps = min(max(fps, minFPS), maxFPS)
	p.mu.Unlock()
	p.SpeedText.SetText(words.Count(fps, "code a second", "codes a second"))
}

// changeProfile encodes the file again with the profile named.
func (p *QRPlayer) changeProfile(name string) {
	for pr, n := range profileNames {
		if n != name || pr == p.Sequence().Profile() {
			continue
		}
		seq, err := qr.Encode(p.data, pr)
		if err != nil {
			p.u.ShowError(err)
			return
		}
		p.mu.Lock()
		p.seq, p.frame = seq, 0
		p.mu.Unlock()
		p.showFrame()
	}
}

// render draws the current code at p.ppm. The caller holds p.mu.
func (p *QRPlayer) render() (image.Image, error) {
	return p.seq.Image(p.frame, p.ppm)
}

// showFrame draws the current code on the UI goroutine.
func (p *QRPlayer) showFrame() {
	p.mu.Lock()
	img, err := p.render()
	p.mu.Unlock()
	if err != nil {
		p.u.ShowError(err)
		return
	}
	p.apply(img)
}

// apply puts img on screen with the counter and help text.
func (p *QRPlayer) apply(img image.Image) {
	p.mu.Lock()
	frame, n, need := p.frame, p.seq.Len(), p.seq.Needed()
	p.mu.Unlock()
	p.Image.Image = img
	p.Image.Refresh()
	p.Counter.SetText(fmt.Sprintf("code %d of %d", frame+1, n))
	p.Help.SetText(fmt.Sprintf("On the other device: Sync, Receive, Scan QR codes with the camera. "+
		"It needs any %d of these %d codes, in any order; keep them moving until it says it has them all.", need, n))
}

// minPixelsPerModule is the fewest screen pixels per module a code needs
// for a laptop camera across a table to tell its modules apart: with
// fewer, a Normal code (97 modules with its quiet zone) is under 6 cm wide
// on a common 1366×768 laptop screen.
const minPixelsPerModule = 3

// fit chooses the largest whole number of pixels per module at which the
// code fits in size (in Fyne units at the canvas scale) and redraws the
// code if that changed. It returns the image's size in Fyne units. When
// that number is too small for a camera it says what to do instead.
func (p *QRPlayer) fit(size fyne.Size, scale float32) fyne.Size {
	modules := p.Modules()
	px := int(math.Floor(float64(min(size.Width, size.Height) * scale)))
	ppm := min(max(px/modules, 1), qr.MaxPixelsPerModule)
	p.mu.Lock()
	changed := ppm != p.ppm
	p.ppm = ppm
	profile := p.seq.Profile()
	p.mu.Unlock()
	if changed {
		p.showFrame()
	}
	p.sayTooSmall(tooSmallWords(profile, ppm, px))
	side := float32(modules*ppm) / scale
	return fyne.NewSize(side, side)
}

// tooSmallWords says what to do when codes of profile drawn at ppm pixels
// per module in px screen pixels are too small for a camera, or "" when
// they are large enough.
func tooSmallWords(profile qr.Profile, ppm, px int) string {
	if ppm >= minPixelsPerModule {
		return ""
	}
	if profile != qr.Robust && px/robustModules >= minPixelsPerModule {
		return "These codes are too fine for this screen. Use the Robust setting on this screen."
	}
	return "The codes are too small for a camera to read. Make the window larger, or use a larger screen."
}

// robustModules is the width of a Robust code in modules, quiet zone
// included.
var robustModules = 17 + 4*qr.Robust.Version() + 8

// sayTooSmall shows words under the help, or hides the note when words
// is empty.
func (p *QRPlayer) sayTooSmall(words string) {
	if words == p.TooSmall.Text && p.TooSmall.Visible() == (words != "") {
		return
	}
	p.TooSmall.SetText(words)
	if words == "" {
		p.TooSmall.Hide()
	} else {
		p.TooSmall.Show()
	}
}

// pixelLayout centres the code at whole screen pixels, at the size fit
// chose, so the image is never resampled.
type pixelLayout struct{ p *QRPlayer }

// Layout sizes and centres the code image.
func (l *pixelLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(l.p.Image); c != nil {
		scale = c.Scale()
	}
	side := l.p.fit(size, scale)
	x := float32(math.Round(float64((size.Width-side.Width)/2*scale))) / scale
	y := float32(math.Round(float64((size.Height-side.Height)/2*scale))) / scale
	for _, o := range objs {
		o.Resize(side)
		o.Move(fyne.NewPos(x, y))
	}
}

// MinSize leaves room for the code at one pixel per module.
func (l *pixelLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	m := float32(l.p.Modules())
	return fyne.NewSize(m, m)
}
