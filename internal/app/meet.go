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
	"trustdesk/internal/words"
)

// cardCodeSide is about how many screen pixels wide a card's QR code is
// drawn on the Meet in person screen: large enough for a webcam across a
// table, small enough to leave room for the scan beside it.
const cardCodeSide = 380

// meetScreen exchanges cards face to face: it shows my card as a large
// QR code, scans theirs with the camera or from a picture, then shows the
// safety code for both to compare before marking them as verified in
// person.
type meetScreen struct {
	u       *ui
	content fyne.CanvasObject

	// openCamera starts the camera; it defaults to [camera.Open]. Tests
	// replace it.
	openCamera func() (qr.FrameSource, error)

	// myCode is my card's QR code, drawn at whole pixels per square.
	myCode *canvas.Image
	// copyCard copies my card as text; saveCardPicture saves its QR code
	// as a picture, for someone who cannot scan this screen.
	copyCard, saveCardPicture *widget.Button
	// startCamera starts scanning their code with the camera.
	startCamera *widget.Button
	// stopCamera stops scanning.
	stopCamera *widget.Button
	// openPicture reads their code from a picture file.
	openPicture *widget.Button
	// status says what the scan is doing, or why it cannot.
	status *widget.Label
	// cameraView shows what the camera sees.
	cameraView *canvas.Image

	// compare is the step after a scan: their name, the safety code and
	// the buttons. It is hidden until a card was read.
	compare *fyne.Container
	// theirName says whose card was read.
	theirName *widget.Label
	// code is the safety code both people compare.
	code *safetyCode
	// petname is an optional private name for them.
	petname *widget.Entry
	// matches adds them as verified in person.
	matches *widget.Button
	// noMatchButton drops the scanned card.
	noMatchButton *widget.Button

	// scroll holds the screen; scan and compareStep are steps 2 and 3,
	// which it brings into view when the user comes to them.
	scroll      *container.Scroll
	scan        *widget.Card
	compareStep *widget.Card
	waiting     *widget.Label
	card        string
	mu          sync.Mutex  // guards camera
	camera      *cameraScan // the running scan, nil when none runs
}

// newMeetScreen builds the Meet in person screen.
func newMeetScreen(u *ui) *meetScreen {
	s := &meetScreen{u: u}
	s.openCamera = openRealCamera

	s.myCode = canvas.NewImageFromImage(nil)
	s.myCode.ScaleMode = canvas.ImageScalePixels
	s.myCode.FillMode = canvas.ImageFillOriginal
	s.myCode.Image = cardCode(u.svc.Card().String(), cardCodeSide)
	s.copyCard, s.saveCardPicture = u.cardButtons()
	mine := widget.NewCard("1. Show them your code", "Let them scan it with their trustdesk.",
		container.NewVBox(container.NewCenter(s.myCode), s.copyCard, s.saveCardPicture))

	s.status = wrapped("Start the camera and hold their code in front of it, or open a picture of their code.")
	s.cameraView = canvas.NewImageFromImage(nil)
	s.cameraView.FillMode = canvas.ImageFillContain
	s.cameraView.SetMinSize(fyne.NewSize(320, 240))
	s.cameraView.Hide()
	s.startCamera = widget.NewButtonWithIcon("Start the camera", theme.MediaVideoIcon(), s.start)
	s.startCamera.Importance = widget.HighImportance
	s.stopCamera = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), s.stopScanning)
	s.stopCamera.Hide()
	s.openPicture = widget.NewButtonWithIcon("Open a picture…", theme.FileImageIcon(), func() {
		openPicture(u, func(_ string, r io.Reader) { s.usePicture(r) })
	})
	s.scan = widget.NewCard("2. Scan their code", "", container.NewVBox(
		s.status, container.NewHBox(s.startCamera, s.stopCamera, s.openPicture), container.NewCenter(s.cameraView)))

	s.theirName = subheading("")
	s.code = newSafetyCode()
	s.petname = widget.NewEntry()
	s.petname.SetPlaceHolder("Optional: how you want to call them")
	s.matches = widget.NewButtonWithIcon("It matches — mark as verified in person", theme.ConfirmIcon(), s.match)
	s.matches.Importance = widget.HighImportance
	s.noMatchButton = widget.NewButtonWithIcon("It does not match", theme.CancelIcon(), s.noMatch)
	help := wrapped("Both of you now see a safety code. Read yours out loud, group by group, while they follow on their screen. " +
		"If every digit is the same, nobody swapped the cards.")
	s.compare = container.NewVBox(s.theirName, help, container.NewCenter(s.code),
		widget.NewForm(widget.NewFormItem("Your name for them", s.petname)),
		// One over the other: side by side they need more room than a
		// small screen with large text has beside the code.
		container.NewVBox(s.matches, s.noMatchButton))
	s.compare.Hide()
	s.waiting = wrapped("Once their code is read, a safety code appears here for both of you to compare.")
	s.waiting.Importance = widget.LowImportance
	s.compareStep = widget.NewCard("3. Compare the safety code", "", container.NewVBox(s.waiting, s.compare))

	intro := wrapped("Meeting someone you want to add? Sit together, each with trustdesk open on this screen.")
	right := container.NewVBox(s.scan, s.compareStep, layout.NewSpacer())
	s.scroll = container.NewVScroll(container.NewPadded(container.NewVBox(
		heading("Meet in person"), intro,
		// Beside my code when the window is wide enough, below it in a
		// narrow one (800×600), where the screen scrolls to the step the
		// user comes to.
		container.New(&sideBySide{}, container.NewVBox(mine, layout.NewSpacer()), right))))
	s.content = s.scroll
	return s
}

