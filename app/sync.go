package app

import (
	"fmt"
	"io"
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

// The choices of SyncScreen.To.
const (
	toPerson = "One person"
	toCell   = "Everyone in a cell"
)

// SyncScreen is the Sync tab. Its upper half makes a sync file for a person
// or a cell and passes it on (saved to a file, shown as moving QR codes or
// copied as text); its lower half receives one (a file, QR codes from the
// camera or from pictures, pasted text), shows what it would change and
// takes it in. Its widgets are fields so that tests can drive them.
type SyncScreen struct {
	u *UI

	// To chooses between one person and everyone in a cell.
	To *widget.RadioGroup
	// Person and Cell pick whom the file is for.
	Person, Cell *widget.Select
	// Make makes the sync file.
	Make *widget.Button

	// Made is the last sync file made, nil before.
	Made *core.ExportResult
	// MadeInfo says whom it is for and what it carries.
	MadeInfo *widget.Label
	// Save, ShowCodes and CopyText pass it on.
	Save, ShowCodes, CopyText *widget.Button
	// PassedOn says what became of it (saved where, copied).
	PassedOn *widget.Label
	// Player is the open QR player, nil when none is open.
	Player *QRPlayer

	// OpenFile, Scan, OpenPictures and Paste receive a sync file.
	OpenFile, Scan, OpenPictures, Paste *widget.Button
	// Receiving says how far reading pictures of codes one by one came.
	Receiving *widget.Label
	// Scanner is the open camera scan, nil when none is open.
	Scanner *Scanner
	// PasteEntry is the text field of the open paste dialog, nil otherwise.
	PasteEntry *dialogEntry

	// Preview is what the received file would change, nil when none waits.
	Preview *core.ImportSummary
	// PreviewText says it in a sentence; PreviewDetails cell by cell.
	PreviewText, PreviewDetails *widget.Label
	// TakeIn imports the previewed file; Discard drops it.
	TakeIn, Discard *widget.Button
	// Result says what the last file taken in changed.
	Result *widget.Label

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

func newSyncScreen(u *UI) *SyncScreen {
	s := &SyncScreen{u: u, openCamera: openRealCamera}

	s.Person = widget.NewSelect(nil, func(string) { s.updateMake() })
	s.Person.PlaceHolder = "Choose a person"
	s.Cell = widget.NewSelect(nil, func(string) { s.updateMake() })
	s.Cell.PlaceHolder = "Choose a cell"
	s.Cell.Hide()
	s.To = widget.NewRadioGroup([]string{toPerson, toCell}, func(choice string) {
		s.Person.Hidden = choice == toCell
		s.Cell.Hidden = choice != toCell
		s.Person.Refresh()
		s.Cell.Refresh()
		s.updateMake()
	})
	s.To.Horizontal = true
	s.To.Required = true
	s.Make = widget.NewButtonWithIcon("Make a sync file", theme.DocumentCreateIcon(), s.MakeFile)
	s.Make.Importance = widget.HighImportance

	s.MadeInfo = newParagraph("")
	s.Save = widget.NewButtonWithIcon("Save to a file…", theme.DocumentSaveIcon(), s.askSave)
	s.ShowCodes = widget.NewButtonWithIcon("Show as QR codes", theme.ViewFullScreenIcon(), s.ShowQR)
	s.CopyText = widget.NewButtonWithIcon("Copy as text", theme.ContentCopyIcon(), s.Copy)
	s.PassedOn = newParagraph("")
	s.made = container.NewVBox(s.MadeInfo,
		s.Save, s.ShowCodes, s.CopyText, s.PassedOn)
	s.made.Hide()

	s.OpenFile = widget.NewButtonWithIcon("Open a file…", theme.FolderOpenIcon(), s.askOpenFile)
	s.Scan = widget.NewButtonWithIcon("Scan QR codes with the camera", theme.MediaPhotoIcon(), s.ScanCamera)
	s.OpenPictures = widget.NewButtonWithIcon("Open a folder of QR pictures…", theme.FolderIcon(), s.askOpenPictures)
	s.Paste = widget.NewButtonWithIcon("Paste text…", theme.ContentPasteIcon(), s.askPaste)
	s.Receiving = newParagraph("")
	s.Receiving.Hide()

	s.PreviewText = newParagraph("")
	s.PreviewDetails = newParagraph("")
	s.TakeIn = widget.NewButtonWithIcon("Take it in", theme.ConfirmIcon(), s.TakeItIn)
	s.TakeIn.Importance = widget.HighImportance
	s.Discard = widget.NewButtonWithIcon("Not now", theme.CancelIcon(), s.DiscardPreview)
	s.preview = container.NewVBox(widgetHeading("What this sync file brings"), s.PreviewText, s.PreviewDetails,
		container.NewHBox(s.TakeIn, s.Discard))
	s.preview.Hide()
	s.Result = newParagraph("")
	s.Result.Hide()

	send := widget.NewCard("Send", "", container.NewVBox(
		newParagraph("Make a sync file with what is new for someone, then carry it to them."), s.To, s.Person, s.Cell, container.NewHBox(s.Make), s.made))
	receive := widget.NewCard("Receive", "", container.NewVBox(
		newParagraph("Take in a sync file someone made for you. You see what it changes before anything is changed."), s.OpenFile, s.Paste, s.Scan, s.OpenPictures, s.Receiving, s.preview, s.Result))
	intro := newParagraph("trustdesk has no server: what you and your cells record reaches others only " +
		"in sync files that you carry to them, and theirs reach you the same way.")
	// Send and Receive side by side, from the left edge like every other
	// screen: a message under one never moves the buttons of the other.
	s.scroll = container.NewVScroll(container.NewPadded(container.NewVBox(heading("Sync"), intro,
		container.NewGridWithColumns(2, container.NewVBox(send), container.NewVBox(receive)))))
	s.content = s.scroll
	s.To.SetSelected(toPerson)
	s.Refresh()
	return s
}

// Content returns the screen's root object.
func (s *SyncScreen) Content() fyne.CanvasObject { return s.content }

// Refresh reads the contacts and cells again for the two pickers, keeping
// what was picked if it is still there.
func (s *SyncScreen) Refresh() {
	if s.u.Svc == nil {
		return
	}
	contacts, err := s.u.Svc.Contacts()
	if err != nil {
		s.u.ShowError(err)
		return
	}
	s.people = map[string]identity.ID{}
	var names []string
	for _, c := range contacts {
		if c.Blocked {
			continue
		}
		label := c.Name()
		if _, dup := s.people[label]; dup {
			label += " (" + c.ID().String()[:8] + ")"
		}
		s.people[label] = c.ID()
		names = append(names, label)
	}
	s.Person.SetOptions(names)
	if _, ok := s.people[s.Person.Selected]; !ok {
		s.Person.ClearSelected()
	}

	views, err := s.u.Svc.Cells()
	if err != nil {
		s.u.ShowError(err)
		return
	}
	s.cells = map[string]crdt.CellID{}
	names = nil
	labels := core.CellLabels(views)
	for _, v := range views {
		if v.Me != crdt.StatusMember {
			continue
		}
		label := labels[v.ID]
		if _, dup := s.cells[label]; dup {
			label += " (" + v.ID.String()[:8] + ")"
		}
		s.cells[label] = v.ID
		names = append(names, label)
	}
	s.Cell.SetOptions(names)
	if _, ok := s.cells[s.Cell.Selected]; !ok {
		s.Cell.ClearSelected()
	}
	s.updateMake()
}

// updateMake enables Make once someone is picked.
func (s *SyncScreen) updateMake() {
	if s.Make == nil {
		return
	}
	if (s.To.Selected == toCell && s.Cell.Selected != "") || (s.To.Selected == toPerson && s.Person.Selected != "") {
		s.Make.Enable()
	} else {
		s.Make.Disable()
	}
}

// showTab switches to the Sync tab.
func (s *SyncScreen) showTab() {
	if s.u.Tabs == nil {
		return
	}
	for _, item := range s.u.Tabs.Items {
		if item.Content == s.content {
			s.u.Tabs.Select(item)
		}
	}
}

// ForCell switches to the Sync tab and makes a sync file for everyone in
// the cell with id.
func (s *SyncScreen) ForCell(id crdt.CellID) {
	for label, c := range s.cells {
		if c == id {
			s.To.SetSelected(toCell)
			s.Cell.SetSelected(label)
		}
	}
	s.showTab()
	s.MakeFile()
}

// ForPerson switches to the Sync tab with the person with id picked.
func (s *SyncScreen) ForPerson(id identity.ID) {
	for label, p := range s.people {
		if p == id {
			s.To.SetSelected(toPerson)
			s.Person.SetSelected(label)
		}
	}
	s.showTab()
}

// MakeFile makes a sync file for the person or cell picked.
func (s *SyncScreen) MakeFile() {
	var req core.ExportRequest
	switch {
	case s.To.Selected == toCell && s.Cell.Selected != "":
		req.Cells = []crdt.CellID{s.cells[s.Cell.Selected]}
	case s.To.Selected == toPerson && s.Person.Selected != "":
		id := s.people[s.Person.Selected]
		req.To = &id
		s.u.confirmUnverified(id, "Send it anyway", func() { s.export(req) })
		return
	default:
		return
	}
	s.export(req)
}

// export makes the sync file req asks for and shows it.
func (s *SyncScreen) export(req core.ExportRequest) {
	var res *core.ExportResult
	s.u.Busy("Making the sync file…", func() error {
		var err error
		res, err = s.u.Svc.Export(req)
		return err
	}, func() { s.showMade(res) })
}

// showMade shows the sync file just made and the ways to pass it on.
func (s *SyncScreen) showMade(res *core.ExportResult) {
	s.Made = res
	var cells []string
	for _, c := range res.Cells {
		cells = append(cells, c.Name)
	}
	text := fmt.Sprintf("A sync file for %s is ready. It carries %s from %s.",
		personNames(res.Recipients), words.Count(res.Statements, "update", "updates"), strings.Join(cells, ", "))
	if len(cells) == 0 {
		text = fmt.Sprintf("A sync file for %s is ready. You share no cell yet, so it only carries your card.",
			personNames(res.Recipients))
	}
	s.MadeInfo.SetText(text + " Only they can open it. How do you want to pass it on?")
	s.PassedOn.SetText("")
	s.PassedOn.Hide()
	s.made.Show()
	// The ways to pass it on end the Send column, below the fold on a
	// small screen.
	s.showBottom()
}

// askSave asks where to save the sync file.
func (s *SyncScreen) askSave() {
	if s.Made == nil {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			s.u.ShowError(err)
			return
		}
		if w != nil {
			s.SaveTo(w)
		}
	}, s.u.Win)
	d.SetFileName(export.FileName())
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// SaveTo writes the sync file to w and closes it.
func (s *SyncScreen) SaveTo(w fyne.URIWriteCloser) {
	data := s.Made.Data
	s.u.Busy("Saving the sync file…", func() error {
		_, err := w.Write(data)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		return err
	}, func() {
		s.PassedOn.SetText("Saved as " + w.URI().Name() + ". Carry the file to them, on a USB stick for example; " +
			"they open it with Sync, Receive, Open a file.")
		s.PassedOn.Show()
	})
}

// Copy puts the sync file on the clipboard as text, for a messenger.
func (s *SyncScreen) Copy() {
	if s.Made == nil {
		return
	}
	text, err := export.ArmorWithNote(s.Made.Data)
	if err != nil {
		s.u.ShowError(err)
		return
	}
	s.u.App.Clipboard().SetContent(string(text))
	s.PassedOn.SetText("Copied as text. Paste it into a message to them; " +
		"they copy it and choose Sync, Receive, Paste text. Nobody else can read it.")
	s.PassedOn.Show()
}

// ShowQR opens the QR player with the sync file.
func (s *SyncScreen) ShowQR() {
	if s.Made == nil {
		return
	}
	data := s.Made.Data
	var seq *qr.Sequence
	s.u.Busy("Preparing the QR codes…", func() error {
		var err error
		seq, err = qr.Encode(data, qr.Normal)
		return err
	}, func() {
		p := newQRPlayer(s.u, data, seq)
		s.Player = p
		c := s.u.Win.Canvas()
		keys := c.OnTypedKey()
		c.SetOnTypedKey(p.TypedKey)
		s.u.showPage(p.Content(), func() {
			p.Stop()
			c.SetOnTypedKey(keys)
			s.Player = nil
		})
		p.Play()
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
