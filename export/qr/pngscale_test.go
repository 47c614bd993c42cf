package qr

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"
)

// pngSamples returns a noisy 37×23 picture in every colour model image/png
// writes, each encoded as PNG.
func pngSamples(t testing.TB) map[string][]byte {
	rng := rand.New(rand.NewPCG(9, 9))
	r := image.Rect(0, 0, 37, 23)
	imgs := map[string]image.Image{
		"gray": image.NewGray(r), "gray16": image.NewGray16(r), "rgba": image.NewRGBA(r),
		"nrgba": image.NewNRGBA(r), "nrgba64": image.NewNRGBA64(r), "rgba64": image.NewRGBA64(r),
		"paletted2": image.NewPaletted(r, palette),
		"paletted256": image.NewPaletted(r, func() color.Palette {
			p := make(color.Palette, 256)
			for i := range p {
				p[i] = color.RGBA{uint8(i), uint8(255 - i), uint8(i * 7), 255}
			}
			return p
		}()),
	}
	out := make(map[string][]byte)
	for name, img := range imgs {
		d := img.(interface{ Set(x, y int, c color.Color) })
		for y := range r.Dy() {
			for x := range r.Dx() {
				v := uint8(rng.IntN(256))
				d.Set(x, y, color.NRGBA{v, uint8(rng.IntN(256)), v / 2, uint8(192 + rng.IntN(64))})
			}
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		out[name] = b.Bytes()
	}
	return out
}

// TestReadPNGReduced compares the row-by-row reader with image/png: at
// full size every grey level within 2 (rounding and alpha differ
// slightly), and reduced by 3 the block averages of that.
func TestReadPNGReduced(t *testing.T) {
	for name, data := range pngSamples(t) {
		ref, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want := image.NewGray(ref.Bounds())
		for y := range want.Rect.Dy() {
			for x := range want.Rect.Dx() {
				want.Pix[y*want.Stride+x] = onWhiteGrey(ref.At(x, y))
			}
		}
		for _, f := range []int{1, 3} {
			got, err := readPNGReduced(bytes.NewReader(data), f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			w := want
			if f > 1 {
				w = reduceExact(want, f)
			}
			if got.Bounds() != w.Bounds() {
				t.Fatalf("%s /%d: bounds %v, want %v", name, f, got.Bounds(), w.Bounds())
			}
			for i := range got.Pix {
				if d := int(got.Pix[i]) - int(w.Pix[i]); d < -2 || d > 2 {
					t.Fatalf("%s /%d: pixel %d is %d, want %d", name, f, i, got.Pix[i], w.Pix[i])
				}
			}
		}
	}
}

// onWhiteGrey is c's grey level when drawn on white.
func onWhiteGrey(c color.Color) uint8 {
	r, g, b, a := c.RGBA() // premultiplied, 16 bits
	white := 0xffff - a
	v := grey((r+white)>>8, (g+white)>>8, (b+white)>>8)
	return v
}

// reduceExact averages f×f blocks, the last ones partial.
func reduceExact(g *image.Gray, f int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, (w+f-1)/f, (h+f-1)/f))
	for oy := range out.Rect.Dy() {
		for ox := range out.Rect.Dx() {
			sum, n := 0, 0
			for y := oy * f; y < min(oy*f+f, h); y++ {
				for x := ox * f; x < min(ox*f+f, w); x++ {
					sum += int(g.Pix[y*g.Stride+x])
					n++
				}
			}
			out.Pix[oy*out.Stride+ox] = uint8(sum / n)
		}
	}
	return out
}

// FuzzReadPNGReduced: bytes from outside never crash the row-by-row reader.
func FuzzReadPNGReduced(f *testing.F) {
	samples := pngSamples(f)
	if len(samples) == 0 {
		f.Fatal("empty seed corpus")
	}
	for _, data := range samples {
		f.Add(data, uint8(1))
		f.Add(data[:len(data)/2], uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, factor uint8) {
		readPNGReduced(bytes.NewReader(data), int(factor%8)+1)
	})
}
