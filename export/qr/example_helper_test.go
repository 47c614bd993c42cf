package qr_test

import (
	"bytes"
	"image"
	"image/png"
)

func mustDecodePNG(b []byte) image.Image {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		panic(err)
	}
	return img
}
