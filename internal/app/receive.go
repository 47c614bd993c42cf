package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // pictures of QR codes
	_ "image/png"  // pictures of QR codes
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/export"
	"trustdesk/export/qr"
	"trustdesk/internal/words"
)

// askOpenFile asks for a sync file, or a picture of one QR code.
func (s *syncScreen) askOpenFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			s.u.showError(err)
			return
		}
		if r != nil {
			s.receiveFrom(r)
		}
	}, s.u.win)
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// receiveFrom reads a sync file from r, or a picture of one of its QR
// codes, and closes r. A sync file is checked and previewed; a picture
// counts towards the codes read so far.
func (s *syncScreen) receiveFrom(r fyne.URIReadCloser) {
	var data []byte
	s.u.runBusy("Reading the file…", func() error {
		var err error
		data, err = readAllLimited(r, export.MaxArmoredSize)
		return err
	}, func() {
		if isPicture(r.URI().Extension()) && !core.LooksLikeSyncFile(data) {
			s.receivePicture(data)
			return
		}
		s.check(data)
	})
}

func isPicture(ext string) bool {
	switch strings.ToLower(ext) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// receivePicture adds one picture of a QR code to the codes read so far.
func (s *syncScreen) receivePicture(data []byte) {
	if s.pictures == nil {
		s.pictures = new(qr.Decoder)
	}
	dec := s.pictures
	var p qr.Progress
	s.u.runBusy("Reading the QR code…", func() error {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return qr.ErrNoCode
		}
		if cfg.Width*cfg.Height > qr.MaxImagePixels {
			return qr.ErrTooLarge
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return qr.ErrNoCode
		}
		p, err = dec.AddImage(img)
		return err
	}, func() {
		if !p.Done {
			s.receiving.SetText(fmt.Sprintf("Read %s so far. Open the next picture, "+
				"or open the whole folder of pictures at once.", codesWords(p)))
			s.receiving.Show()
			return
		}
		s.pictures = nil
		s.receiving.Hide()
		data, err := dec.Bytes()
		if err != nil {
			s.u.showError(err)
			return
		}
		s.check(data)
	})
}

// askOpenPictures asks for a folder of pictures of QR codes.
func (s *syncScreen) askOpenPictures() {
	d := dialog.NewFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil {
			s.u.showError(err)
			return
		}
		if dir != nil {
			s.receiveFolder(dir.Path())
		}
	}, s.u.win)
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// receiveFolder reads the sync file from the pictures of its QR codes in
// dir and previews it.
func (s *syncScreen) receiveFolder(dir string) {
	var data []byte
	var p qr.Progress
	s.u.runBusy("Reading the pictures…", func() error {
		var err error
		data, p, err = qr.DecodeDir(dir)
		if errors.Is(err, qr.ErrIncomplete) {
			return fmt.Errorf("those pictures hold %s needed: add pictures of the missing codes to the folder and open it again", codesWords(p))
		}
		return err
	}, func() { s.check(data) })
}

// codesWords says how many codes were read, as "37 of 52 codes".
func codesWords(p qr.Progress) string {
	if p.Need == 0 {
		return "no codes"
	}
	return fmt.Sprintf("%s of %s codes", words.Number(p.Have), words.Number(p.Need))
}

// askPaste asks for a sync file pasted as text.
func (s *syncScreen) askPaste() {
	s.pasteEntry = s.u.newDialogMultiLine()
	s.pasteEntry.SetPlaceHolder("Paste the text you received here")
	s.pasteEntry.Wrapping = fyne.TextWrapBreak
	s.pasteEntry.SetMinRowsVisible(10)
	d := dialog.NewCustomConfirm("Paste a sync file", "Check it", "Cancel", s.pasteEntry, func(ok bool) {
		text := s.pasteEntry.Text
		s.pasteEntry = nil
		if ok {
			s.receiveText(text)
		}
	}, s.u.win)
	d.Resize(fyne.NewSize(640, 420))
	s.u.showDialog(d)
	s.u.win.Canvas().Focus(s.pasteEntry)
}

// receiveText checks a sync file pasted as text and previews it.
func (s *syncScreen) receiveText(text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	s.check([]byte(text))
}

// check checks a received sync file completely and shows what it would
// change, without changing anything yet.
func (s *syncScreen) check(data []byte) {
	s.discardPreview()
	s.result.Hide()
	// What became of the last file made is old news now.
	s.passedOn.Hide()
	var sum *core.ImportSummary
	s.u.runBusy("Checking the sync file…", func() error {
		var err error
		sum, err = s.u.svc.PreviewImport(context.Background(), data)
		return err
	}, func() {
		s.pending = data
		s.previewed = sum
		s.previewText.SetText("This sync file is " + sum.String() + ".")
		s.previewDetails.SetText(previewDetails(sum))
		if sum.Unchanged() {
			if sum.Nothing() {
				s.previewText.SetText("This sync file is from " + sum.From.Name + ". You already have everything in it.")
			}
			s.takeIn.Hide()
			s.discard.SetText("Close")
		} else {
			s.takeIn.Show()
			s.discard.SetText("Not now")
		}
		s.preview.Show()
		s.showBottom()
	})
}

