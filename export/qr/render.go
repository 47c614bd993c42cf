package qr

import (
	"image"
	"image/color"
)

// palette is black on white; index 0 is white so a fresh image is blank.
var palette = color.Palette{color.Gray{Y: 0xff}, color.Gray{Y: 0}}

// renderBitmap paints QR modules (bm[y][x] true for dark) with ppm pixels
// per module into a two-colour image, which PNG stores at one bit per pixel.
func renderBitmap(bm [][]bool, ppm int) *image.Paletted {
	n := len(bm)
	img := image.NewPaletted(image.Rect(0, 0, n*ppm, n*ppm), palette)
	for y, row := range bm {
		line := img.Pix[y*ppm*img.Stride : y*ppm*img.Stride+n*ppm]
		for x, dark := range row {
			if dark {
				px := line[x*ppm : (x+1)*ppm]
				for j := range px {
					px[j] = 1
				}
			}
		}
		for j := 1; j < ppm; j++ {
			copy(img.Pix[(y*ppm+j)*img.Stride:], line)
		}
	}
	return img
}
