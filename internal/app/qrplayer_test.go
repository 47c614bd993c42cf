package app

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"trustdesk/export/qr"
)

// openPlayer makes a sync file for Ann and opens it in the QR player,
// paused.
func openPlayer(t *testing.T) (*cellWorld, *qrPlayer) {
	t.Helper()
	w := newCellWorld(t)
	sharedCell(t, w)
	s := w.u.sync
	s.person.SetSelected("Ann")
	test.Tap(s.makeButton)
	w.u.wait()
	test.Tap(s.showCodes)
	w.u.wait()
	p := s.player
	if p == nil {
		t.Fatalf("no player; error %q", w.u.lastError)
	}
	if !p.playing() {
		t.Error("the codes do not move when the player opens")
	}
	p.stop()
	p.wait()
	return w, p
}

func TestQRPlayer(t *testing.T) {
	w, p := openPlayer(t)
	if w.u.shownScreen() == w.u.tabs {
		t.Fatal("the player is not shown over the window")
	}
	n := p.sequence().Len()
	if n < 2 {
		t.Fatalf("a sequence of %d frames", n)
	}
	start := p.currentFrame()
	if p.counter.Text != fmt.Sprintf("code %d of %d", start+1, n) {
		t.Errorf("counter = %q", p.counter.Text)
	}
	test.Tap(p.next)
	if p.currentFrame() != (start+1)%n || p.counter.Text != fmt.Sprintf("code %d of %d", (start+1)%n+1, n) {
		t.Errorf("after Next: frame %d, counter %q", p.currentFrame(), p.counter.Text)
	}
	p.step(-start - 2)
	if p.currentFrame() != n-1 || p.counter.Text != fmt.Sprintf("code %d of %d", n, n) {
		t.Errorf("stepping back past the start: frame %d, counter %q", p.currentFrame(), p.counter.Text)
	}
	// What is shown is what the sequence holds for that frame.
	got, err := qr.ReadImage(p.image.Image)
	if err != nil {
		t.Fatal(err)
	}
	want, err := qr.ReadImage(p.sequence().Frame(p.currentFrame()))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("the image shows another frame than the counter says")
	}
	if !p.help.Visible() || p.help.Text == "" {
		t.Error("no help for the other person")
	}
	if want := fmt.Sprintf("any %d of these %d codes", p.sequence().Needed(), n); !strings.Contains(p.help.Text, want) {
		t.Errorf("help %q does not say %q", p.help.Text, want)
	}

	// speed.
	p.speed.SetValue(4)
	if p.speedText.Text != "4 codes a second" || p.interval().Milliseconds() != 250 {
		t.Errorf("speed %q, interval %v", p.speedText.Text, p.interval())
	}

	t.Run("whole pixels", func(t *testing.T) { checkWholePixels(t, w, p) })
	t.Run("too small", func(t *testing.T) { checkTooSmall(t, w, p) })
	t.Run("profile", func(t *testing.T) { checkProfile(t, p) })

	// The keyboard: space plays and pauses, arrows step.
	c := w.u.win.Canvas()
	at := p.currentFrame()
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyRight})
	if p.currentFrame() != (at+1)%n {
		t.Errorf("right arrow: frame %d, want %d", p.currentFrame(), (at+1)%n)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeySpace})
	if !p.playing() {
		t.Error("space did not play")
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeySpace})
	p.wait()
	if p.playing() {
		t.Error("space did not pause")
	}

	// closeButton returns to the tabs.
	test.Tap(p.closeButton)
	if w.u.sync.player != nil || w.u.shownScreen() != w.u.tabs {
		t.Error("Close did not return to the Sync screen")
	}
	if keys := c.OnTypedKey(); keys != nil {
		keys(&fyne.KeyEvent{Name: fyne.KeySpace})
		if p.playing() {
			t.Error("the player still takes the keys after closing")
		}
		p.stop()
	}
}