// previewDetails says cell by cell what a sync file changes.
func previewDetails(sum *core.ImportSummary) string {
	var lines []string
	for _, c := range sum.Cells {
		if c.NewStatements == 0 {
			continue
		}
		var what []string
		if c.InvitedMe {
			what = append(what, "an invitation for you to join")
		} else if c.NewCell {
			what = append(what, "a cell that is new to this device")
		}
		what = append(what, c.StandingPhrases()...)
		what = append(what, c.ReplacementPhrases()...)
		if c.Rules != nil {
			what = append(what, "new rules ("+core.RulesSentence(*c.Rules)+")")
		}
		if len(c.Invited) > 0 {
			what = append(what, "invited: "+core.Names(c.Invited))
		}
		if c.NewRatings > 0 {
			what = append(what, words.Count(c.NewRatings, "new rating", "new ratings"))
		}
		if len(c.NewMembers) > 0 {
			what = append(what, "new members: "+core.Names(c.NewMembers))
		}
		if len(c.Excluded) > 0 {
			what = append(what, "excluded: "+core.Names(c.Excluded))
		}
		if len(c.Left) > 0 {
			what = append(what, "left: "+core.Names(c.Left))
		}
		what = append(what, c.VotesPhrases()...)
		if len(what) == 0 {
			what = append(what, words.Count(c.NewStatements, "update", "updates"))
		}
		lines = append(lines, "• "+c.Name+": "+strings.Join(what, "; "))
	}
	return strings.Join(lines, "\n")
}

// takeItIn takes in the previewed sync file.
func (s *syncScreen) takeItIn() {
	data := s.pending
	if data == nil {
		return
	}
	var sum *core.ImportSummary
	s.u.runBusy("Taking in the sync file…", func() error {
		var err error
		sum, err = s.u.svc.Import(context.Background(), data)
		return err
	}, func() {
		s.discardPreview()
		if sum.Nothing() {
			s.result.SetText("Nothing changed: you already had everything in the sync file from " + sum.From.Name + ".")
		} else if sum.Unchanged() {
			s.result.SetText("Nothing changed: the sync file is " + sum.String() + ".")
		} else {
			s.result.SetText("Done. Taken in " + sum.String() + ".")
		}
		s.result.Show()
		s.u.changed()
		s.showBottom()
	})
}

// showBottom scrolls the screen down to what was just shown under
// Receive, once it is laid out.
func (s *syncScreen) showBottom() {
	s.scroll.Refresh()
	s.scroll.ScrollToBottom()
}

// discardPreview drops the sync file waiting to be taken in.
func (s *syncScreen) discardPreview() {
	s.pending = nil
	s.previewed = nil
	s.preview.Hide()
}

// scanner is the open camera scan of moving QR codes: a live picture and
// how many codes were read.
type scanner struct {
	// view shows what the camera sees.
	view *canvas.Image
	// progress says how many codes were read, as "37 of 52 codes".
	progress *widget.Label
	// bar shows the same as a bar.
	bar *widget.ProgressBar
	// dialog holds the scan; closing it stops the camera.
	dialog dialog.Dialog

	scan *cameraScan
}

// scanCamera opens the camera and reads moving QR codes until the sync
// file is complete or the person stops.
func (s *syncScreen) scanCamera() { s.startScan() }

// startScan opens the scan dialog and starts reading from the camera; it
// returns the scan, or nil if one is already open.
func (s *syncScreen) startScan() *scanner {
	if s.scanner != nil {
		return nil
	}
	sc := &scanner{
		progress: newParagraph("Starting the camera…"),
		bar:      widget.NewProgressBar(),
	}
	sc.view = canvas.NewImageFromImage(image.NewGray(image.Rect(0, 0, 4, 3)))
	sc.view.FillMode = canvas.ImageFillContain
	sc.view.SetMinSize(fyne.NewSize(400, 300))
	help := newParagraph("Point the camera at the moving codes on the other screen. " +
		"The order does not matter and missed codes come round again.")
	d := dialog.NewCustom("Scan QR codes", "Stop", container.NewVBox(help, sc.view, sc.bar, sc.progress), s.u.win)
	sc.dialog = d
	sc.scan = newCameraScan()
	d.SetOnClosed(func() {
		sc.stop()
		if s.scanner == sc {
			s.scanner = nil
		}
	})
	s.scanner = sc
	s.u.showDialog(d)
	sc.scan.start(s.u, s.openCamera, qr.ScanOptions{Sequence: true}, scanHandlers{
		seen: sc.show,
		end: func(res qr.ScanResult, err error) {
			sc.dialog.Hide()
			switch {
			case errors.Is(err, qr.ErrIncomplete): // the camera was closed
			case err != nil:
				s.u.showError(err)
			default:
				s.check(res.File)
			}
		},
		afterSeen: func(up qr.ScanUpdate) {
			if s.scanProgressed != nil {
				s.scanProgressed(up.Progress)
			}
		},
	})
	return sc
}

// show shows one camera picture and how many codes were read.
func (sc *scanner) show(up qr.ScanUpdate) {
	p, note := up.Progress, ""
	if up.Struggling && p.Need > 0 {
		note = " " + qr.SteadierHint
	}
	if errors.Is(up.Err, qr.ErrDamaged) {
		note = " Those codes did not fit together; starting again."
	} else if errors.Is(up.Err, qr.ErrNotFrame) {
		note = " That is a card, not a sync file: use Meet in person for cards."
	}
	sc.view.Image = up.Image
	sc.view.Refresh()
	if p.Need > 0 {
		sc.bar.SetValue(float64(p.Have) / float64(p.Need))
		sc.progress.SetText(fmt.Sprintf("Read %s, %s more needed.%s", codesWords(p), words.Number(p.Remaining()), note))
	} else {
		sc.progress.SetText("Looking for codes…" + note)
	}
}

// stop ends the scan and releases the camera; it is safe to call more than
// once.
func (sc *scanner) stop() { sc.scan.stop() }

// done is closed once the scan loop has ended and the camera is released.
func (sc *scanner) done() <-chan struct{} { return sc.scan.done }
