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

// startScreen is the way in. On a new device it offers two choices, making
// a card or restoring a backup; on a device that already holds a card it
// asks for the passphrase.
type startScreen struct {
	u       *ui
	content fyne.CanvasObject

	// firstRun is true when this device holds no card yet.
	firstRun bool

	// choices switches between "Make your card", "Restore a backup" and
	// "Get my card back" (first run only).
	choices *container.AppTabs
	// recovering is the "Get my card back" form (recover.go).
	recovering *recoverForm

	// name is the name on the new card.
	name *widget.Entry
	// newPassphrase and Repeat are the new passphrase, typed twice.
	newPassphrase, repeat *widget.Entry
	// strength says how strong the new passphrase looks.
	strength *widget.Label
	// createButton makes the card.
	createButton *widget.Button
	// createMessage says what is wrong with the form, if anything.
	createMessage *widget.Label

	// backupName shows which backup file was chosen.
	backupName *widget.Label
	// chooseBackup opens a file dialog to pick the backup.
	chooseBackup *widget.Button
	// backupPassphrase is the passphrase the backup was saved with.
	backupPassphrase *widget.Entry
	// restoreButton restores the chosen backup.
	restoreButton *widget.Button
	// restoreMessage says what is missing, if anything.
	restoreMessage *widget.Label

	// passphrase is the passphrase typed to unlock.
	passphrase *widget.Entry
	// unlockButton unlocks with Passphrase.
	unlockButton *widget.Button
	// unlockMessage says "Wrong passphrase" after a failed try.
	unlockMessage *widget.Label

	backup []byte
}

// newStartScreen builds the way in for u's home.
func newStartScreen(u *ui) *startScreen {
	s := &startScreen{u: u, firstRun: !core.HasIdentity(u.opts.Home)}
	icon := canvas.NewImageFromResource(appIcon())
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(96, 96))
	heading := widget.NewLabelWithStyle("Welcome to trustdesk", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameHeadingText

	var body fyne.CanvasObject
	if s.firstRun {
		about := wrapped("trustdesk helps a small group of people know whom they can count on. " +
			"You meet face to face, swap cards, and keep your own private record of who " +
			"turned out to be safe and reliable. Nothing leaves this computer unless you carry it.")
		about.Alignment = fyne.TextAlignCenter
		s.recovering = newRecoverForm(u)
		s.choices = container.NewAppTabs(
			container.NewTabItemWithIcon("Make your card", theme.AccountIcon(), s.makeCard()),
			container.NewTabItemWithIcon("Restore a backup", theme.UploadIcon(), s.restoreBackup()),
			container.NewTabItemWithIcon("Get my card back", theme.HistoryIcon(), s.recovering.Content()),
		)
		body = container.NewVBox(container.NewCenter(icon), heading, about, s.choices)
	} else {
		heading.SetText("Welcome back")
		body = container.NewVBox(container.NewCenter(icon), heading, s.unlock())
	}
	s.content = container.NewVScroll(container.New(column{maxWidth: 520},
		container.NewVBox(layout.NewSpacer(), body, layout.NewSpacer())))
	return s
}

// Content returns the screen's widgets.
func (s *startScreen) Content() fyne.CanvasObject { return s.content }

