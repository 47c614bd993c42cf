package app

import (
	"errors"
	"fmt"
	"image"
	"io"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/export/qr"
	"trustdesk/identity"
)

// cardCodeSide is about how many screen pixels wide a card's QR code is
// drawn on the Meet in person screen: large enough for a webcam across a
// table, small enough to leave room for the scan beside it.
const cardCodeSide = 380

// MeetScreen exchanges cards face to face: it shows my card as a large
// QR code, scans theirs with the camera or from a picture, then shows the
// safety code for both to compare before marking them as verified in
// person.
type MeetScreen struct {
	u       *UI
	content fyne.CanvasObject

	// OpenCamera starts the camera; it defaults to [camera.Open]. Tests
	// replace it.
	OpenCamera func() (qr.FrameSource, error)

	// MyCode is my card's QR code, drawn at whole pixels per square.
	MyCode *canvas.Image
	// CopyCard copies my card as text; SaveCardPicture saves its QR code
	// as a picture, for someone who cannot scan this screen.
	CopyCard, SaveCardPicture *widget.Button
	// StartCamera starts scanning their code with the camera.
	StartCamera *widget.Button
	// StopCamera stops scanning.
	StopCamera *widget.Button
	// OpenPicture reads their code from a picture file.
	OpenPicture *widget.Button
	// Status says what the scan is doing, or why it cannot.
	Status *widget.Label
	// Preview shows what the camera sees.
	Preview *canvas.Image

	// Compare is the step after a scan: their name, the safety code and
	// the buttons. It is hidden until a card was read.
	Compare *fyne.Container
	// TheirName says whose card was read.
	TheirName *widget.Label
	// Code is the safety code both people compare.
	Code *SafetyCode
	// Petname is an optional private name for them.
	Petname *widget.Entry
	// Matches adds them as verified in person.
	Matches *widget.Button
	// NoMatch drops the scanned card.
	NoMatch *widget.Button

	scan    *widget.Card
	waiting *widget.Label
	card    string
	mu      sync.Mutex  // guards camera
	camera  *cameraScan // the running scan, nil when none runs
}

// newMeetScreen builds the Meet in person screen.
func newMeetScreen(u *UI) *MeetScreen {
	s := &MeetScreen{u: u}
	s.OpenCamera = openRealCamera

	s.MyCode = canvas.NewImageFromImage(nil)
	s.MyCode.ScaleMode = canvas.ImageScalePixels
	s.MyCode.FillMode = canvas.ImageFillOriginal
	s.MyCode.Image = cardCode(u.Svc.Card().String(), cardCodeSide)
	s.CopyCard, s.SaveCardPicture = u.cardButtons()
	mine := widget.NewCard("1. Show them your code", "Let them scan it with their trustdesk.",
		container.NewVBox(container.NewCenter(s.MyCode), s.CopyCard, s.SaveCardPicture))

	s.Status = wrapped("Start the camera and hold their code in front of it, or open a picture of their code.")
	s.Preview = canvas.NewImageFromImage(nil)
	s.Preview.FillMode = canvas.ImageFillContain
	s.Preview.SetMinSize(fyne.NewSize(320, 240))
	s.Preview.Hide()
	s.StartCamera = widget.NewButtonWithIcon("Start the camera", theme.MediaVideoIcon(), s.Start)
	s.StartCamera.Importance = widget.HighImportance
	s.StopCamera = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), s.StopScanning)
	s.StopCamera.Hide()
	s.OpenPicture = widget.NewButtonWithIcon("Open a picture…", theme.FileImageIcon(), func() {
		openPicture(u, func(_ string, r io.Reader) { s.UsePicture(r) })
	})
	s.scan = widget.NewCard("2. Scan their code", "", container.NewVBox(
		s.Status, container.NewHBox(s.StartCamera, s.StopCamera, s.OpenPicture), container.NewCenter(s.Preview)))

	s.TheirName = subheading("")
	s.Code = newSafetyCode()
	s.Petname = widget.NewEntry()
	s.Petname.SetPlaceHolder("Optional: how you want to call them")
	s.Matches = widget.NewButtonWithIcon("It matches — mark as verified in person", theme.ConfirmIcon(), s.match)
	s.Matches.Importance = widget.HighImportance
	s.NoMatch = widget.NewButtonWithIcon("It does not match", theme.CancelIcon(), s.noMatch)
	help := wrapped("Both of you now see a safety code. Read yours out loud, group by group, while they follow on their screen. " +
		"If every digit is the same, nobody swapped the cards.")
	s.Compare = container.NewVBox(s.TheirName, help, container.NewCenter(s.Code),
		widget.NewForm(widget.NewFormItem("Your name for them", s.Petname)),
		// One over the other: side by side they need more room than a
		// small screen with large text has beside the code.
		container.NewVBox(s.Matches, s.NoMatch))
	s.Compare.Hide()
	s.waiting = wrapped("Once their code is read, a safety code appears here for both of you to compare.")
	s.waiting.Importance = widget.LowImportance
	compare := widget.NewCard("3. Compare the safety code", "", container.NewVBox(s.waiting, s.Compare))

	intro := wrapped("Meeting someone you want to add? Sit together, each with trustdesk open on this screen.")
	right := container.NewVBox(s.scan, compare, layout.NewSpacer())
	s.content = container.NewVScroll(container.NewPadded(container.NewVBox(
		heading("Meet in person"), intro,
		container.NewBorder(nil, nil, container.NewVBox(mine, layout.NewSpacer()), nil, right))))
	return s
}