// checkWholePixels resizes the window and checks that the code is always
// drawn at the largest whole number of pixels per module that fits.
func checkWholePixels(t *testing.T, w *cellWorld, p *qrPlayer) {
	modules := p.modules()
	for _, size := range []fyne.Size{{Width: 1000, Height: 720}, {Width: 640, Height: 480}, {Width: 1400, Height: 1000}, {Width: 500, Height: 900}} {
		w.u.win.Resize(size)
		area := p.image.Size()
		b := p.image.Image.Bounds()
		ppm := p.pixelsPerModule()
		if b.Dx() != b.Dy() || b.Dx()%modules != 0 || b.Dx()/modules != ppm {
			t.Errorf("window %v: image %v for %d modules at %d pixels per module", size, b, modules, ppm)
		}
		// The image is drawn at exactly its own size (the test canvas has
		// scale 1), and a larger whole number would not fit.
		if area.Width != float32(b.Dx()) || area.Height != float32(b.Dy()) {
			t.Errorf("window %v: image of %v pixels drawn at %v", size, b.Size(), area)
		}
		room := p.image.Position().X*2 + area.Width
		if float32((ppm+1)*modules) <= min(room, p.image.Position().Y*2+area.Height) {
			t.Errorf("window %v: %d pixels per module, but %d would fit in %v", size, ppm, ppm+1, room)
		}
	}
}

// checkProfile switches profiles and plays and pauses.
func checkProfile(t *testing.T, p *qrPlayer) {
	before := p.sequence().Len()
	p.profile.SetSelected(profileNames[qr.Robust])
	if p.sequence().Profile() != qr.Robust || p.sequence().Len() <= before {
		t.Errorf("robust: %v with %d frames (normal had %d)", p.sequence().Profile(), p.sequence().Len(), before)
	}
	if p.image.Image.Bounds().Dx() != p.modules()*p.pixelsPerModule() {
		t.Error("the image was not redrawn for the new profile")
	}
	p.profile.SetSelected(profileNames[qr.Dense])
	if p.sequence().Profile() != qr.Dense {
		t.Errorf("profile = %v", p.sequence().Profile())
	}
	test.Tap(p.pause)
	if !p.playing() {
		t.Error("Play did not start the codes")
	}
	test.Tap(p.pause)
	p.wait()
	if p.playing() {
		t.Error("Pause did not stop the codes")
	}
}

// checkTooSmall shrinks the window until the codes are too fine for a
// camera and checks that the player says what to do.
func checkTooSmall(t *testing.T, w *cellWorld, p *qrPlayer) {
	defer p.profile.SetSelected(profileNames[qr.Normal])
	p.profile.SetSelected(profileNames[qr.Normal])
	w.u.win.Resize(smallScreen)
	if p.tooSmall.Visible() {
		t.Errorf("1024×576: %q, with %d pixels per module", p.tooSmall.Text, p.pixelsPerModule())
	}
	if p.pixelsPerModule() < minPixelsPerModule {
		t.Errorf("1024×576: %d pixels per module", p.pixelsPerModule())
	}
	// A window too low for Normal codes at 3 pixels per module.
	for h := float32(560); h > 200 && p.pixelsPerModule() >= minPixelsPerModule; h -= 10 {
		w.u.win.Resize(fyne.NewSize(900, h))
	}
	if p.pixelsPerModule() >= minPixelsPerModule || !p.tooSmall.Visible() || p.tooSmall.Text == "" {
		t.Errorf("%v at %d pixels per module: note %q (shown %v)", w.u.win.Canvas().Size(), p.pixelsPerModule(), p.tooSmall.Text, p.tooSmall.Visible())
	}
	w.u.win.Resize(fyne.NewSize(900, 300))
	if !p.tooSmall.Visible() || strings.Contains(p.tooSmall.Text, "Robust") {
		t.Errorf("Robust in a 900×300 window: %q", p.tooSmall.Text)
	}
}

func TestTooSmallWords(t *testing.T) {
	normal := 17 + 4*qr.Normal.Version() + 8
	for _, c := range []struct {
		profile qr.Profile
		px      int
		want    string
	}{
		{qr.Normal, 4 * normal, ""},
		{qr.Normal, 3 * normal, ""},
		// Too fine as Normal, large enough as Robust.
		{qr.Normal, 3*normal - 1, "Use the Robust setting on this screen"},
		{qr.Dense, 3 * normal, "Use the Robust setting on this screen"},
		{qr.Robust, 3 * robustModules, ""},
		// Too small even for Robust codes.
		{qr.Robust, 3*robustModules - 1, "Make the window larger"},
		{qr.Normal, 3*robustModules - 1, "Make the window larger"},
	} {
		ppm := c.px / (17 + 4*c.profile.Version() + 8)
		got := tooSmallWords(c.profile, ppm, c.px)
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%v in %d pixels: %q, want %q", c.profile, c.px, got, c.want)
		}
	}
}
