package qr

import (
	"errors"
	"fmt"
	"image"

	"github.com/skip2/go-qrcode"
)

// CardImage returns text (normally a card's text form, "TD1…") as one QR
// code with error correction level Q, pixelsPerModule pixels per module
// (1 to [MaxPixelsPerModule]) and a four-module quiet zone. Upper-case card
// text is stored in the compact alphanumeric mode.
func CardImage(text string, pixelsPerModule int) (image.Image, error) {
	if err := checkScale(pixelsPerModule); err != nil {
		return nil, err
	}
	if text == "" {
		return nil, errors.New("qr: nothing to encode")
	}
	q, err := qrcode.New(text, qrcode.High) // skip2 calls level Q "High"
	if err != nil {
		return nil, fmt.Errorf("qr: card: %w", err)
	}
	return renderBitmap(q.Bitmap(), pixelsPerModule), nil
}

// CardPNG is [CardImage] encoded as a PNG file.
func CardPNG(text string, pixelsPerModule int) ([]byte, error) {
	img, err := CardImage(text, pixelsPerModule)
	if err != nil {
		return nil, err
	}
	return encodePNG(img)
}