// Content returns the screen's widgets.
func (s *meetScreen) Content() fyne.CanvasObject { return s.content }

// Refresh has nothing to read afresh: my card does not change.
func (s *meetScreen) Refresh() {}

// start opens the camera and looks for a card in every picture until one
// is found or [meetScreen.stopScanning] is called. Without a camera it
// says so and points to "Open a picture…".
func (s *meetScreen) start() {
	s.stopScanning()
	cam, err := s.openCamera()
	if err != nil {
		s.status.SetText(explain(err) + " Use \"Open a picture…\" instead.")
		s.status.Importance = widget.WarningImportance
		s.status.Refresh()
		return
	}
	sc := newCameraScan()
	s.mu.Lock()
	s.camera = sc
	s.mu.Unlock()
	s.status.Importance = widget.MediumImportance
	s.status.SetText("Hold their code in front of the camera…")
	s.startCamera.Hide()
	s.stopCamera.Show()
	s.cameraView.Show()
	bringIntoView(s.scroll, s.scan)
	sc.start(s.u, func() (qr.FrameSource, error) { return cam, nil }, qr.ScanOptions{Code: looksLikeCard}, scanHandlers{
		seen: func(up qr.ScanUpdate) {
			s.cameraView.Image = up.Image
			s.cameraView.Refresh()
			s.status.SetText(fmt.Sprintf("Looking for their code… (%s pictures checked)", words.Number(up.Pictures)))
		},
		end: func(res qr.ScanResult, err error) {
			s.stopScanning()
			switch {
			case err == nil:
				s.useCardText(strings.TrimSpace(string(res.Code)))
			case !errors.Is(err, qr.ErrIncomplete): // not just closed
				s.status.SetText(explain(err))
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

// stopScanning stops the camera if it runs.
func (s *meetScreen) stopScanning() {
	s.mu.Lock()
	sc := s.camera
	s.camera = nil
	s.mu.Unlock()
	if sc == nil {
		return
	}
	sc.stop()
	s.stopCamera.Hide()
	s.startCamera.Show()
	s.cameraView.Hide()
}

// usePicture reads their card from a picture of their code.
func (s *meetScreen) usePicture(r io.Reader) {
	text, err := readCardPicture(r)
	if err != nil {
		s.u.showError(err)
		return
	}
	s.useCardText(text)
}

// useCardText shows the compare step for the card in text.
func (s *meetScreen) useCardText(text string) {
	card, err := identity.ParseCard(text)
	if err != nil {
		s.u.showError(err)
		return
	}
	if card.ID() == s.u.svc.Card().ID() {
		s.u.showError(core.ErrOwnCard)
		return
	}
	s.card = text
	s.theirName.SetText("You scanned the card of " + card.Pseudonym)
	s.code.setCode(s.u.svc.SafetyCode(&core.Contact{Card: card}))
	s.petname.SetText("")
	s.status.SetText("Card read. Now compare the safety code below.")
	s.waiting.Hide()
	s.compare.Show()
	bringIntoView(s.scroll, s.compareStep)
}

// match adds the scanned card as verified in person and opens the person.
func (s *meetScreen) match() {
	if s.card == "" {
		return
	}
	res, err := s.u.svc.AddContact(s.card, strings.TrimSpace(s.petname.Text), true)
	if err != nil {
		s.u.showError(err)
		return
	}
	s.reset()
	s.u.changed()
	s.u.showPerson(res.Contact.ID())
}

// noMatch drops the scanned card with a warning.
func (s *meetScreen) noMatch() {
	s.reset()
	s.u.tell("The codes differ", "Nothing was added. Scan their code again; if the codes still differ, "+
		"the card is not the one on their screen, so do not add it.")
}

// reset forgets the scanned card.
func (s *meetScreen) reset() {
	s.card = ""
	s.compare.Hide()
	s.waiting.Show()
	s.status.SetText("Start the camera and hold their code in front of it, or open a picture of their code.")
}
