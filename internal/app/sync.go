package app

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/export/qr"
	"trustdesk/identity"
	"trustdesk/internal/words"
)

// The choices of syncScreen.to.
const (
	toPerson = "One person"
	toCell   = "Everyone in a cell"
)

// syncScreen is the Sync tab. Its upper half makes a sync file for a person
// or a cell and passes it on (saved to a file, shown as moving QR codes or
// copied as text); its lower half receives one (a file, QR codes from the
// camera or from pictures, pasted text), shows what it would change and
// takes it in. Its widgets are fields so that tests can drive them.
type syncScreen struct {
	u *ui

	// to chooses between one person and everyone in a cell.
	to *widget.RadioGroup
	// person and Cell pick whom the file is for.
	person, cell *widget.Select
	// makeButton makes the sync file.
	makeButton *widget.Button
	// nobody says what to do first when there is nobody, or no cell, to
	// choose.
	nobody *widget.Label

	// madeFile is the last sync file made, nil before.
	madeFile *core.ExportResult
	// madeInfo says whom it is for and what it carries.
	madeInfo *widget.Label
	// saveButton, showCodes and copyText pass it on.
	saveButton, showCodes, copyText *widget.Button
	// passedOn says what became of it (saved where, copied).
	passedOn *widget.Label
	// player is the open QR player, nil when none is open.
	player *qrPlayer

	// openFile, Scan, openPictures and Paste receive a sync file.
	openFile, scan, openPictures, paste *widget.Button
	// receiving says how far reading pictures of codes one by one came.
	receiving *widget.Label
	// scanner is the open camera scan, nil when none is open.
	scanner *scanner
	// pasteEntry is the text field of the open paste dialog, nil otherwise.
	pasteEntry *dialogEntry

	// Preview is what the received file would change, nil when none waits.
	previewed *core.ImportSummary
	// previewText says it in a sentence; previewDetails cell by cell.
	previewText, previewDetails *widget.Label
	// takeIn imports the previewed file; Discard drops it.
	takeIn, discard *widget.Button
	// result says what the last file taken in changed.
	result *widget.Label

	people   map[string]identity.ID
	cells    map[string]crdt.CellID
	made     *fyne.Container
	preview  *fyne.Container
	pending  []byte
	pictures *qr.Decoder
	// openCamera opens the camera; tests replace it, and may set
	// scanProgressed to follow a scan.
	openCamera     func() (qr.FrameSource, error)
	scanProgressed func(qr.Progress)
	scroll         *container.Scroll
	content        fyne.CanvasObject
}

func newSyncScreen(u *ui) *syncScreen {
	s := &syncScreen{u: u, openCamera: openRealCamera}

	s.person = widget.NewSelect(nil, func(string) { s.updateMake() })
	s.person.PlaceHolder = "Choose a person"
	s.cell = widget.NewSelect(nil, func(string) { s.updateMake() })
	s.cell.PlaceHolder = "Choose a cell"
	s.cell.Hide()
	s.to = widget.NewRadioGroup([]string{toPerson, toCell}, func(choice string) {
		s.person.Hidden = choice == toCell
		s.cell.Hidden = choice != toCell
		s.person.Refresh()
		s.cell.Refresh()
		s.updateMake()
	})
	s.to.Horizontal = true
	s.to.Required = true
	s.makeButton = widget.NewButtonWithIcon("Make a sync file", theme.DocumentCreateIcon(), s.makeFile)
	s.makeButton.Importance = widget.HighImportance
	s.nobody = newParagraph("")
	s.nobody.Importance = widget.LowImportance
	s.nobody.Hide()

	s.madeInfo = newParagraph("")
	s.saveButton = widget.NewButtonWithIcon("Save to a file…", theme.DocumentSaveIcon(), s.askSave)
	s.showCodes = widget.NewButtonWithIcon("Show as QR codes", theme.ViewFullScreenIcon(), s.showQR)
	s.copyText = widget.NewButtonWithIcon("Copy as text", theme.ContentCopyIcon(), s.copyToClipboard)
	s.passedOn = newParagraph("")
	s.made = container.NewVBox(s.madeInfo,
		s.saveButton, s.showCodes, s.copyText, s.passedOn)
	s.made.Hide()

	s.openFile = widget.NewButtonWithIcon("Open a file…", theme.FolderOpenIcon(), s.askOpenFile)
	s.scan = widget.NewButtonWithIcon("Scan QR codes with the camera", theme.MediaPhotoIcon(), s.scanCamera)
	s.openPictures = widget.NewButtonWithIcon("Open a folder of QR pictures…", theme.FolderIcon(), s.askOpenPictures)
	s.paste = widget.NewButtonWithIcon("Paste text…", theme.ContentPasteIcon(), s.askPaste)
	s.receiving = newParagraph("")
	s.receiving.Hide()

	s.previewText = newParagraph("")
	s.previewDetails = newParagraph("")
	s.takeIn = widget.NewButtonWithIcon("Take it in", theme.ConfirmIcon(), s.takeItIn)
	s.takeIn.Importance = widget.HighImportance
	s.discard = widget.NewButtonWithIcon("Not now", theme.CancelIcon(), s.discardPreview)
	s.preview = container.NewVBox(widgetHeading("What this sync file brings"), s.previewText, s.previewDetails,
		container.NewHBox(s.takeIn, s.discard))
	s.preview.Hide()
	s.result = newParagraph("")
	s.result.Hide()

	send := widget.NewCard("Send", "", container.NewVBox(
		newParagraph("Make a sync file with what is new for someone, then carry it to them."), s.to, s.person, s.cell, s.nobody, container.NewHBox(s.makeButton), s.made))
	receive := widget.NewCard("Receive", "", container.NewVBox(
		newParagraph("Take in a sync file someone made for you. You see what it changes before anything is changed."), s.openFile, s.paste, s.scan, s.openPictures, s.receiving, s.preview, s.result))
	intro := newParagraph("trustdesk has no server: what you and your cells record reaches others only " +
		"in sync files that you carry to them, and theirs reach you the same way.")
	// Send and Receive side by side, from the left edge like every other
	// screen: a message under one never moves the buttons of the other.
	s.scroll = container.NewVScroll(container.NewPadded(container.NewVBox(heading("Sync"), intro,
		container.NewGridWithColumns(2, container.NewVBox(send), container.NewVBox(receive)))))
	s.content = s.scroll
	s.to.SetSelected(toPerson)
	s.Refresh()
	return s
}

