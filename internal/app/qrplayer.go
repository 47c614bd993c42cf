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

// profileNames are the choices of qrPlayer.Profile, most robust first.
// Each says what it is, so the drop-down needs no label beside it; the
// chosen one is short, as the row of controls is narrow.
var profileNames = map[qr.Profile]string{
	qr.Robust: "Simple codes (poor camera)",
	qr.Normal: "Normal codes",
	qr.Dense:  "Dense codes (sharp camera)",
}

// qrPlayer shows a sync file as moving QR codes over the whole window, for
// another device's camera. The codes are drawn with a whole number of
// screen pixels per module and never smoothed, so every module stays sharp.
type qrPlayer struct {
	u    *ui
	data []byte

	// image shows the current code.
	image *canvas.Image
	// counter says which code is shown, as "code 12 of 52".
	counter *widget.Label
	// help says what the other person does.
	help *widget.Label
	// tooSmall says, when the codes cannot be drawn large enough for a
	// camera, what to do about it; it is hidden otherwise.
	tooSmall *widget.Label
	// speed sets the frames per second; speedText says it in words.
	speed     *widget.Slider
	speedText *widget.Label
	// profile chooses between fewer, larger codes and more, simpler ones.
	profile *widget.Select
	// pause stops and restarts the codes; Previous and Next step through
	// them while paused; Close returns to the Sync screen.
	pause, previous, next, closeButton *widget.Button

	mu    sync.Mutex
	seq   *qr.Sequence
	frame int
	ppm   int // screen pixels per module of the image shown
	fps   int
	run   chan struct{} // closed to stop the running loop, nil when paused
	wg    sync.WaitGroup

	content fyne.CanvasObject
}

func newQRPlayer(u *ui, data []byte, seq *qr.Sequence) *qrPlayer {
	p := &qrPlayer{u: u, data: data, seq: seq, fps: defaultFPS, ppm: 1}
	p.image = canvas.NewImageFromImage(seq.Frame(0))
	p.image.ScaleMode = canvas.ImageScalePixels
	p.image.FillMode = canvas.ImageFillOriginal
	p.counter = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	p.help = newParagraph("")
	p.help.Alignment = fyne.TextAlignCenter
	p.tooSmall = newParagraph("")
	p.tooSmall.Alignment = fyne.TextAlignCenter
	p.tooSmall.Importance = widget.WarningImportance
	p.tooSmall.TextStyle.Bold = true
	p.tooSmall.Hide()

	p.speedText = widget.NewLabel("")
	p.speed = widget.NewSlider(minFPS, maxFPS)
	p.speed.Step = 1
	p.speed.SetValue(defaultFPS)
	p.speed.OnChanged = func(v float64) { p.setFPS(int(v)) }

	var names []string
	for _, pr := range qr.Profiles() {
		names = append(names, profileNames[pr])
	}
	p.profile = widget.NewSelect(names, nil)
	p.profile.SetSelected(profileNames[seq.Profile()])
	p.profile.OnChanged = p.changeProfile

	p.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), p.togglePause)
	p.previous = widget.NewButtonWithIcon("", theme.MediaSkipPreviousIcon(), func() { p.step(-1) })
	p.next = widget.NewButtonWithIcon("", theme.MediaSkipNextIcon(), func() { p.step(1) })
	p.closeButton = widget.NewButtonWithIcon("Close", theme.CancelIcon(), u.back)

	// On a narrow screen the speed in words goes first, then the counter.
	speed := container.NewGridWrap(fyne.NewSize(140, p.speed.MinSize().Height), p.speed)
	controls := container.New(&priorityRow{
		items:  []rowItem{{}, {}, {}, {drop: 2}, {drop: 1}, {}, {}, {}},
		right:  8,
		center: true,
	}, p.previous, p.pause, p.next, p.counter, p.speedText, speed, p.profile, p.closeButton)
	area := container.New(&pixelLayout{p: p}, p.image)
	p.content = container.NewBorder(container.NewVBox(p.help, p.tooSmall), controls, nil, nil, area)
	p.setFPS(defaultFPS)
	p.showFrame()
	return p
}

// TypedKey steers the player from the keyboard: space pauses and plays,
// the left and right arrows step while paused, Escape closes.
func (p *qrPlayer) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeySpace:
		p.togglePause()
	case fyne.KeyLeft:
		if !p.playing() {
			p.step(-1)
		}
	case fyne.KeyRight:
		if !p.playing() {
			p.step(1)
		}
	case fyne.KeyEscape:
		p.u.back()
	}
}

// Content returns the player's root object.
func (p *qrPlayer) Content() fyne.CanvasObject { return p.content }

