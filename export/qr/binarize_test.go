package qr

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/skip2/go-qrcode"
)

// TestBinarizeLikeGozxing checks that binarize gives gozxing's
// HybridBinarizer result bit for bit: on camera-like pictures, on noise,
// on flat pictures with a few dark spots (the flat-block rule), on sides
// that are not multiples of 8 (overlapping edge blocks), on a part of a
// larger picture and on pictures too small for blocks.
func TestBinarizeLikeGozxing(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	var pics []*image.Gray
	code, err := qrcode.New("a camera-like picture for the binarizer", qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	for _, scale := range []float64{1, 0.6} {
		sp := randomShot(rng, scale)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, cameraShot(code.Bitmap(), sp, rng), &jpeg.Options{Quality: sp.quality}); err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(&buf)
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
		want, werr := gozxing.NewHybridBinarizer(src).GetBlackMatrix()
		got, err := binarize(g)
		if werr != nil || err != nil {
			// The global threshold of a small picture finds no dark.
			if werr == nil || err == nil {
				t.Errorf("picture %d (%v): error %v, gozxing's %v", i, b, err, werr)
			}
			t.Logf("picture %d (%v): %v", i, b, err)
			continue
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
