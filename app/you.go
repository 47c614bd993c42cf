package app

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
)

// WipeWord is the word a person types to confirm erasing trustdesk from
// this computer.
const WipeWord = "ERASE"

// YouScreen shows my own card (QR code and text to copy), the details that
// identify it, and the safety actions: backup, change of passphrase, lock
// and wipe.
type YouScreen struct {
	u       *UI
	content fyne.CanvasObject

	// Name is my name as my card shows it.
	Name *widget.Label
	// MyCode is my card's QR code.
	MyCode *canvas.Image
	// CardText is my card as text, to send by message.
	CardText *widget.Label
	// Copy copies the card text.
	Copy *widget.Button
	// SavePicture saves my card's QR code as a picture.
	SavePicture *widget.Button
	// Details say when my card was made.
	Details *widget.Label

	// Backup saves a backup file.
	Backup *widget.Button
	// ChangePassphrase asks for a new passphrase.
	ChangePassphrase *widget.Button
	// Lock locks the app.
	Lock *widget.Button
	// Wipe erases everything trustdesk keeps on this computer.
	Wipe *widget.Button

	// Pass1 and Pass2 are the two passphrase fields of the backup or
	// change-passphrase question while it is open; Strength says how strong
	// Pass1 looks.
	Pass1, Pass2 *dialogEntry
	Strength     *widget.Label
	// WipeConfirm is the field where the word ERASE is typed.
	WipeConfirm *dialogEntry

	// Guardians is the guardians panel (guardians.go).
	Guardians *GuardiansPanel
	// Replace is the panel about a taken computer (replace.go).
	Replace *ReplacePanel
}

// newYouScreen builds the You screen.
func newYouScreen(u *UI) *YouScreen {
	s := &YouScreen{u: u}
	card := u.Svc.Card()
	s.Name = heading(card.Pseudonym)
	s.MyCode = canvas.NewImageFromImage(nil)
	s.MyCode.ScaleMode = canvas.ImageScalePixels
	s.MyCode.FillMode = canvas.ImageFillOriginal
	s.MyCode.Image = cardCode(card.String(), 260)
	s.CardText = widget.NewLabel(card.String())
	s.CardText.Wrapping = fyne.TextWrapBreak
	s.CardText.TextStyle.Monospace = true
	s.CardText.Selectable = true
	s.Copy, s.SavePicture = u.cardButtons()
	s.Details = wrapped("Your card was made on " + dayWords(card.Created) +
		". Anyone can check it is yours by comparing the safety code with you in person.")
	s.Details.Importance = widget.LowImportance

	sendHelp := wrapped("Send this text or the picture to someone who cannot meet you yet. Their trustdesk will mark you as not verified until you meet and compare the safety code.")
	sendHelp.Importance = widget.LowImportance
	cardBox := widget.NewCard(cardTitle(u), "", container.NewBorder(nil, nil, container.NewCenter(s.MyCode), nil,
		container.NewVBox(s.CardText, container.NewHBox(s.Copy, s.SavePicture), sendHelp, s.Details)))

	s.Backup = widget.NewButtonWithIcon("Save a backup…", theme.DocumentSaveIcon(), s.askBackup)
	s.ChangePassphrase = widget.NewButtonWithIcon("Change passphrase…", theme.SettingsIcon(), s.askPassphrase)
	s.Lock = widget.NewButtonWithIcon("Lock", theme.LogoutIcon(), u.Lock)
	s.Wipe = widget.NewButtonWithIcon("Erase trustdesk from this computer…", theme.DeleteIcon(), s.askWipe)
	s.Wipe.Importance = widget.DangerImportance

	// The buttons make one column as wide as the widest of them.
	var width float32 = 220
	for _, b := range []*widget.Button{s.Backup, s.ChangePassphrase, s.Lock, s.Wipe} {
		width = max(width, b.MinSize().Width)
	}
	row := func(b *widget.Button, text string) fyne.CanvasObject {
		l := wrapped(text)
		l.Importance = widget.LowImportance
		return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(width, b.MinSize().Height), b), nil, l)
	}
	safety := widget.NewCard("Keep it safe", "", container.NewVBox(
		row(s.Backup, "One file with your card, your people and your cells. Keep it on a USB stick, away from this computer."),
		row(s.ChangePassphrase, "Choose a new passphrase for this computer."),
		row(s.Lock, "Close everything until the passphrase is typed again."),
		row(s.Wipe, "Destroy your card and everything else trustdesk keeps here; nothing else on the computer is touched. It cannot be undone."),
	))
	s.Guardians = newGuardiansPanel(u)
	s.Replace = newReplacePanel(u)
	s.content = container.NewVScroll(container.NewPadded(container.NewVBox(s.Name, s.Replace.Content(), cardBox, s.Guardians.Content(), safety)))
	return s
}

// Content returns the screen's widgets.
func (s *YouScreen) Content() fyne.CanvasObject { return s.content }

