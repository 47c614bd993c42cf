package app

import (
	"bytes"
	"errors"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
)

// maxBackup is the largest backup file the app reads into memory.
const maxBackup = 512 << 20

// StartScreen is the way in. On a new device it offers two choices, making
// a card or restoring a backup; on a device that already holds a card it
// asks for the passphrase.
type StartScreen struct {
	u       *UI
	content fyne.CanvasObject

	// FirstRun is true when this device holds no card yet.
	FirstRun bool

	// Choices switches between "Make your card", "Restore a backup" and
	// "Get my card back" (first run only).
	Choices *container.AppTabs
	// Recover is the "Get my card back" form (recover.go).
	Recover *RecoverForm

	// Name is the name on the new card.
	Name *widget.Entry
	// NewPassphrase and Repeat are the new passphrase, typed twice.
	NewPassphrase, Repeat *widget.Entry
	// Strength says how strong the new passphrase looks.
	Strength *widget.Label
	// Create makes the card.
	Create *widget.Button
	// CreateMessage says what is wrong with the form, if anything.
	CreateMessage *widget.Label

	// BackupName shows which backup file was chosen.
	BackupName *widget.Label
	// ChooseBackup opens a file dialog to pick the backup.
	ChooseBackup *widget.Button
	// BackupPassphrase is the passphrase the backup was saved with.
	BackupPassphrase *widget.Entry
	// Restore restores the chosen backup.
	Restore *widget.Button
	// RestoreMessage says what is missing, if anything.
	RestoreMessage *widget.Label

	// Passphrase is the passphrase typed to unlock.
	Passphrase *widget.Entry
	// Unlock unlocks with Passphrase.
	Unlock *widget.Button
	// UnlockMessage says "Wrong passphrase" after a failed try.
	UnlockMessage *widget.Label

	backup []byte
}

// newStartScreen builds the way in for u's home.
func newStartScreen(u *UI) *StartScreen {
	s := &StartScreen{u: u, FirstRun: !core.HasIdentity(u.Opts.Home)}
	icon := canvas.NewImageFromResource(appIcon())
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(96, 96))
	heading := widget.NewLabelWithStyle("Welcome to trustdesk", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameHeadingText

	var body fyne.CanvasObject
	if s.FirstRun {
		about := wrapped("trustdesk helps a small group of people know whom they can count on. " +
			"You meet face to face, swap cards, and keep your own private record of who " +
			"turned out to be safe and reliable. Nothing leaves this computer unless you carry it.")
		about.Alignment = fyne.TextAlignCenter
		s.Recover = newRecoverForm(u)
		s.Choices = container.NewAppTabs(
			container.NewTabItemWithIcon("Make your card", theme.AccountIcon(), s.makeCard()),
			container.NewTabItemWithIcon("Restore a backup", theme.UploadIcon(), s.restoreBackup()),
			container.NewTabItemWithIcon("Get my card back", theme.HistoryIcon(), s.Recover.Content()),
		)
		body = container.NewVBox(container.NewCenter(icon), heading, about, s.Choices)
	} else {
		heading.SetText("Welcome back")
		body = container.NewVBox(container.NewCenter(icon), heading, s.unlock())
	}
	s.content = container.NewVScroll(container.New(column{maxWidth: 520},
		container.NewVBox(layout.NewSpacer(), body, layout.NewSpacer())))
	return s
}

// Content returns the screen's widgets.
func (s *StartScreen) Content() fyne.CanvasObject { return s.content }