// Content returns the screen's root object.
func (s *syncScreen) Content() fyne.CanvasObject { return s.content }

// Refresh reads the contacts and cells again for the two pickers, keeping
// what was picked if it is still there.
func (s *syncScreen) Refresh() {
	if s.u.svc == nil {
		return
	}
	// The people a file can go to: my own contacts and the members of my
	// cells, not everyone whose card was published in a cell (thousands,
	// read at every start).
	contacts, err := s.u.svc.OwnContacts()
	if err != nil {
		s.u.showError(err)
		return
	}
	views, err := s.u.svc.Cells()
	if err != nil {
		s.u.showError(err)
		return
	}
	seen := map[identity.ID]bool{}
	for _, c := range contacts {
		seen[c.ID()] = true
	}
	for _, v := range views {
		if v.Me != crdt.StatusMember {
			continue
		}
		for _, m := range v.Members() {
			if m.IsMe || seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			if c, err := s.u.svc.Contact(m.ID); err == nil {
				contacts = append(contacts, c)
			}
		}
	}
	slices.SortStableFunc(contacts, func(a, b *core.Contact) int {
		return strings.Compare(strings.ToLower(a.Name()), strings.ToLower(b.Name()))
	})
	s.people = map[string]identity.ID{}
	var names []string
	people := s.u.svc.ContactLabels(contacts) // look-alike names told apart
	for _, c := range contacts {
		if c.Blocked {
			continue
		}
		label := people[c.ID()]
		if _, dup := s.people[label]; dup {
			label += " (" + c.ID().String()[:8] + ")"
		}
		s.people[label] = c.ID()
		names = append(names, label)
	}
	s.person.SetOptions(names)
	if _, ok := s.people[s.person.Selected]; !ok {
		s.person.ClearSelected()
	}

	s.cells = map[string]crdt.CellID{}
	names = nil
	labels := core.CellLabels(views)
	for _, v := range views {
		// A cell I left too, so that my departure reaches the others.
		if v.Me != crdt.StatusMember && v.Me != crdt.StatusLeft {
			continue
		}
		label := labels[v.ID]
		if _, dup := s.cells[label]; dup {
			label += " (" + v.ID.String()[:8] + ")"
		}
		s.cells[label] = v.ID
		names = append(names, label)
	}
	s.cell.SetOptions(names)
	if _, ok := s.cells[s.cell.Selected]; !ok {
		s.cell.ClearSelected()
	}
	s.updateMake()
}

// updateMake enables Make once someone is picked, and says what to do
// first when there is nobody to pick.
func (s *syncScreen) updateMake() {
	if s.makeButton == nil {
		return
	}
	switch {
	case s.to.Selected == toPerson && len(s.person.Options) == 0:
		s.nobody.SetText("Nobody to send to yet. Add someone first: meet them on Meet in person, or paste the card they sent you on People.")
		s.nobody.Show()
	case s.to.Selected == toCell && len(s.cell.Options) == 0:
		s.nobody.SetText("You are in no cell yet. Make one on Cells, or accept an invitation there once someone's sync file brings one.")
		s.nobody.Show()
	default:
		s.nobody.Hide()
	}
	if (s.to.Selected == toCell && s.cell.Selected != "") || (s.to.Selected == toPerson && s.person.Selected != "") {
		s.makeButton.Enable()
	} else {
		s.makeButton.Disable()
	}
}

