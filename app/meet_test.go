package app

import (
	"bytes"
	"fmt"
	"image"
	"strings"
	"testing"

	"fyne.io/fyne/v2/canvas"
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
	img := u.Meet.MyCode
	if img.Image == nil || img.ScaleMode != canvas.ImageScalePixels || img.FillMode != canvas.ImageFillOriginal {
		t.Fatal("my code is not drawn at whole pixels")
	}
	one, err := qr.CardImage(u.Svc.Card().String(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if w, m := img.Image.Bounds().Dx(), one.Bounds().Dx(); w%m != 0 || w/m < 3 {
		t.Fatalf("code %d pixels wide for %d squares", w, m)
	}
	text, err := qr.ReadImage(img.Image)
	if err != nil || string(text) != u.Svc.Card().String() {
		t.Fatalf("my code reads back as %q, %v", text, err)
	}
}

func TestMeetCompare(t *testing.T) {
	w := newWorld(t)

	// My own card and a broken one.
	{
		w.u.Meet.UseCardText(w.u.Svc.Card().String())
		wantError(t, w.u, core.ErrOwnCard)
		w.u.Meet.UseCardText("TD1AAAA")
		if w.u.LastError == "" || !w.u.Meet.Compare.Hidden {
			t.Fatal("a broken card was accepted")
		}
	}

	// The codes differ.
	{
		m := w.u.Meet
		m.UseCardText(w.cy.Card().String())
		test.Tap(m.NoMatch)
		if !m.Compare.Hidden {
			t.Fatal("the compare step stays")
		}
		if _, err := w.u.Svc.FindContact("Cy"); err == nil {
			t.Fatal("Cy was added although the codes differ")
		}
		if !strings.Contains(dialogTexts(w.u), "Nothing was added") {
			t.Fatalf("no warning: %q", dialogTexts(w.u))
		}
	}

	// A picture of their code; the codes match.
	{
		m := w.u.Meet
		if !m.Compare.Hidden {
			t.Fatal("the compare step shows before a scan")
		}
		m.UsePicture(bytes.NewReader(cardPNG(t, w.cy)))
		if m.Compare.Hidden || !strings.Contains(m.TheirName.Text, "Cy") {
			t.Fatalf("after the picture: %q %q", m.TheirName.Text, w.u.LastError)
		}
		want := w.u.Svc.SafetyCode(&core.Contact{Card: w.cy.Card()})
		if got := strings.Join(strings.Fields(m.Code.Text()), " "); got != want {
			t.Fatalf("code %q, want %q", got, want)
		}
		// Cy's device shows the same code for the same two cards, and
		// the screen asks to compare all of it.
		if theirs := identity.SafetyCode(w.cy.Card(), w.u.Svc.Card()); theirs != want {
			t.Fatalf("Cy sees %q, I see %q", theirs, want)
		}
		if m.Code.Hint.Hidden || !strings.Contains(m.Code.Hint.Text, "all three rows") {
			t.Fatalf("no line to compare all of the code: %q", m.Code.Hint.Text)
		}
		if _, err := w.u.Svc.FindContact("Cy"); err == nil {
			t.Fatal("Cy was added before the codes were compared")
		}
		test.Type(m.Petname, "Cy from the clinic")
		test.Tap(m.Matches)
		c, err := w.u.Svc.FindContact("Cy from the clinic")
		if err != nil {
			t.Fatal(err)
		}
		if c.Verified != core.InPerson {
			t.Fatalf("Cy is %s", c.Verified)
		}
		if w.u.Person == nil || !m.Compare.Hidden {
			t.Fatal("after the match the person's page is not open")
		}
	}
}

// TestMeetCamera scans with a camera, stops it, and copes without one.
func TestMeetCamera(t *testing.T) {
	w := newWorld(t)

	// No camera.
	{
		m := w.u.Meet
		m.OpenCamera = func() (qr.FrameSource, error) {
			return nil, fmt.Errorf("open /dev/video0: %w", camera.ErrNoCamera)
		}
		test.Tap(m.StartCamera)
		if !strings.Contains(m.Status.Text, explain(camera.ErrNoCamera)) || !strings.Contains(m.Status.Text, "Open a picture") {
			t.Fatalf("status = %q", m.Status.Text)
		}
		if m.StartCamera.Hidden || m.OpenPicture.Hidden {
			t.Fatal("the buttons to try again are gone")
		}
	}

	// Stop, and leaving the tab.
	{
		m := w.u.Meet
		cam := newStillCamera()
		m.OpenCamera = func() (qr.FrameSource, error) { return cam, nil }
		test.Tap(m.StartCamera)
		if m.StopCamera.Hidden {
			t.Fatal("no Stop button while scanning")
		}
		test.Tap(m.StopCamera)
		w.u.Wait()
		select {
		case <-cam.closed:
		default:
			t.Fatal("Stop left the camera on")
		}
		// Leaving the tab stops the camera too.
		cam = newStillCamera()
		w.u.Tabs.SelectIndex(1)
		test.Tap(m.StartCamera)
		w.u.Tabs.SelectIndex(0)
		w.u.Wait()
		select {
		case <-cam.closed:
		default:
			t.Fatal("leaving the tab left the camera on")
		}
	}

	// A scan that finds their card.
	{
		m := w.u.Meet
		code, err := qr.CardImage(w.cy.Card().String(), 4)
		if err != nil {
			t.Fatal(err)
		}
		blank := image.NewGray(image.Rect(0, 0, 80, 60))
		cam := newStillCamera(blank, code)
		m.OpenCamera = func() (qr.FrameSource, error) { return cam, nil }
		test.Tap(m.StartCamera)
		w.u.Wait()
		if m.Compare.Hidden || !strings.Contains(m.TheirName.Text, "Cy") {
			t.Fatalf("the camera scan found no card: %q", m.Status.Text)
		}
		select {
		case <-cam.closed:
		default:
			t.Fatal("the camera is still on after the scan")
		}
		if !m.StopCamera.Hidden || m.StartCamera.Hidden {
			t.Fatal("the buttons did not go back")
		}
	}
}