// makeCard builds the "Make your card" form.
func (s *StartScreen) makeCard() fyne.CanvasObject {
	s.Name = widget.NewEntry()
	s.Name.SetPlaceHolder("The name people will see, e.g. Mara")
	s.NewPassphrase = widget.NewPasswordEntry()
	s.NewPassphrase.SetPlaceHolder("A few words you can remember")
	s.Repeat = widget.NewPasswordEntry()
	s.Repeat.SetPlaceHolder("The same passphrase again")
	s.Strength = widget.NewLabel("")
	s.Strength.TextStyle.Italic = true
	s.NewPassphrase.OnChanged = func(p string) {
		hint, _ := passphraseHint(p)
		s.Strength.SetText(hint)
	}
	s.NewPassphrase.OnChanged("")
	warning := wrapped("Write your passphrase down somewhere safe. It cannot be recovered: " +
		"if you forget it, nobody can open your card, not even us. A backup only helps if you " +
		"remember the passphrase it was saved with.")
	warning.Importance = widget.WarningImportance
	s.CreateMessage = wrapped("")
	s.CreateMessage.Importance = widget.DangerImportance
	s.CreateMessage.Hide()
	s.Create = widget.NewButtonWithIcon("Make my card", theme.ConfirmIcon(), s.create)
	s.Create.Importance = widget.HighImportance
	s.Repeat.OnSubmitted = func(string) { s.create() }
	form := widget.NewForm(
		widget.NewFormItem("Your name", s.Name),
		widget.NewFormItem("Passphrase", s.NewPassphrase),
		widget.NewFormItem("", s.Strength),
		widget.NewFormItem("Type it again", s.Repeat),
	)
	intro := wrapped("Your card carries the name you choose, not your legal name. A passphrase protects everything on this computer.")
	return container.NewVBox(intro, form, warning, s.CreateMessage, s.Create)
}

// create checks the form and makes the card.
func (s *StartScreen) create() {
	say := func(msg string) {
		s.CreateMessage.SetText(msg)
		s.CreateMessage.Show()
	}
	p := s.NewPassphrase.Text
	if msg := passphraseProblem(p, s.Repeat.Text); msg != "" {
		say(msg)
		return
	}
	if s.Name.Text == "" {
		say("Type the name people will see on your card.")
		return
	}
	s.CreateMessage.Hide()
	name, home, opt := s.Name.Text, s.u.Opts.Home, s.u.Opts.Core
	var svc *core.Service
	s.u.busyThen("Making your card and locking it with your passphrase…", func() error {
		var err error
		svc, err = core.Init(home, name, []byte(p), opt)
		return err
	}, func(err error) {
		if err != nil {
			say(explain(err))
			return
		}
		s.u.unlocked(svc)
	})
}

// passphraseProblem says what is wrong with a new passphrase typed twice,
// or "" when there is nothing.
func passphraseProblem(p, again string) string {
	if _, ok := passphraseHint(p); !ok {
		return "Choose a longer passphrase: at least 8 characters, better a few words."
	}
	if p != again {
		return explain(core.ErrPassphraseMismatch)
	}
	return ""
}

// restoreBackup builds the "Restore a backup" form.
func (s *StartScreen) restoreBackup() fyne.CanvasObject {
	intro := wrapped("Moving to a new computer, or starting again after a loss? Open the backup file you saved and type the passphrase it was saved with.")
	s.BackupName = widget.NewLabel("No file chosen yet")
	s.BackupName.TextStyle.Italic = true
	s.ChooseBackup = widget.NewButtonWithIcon("Choose the backup file…", theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil {
				s.u.ShowError(err)
				return
			}
			if r == nil {
				return
			}
			defer r.Close()
			if err := s.UseBackup(r.URI().Name(), r); err != nil {
				s.u.ShowError(err)
			}
		}, s.u.Win)
		d.Resize(fyne.NewSize(760, 520))
		d.Show()
	})
	s.BackupPassphrase = widget.NewPasswordEntry()
	s.BackupPassphrase.SetPlaceHolder("The passphrase of the backup")
	s.RestoreMessage = wrapped("")
	s.RestoreMessage.Importance = widget.DangerImportance
	s.RestoreMessage.Hide()
	s.Restore = widget.NewButtonWithIcon("Restore", theme.ConfirmIcon(), s.restore)
	s.Restore.Importance = widget.HighImportance
	s.BackupPassphrase.OnSubmitted = func(string) { s.restore() }
	form := widget.NewForm(
		widget.NewFormItem("Backup", container.NewBorder(nil, nil, nil, s.ChooseBackup, s.BackupName)),
		widget.NewFormItem("Passphrase", s.BackupPassphrase),
	)
	return container.NewVBox(intro, form, s.RestoreMessage, s.Restore)
}