// makeCard builds the "Make your card" form.
func (s *startScreen) makeCard() fyne.CanvasObject {
	s.name = widget.NewEntry()
	s.name.SetPlaceHolder("The name people will see, e.g. Mara")
	s.newPassphrase = widget.NewPasswordEntry()
	s.newPassphrase.SetPlaceHolder("A few words you can remember")
	s.repeat = widget.NewPasswordEntry()
	s.repeat.SetPlaceHolder("The same passphrase again")
	s.strength = widget.NewLabel("")
	s.strength.TextStyle.Italic = true
	s.newPassphrase.OnChanged = func(p string) {
		hint, _ := passphraseHint(p)
		s.strength.SetText(hint)
	}
	s.newPassphrase.OnChanged("")
	warning := wrapped("Write your passphrase down somewhere safe. It cannot be recovered: " +
		"if you forget it, nobody can open your card, not even us. A backup only helps if you " +
		"remember the passphrase it was saved with.")
	warning.Importance = widget.WarningImportance
	s.createMessage = wrapped("")
	s.createMessage.Importance = widget.DangerImportance
	s.createMessage.Hide()
	s.createButton = widget.NewButtonWithIcon("Make my card", theme.ConfirmIcon(), s.create)
	s.createButton.Importance = widget.HighImportance
	s.repeat.OnSubmitted = func(string) { s.create() }
	form := widget.NewForm(
		widget.NewFormItem("Your name", s.name),
		widget.NewFormItem("Passphrase", s.newPassphrase),
		widget.NewFormItem("", s.strength),
		widget.NewFormItem("Type it again", s.repeat),
	)
	intro := wrapped("Your card carries the name you choose, not your legal name. A passphrase protects everything on this computer.")
	return container.NewVBox(intro, form, warning, s.createMessage, s.createButton)
}

// create checks the form and makes the card.
func (s *startScreen) create() {
	s.u.makeHome(newHomeForm{
		message: s.createMessage, name: s.name.Text, passphrase: s.newPassphrase.Text, repeat: s.repeat.Text,
		noName: "Type the name people will see on your card.",
		busy:   "Making your card and locking it with your passphrase…",
		make:   core.Init,
	})
}

// newHomeForm is what a form that makes a new home (a card, or a
// temporary card to get one back) asks of makeHome.
type newHomeForm struct {
	message                  *widget.Label
	name, passphrase, repeat string
	noName, busy             string
	make                     func(home, name string, passphrase []byte, opt core.Options) (*core.Service, error)
	then                     func() // after the home is open, if not nil
}

// makeHome checks a new home's name and passphrase, says in f.message
// what is wrong, or makes the home and opens it.
func (u *ui) makeHome(f newHomeForm) {
	say := func(msg string) {
		f.message.SetText(msg)
		f.message.Show()
	}
	if msg := passphraseProblem(f.passphrase, f.repeat); msg != "" {
		say(msg)
		return
	}
	if f.name == "" {
		say(f.noName)
		return
	}
	f.message.Hide()
	home, opt := u.opts.Home, u.opts.Core
	var svc *core.Service
	u.busyThen(f.busy, func() error {
		var err error
		svc, err = f.make(home, f.name, []byte(f.passphrase), opt)
		return err
	}, func(err error) {
		if err != nil {
			say(explain(err))
			return
		}
		u.unlocked(svc)
		if f.then != nil {
			f.then()
		}
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
func (s *startScreen) restoreBackup() fyne.CanvasObject {
	intro := wrapped("Moving to a new computer, or starting again after a loss? Open the backup file you saved and type the passphrase it was saved with.")
	s.backupName = widget.NewLabel("No file chosen yet")
	s.backupName.TextStyle.Italic = true
	s.chooseBackup = widget.NewButtonWithIcon("Choose the backup file…", theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil {
				s.u.showError(err)
				return
			}
			if r == nil {
				return
			}
			defer r.Close()
			if err := s.useBackup(r.URI().Name(), r); err != nil {
				s.u.showError(err)
			}
		}, s.u.win)
		d.Resize(fyne.NewSize(760, 520))
		d.Show()
	})
	s.backupPassphrase = widget.NewPasswordEntry()
	s.backupPassphrase.SetPlaceHolder("The passphrase of the backup")
	s.restoreMessage = wrapped("")
	s.restoreMessage.Importance = widget.DangerImportance
	s.restoreMessage.Hide()
	s.restoreButton = widget.NewButtonWithIcon("Restore", theme.ConfirmIcon(), s.restore)
	s.restoreButton.Importance = widget.HighImportance
	s.backupPassphrase.OnSubmitted = func(string) { s.restore() }
	form := widget.NewForm(
		widget.NewFormItem("Backup", container.NewBorder(nil, nil, nil, s.chooseBackup, s.backupName)),
		widget.NewFormItem("Passphrase", s.backupPassphrase),
	)
	return container.NewVBox(intro, form, s.restoreMessage, s.restoreButton)
}

