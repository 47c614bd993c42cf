package qr

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // JPEG photos and camera frames
	_ "image/png"  // PNG screenshots and exported frames
	"os"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// MaxImagePixels is the largest image, in pixels, that [ReadFile] decodes;
// larger files are refused before they are decompressed.
const MaxImagePixels = 50_000_000

// shrinkAbove is the side length above which an image is first tried at a
// reduced size: QR codes in phone photos have large modules, and gozxing's
// time grows with the pixel count.
const shrinkAbove = 2000

// ReadImage finds one QR code in img and returns its contents as the exact
// bytes that were encoded (byte-mode data is read as ISO-8859-1, one byte per
// character). If the plain pass finds nothing it retries on a smoothed copy,
// then on a more strongly smoothed copy, then with a global threshold
// instead of a local one, on the smoothed and on the plain image; in a
// simulated webcam at 4.5 pixels per module the retries rescue nearly every
// frame the plain pass misses. Images wider or taller than 2000 pixels are
// tried at a reduced size first. It returns [ErrNoCode] when no code can be
// read. It is safe to call from several goroutines at once.
func ReadImage(img image.Image) ([]byte, error) {
	g := toGray(img)
	var candidates []*image.Gray
	if b := g.Bounds(); max(b.Dx(), b.Dy()) > shrinkAbove {
		f := (max(b.Dx(), b.Dy()) + shrinkAbove/2 - 1) / (shrinkAbove / 2)
		candidates = append(candidates, shrink(g, f))
	}
	candidates = append(candidates, g)
	for _, c := range candidates {
		if b, err := decodeGray(c, hybrid); err == nil {
			return b, nil
		}
		s := smooth(c)
		if b, err := decodeGray(s, hybrid); err == nil {
			return b, nil
		}
		if b, err := decodeGray(smooth(s), hybrid); err == nil {
			return b, nil
		}
		if b, err := decodeGray(s, global); err == nil {
			return b, nil
		}
		if b, err := decodeGray(c, global); err == nil {
			return b, nil
		}
	}
	// A clean render cropped without its quiet zone has no room for the
	// finder-pattern search; the pure-barcode reader handles that case.
	if b, err := decodeGray(g, pure); err == nil {
		return b, nil
	}
	return nil, ErrNoCode
}

// ReadFile decodes the PNG or JPEG image in the named file and reads one QR
// code from it with [ReadImage].
func ReadFile(name string) ([]byte, error) {
	img, err := loadImage(name)
	if err != nil {
		return nil, err
	}
	return ReadImage(img)
}

// loadImage decodes an image file, refusing oversized images before
// decompressing them.
func loadImage(name string) (image.Image, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("qr: %s: not a PNG or JPEG image", name)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxImagePixels {
		return nil, fmt.Errorf("qr: %s: image too large (%d×%d)", name, cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	img, _, err := image.Decode(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("qr: %s: %w", name, err)
	}
	return img, nil
}

// pass selects how decodeGray turns grey levels into black and white.
type pass int

const (
	hybrid pass = iota // local thresholds, the usual choice
	global             // one histogram-based threshold for the whole image
	pure               // local thresholds; the image is nothing but the code
)

// decodeGray runs gozxing's QR reader once over g.
func decodeGray(g *image.Gray, how pass) ([]byte, error) {
	b := g.Bounds()
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, g.Stride, b.Dy(), 0, 0, b.Dx(), b.Dy(), false)
	if err != nil {
		return nil, err
	}
	bin := gozxing.NewHybridBinarizer(src)
	if how == global {
		bin = gozxing.NewGlobalHistgramBinarizer(src)
	}
	bmp, err := gozxing.NewBinaryBitmap(bin)
	if err != nil {
		return nil, err
	}
	hints := map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_CHARACTER_SET: "ISO-8859-1",
		gozxing.DecodeHintType_TRY_HARDER:    true,
	}
	if how == pure {
		hints[gozxing.DecodeHintType_PURE_BARCODE] = true
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return nil, err
	}
	return latin1Bytes(res.GetText()), nil
}

// latin1Bytes turns decoded text back into the encoded bytes: every
// character up to U+00FF is one byte. Text with higher characters can only
// come from a code that declared another character set (ECI); it is
// returned as UTF-8.
func latin1Bytes(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return []byte(s)
		}
		out = append(out, byte(r))
	}
	return out
}

// toGray returns img's luminance as a Gray image whose origin is (0, 0).
// Camera formats (YCbCr) and our own renders take fast paths.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:b.Dx()])
		}
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:], src.Y[src.YOffset(b.Min.X, b.Min.Y+y):][:b.Dx()])
		}
	case *image.Paletted:
		lum := make([]byte, len(src.Palette))
		for i, c := range src.Palette {
			lum[i] = color.GrayModel.Convert(c).(color.Gray).Y
		}
		for y := 0; y < b.Dy(); y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:b.Dx()]
			out := g.Pix[y*g.Stride:][:b.Dx()]
			for x, p := range row {
				if int(p) < len(lum) {
					out[x] = lum[p]
				}
			}
		}
	default:
		draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
	}
	return g
}

// smooth returns g blurred with a 3×3 binomial kernel (1 2 1 / 2 4 2 / 1 2 1),
// which evens out sensor noise before binarization.
func smooth(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	tmp := make([]uint16, w*h)
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride:][:w]
		for x := 0; x < w; x++ {
			l, r := max(x-1, 0), min(x+1, w-1)
			tmp[y*w+x] = uint16(row[l]) + 2*uint16(row[x]) + uint16(row[r])
		}
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		u, d := max(y-1, 0), min(y+1, h-1)
		for x := 0; x < w; x++ {
			s := tmp[u*w+x] + 2*tmp[y*w+x] + tmp[d*w+x]
			out.Pix[y*out.Stride+x] = uint8((s + 8) / 16)
		}
	}
	return out
}

// shrink returns g reduced by the integer factor f, averaging f×f blocks.
func shrink(g *image.Gray, f int) *image.Gray {
	w, h := g.Bounds().Dx()/f, g.Bounds().Dy()/f
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum := 0
			for j := 0; j < f; j++ {
				row := g.Pix[(y*f+j)*g.Stride+x*f:][:f]
				for _, p := range row {
					sum += int(p)
				}
			}
			out.Pix[y*out.Stride+x] = uint8(sum / (f * f))
		}
	}
	return out
}
