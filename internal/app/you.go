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

// wipeWord is the word a person types to confirm erasing trustdesk from
// this computer.
const wipeWord = "ERASE"

// youScreen shows my own card (QR code and text to copy), the details that
// identify it, and the safety actions: backup, change of passphrase, lock
// and wipe.
type youScreen struct {
	u       *ui
	content fyne.CanvasObject

	// name is my name as my card shows it.
	name *widget.Label
	// myCode is my card's QR code.
	myCode *canvas.Image
	// cardText is my card as text, to send by message.
	cardText *widget.Label
	// Copy copies the card text.
	copyButton *widget.Button
	// savePicture saves my card's QR code as a picture.
	savePicture *widget.Button
	// details say when my card was made.
	details *widget.Label

	// backup saves a backup file.
	backup *widget.Button
	// changePassphrase asks for a new passphrase.
	changePassphrase *widget.Button
	// lock locks the app.
	lock *widget.Button
	// wipeButton erases everything trustdesk keeps on this computer.
	wipeButton *widget.Button

	// pass1 and Pass2 are the two passphrase fields of the backup or
	// change-passphrase question while it is open; Strength says how strong
	// pass1 looks.
	pass1, pass2 *dialogEntry
	strength     *widget.Label
	// wipeConfirm is the field where the word ERASE is typed.
	wipeConfirm *dialogEntry

	// guardians is the guardians panel (guardians.go).
	guardians *guardiansPanel
	// replace is the panel about a taken computer (replace.go).
	replace *replacePanel
}

// newYouScreen builds the You screen.
func newYouScreen(u *ui) *youScreen {
	s := &youScreen{u: u}
	card := u.svc.Card()
	s.name = heading(card.Pseudonym)
	s.myCode = canvas.NewImageFromImage(nil)
	s.myCode.ScaleMode = canvas.ImageScalePixels
	s.myCode.FillMode = canvas.ImageFillOriginal
	s.myCode.Image = cardCode(card.String(), 260)
	s.cardText = widget.NewLabel(card.String())
	s.cardText.Wrapping = fyne.TextWrapBreak
	s.cardText.TextStyle.Monospace = true
	s.cardText.Selectable = true
	s.copyButton, s.savePicture = u.cardButtons()
	s.details = wrapped("Your card was made on " + dayWords(card.Created) +
		". Anyone can check it is yours by comparing the safety code with you in person.")
	s.details.Importance = widget.LowImportance

	sendHelp := wrapped("Send this text or the picture to someone who cannot meet you yet. Their trustdesk will mark you as not verified until you meet and compare the safety code.")
	sendHelp.Importance = widget.LowImportance
	cardBox := widget.NewCard(cardTitle(u), "", container.NewBorder(nil, nil, container.NewCenter(s.myCode), nil,
		container.NewVBox(s.cardText, container.NewHBox(s.copyButton, s.savePicture), sendHelp, s.details)))

	s.backup = widget.NewButtonWithIcon("Save a backup…", theme.DocumentSaveIcon(), s.askBackup)
	s.changePassphrase = widget.NewButtonWithIcon("Change passphrase…", theme.SettingsIcon(), s.askPassphrase)
	s.lock = widget.NewButtonWithIcon("Lock", theme.LogoutIcon(), u.lock)
	s.wipeButton = widget.NewButtonWithIcon("Erase trustdesk from this computer…", theme.DeleteIcon(), s.askWipe)
	s.wipeButton.Importance = widget.DangerImportance

	// The buttons make one column as wide as the widest of them.
	var width float32 = 220
	for _, b := range []*widget.Button{s.backup, s.changePassphrase, s.lock, s.wipeButton} {
		width = max(width, b.MinSize().Width)
	}
	row := func(b *widget.Button, text string) fyne.CanvasObject {
		l := wrapped(text)
		l.Importance = widget.LowImportance
		return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(width, b.MinSize().Height), b), nil, l)
	}
	safety := widget.NewCard("Keep it safe", "", container.NewVBox(
		row(s.backup, "One file with your card, your people and your cells. Keep it on a USB stick, away from this computer."),
		row(s.changePassphrase, "Choose a new passphrase for this computer."),
		row(s.lock, "Close everything until the passphrase is typed again."),
		row(s.wipeButton, "Destroy your card and everything else trustdesk keeps here; nothing else on the computer is touched. It cannot be undone."),
	))
	s.guardians = newGuardiansPanel(u)
	s.replace = newReplacePanel(u)
	s.content = container.NewVScroll(container.NewPadded(container.NewVBox(s.name, s.replace.Content(), cardBox, s.guardians.Content(), safety)))
	return s
}

