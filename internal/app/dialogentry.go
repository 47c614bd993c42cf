package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// dialogEntry is a text field inside a dialog. Escape closes the dialog
// ([ui.closeDialog]) even while the field has the keyboard, where a plain
// field would keep the key to itself.
type dialogEntry struct {
	widget.Entry
	u *ui
}

// newDialogEntry returns a one-line text field for a dialog of u.
func (u *ui) newDialogEntry() *dialogEntry {
	e := &dialogEntry{u: u}
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.ExtendBaseWidget(e)
	return e
}

// newDialogPassword returns a passphrase field for a dialog of u, with
// the button that shows what was typed.
func (u *ui) newDialogPassword() *dialogEntry {
	e := u.newDialogEntry()
	e.Password = true
	return e
}

// newDialogMultiLine returns a text field of several lines for a dialog
// of u.
func (u *ui) newDialogMultiLine() *dialogEntry {
	e := u.newDialogEntry()
	e.MultiLine = true
	return e
}

// TypedKey closes the dialog on Escape and leaves other keys to the field.
func (e *dialogEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		e.u.closeDialog()
		return
	}
	e.Entry.TypedKey(k)
}

// closeDialog closes the dialog on top, if any: what Escape does.
func (u *ui) closeDialog() {
	if u.dialog != nil {
		u.dialog.Hide()
	}
}
