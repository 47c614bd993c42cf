package app

import (
	"bytes"
	"image/png"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/export/qr"
)

// cardPictureName is the file name offered for a picture of my card. It
// names nobody, as the file may travel through other hands.
const cardPictureName = "my-trustdesk-card.png"

// cardPictureScale is the size of one square of the QR code in the saved
// picture, in pixels: large enough to print or to scan from a phone.
const cardPictureScale = 8

// cardPicture returns my card as a PNG picture of its QR code, the picture
// that "Open a picture of a card…" reads back.
func cardPicture(card string) ([]byte, error) {
	img, err := qr.CardImage(card, cardPictureScale)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cardButtons returns the two ways to give my card without meeting:
// copy it as text, and save it as a picture.
func (u *ui) cardButtons() (copyText, savePicture *widget.Button) {
	card := u.svc.Card().String()
	copyText = widget.NewButtonWithIcon("Copy my card", theme.ContentCopyIcon(), nil)
	copyText.OnTapped = func() {
		u.app.Clipboard().SetContent(card)
		copyText.SetText("Copied")
		copyText.SetIcon(theme.ConfirmIcon())
	}
	savePicture = widget.NewButtonWithIcon("Save my card as a picture…", theme.FileImageIcon(), u.askSaveCardPicture)
	return copyText, savePicture
}

// askSaveCardPicture asks where to save a picture of my card, then saves it.
func (u *ui) askSaveCardPicture() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if w != nil {
			u.saveCardPicture(w)
		}
	}, u.win)
	d.SetFileName(cardPictureName)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png"}))
	d.Resize(fyne.NewSize(760, 520))
	d.Show()
}

// saveCardPicture writes a picture of my card to w, closes it and says
// where it went.
func (u *ui) saveCardPicture(w fyne.URIWriteCloser) {
	data, err := cardPicture(u.svc.Card().String())
	if err == nil {
		_, err = w.Write(data)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		u.showError(err)
		return
	}
	u.tell("Picture saved", "Your card is saved as "+w.URI().Name()+
		". Send it to someone who cannot scan your screen: in trustdesk they choose People, then Open a picture of a card.")
}