// sequence returns the sequence being shown.
func (p *qrPlayer) sequence() *qr.Sequence {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seq
}

// currentFrame returns the index of the code shown, from 0.
func (p *qrPlayer) currentFrame() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frame
}

// pixelsPerModule returns how many screen pixels one module of the code
// takes on each side.
func (p *qrPlayer) pixelsPerModule() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ppm
}

// modules returns the width of a code in modules, quiet zone included.
func (p *qrPlayer) modules() int {
	return p.sequence().Frame(0).Bounds().Dx()
}

// playing reports whether the codes are moving.
func (p *qrPlayer) playing() bool { return p.run != nil }

// play starts moving through the codes.
func (p *qrPlayer) play() {
	if p.run != nil {
		return
	}
	stop := make(chan struct{})
	p.run = stop
	p.pause.SetText("Pause")
	p.pause.SetIcon(theme.MediaPauseIcon())
	p.previous.Disable()
	p.next.Disable()
	p.wg.Add(1)
	go p.loop(stop)
}

// stop stops the codes; the current one stays on screen.
func (p *qrPlayer) stop() {
	if p.run == nil {
		return
	}
	close(p.run)
	p.run = nil
	p.pause.SetText("Play")
	p.pause.SetIcon(theme.MediaPlayIcon())
	p.previous.Enable()
	p.next.Enable()
}

// wait blocks until the loop started by Play has ended after Stop.
func (p *qrPlayer) wait() { p.wg.Wait() }

// togglePause pauses or resumes the codes.
func (p *qrPlayer) togglePause() {
	if p.run != nil {
		p.stop()
	} else {
		p.play()
	}
}

// step moves by delta codes, wrapping around.
func (p *qrPlayer) step(delta int) {
	p.mu.Lock()
	n := p.seq.Len()
	p.frame = ((p.frame+delta)%n + n) % n
	p.mu.Unlock()
	p.showFrame()
}

// loop moves to the next code at the chosen speed until stop is closed.
// The code is drawn off the UI goroutine.
func (p *qrPlayer) loop(stop chan struct{}) {
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

func (p *qrPlayer) interval() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Second / time.Duration(p.fps)
}

func (p *qrPlayer) setFPS(fps int) {
	p.mu.Lock()
	p.fps = min(max(fps, minFPS), maxFPS)
	p.mu.Unlock()
	p.speedText.SetText(words.Count(fps, "code a second", "codes a second"))
}

// changeProfile encodes the file again with the profile named.
func (p *qrPlayer) changeProfile(name string) {
	for pr, n := range profileNames {
		if n != name || pr == p.sequence().Profile() {
			continue
		}
		seq, err := qr.Encode(p.data, pr)
		if err != nil {
			p.u.showError(err)
			return
		}
		p.mu.Lock()
		p.seq, p.frame = seq, 0
		p.mu.Unlock()
		p.showFrame()
	}
}

// render draws the current code at p.ppm. The caller holds p.mu.
func (p *qrPlayer) render() (image.Image, error) {
	return p.seq.Image(p.frame, p.ppm)
}

// showFrame draws the current code on the UI goroutine.
func (p *qrPlayer) showFrame() {
	p.mu.Lock()
	img, err := p.render()
	p.mu.Unlock()
	if err != nil {
		p.u.showError(err)
		return
	}
	p.apply(img)
}

// apply puts img on screen with the counter and help text.
func (p *qrPlayer) apply(img image.Image) {
	p.mu.Lock()
	frame, n, need := p.frame, p.seq.Len(), p.seq.Needed()
	p.mu.Unlock()
	p.image.Image = img
	p.image.Refresh()
	p.counter.SetText(fmt.Sprintf("code %s of %s", words.Number(frame+1), words.Number(n)))
	p.help.SetText(fmt.Sprintf("On the other device: Sync, Receive, Scan QR codes with the camera. "+
		"It needs any %s of these %s codes, in any order; keep them moving until it says it has them all.", words.Number(need), words.Number(n)))
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
func (p *qrPlayer) fit(size fyne.Size, scale float32) fyne.Size {
	modules := p.modules()
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
func (p *qrPlayer) sayTooSmall(words string) {
	if words == p.tooSmall.Text && p.tooSmall.Visible() == (words != "") {
		return
	}
	p.tooSmall.SetText(words)
	if words == "" {
		p.tooSmall.Hide()
	} else {
		p.tooSmall.Show()
	}
}

// pixelLayout centres the code at whole screen pixels, at the size fit
// chose, so the image is never resampled.
type pixelLayout struct{ p *qrPlayer }

// Layout sizes and centres the code image.
func (l *pixelLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(l.p.image); c != nil {
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
	m := float32(l.p.modules())
	return fyne.NewSize(m, m)
}