// useBackup reads the backup file called name from r, ready to restore.
func (s *startScreen) useBackup(name string, r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, maxBackup+1))
	if err != nil {
		return err
	}
	if len(data) > maxBackup {
		return errors.New("that file is far too large to be a trustdesk backup")
	}
	s.backup = data
	s.backupName.SetText(name)
	s.backupName.TextStyle.Italic = false
	s.backupName.Refresh()
	return nil
}

// restore restores the chosen backup with the typed passphrase.
func (s *startScreen) restore() {
	say := func(msg string) {
		s.restoreMessage.SetText(msg)
		s.restoreMessage.Show()
	}
	if s.backup == nil {
		say("Choose the backup file first.")
		return
	}
	if s.backupPassphrase.Text == "" {
		say("Type the passphrase the backup was saved with.")
		return
	}
	s.restoreMessage.Hide()
	data, p, home, opt := s.backup, []byte(s.backupPassphrase.Text), s.u.opts.Home, s.u.opts.Core
	var svc *core.Service
	s.u.busyThen("Restoring your backup…", func() error {
		var err error
		svc, err = core.Restore(home, bytes.NewReader(data), p, opt)
		return err
	}, func(err error) {
		switch {
		case errors.Is(err, core.ErrWrongPassphrase):
			say("Wrong passphrase: type the passphrase this backup was saved with.")
			s.backupPassphrase.SetText("")
		case err != nil:
			say(explain(err))
		default:
			s.u.unlocked(svc)
		}
	})
}

// unlock builds the unlock form.
func (s *startScreen) unlock() fyne.CanvasObject {
	intro := wrapped("Type your passphrase to open your card and your people.")
	intro.Alignment = fyne.TextAlignCenter
	s.passphrase = widget.NewPasswordEntry()
	s.passphrase.SetPlaceHolder("Your passphrase")
	s.unlockMessage = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.unlockMessage.Importance = widget.DangerImportance
	s.unlockMessage.Hide()
	s.unlockButton = widget.NewButtonWithIcon("Unlock", theme.LoginIcon(), func() {
		if s.passphrase.Text == "" {
			s.unlockMessage.SetText("Type your passphrase first.")
			s.unlockMessage.Show()
			return
		}
		s.unlockWith([]byte(s.passphrase.Text))
	})
	s.unlockButton.Importance = widget.HighImportance
	s.passphrase.OnSubmitted = func(string) { s.unlockButton.OnTapped() }
	forgot := wrapped("Forgot it? Nobody can recover it, not even us. A backup opens only with the passphrase it was saved with.")
	forgot.Importance = widget.LowImportance
	return container.NewVBox(intro, s.passphrase, s.unlockMessage, s.unlockButton, forgot)
}

// unlockWith opens the home with passphrase off the UI goroutine. A wrong
// passphrase leaves the unlock screen up with "Wrong passphrase".
func (s *startScreen) unlockWith(passphrase []byte) {
	home, opt := s.u.opts.Home, s.u.opts.Core
	var svc *core.Service
	s.u.busyThen("Unlocking…", func() error {
		var err error
		svc, err = core.Unlock(home, passphrase, opt)
		return err
	}, func(err error) {
		switch {
		case errors.Is(err, core.ErrWrongPassphrase):
			s.unlockMessage.SetText("Wrong passphrase. Please try again.")
			s.unlockMessage.Show()
			s.passphrase.SetText("")
			s.u.win.Canvas().Focus(s.passphrase)
		case err != nil:
			s.unlockMessage.SetText(explain(err))
			s.unlockMessage.Show()
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