// UseBackup reads the backup file called name from r, ready to restore.
func (s *StartScreen) UseBackup(name string, r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, maxBackup+1))
	if err != nil {
		return err
	}
	if len(data) > maxBackup {
		return errors.New("that file is far too large to be a trustdesk backup")
	}
	s.backup = data
	s.BackupName.SetText(name)
	s.BackupName.TextStyle.Italic = false
	s.BackupName.Refresh()
	return nil
}

// restore restores the chosen backup with the typed passphrase.
func (s *StartScreen) restore() {
	say := func(msg string) {
		s.RestoreMessage.SetText(msg)
		s.RestoreMessage.Show()
	}
	if s.backup == nil {
		say("Choose the backup file first.")
		return
	}
	if s.BackupPassphrase.Text == "" {
		say("Type the passphrase the backup was saved with.")
		return
	}
	s.RestoreMessage.Hide()
	data, p, home, opt := s.backup, []byte(s.BackupPassphrase.Text), s.u.Opts.Home, s.u.Opts.Core
	var svc *core.Service
	s.u.busyThen("Restoring your backup…", func() error {
		var err error
		svc, err = core.Restore(home, bytes.NewReader(data), p, opt)
		return err
	}, func(err error) {
		switch {
		case errors.Is(err, core.ErrWrongPassphrase):
			say("Wrong passphrase: type the passphrase this backup was saved with.")
			s.BackupPassphrase.SetText("")
		case err != nil:
			say(explain(err))
		default:
			s.u.unlocked(svc)
		}
	})
}

// unlock builds the unlock form.
func (s *StartScreen) unlock() fyne.CanvasObject {
	intro := wrapped("Type your passphrase to open your card and your people.")
	intro.Alignment = fyne.TextAlignCenter
	s.Passphrase = widget.NewPasswordEntry()
	s.Passphrase.SetPlaceHolder("Your passphrase")
	s.UnlockMessage = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.UnlockMessage.Importance = widget.DangerImportance
	s.UnlockMessage.Hide()
	s.Unlock = widget.NewButtonWithIcon("Unlock", theme.LoginIcon(), func() {
		if s.Passphrase.Text == "" {
			s.UnlockMessage.SetText("Type your passphrase first.")
			s.UnlockMessage.Show()
			return
		}
		s.unlockWith([]byte(s.Passphrase.Text))
	})
	s.Unlock.Importance = widget.HighImportance
	s.Passphrase.OnSubmitted = func(string) { s.Unlock.OnTapped() }
	forgot := wrapped("Forgot it? Nobody can recover it, not even us. A backup opens only with the passphrase it was saved with.")
	forgot.Importance = widget.LowImportance
	return container.NewVBox(intro, s.Passphrase, s.UnlockMessage, s.Unlock, forgot)
}

// unlockWith opens the home with passphrase off the UI goroutine. A wrong
// passphrase leaves the unlock screen up with "Wrong passphrase".
func (s *StartScreen) unlockWith(passphrase []byte) {
	home, opt := s.u.Opts.Home, s.u.Opts.Core
	var svc *core.Service
	s.u.busyThen("Unlocking…", func() error {
		var err error
		svc, err = core.Unlock(home, passphrase, opt)
		return err
	}, func(err error) {
		switch {
		case errors.Is(err, core.ErrWrongPassphrase):
			s.UnlockMessage.SetText("Wrong passphrase. Please try again.")
			s.UnlockMessage.Show()
			s.Passphrase.SetText("")
			s.u.Win.Canvas().Focus(s.Passphrase)
		case err != nil:
			s.UnlockMessage.SetText(explain(err))
			s.UnlockMessage.Show()
		default:
			s.u.unlocked(svc)
		}
	})
}

// wrapped returns a label that wraps its text at word boundaries.
func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}
