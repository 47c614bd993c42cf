package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
)

// RecoverForm is the "Get my card back" choice of the first-run screen: a
// temporary card that the person's guardians send their recovery pieces to.
type RecoverForm struct {
	u       *UI
	content fyne.CanvasObject

	// Name is the name the guardians know the person by.
	Name *widget.Entry
	// Passphrase and Repeat protect the new computer.
	Passphrase, Repeat *widget.Entry
	// Start makes the temporary card.
	Start *widget.Button
	// Message says what is wrong with the form, if anything.
	Message *widget.Label
}

// newRecoverForm builds the form.
func newRecoverForm(u *UI) *RecoverForm {
	f := &RecoverForm{u: u}
	f.Name = widget.NewEntry()
	f.Name.SetPlaceHolder("The name your guardians know you by")
	f.Passphrase = widget.NewPasswordEntry()
	f.Passphrase.SetPlaceHolder("A few words you can remember")
	f.Repeat = widget.NewPasswordEntry()
	f.Repeat.SetPlaceHolder("The same passphrase again")
	f.Message = wrapped("")
	f.Message.Importance = widget.DangerImportance
	f.Message.Hide()
	f.Start = widget.NewButtonWithIcon("Make a temporary card", theme.ConfirmIcon(), f.start)
	f.Start.Importance = widget.HighImportance
	f.Repeat.OnSubmitted = func(string) { f.start() }
	intro := wrapped("Lost your computer, and chose guardians before? Make a temporary card here and meet them. " +
		"Each compares the safety code with you and gives you a sync file; when enough have come, this computer holds your own card again, " +
		"and your cells come back as your people send you sync files.")
	form := widget.NewForm(
		widget.NewFormItem("Your name", f.Name),
		widget.NewFormItem("Passphrase", f.Passphrase),
		widget.NewFormItem("Type it again", f.Repeat),
	)
	f.content = container.NewVBox(intro, form, f.Message, f.Start)
	return f
}

// Content returns the form.
func (f *RecoverForm) Content() fyne.CanvasObject { return f.content }

// start checks the form, makes the temporary card and opens the You
// screen, where the card and the pieces received are shown.
func (f *RecoverForm) start() {
	say := func(msg string) {
		f.Message.SetText(msg)
		f.Message.Show()
	}
	p := f.Passphrase.Text
	if msg := passphraseProblem(p, f.Repeat.Text); msg != "" {
		say(msg)
		return
	}
	if f.Name.Text == "" {
		say("Type the name your guardians know you by.")
		return
	}
	f.Message.Hide()
	name, home, opt := f.Name.Text, f.u.Opts.Home, f.u.Opts.Core
	var svc *core.Service
	f.u.busyThen("Making your temporary card…", func() error {
		var err error
		svc, err = core.StartRecovery(home, name, []byte(p), opt)
		return err
	}, func(err error) {
		if err != nil {
			say(explain(err))
			return
		}
		f.u.unlocked(svc)
		f.u.Tabs.SelectIndex(len(f.u.Tabs.Items) - 1)
	})
}

// cardTitle is the title of my card on the You screen: a card made to get
// another back is only temporary.
func cardTitle(u *UI) string {
	if _, err := u.Svc.Recovery(); err == nil {
		return "Your temporary card"
	}
	return "Your card"
}