// Refresh reads the guardians afresh (my card itself changes only when it
// comes back on a new computer, and then every screen is built again).
func (s *YouScreen) Refresh() {
	s.Guardians.Refresh()
	s.Replace.Refresh()
}

// passphraseFields builds the two passphrase fields with a strength hint.
func (s *YouScreen) passphraseFields() fyne.CanvasObject {
	s.Pass1 = s.u.newDialogPassword()
	s.Pass2 = s.u.newDialogPassword()
	s.Strength = widget.NewLabel("")
	s.Strength.TextStyle.Italic = true
	s.Pass1.OnChanged = func(p string) {
		hint, _ := passphraseHint(p)
		s.Strength.SetText(hint)
	}
	s.Pass1.OnChanged("")
	return widget.NewForm(
		widget.NewFormItem("Passphrase", s.Pass1),
		widget.NewFormItem("", s.Strength),
		widget.NewFormItem("Type it again", s.Pass2))
}

// checkPassphrase returns the passphrase typed twice, or an error that
// says what is wrong.
func (s *YouScreen) checkPassphrase() ([]byte, error) {
	if _, ok := passphraseHint(s.Pass1.Text); !ok {
		return nil, errors.New("choose a longer passphrase: at least 8 characters, better a few words")
	}
	if s.Pass1.Text != s.Pass2.Text {
		return nil, core.ErrPassphraseMismatch
	}
	return []byte(s.Pass1.Text), nil
}

// askBackup asks for the backup's passphrase, then where to save it.
func (s *YouScreen) askBackup() {
	help := wrapped("The backup is locked with a passphrase of its own. You need it to restore, so write it down; it may be the same as your usual one.")
	s.u.ask("Save a backup", container.NewVBox(help, s.passphraseFields()), "Choose where to save…", func() {
		p, err := s.checkPassphrase()
		if err != nil {
			s.u.ShowError(err)
			return
		}
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil {
				s.u.ShowError(err)
				return
			}
			if w == nil {
				return
			}
			s.SaveBackup(w, p, func() { _ = w.Close() })
		}, s.u.Win)
		d.SetFileName("trustdesk-backup-" + s.u.now().Format("2006-01-02") + ".tdbackup")
		d.Resize(fyne.NewSize(760, 520))
		d.Show()
	})
}

// SaveBackup writes a backup locked with passphrase to w off the UI
// goroutine, then calls closed (may be nil) and says it is done.
func (s *YouScreen) SaveBackup(w io.Writer, passphrase []byte, closed func()) {
	var buf bytes.Buffer
	s.u.Busy("Saving your backup…", func() error {
		if err := s.u.Svc.Backup(&buf, passphrase); err != nil {
			return err
		}
		_, err := w.Write(buf.Bytes())
		if closed != nil {
			closed()
		}
		return err
	}, func() {
		s.u.tell("Backup saved", "Your backup is saved. Keep it somewhere safe, away from this computer, and remember its passphrase.")
	})
}

// askPassphrase asks for a new passphrase and changes it.
func (s *YouScreen) askPassphrase() {
	s.u.ask("Change passphrase", s.passphraseFields(), "Change", func() {
		p, err := s.checkPassphrase()
		if err != nil {
			s.u.ShowError(err)
			return
		}
		s.u.Busy("Changing your passphrase…", func() error {
			return s.u.Svc.ChangePassphrase(p)
		}, func() {
			s.u.tell("Passphrase changed", "From now on, unlock with your new passphrase. The old one no longer opens your data, not even an old copy of it. Backups you saved before still open with their own passphrase.")
		})
	})
}

// askWipe asks for the word ERASE before destroying everything.
func (s *YouScreen) askWipe() {
	s.WipeConfirm = s.u.newDialogEntry()
	s.WipeConfirm.SetPlaceHolder("Type " + WipeWord + " here")
	warn := wrapped("This destroys your card, your people, your cells and your ratings on this computer. " +
		"Without a backup they are gone for good. Type " + WipeWord + " to go ahead.")
	warn.Importance = widget.DangerImportance
	s.u.ask("Erase trustdesk from this computer?", container.NewVBox(warn, s.WipeConfirm), "Erase everything", s.wipe)
	s.u.Yes.Importance = widget.DangerImportance
	s.u.Yes.Disable()
	s.u.Win.Canvas().Focus(s.WipeConfirm)
	yes := s.u.Yes
	s.WipeConfirm.OnChanged = func(t string) {
		if strings.TrimSpace(t) == WipeWord {
			yes.Enable()
		} else {
			yes.Disable()
		}
	}
}

// wipe destroys everything once ERASE was typed.
func (s *YouScreen) wipe() {
	if s.WipeConfirm == nil || strings.TrimSpace(s.WipeConfirm.Text) != WipeWord {
		return
	}
	u := s.u
	home := u.Svc.Home()
	u.Lock()
	if err := core.Wipe(home); err != nil {
		u.ShowError(err)
	}
	u.showStart()
}