// Content returns the screen's widgets.
func (s *MeetScreen) Content() fyne.CanvasObject { return s.content }

// Refresh has nothing to read afresh: my card does not change.
func (s *MeetScreen) Refresh() {}

// Start opens the camera and looks for a card in every picture until one
// is found or [MeetScreen.StopScanning] is called. Without a camera it
// says so and points to "Open a picture…".
func (s *MeetScreen) Start() {
	s.StopScanning()
	cam, err := s.OpenCamera()
	if err != nil {
		s.Status.SetText(explain(err) + " Use \"Open a picture…\" instead.")
		s.Status.Importance = widget.WarningImportance
		s.Status.Refresh()
		return
	}
	sc := newCameraScan()
	s.mu.Lock()
	s.camera = sc
	s.mu.Unlock()
	s.Status.Importance = widget.MediumImportance
	s.Status.SetText("Hold their code in front of the camera…")
	s.StartCamera.Hide()
	s.StopCamera.Show()
	s.Preview.Show()
	sc.start(s.u, func() (qr.FrameSource, error) { return cam, nil }, qr.ScanOptions{Code: looksLikeCard}, scanHandlers{
		seen: func(up qr.ScanUpdate) {
			s.Preview.Image = up.Image
			s.Preview.Refresh()
			s.Status.SetText(fmt.Sprintf("Looking for their code… (%d pictures checked)", up.Pictures))
		},
		end: func(res qr.ScanResult, err error) {
			s.StopScanning()
			switch {
			case err == nil:
				s.UseCardText(strings.TrimSpace(string(res.Code)))
			case !errors.Is(err, qr.ErrIncomplete): // not just closed
				s.Status.SetText(explain(err))
			}
		},
	})
}

// cardCode draws the QR code of card text about side pixels wide, at a
// whole number of pixels per square (at least 3), or returns nil if the
// text cannot be drawn.
func cardCode(text string, side int) image.Image {
	one, err := qr.CardImage(text, 1)
	if err != nil {
		return nil
	}
	img, err := qr.CardImage(text, max(3, side/one.Bounds().Dx()))
	if err != nil {
		return nil
	}
	return img
}

// StopScanning stops the camera if it runs.
func (s *MeetScreen) StopScanning() {
	s.mu.Lock()
	sc := s.camera
	s.camera = nil
	s.mu.Unlock()
	if sc == nil {
		return
	}
	sc.stop()
	s.StopCamera.Hide()
	s.StartCamera.Show()
	s.Preview.Hide()
}

// UsePicture reads their card from a picture of their code.
func (s *MeetScreen) UsePicture(r io.Reader) {
	text, err := readCardPicture(r)
	if err != nil {
		s.u.ShowError(err)
		return
	}
	s.UseCardText(text)
}

// UseCardText shows the compare step for the card in text.
func (s *MeetScreen) UseCardText(text string) {
	card, err := identity.ParseCard(text)
	if err != nil {
		s.u.ShowError(err)
		return
	}
	if card.ID() == s.u.Svc.Card().ID() {
		s.u.ShowError(core.ErrOwnCard)
		return
	}
	s.card = text
	s.TheirName.SetText("You scanned the card of " + card.Pseudonym)
	s.Code.SetCode(s.u.Svc.SafetyCode(&core.Contact{Card: card}))
	s.Petname.SetText("")
	s.Status.SetText("Card read. Now compare the safety code below.")
	s.waiting.Hide()
	s.Compare.Show()
}

// match adds the scanned card as verified in person and opens the person.
func (s *MeetScreen) match() {
	if s.card == "" {
		return
	}
	res, err := s.u.Svc.AddContact(s.card, strings.TrimSpace(s.Petname.Text), true)
	if err != nil {
		s.u.ShowError(err)
		return
	}
	s.reset()
	s.u.Changed()
	s.u.ShowPerson(res.Contact.ID())
}

// noMatch drops the scanned card with a warning.
func (s *MeetScreen) noMatch() {
	s.reset()
	s.u.tell("The codes differ", "Nothing was added. Scan their code again; if the codes still differ, "+
		"the card is not the one on their screen, so do not add it.")
}

// reset forgets the scanned card.
func (s *MeetScreen) reset() {
	s.card = ""
	s.Compare.Hide()
	s.waiting.Show()
	s.Status.SetText("Start the camera and hold their code in front of it, or open a picture of their code.")
}