// Content returns the screen's widgets.
func (s *youScreen) Content() fyne.CanvasObject { return s.content }

// Refresh reads the guardians afresh (my card itself changes only when it
// comes back on a new computer, and then every screen is built again).
func (s *youScreen) Refresh() {
	s.guardians.Refresh()
	s.replace.Refresh()
}

// passphraseFields builds the two passphrase fields with a strength hint.
func (s *youScreen) passphraseFields() fyne.CanvasObject {
	s.pass1 = s.u.newDialogPassword()
	s.pass2 = s.u.newDialogPassword()
	s.strength = widget.NewLabel("")
	s.strength.TextStyle.Italic = true
	s.pass1.OnChanged = func(p string) {
		hint, _ := passphraseHint(p)
		s.strength.SetText(hint)
	}
	s.pass1.OnChanged("")
	return widget.NewForm(
		widget.NewFormItem("Passphrase", s.pass1),
		widget.NewFormItem("", s.strength),
		widget.NewFormItem("Type it again", s.pass2))
}

// checkPassphrase returns the passphrase typed twice, or an error that
// says what is wrong.
func (s *youScreen) checkPassphrase() ([]byte, error) {
	if _, ok := passphraseHint(s.pass1.Text); !ok {
		return nil, errors.New("choose a longer passphrase: at least 8 characters, better a few words")
	}
	if s.pass1.Text != s.pass2.Text {
		return nil, core.ErrPassphraseMismatch
	}
	return []byte(s.pass1.Text), nil
}

// askBackup asks for the backup's passphrase, then where to save it.
func (s *youScreen) askBackup() {
	help := wrapped("The backup is locked with a passphrase of its own. You need it to restore, so write it down; it may be the same as your usual one.")
	s.u.ask("Save a backup", container.NewVBox(help, s.passphraseFields()), "Choose where to save…", func() {
		p, err := s.checkPassphrase()
		if err != nil {
			s.u.showError(err)
			return
		}
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil {
				s.u.showError(err)
				return
			}
			if w == nil {
				return
			}
			s.saveBackup(w, p, func() { _ = w.Close() })
		}, s.u.win)
		d.SetFileName("trustdesk-backup-" + s.u.now().Format("2006-01-02") + ".tdbackup")
		d.Resize(fyne.NewSize(760, 520))
		d.Show()
	})
}

// saveBackup writes a backup locked with passphrase to w off the UI
// goroutine, then calls closed (may be nil) and says it is done.
func (s *youScreen) saveBackup(w io.Writer, passphrase []byte, closed func()) {
	var buf bytes.Buffer
	s.u.runBusy("Saving your backup…", func() error {
		if err := s.u.svc.Backup(&buf, passphrase); err != nil {
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
func (s *youScreen) askPassphrase() {
	s.u.ask("Change passphrase", s.passphraseFields(), "Change", func() {
		p, err := s.checkPassphrase()
		if err != nil {
			s.u.showError(err)
			return
		}
		s.u.runBusy("Changing your passphrase…", func() error {
			return s.u.svc.ChangePassphrase(p)
		}, func() {
			s.u.tell("Passphrase changed", "From now on, unlock with your new passphrase. The old one no longer opens your data, not even an old copy of it. Backups you saved before still open with their own passphrase.")
		})
	})
}

// askWipe asks for the word ERASE before destroying everything.
func (s *youScreen) askWipe() {
	s.wipeConfirm = s.u.newDialogEntry()
	s.wipeConfirm.SetPlaceHolder("Type " + wipeWord + " here")
	warn := wrapped("This destroys your card, your people, your cells and your ratings on this computer. " +
		"Without a backup they are gone for good. Type " + wipeWord + " to go ahead.")
	warn.Importance = widget.DangerImportance
	s.u.ask("Erase trustdesk from this computer?", container.NewVBox(warn, s.wipeConfirm), "Erase everything", s.wipe)
	s.u.yes.Importance = widget.DangerImportance
	s.u.yes.Disable()
	s.u.win.Canvas().Focus(s.wipeConfirm)
	yes := s.u.yes
	s.wipeConfirm.OnChanged = func(t string) {
		if strings.TrimSpace(t) == wipeWord {
			yes.Enable()
		} else {
			yes.Disable()
		}
	}
}

// wipe destroys everything once ERASE was typed.
func (s *youScreen) wipe() {
	if s.wipeConfirm == nil || strings.TrimSpace(s.wipeConfirm.Text) != wipeWord {
		return
	}
	u := s.u
	home := u.svc.Home()
	u.lock()
	if err := core.Wipe(home); err != nil {
		u.showError(err)
	}
	u.showStart()
}
