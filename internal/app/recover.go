package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
)

// recoverForm is the "Get my card back" choice of the first-run screen: a
// temporary card that the person's guardians send their recovery pieces to.
type recoverForm struct {
	u       *ui
	content fyne.CanvasObject

	// name is the name the guardians know the person by.
	name *widget.Entry
	// passphrase and Repeat protect the new computer.
	passphrase, repeat *widget.Entry
	// Start makes the temporary card.
	startButton *widget.Button
	// message says what is wrong with the form, if anything.
	message *widget.Label
}

// newRecoverForm builds the form.
func newRecoverForm(u *ui) *recoverForm {
	f := &recoverForm{u: u}
	f.name = widget.NewEntry()
	f.name.SetPlaceHolder("The name your guardians know you by")
	f.passphrase = widget.NewPasswordEntry()
	f.passphrase.SetPlaceHolder("A few words you can remember")
	f.repeat = widget.NewPasswordEntry()
	f.repeat.SetPlaceHolder("The same passphrase again")
	f.message = wrapped("")
	f.message.Importance = widget.DangerImportance
	f.message.Hide()
	f.startButton = widget.NewButtonWithIcon("Make a temporary card", theme.ConfirmIcon(), f.start)
	f.startButton.Importance = widget.HighImportance
	f.repeat.OnSubmitted = func(string) { f.start() }
	intro := wrapped("Lost your computer, and chose guardians before? Make a temporary card here and meet them. " +
		"You scan each other's code, compare the safety code, and each gives you a sync file; when enough have come, this computer holds your own card again, " +
		"and your cells come back as your people send you sync files.")
	form := widget.NewForm(
		widget.NewFormItem("Your name", f.name),
		widget.NewFormItem("Passphrase", f.passphrase),
		widget.NewFormItem("Type it again", f.repeat),
	)
	f.content = container.NewVBox(intro, form, f.message, f.startButton)
	return f
}

// Content returns the form.
func (f *recoverForm) Content() fyne.CanvasObject { return f.content }

// start checks the form, makes the temporary card and opens the You
// screen, where the card and the pieces received are shown.
func (f *recoverForm) start() {
	f.u.makeHome(newHomeForm{
		message: f.message, name: f.name.Text, passphrase: f.passphrase.Text, repeat: f.repeat.Text,
		noName: "Type the name your guardians know you by.",
		busy:   "Making your temporary card…",
		make:   core.StartRecovery,
		then:   func() { f.u.tabs.SelectIndex(len(f.u.tabs.Items) - 1) },
	})
}

// cardTitle is the title of my card on the You screen: a card made to get
// another back is only temporary.
func cardTitle(u *ui) string {
	if _, err := u.svc.Recovery(); err == nil {
		return "Your temporary card"
	}
	return "Your card"
}