// showTab switches to the Sync tab.
func (s *syncScreen) showTab() {
	if s.u.tabs == nil {
		return
	}
	for _, item := range s.u.tabs.Items {
		if item.Content == s.content {
			s.u.tabs.Select(item)
		}
	}
}

// forCell switches to the Sync tab and makes a sync file for everyone in
// the cell with id.
func (s *syncScreen) forCell(id crdt.CellID) {
	for label, c := range s.cells {
		if c == id {
			s.to.SetSelected(toCell)
			s.cell.SetSelected(label)
		}
	}
	s.showTab()
	s.makeFile()
}

// makeFile makes a sync file for the person or cell picked.
func (s *syncScreen) makeFile() {
	var req core.ExportRequest
	switch {
	case s.to.Selected == toCell && s.cell.Selected != "":
		req.Cells = []crdt.CellID{s.cells[s.cell.Selected]}
	case s.to.Selected == toPerson && s.person.Selected != "":
		id := s.people[s.person.Selected]
		req.To = &id
		s.u.confirmUnverified(id, "Send it anyway", func() { s.export(req) })
		return
	default:
		return
	}
	s.export(req)
}

// export makes the sync file req asks for and shows it.
func (s *syncScreen) export(req core.ExportRequest) {
	var res *core.ExportResult
	s.u.runBusy("Making the sync file…", func() error {
		var err error
		res, err = s.u.svc.Export(req)
		return err
	}, func() { s.showMade(res) })
}

// showMade shows the sync file just made and the ways to pass it on.
func (s *syncScreen) showMade(res *core.ExportResult) {
	s.madeFile = res
	var cells []string
	for _, c := range res.Cells {
		cells = append(cells, c.Name)
	}
	text := fmt.Sprintf("A sync file for %s is ready. It carries %s from %s.",
		core.Names(res.Recipients), words.Count(res.Statements, "update", "updates"), strings.Join(cells, ", "))
	if len(cells) == 0 {
		text = fmt.Sprintf("A sync file for %s is ready. You share no cell yet, so it only carries your card.",
			core.Names(res.Recipients))
	}
	s.madeInfo.SetText(text + " Only they can open it. How do you want to pass it on?")
	s.passedOn.SetText("")
	s.passedOn.Hide()
	s.made.Show()
	// The ways to pass it on end the Send column, below the fold on a
	// small screen.
	s.showBottom()
}

// askSave asks where to save the sync file.
func (s *syncScreen) askSave() {
	if s.madeFile == nil {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			s.u.showError(err)
			return
		}
		if w != nil {
			s.saveTo(w)
		}
	}, s.u.win)
	d.SetFileName(export.FileName())
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// saveTo writes the sync file to w and closes it.
func (s *syncScreen) saveTo(w fyne.URIWriteCloser) {
	data := s.madeFile.Data
	s.u.runBusy("Saving the sync file…", func() error {
		_, err := w.Write(data)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		return err
	}, func() {
		s.passedOn.SetText("Saved as " + w.URI().Name() + ". Carry the file to them, on a USB stick for example; " +
			"they open it with Sync, Receive, Open a file.")
		s.passedOn.Show()
	})
}

// copyToClipboard puts the sync file on the clipboard as text, for a messenger.
func (s *syncScreen) copyToClipboard() {
	if s.madeFile == nil {
		return
	}
	text, err := export.ArmorWithNote(s.madeFile.Data)
	if err != nil {
		s.u.showError(err)
		return
	}
	s.u.app.Clipboard().SetContent(string(text))
	s.passedOn.SetText("Copied as text. Paste it into a message to them; " +
		"they copy it and choose Sync, Receive, Paste text. Nobody else can read it.")
	s.passedOn.Show()
}

// showQR opens the QR player with the sync file.
func (s *syncScreen) showQR() {
	if s.madeFile == nil {
		return
	}
	data := s.madeFile.Data
	var seq *qr.Sequence
	s.u.runBusy("Preparing the QR codes…", func() error {
		var err error
		seq, err = qr.Encode(data, qr.Normal)
		return err
	}, func() {
		p := newQRPlayer(s.u, data, seq)
		s.player = p
		c := s.u.win.Canvas()
		keys := c.OnTypedKey()
		c.SetOnTypedKey(p.TypedKey)
		s.u.showPage(p.Content(), func() {
			p.stop()
			c.SetOnTypedKey(keys)
			s.player = nil
		})
		p.play()
	})
}

// newParagraph is a label that wraps at word boundaries.
func newParagraph(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// readAllLimited reads at most limit bytes from r and closes it.
func readAllLimited(r io.ReadCloser, limit int64) ([]byte, error) {
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, export.ErrTooLarge
	}
	return data, nil
}
