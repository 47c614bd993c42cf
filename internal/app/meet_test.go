package app

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"trustdesk/camera"
	"trustdesk/core"
	"trustdesk/export/qr"
	"trustdesk/identity"
)

// stillCamera is a camera that shows the given pictures, then keeps still
// until closed.
type stillCamera struct {
	frames chan image.Image
	closed chan struct{}
}

func newStillCamera(pictures ...image.Image) *stillCamera {
	c := &stillCamera{frames: make(chan image.Image, len(pictures)), closed: make(chan struct{})}
	for _, p := range pictures {
		c.frames <- p
	}
	return c
}

func (c *stillCamera) Frames() <-chan image.Image { return c.frames }
func (c *stillCamera) Err() error                 { return nil }
func (c *stillCamera) Close() error {
	select {
	case <-c.closed:
	default:
		close(c.closed)
	}
	return nil
}

func TestMeetShowsMyCodeInWholePixels(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)
	img := u.meet.myCode
	if img.Image == nil || img.ScaleMode != canvas.ImageScalePixels || img.FillMode != canvas.ImageFillOriginal {
		t.Fatal("my code is not drawn at whole pixels")
	}
	one, err := qr.CardImage(u.svc.Card().String(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if w, m := img.Image.Bounds().Dx(), one.Bounds().Dx(); w%m != 0 || w/m < 3 {
		t.Fatalf("code %d pixels wide for %d squares", w, m)
	}
	text, err := qr.ReadImage(img.Image)
	if err != nil || string(text) != u.svc.Card().String() {
		t.Fatalf("my code reads back as %q, %v", text, err)
	}
}

func TestMeetCompare(t *testing.T) {
	w := newWorld(t)

	// My own card and a broken one.
	{
		w.u.meet.useCardText(w.u.svc.Card().String())
		wantError(t, w.u, core.ErrOwnCard)
		w.u.meet.useCardText("TD1AAAA")
		if w.u.lastError == "" || !w.u.meet.compare.Hidden {
			t.Fatal("a broken card was accepted")
		}
	}

	// The codes differ.
	{
		m := w.u.meet
		m.useCardText(w.cy.Card().String())
		test.Tap(m.noMatchButton)
		if !m.compare.Hidden {
			t.Fatal("the compare step stays")
		}
		if _, err := w.u.svc.FindContact("Cy"); err == nil {
			t.Fatal("Cy was added although the codes differ")
		}
		if !strings.Contains(dialogText(w.u), "Nothing was added") {
			t.Fatalf("no warning: %q", dialogText(w.u))
		}
	}

	// A picture of their code; the codes match.
	{
		m := w.u.meet
		if !m.compare.Hidden {
			t.Fatal("the compare step shows before a scan")
		}
		m.usePicture(bytes.NewReader(cardPNG(t, w.cy)))
		if m.compare.Hidden || !strings.Contains(m.theirName.Text, "Cy") {
			t.Fatalf("after the picture: %q %q", m.theirName.Text, w.u.lastError)
		}
		want := w.u.svc.SafetyCode(&core.Contact{Card: w.cy.Card()})
		if got := strings.Join(strings.Fields(m.code.text()), " "); got != want {
			t.Fatalf("code %q, want %q", got, want)
		}
		// Cy's device shows the same code for the same two cards, and
		// the screen asks to compare all of it.
		if theirs := identity.SafetyCode(w.cy.Card(), w.u.svc.Card()); theirs != want {
			t.Fatalf("Cy sees %q, I see %q", theirs, want)
		}
		if m.code.hint.Hidden || !strings.Contains(m.code.hint.Text, "all three rows") {
			t.Fatalf("no line to compare all of the code: %q", m.code.hint.Text)
		}
		if _, err := w.u.svc.FindContact("Cy"); err == nil {
			t.Fatal("Cy was added before the codes were compared")
		}
		test.Type(m.petname, "Cy from the clinic")
		test.Tap(m.matches)
		c, err := w.u.svc.FindContact("Cy from the clinic")
		if err != nil {
			t.Fatal(err)
		}
		if c.Verified != core.InPerson {
			t.Fatalf("Cy is %s", c.Verified)
		}
		if w.u.person == nil || !m.compare.Hidden {
			t.Fatal("after the match the person's page is not open")
		}
	}
}

// TestMeetCamera scans with a camera, stops it, and copes without one.
func TestMeetCamera(t *testing.T) {
	w := newWorld(t)

	// No camera.
	{
		m := w.u.meet
		m.openCamera = func() (qr.FrameSource, error) {
			return nil, fmt.Errorf("open /dev/video0: %w", camera.ErrNoCamera)
		}
		test.Tap(m.startCamera)
		if !strings.Contains(m.status.Text, explain(camera.ErrNoCamera)) || !strings.Contains(m.status.Text, "Open a picture") {
			t.Fatalf("status = %q", m.status.Text)
		}
		if m.startCamera.Hidden || m.openPicture.Hidden {
			t.Fatal("the buttons to try again are gone")
		}
	}

	// Stop, and leaving the tab.
	{
		m := w.u.meet
		cam := newStillCamera()
		m.openCamera = func() (qr.FrameSource, error) { return cam, nil }
		test.Tap(m.startCamera)
		if m.stopCamera.Hidden {
			t.Fatal("no Stop button while scanning")
		}
		test.Tap(m.stopCamera)
		w.u.wait()
		select {
		case <-cam.closed:
		default:
			t.Fatal("Stop left the camera on")
		}
		// Leaving the tab stops the camera too.
		cam = newStillCamera()
		w.u.tabs.SelectIndex(1)
		test.Tap(m.startCamera)
		w.u.tabs.SelectIndex(0)
		w.u.wait()
		select {
		case <-cam.closed:
		default:
			t.Fatal("leaving the tab left the camera on")
		}
	}

	// A scan that finds their card.
	{
		m := w.u.meet
		code, err := qr.CardImage(w.cy.Card().String(), 4)
		if err != nil {
			t.Fatal(err)
		}
		blank := image.NewGray(image.Rect(0, 0, 80, 60))
		cam := newStillCamera(blank, code)
		m.openCamera = func() (qr.FrameSource, error) { return cam, nil }
		test.Tap(m.startCamera)
		w.u.wait()
		if m.compare.Hidden || !strings.Contains(m.theirName.Text, "Cy") {
			t.Fatalf("the camera scan found no card: %q", m.status.Text)
		}
		select {
		case <-cam.closed:
		default:
			t.Fatal("the camera is still on after the scan")
		}
		if !m.stopCamera.Hidden || m.startCamera.Hidden {
			t.Fatal("the buttons did not go back")
		}
	}
}

// TestMeetStepInView: in a window too small for all three steps (800×600,
// a small laptop's, and a laptop's with large text), the step the user is on is seen whole
// without scrolling: the camera's picture and its Stop button once the
// camera starts, the safety code and both answers once their card is
// read. Set TRUSTDESK_PICTURES to a folder to keep a picture of each.
func TestMeetStepInView(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)
	m := u.meet
	d := fyne.CurrentApp().Driver()
	// inView fails t unless every object lies whole inside the window's
	// part the screen's scroll shows.
	inView := func(size fyne.Size, step string, objects ...fyne.CanvasObject) {
		t.Helper()
		sc := m.content.(*container.Scroll)
		top := d.AbsolutePositionForObject(sc).Y
		for _, o := range objects {
			y := d.AbsolutePositionForObject(o).Y
			if !o.Visible() || y < top-0.5 || y+o.Size().Height > top+sc.Size().Height+0.5 || y+o.Size().Height > size.Height {
				t.Errorf("%v, %s: %T at y %.0f–%.0f lies outside the view (%.0f–%.0f)", size, step, o, y, y+o.Size().Height, top, top+sc.Size().Height)
			}
		}
		if dir := os.Getenv("TRUSTDESK_PICTURES"); dir != "" {
			savePicture(t, u.win.Canvas(), filepath.Join(dir, fmt.Sprintf("meet-%s-%.0fx%.0f.png", strings.ReplaceAll(step, " ", "-"), size.Width, size.Height)))
		}
	}
	for _, size := range []fyne.Size{narrowScreen, smallScreen, largeTextScreen} {
		u.tabs.SelectIndex(1)
		u.win.Resize(size)
		m.content.(*container.Scroll).ScrollToTop()

		cam := newStillCamera()
		m.openCamera = func() (qr.FrameSource, error) { return cam, nil }
		test.Tap(m.startCamera)
		inView(size, "scanning", m.cameraView, m.stopCamera, m.openPicture)
		test.Tap(m.stopCamera)
		u.wait()

		m.content.(*container.Scroll).ScrollToTop()
		m.useCardText(newSomeone(t, "Zoe").Card().String())
		inView(size, "comparing", m.theirName, m.code, m.matches, m.noMatchButton)
		m.reset()
	}
}
