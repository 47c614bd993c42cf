package qr

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// TestBinarizeLikeGozxing checks that binarize gives gozxing's
// HybridBinarizer result bit for bit: on camera-like pictures, on noise,
// on flat pictures with a few dark spots (the flat-block rule), on sides
// that are not multiples of 8 (overlapping edge blocks), on a part of a
// larger picture and on pictures too small for blocks.
func TestBinarizeLikeGozxing(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	var pics []*image.Gray
	for _, pic := range corpusStep(Dense, 0.75, 2) {
		img, err := jpeg.Decode(bytes.NewReader(pic.jpeg))
		if err != nil {
			t.Fatal(err)
		}
		g := toGray(img)
		pics = append(pics, g, g.SubImage(image.Rect(13, 7, 613, 470)).(*image.Gray))
	}
	for _, size := range [][2]int{{640, 480}, {641, 483}, {45, 97}, {40, 40}, {39, 200}, {200, 12}} {
		noise := image.NewGray(image.Rect(0, 0, size[0], size[1]))
		flat := image.NewGray(noise.Rect)
		for i := range noise.Pix {
			noise.Pix[i] = uint8(rng.IntN(256))
			flat.Pix[i] = uint8(180 + rng.IntN(20))
			if rng.IntN(200) == 0 {
				flat.Pix[i] = uint8(rng.IntN(100))
			}
		}
		pics = append(pics, noise, flat)
	}
	for i, g := range pics {
		b := g.Bounds()
		src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix[g.PixOffset(b.Min.X, b.Min.Y):], g.Stride, b.Dy(), 0, 0, b.Dx(), b.Dy(), false)
		if err != nil {
			t.Fatal(err)
		}
		want, err := gozxing.NewHybridBinarizer(src).GetBlackMatrix()
		if err != nil {
			t.Fatal(err)
		}
		got, err := binarize(g)
		if err != nil {
			t.Fatal(err)
		}
		if got.GetWidth() != want.GetWidth() || got.GetHeight() != want.GetHeight() {
			t.Fatalf("picture %d: %d×%d, want %d×%d", i, got.GetWidth(), got.GetHeight(), want.GetWidth(), want.GetHeight())
		}
		diff := 0
		for y := range want.GetHeight() {
			for x := range want.GetWidth() {
				if got.Get(x, y) != want.Get(x, y) {
					diff++
				}
			}
		}
		if diff > 0 {
			t.Errorf("picture %d (%v): %d pixels differ from gozxing", i, b, diff)
		}
	}
}
