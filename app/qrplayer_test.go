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
func openPlayer(t *testing.T) (*cellWorld, *QRPlayer) {
	t.Helper()
	w := newCellWorld(t)
	sharedCell(t, w)
	s := w.u.Sync
	s.Person.SetSelected("Ann")
	test.Tap(s.Make)
	w.u.Wait()
	test.Tap(s.ShowCodes)
	w.u.Wait()
	p := s.Player
	if p == nil {
		t.Fatalf("no player; error %q", w.u.LastError)
	}
	if !p.Playing() {
		t.Error("the codes do not move when the player opens")
	}
	p.Stop()
	p.Wait()
	return w, p
}

func TestQRPlayer(t *testing.T) {
	w, p := openPlayer(t)
	if w.u.Shown() == w.u.Tabs {
		t.Fatal("the player is not shown over the window")
	}
	n := p.Sequence().Len()
	if n < 2 {
		t.Fatalf("a sequence of %d frames", n)
	}
	start := p.Frame()
	if p.Counter.Text != fmt.Sprintf("code %d of %d", start+1, n) {
		t.Errorf("counter = %q", p.Counter.Text)
	}
	test.Tap(p.Next)
	if p.Frame() != (start+1)%n || p.Counter.Text != fmt.Sprintf("code %d of %d", (start+1)%n+1, n) {
		t.Errorf("after Next: frame %d, counter %q", p.Frame(), p.Counter.Text)
	}
	p.Step(-start - 2)
	if p.Frame() != n-1 || p.Counter.Text != fmt.Sprintf("code %d of %d", n, n) {
		t.Errorf("stepping back past the start: frame %d, counter %q", p.Frame(), p.Counter.Text)
	}
	// What is shown is what the sequence holds for that frame.
	got, err := qr.ReadImage(p.Image.Image)
	if err != nil {
		t.Fatal(err)
	}
	want, err := qr.ReadImage(p.Sequence().Frame(p.Frame()))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("the image shows another frame than the counter says")
	}
	if !p.Help.Visible() || p.Help.Text == "" {
		t.Error("no help for the other person")
	}
	if want := fmt.Sprintf("any %d of these %d codes", p.Sequence().Needed(), n); !strings.Contains(p.Help.Text, want) {
		t.Errorf("help %q does not say %q", p.Help.Text, want)
	}

	// Speed.
	p.Speed.SetValue(4)
	if p.SpeedText.Text != "4 codes a second" || p.interval().Milliseconds() != 250 {
		t.Errorf("speed %q, interval %v", p.SpeedText.Text, p.interval())
	}

	t.Run("whole pixels", func(t *testing.T) { checkWholePixels(t, w, p) })
	t.Run("too small", func(t *testing.T) { checkTooSmall(t, w, p) })
	t.Run("profile", func(t *testing.T) { checkProfile(t, p) })

	// The keyboard: space plays and pauses, arrows step.
	c := w.u.Win.Canvas()
	at := p.Frame()
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyRight})
	if p.Frame() != (at+1)%n {
		t.Errorf("right arrow: frame %d, want %d", p.Frame(), (at+1)%n)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeySpace})
	if !p.Playing() {
		t.Error("space did not play")
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeySpace})
	p.Wait()
	if p.Playing() {
		t.Error("space did not pause")
	}

	// Close returns to the tabs.
	test.Tap(p.Close)
	if w.u.Sync.Player != nil || w.u.Shown() != w.u.Tabs {
		t.Error("Close did not return to the Sync screen")
	}
	if keys := c.OnTypedKey(); keys != nil {
		keys(&fyne.KeyEvent{Name: fyne.KeySpace})
		if p.Playing() {
			t.Error("the player still takes the keys after closing")
		}
		p.Stop()
	}
}

// checkWholePixels resizes the window and checks that the code is always
// drawn at the largest whole number of pixels per module that fits.
func checkWholePixels(t *testing.T, w *cellWorld, p *QRPlayer) {
	modules := p.Modules()
	for _, size := range []fyne.Size{{Width: 1000, Height: 720}, {Width: 640, Height: 480}, {Width: 1400, Height: 1000}, {Width: 500, Height: 900}} {
		w.u.Win.Resize(size)
		area := p.Image.Size()
		b := p.Image.Image.Bounds()
		ppm := p.PixelsPerModule()
		if b.Dx() != b.Dy() || b.Dx()%modules != 0 || b.Dx()/modules != ppm {
			t.Errorf("window %v: image %v for %d modules at %d pixels per module", size, b, modules, ppm)
		}
		// The image is drawn at exactly its own size (the test canvas has
		// scale 1), and a larger whole number would not fit.
		if area.Width != float32(b.Dx()) || area.Height != float32(b.Dy()) {
			t.Errorf("window %v: image of %v pixels drawn at %v", size, b.Size(), area)
		}
		room := p.Image.Position().X*2 + area.Width
		if float32((ppm+1)*modules) <= min(room, p.Image.Position().Y*2+area.Height) {
			t.Errorf("window %v: %d pixels per module, but %d would fit in %v", size, ppm, ppm+1, room)
		}
	}
}

// checkProfile switches profiles and plays and pauses.
func checkProfile(t *testing.T, p *QRPlayer) {
	before := p.Sequence().Len()
	p.Profile.SetSelected(profileNames[qr.Robust])
	if p.Sequence().Profile() != qr.Robust || p.Sequence().Len() <= before {
		t.Errorf("robust: %v with %d frames (normal had %d)", p.Sequence().Profile(), p.Sequence().Len(), before)
	}
	if p.Image.Image.Bounds().Dx() != p.Modules()*p.PixelsPerModule() {
		t.Error("the image was not redrawn for the new profile")
	}
	p.Profile.SetSelected(profileNames[qr.Dense])
	if p.Sequence().Profile() != qr.Dense {
		t.Errorf("profile = %v", p.Sequence().Profile())
	}
	test.Tap(p.Pause)
	if !p.Playing() {
		t.Error("Play did not start the codes")
	}
	test.Tap(p.Pause)
	p.Wait()
	if p.Playing() {
		t.Error("Pause did not stop the codes")
	}
}

// checkTooSmall shrinks the window until the codes are too fine for a
// camera and checks that the player says what to do.
func checkTooSmall(t *testing.T, w *cellWorld, p *QRPlayer) {
	defer p.Profile.SetSelected(profileNames[qr.Normal])
	p.Profile.SetSelected(profileNames[qr.Normal])
	w.u.Win.Resize(smallScreen)
	if p.TooSmall.Visible() {
		t.Errorf("1024×576: %q, with %d pixels per module", p.TooSmall.Text, p.PixelsPerModule())
	}
	if p.PixelsPerModule() < minPixelsPerModule {
		t.Errorf("1024×576: %d pixels per module", p.PixelsPerModule())
	}
	// A window too low for Normal codes at 3 pixels per module.
	for h := float32(560); h > 200 && p.PixelsPerModule() >= minPixelsPerModule; h -= 10 {
		w.u.Win.Resize(fyne.NewSize(900, h))
	}
	if p.PixelsPerModule() >= minPixelsPerModule || !p.TooSmall.Visible() || p.TooSmall.Text == "" {
		t.Errorf("%v at %d pixels per module: note %q (shown %v)", w.u.Win.Canvas().Size(), p.PixelsPerModule(), p.TooSmall.Text, p.TooSmall.Visible())
	}
	w.u.Win.Resize(fyne.NewSize(900, 300))
	if !p.TooSmall.Visible() || strings.Contains(p.TooSmall.Text, "Robust") {
		t.Errorf("Robust in a 900×300 window: %q", p.TooSmall.Text)
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
