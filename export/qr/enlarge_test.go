package qr

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestEnlarge compares enlarge with bilinear interpolation computed pixel
// by pixel, on a part of a larger picture, at factors that do and do not
// divide evenly.
func TestEnlarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	big := image.NewGray(image.Rect(0, 0, 97, 61))
	for i := range big.Pix {
		big.Pix[i] = uint8(rng.IntN(256))
	}
	g := big.SubImage(image.Rect(5, 3, 90, 58)).(*image.Gray)
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	at := func(x, y int) int32 { return int32(g.GrayAt(g.Rect.Min.X+x, g.Rect.Min.Y+y).Y) }
	for _, f := range []float64{1.2, 2, 2.5, 3.7, 4} {
		got := enlarge(g, f)
		W, H := int(float64(w)*f), int(float64(h)*f)
		if got.Bounds() != image.Rect(0, 0, W, H) {
			t.Fatalf("factor %v: bounds %v, want %d×%d", f, got.Bounds(), W, H)
		}
		for y := range H {
			sy := max((float64(y)+0.5)/f-0.5, 0)
			y0 := min(int(sy), h-1)
			y1, wy := min(y0+1, h-1), int32((sy-float64(y0))*256)
			for x := range W {
				sx := max((float64(x)+0.5)/f-0.5, 0)
				x0 := min(int(sx), w-1)
				x1, wx := min(x0+1, w-1), int32((sx-float64(x0))*256)
				a := at(x0, y0)*(256-wx) + at(x1, y0)*wx
				b := at(x0, y1)*(256-wx) + at(x1, y1)*wx
				if want := uint8((a*(256-wy) + b*wy + 1<<15) >> 16); got.Pix[y*got.Stride+x] != want {
					t.Fatalf("factor %v: pixel (%d, %d) is %d, want %d", f, x, y, got.Pix[y*got.Stride+x], want)
				}
			}
		}
	}
}
