package qr

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // JPEG photos and camera frames
	_ "image/png"  // PNG screenshots and exported frames
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
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
// character). It returns [ErrNoCode] when no code can be read. It is safe to
// call from several goroutines at once.
//
// A camera never sees a code at a whole number of pixels per module, and
// gozxing's sampling grid often misses small, blurred modules. Every pass
// checks the bottom-right alignment pattern by its whole shape, samples
// again where gozxing took a checkerboard of data for it, and tries the
// code sizes near the one gozxing counts (see decodeMatrix). When the
// plain pass finds nothing, ReadImage, trying first what most often reads
// the pictures the earlier steps missed,
//
//   - looks for the code's finder patterns, cuts the code out, sharpens it
//     and enlarges it to about 5 and then 6.5 pixels per module (each
//     enlargement lays a different sampling grid over the modules);
//   - cuts out the busy part of the picture (where 8×8 blocks hold dark and
//     light) and enlarges it, sharpened, as if the modules were 2 pixels
//     wide, straight and turned;
//   - reads the picture turned a quarter turn (gozxing then scans it the
//     other way and picks other finder patterns);
//   - tries a smoothed copy, a global instead of a local threshold, and the
//     pure-barcode reader for a render cropped without its quiet zone.
//
// On the camera-like corpus of the tests (corpus_test.go) this reads every
// picture zbar reads, and many that zbar does not. Images wider or taller
// than 2000 pixels are tried at a reduced size first; those of more than
// 8 million pixels are only read reduced.
func ReadImage(img image.Image) ([]byte, error) {
	g := toGray(img)
	if b := g.Bounds(); int64(b.Dx())*int64(b.Dy()) > maxDecodePixels {
		g = shrink(g, reduction(b.Dx(), b.Dy()))
	}
	if b := g.Bounds(); max(b.Dx(), b.Dy()) > shrinkAbove {
		f := (max(b.Dx(), b.Dy()) + shrinkAbove/2 - 1) / (shrinkAbove / 2)
		if b, err := readGray(shrink(g, f)); err == nil {
			return b, nil
		}
	}
	if b, err := readGray(g); err == nil {
		return b, nil
	}
	// A clean render cropped without its quiet zone has no room for the
	// finder-pattern search; the pure-barcode reader handles that case.
	if b, _, err := decodeGray(g, pure); err == nil {
		return b, nil
	}
	return nil, ErrNoCode
}

// enlargeTo are the pixels per module that readGray enlarges a small code
// to, in the order tried.
var enlargeTo = []float64{5, 6.5}

// guessModule is the module size, in pixels, assumed for a picture whose
// finder patterns were not found: a code that small is the usual reason.
const guessModule = 2.0

// maxEnlargedPixels bounds the size of an enlarged picture: a whole
// 640×480 picture is enlarged at most 2.5 times, to 1600×1200.
const maxEnlargedPixels = 1600 * 1200

// readGray runs the passes of [ReadImage] over one image.
func readGray(g *image.Gray) ([]byte, error) {
	b, info, err := decodeGray(g, hybrid)
	if err == nil {
		return b, nil
	}
	module, cut := guessModule, image.Rectangle{}
	if info != nil {
		if r, ms, ok := locate(info, g.Bounds()); ok {
			module, cut = ms, r
		} else if ms > 0 {
			module = ms
		}
	}
	if !cut.Empty() {
		sharp := sharpen(g.SubImage(cut).(*image.Gray))
		for _, ppm := range enlargeTo {
			if f := ppm / module; f >= 1.2 {
				if b, _, err := decodeGray(enlarge(sharp, min(f, 4)), hybrid); err == nil {
					return b, nil
				}
			}
		}
	}
	// The finder patterns were not found, or not where they should be:
	// cut out the busy part of the picture and enlarge it at a few sizes,
	// both ways round.
	busy := g.SubImage(busyRect(g)).(*image.Gray)
	sharp := sharpen(busy)
	for _, ppm := range []float64{5, 6} {
		area := float64(busy.Bounds().Dx() * busy.Bounds().Dy())
		if f := min(max(ppm/module, 2), math.Sqrt(maxEnlargedPixels/area), 4); f >= 1.2 {
			if b, _, err := decodeGray(enlarge(sharp, f), hybrid); err == nil {
				return b, nil
			}
		}
	}
	if b, _, err := decodeGray(enlarge(rotate90(sharp), 2), hybrid); err == nil {
		return b, nil
	}
	// gozxing picks its finder patterns in the order it scans the rows; a
	// quarter turn makes it scan the other way and pick others.
	if b, _, err := decodeGray(rotate90(g), hybrid); err == nil {
		return b, nil
	}
	s := smooth(g)
	if b, _, err := decodeGray(s, hybrid); err == nil {
		return b, nil
	}
	if b, _, err := decodeGray(s, global); err == nil {
		return b, nil
	}
	b, _, err = decodeGray(g, global)
	return b, err
}

// locate returns the rectangle of the picture bounds that holds the code
// whose finder patterns are info, with its quiet zone (and some margin for
// perspective), and the estimated module size. When the patterns do not
// form the right-angled corner of a square it returns ok false but still
// the module size they suggest, or 0.
func locate(info *detector.FinderPatternInfo, bounds image.Rectangle) (r image.Rectangle, module float64, ok bool) {
	bl, tl, tr := info.GetBottomLeft(), info.GetTopLeft(), info.GetTopRight()
	ms := (bl.GetEstimatedModuleSize() + tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize()) / 3
	if !(ms > 0) {
		return image.Rectangle{}, 0, false
	}
	// Two sides of equal length at a right angle, 14 to 170 modules long
	// (versions 1 to 40).
	ax, ay := tr.GetX()-tl.GetX(), tr.GetY()-tl.GetY()
	bx, by := bl.GetX()-tl.GetX(), bl.GetY()-tl.GetY()
	la, lb := math.Hypot(ax, ay), math.Hypot(bx, by)
	if la < 14*ms || la > 170*ms || math.Abs(la-lb) > 0.15*max(la, lb) || math.Abs(ax*bx+ay*by) > 0.2*la*lb {
		return image.Rectangle{}, ms, false
	}
	// The fourth corner, by symmetry.
	xs := []float64{bl.GetX(), tl.GetX(), tr.GetX(), bl.GetX() + ax}
	ys := []float64{bl.GetY(), tl.GetY(), tr.GetY(), bl.GetY() + ay}
	// A finder pattern's centre lies 3.5 modules inside the code; the quiet
	// zone adds 4 and perspective a few more.
	pad := 10 * ms
	r = image.Rect(int(slices.Min(xs)-pad), int(slices.Min(ys)-pad), int(slices.Max(xs)+pad)+1, int(slices.Max(ys)+pad)+1)
	return r.Intersect(bounds), ms, true
}

// ReadFile decodes the PNG or JPEG image in the named file with
// [LoadImage] and reads one QR code from it with [ReadImage].
func ReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	defer f.Close()
	img, err := LoadImage(f)
	if err != nil {
		return nil, fmt.Errorf("qr: %s: %w", filepath.Base(name), err)
	}
	return ReadImage(img)
}

// maxDecodePixels is the largest picture, in pixels, that is read at full
// size; larger ones are reduced by a whole factor first, which keeps the
// memory and time of reading any one picture bounded.
const maxDecodePixels = 8_000_000

// maxJPEGPixels is the largest JPEG that [LoadImage] decodes: Go's decoder
// holds the whole image, up to 3 bytes a pixel, so a 21-megapixel photo
// takes up to 63 MB. (A PNG is reduced while it is decoded and may be as
// large as [MaxImagePixels].)
const maxJPEGPixels = 21_000_000

// maxFullDecodeBytes is the largest decoded PNG, in bytes, that is decoded
// whole by image/png; larger ones are reduced row by row as they are read.
const maxFullDecodeBytes = 32 << 20

// ErrImageTooLarge is returned by [LoadImage] and [ReadFile] for a picture
// too large to read: more than [MaxImagePixels] pixels, or a JPEG of more
// than 21 million.
var ErrImageTooLarge = errors.New("image too large")

// LoadImage decodes a PNG or JPEG picture from r with bounded memory: the
// size is read from the header first and a picture too large is refused
// with [ErrImageTooLarge] before it is decompressed; a PNG of more than
// 8 million pixels, or whose samples would take more than 32 MB (16 bits per
// channel), is decoded row by row straight into grey levels, reduced by a
// whole factor to at most 8 million pixels. Reading any one picture takes
// well under 100 MB.
func LoadImage(r io.ReadSeeker) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bufio.NewReader(r))
	if err != nil {
		return nil, errors.New("not a PNG or JPEG image")
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if cfg.Width <= 0 || cfg.Height <= 0 || px > MaxImagePixels || format == "jpeg" && px > maxJPEGPixels {
		return nil, fmt.Errorf("%w (%d×%d)", ErrImageTooLarge, cfg.Width, cfg.Height)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if f := reduction(cfg.Width, cfg.Height); format == "png" && (f > 1 || px*bytesPerPixel(cfg.ColorModel) > maxFullDecodeBytes) {
		return readPNGReduced(r, f)
	}
	img, _, err := image.Decode(bufio.NewReader(r))
	if err != nil {
		return nil, err
	}
	return img, nil
}

// reduction returns the smallest whole factor that brings a w×h picture
// down to at most maxDecodePixels pixels.
func reduction(w, h int) int {
	f := 1
	for int64((w+f-1)/f)*int64((h+f-1)/f) > maxDecodePixels {
		f++
	}
	return f
}

// bytesPerPixel is how much memory image/png uses per pixel for a picture
// of the colour model m.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

// pass selects how decodeGray turns grey levels into black and white.
type pass int

const (
	hybrid pass = iota // local thresholds, the usual choice (see binarize)
	global             // one histogram-based threshold for the whole image
	pure               // local thresholds; the image is nothing but the code
)

// decodeGray binarizes g as how says and reads the QR code in it with
// [decodeMatrix], whose finder patterns it also returns (nil when none
// were found). The pure pass reads g as nothing but the code instead.
func decodeGray(g *image.Gray, how pass) ([]byte, *detector.FinderPatternInfo, error) {
	if how == hybrid {
		m, err := binarize(g)
		if err != nil {
			return nil, nil, err
		}
		return decodeMatrix(m)
	}
	b := g.Bounds()
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix[g.PixOffset(b.Min.X, b.Min.Y):], g.Stride, b.Dy(), 0, 0, b.Dx(), b.Dy(), false)
	if err != nil {
		return nil, nil, err
	}
	if how == global {
		m, err := gozxing.NewGlobalHistgramBinarizer(src).GetBlackMatrix()
		if err != nil {
			return nil, nil, err
		}
		return decodeMatrix(m)
	}
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return nil, nil, err
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	for k, v := range decodeHints {
		hints[k] = v
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return nil, nil, err
	}
	return latin1Bytes(res.GetText()), nil, nil
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
// For grey pictures and camera formats (YCbCr) it is a view of img's own
// pixels, not a copy: it must not be written to.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	r := image.Rect(0, 0, b.Dx(), b.Dy())
	switch src := img.(type) {
	case *image.Gray:
		if b.Empty() {
			return image.NewGray(r)
		}
		return &image.Gray{Pix: src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], Stride: src.Stride, Rect: r}
	case *image.YCbCr:
		if b.Empty() {
			return image.NewGray(r)
		}
		return &image.Gray{Pix: src.Y[src.YOffset(b.Min.X, b.Min.Y):], Stride: src.YStride, Rect: r}
	}
	g := image.NewGray(r)
	switch src := img.(type) {
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

// sharpen returns g with its edges steepened by an unsharp mask:
// 2·g − smooth(g). Blur from the lens and from scaling spreads each module
// into its neighbours; this pulls them apart again before enlarging.
func sharpen(g *image.Gray) *image.Gray {
	s := smooth(g)
	w, h := s.Bounds().Dx(), s.Bounds().Dy()
	b := g.Bounds()
	for y := 0; y < h; y++ {
		src := g.Pix[g.PixOffset(b.Min.X, b.Min.Y+y):][:w]
		dst := s.Pix[y*s.Stride:][:w]
		for x, p := range src {
			dst[x] = uint8(min(max(2*int(p)-int(dst[x]), 0), 255))
		}
	}
	return s
}

// enlarge returns g scaled up by the factor f (1 < f ≤ 4) with bilinear
// interpolation. It interpolates each source row along x once, into a
// row of the target's width, and then blends two such rows for each
// target row.
func enlarge(g *image.Gray, f float64) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	W, H := int(float64(w)*f), int(float64(h)*f)
	out := image.NewGray(image.Rect(0, 0, W, H))
	// Source position and weight (out of 256) for each target column.
	xi, xw := make([]int, W), make([]int32, W)
	for x := range W {
		sx := max((float64(x)+0.5)/f-0.5, 0)
		xi[x] = min(int(sx), w-1)
		xw[x] = int32((sx - float64(xi[x])) * 256)
	}
	// rows[0] and rows[1] hold source rows ys[0] and ys[1] interpolated
	// along x, times 256.
	rows := [2][]int32{make([]int32, W), make([]int32, W)}
	ys := [2]int{-1, -1}
	row := func(y int) []int32 {
		switch y {
		case ys[0]:
			return rows[0]
		case ys[1]:
			return rows[1]
		}
		// Replace the row further up: rows are asked for top to bottom.
		i := 0
		if ys[1] < ys[0] {
			i = 1
		}
		ys[i] = y
		src := g.Pix[g.PixOffset(g.Bounds().Min.X, g.Bounds().Min.Y+y):][:w]
		r := rows[i]
		for x := range r {
			x0, wx := xi[x], xw[x]
			x1 := min(x0+1, w-1)
			r[x] = int32(src[x0])*(256-wx) + int32(src[x1])*wx
		}
		return r
	}
	for y := range H {
		sy := max((float64(y)+0.5)/f-0.5, 0)
		y0 := min(int(sy), h-1)
		y1 := min(y0+1, h-1)
		wy := int32((sy - float64(y0)) * 256)
		a, b := row(y0), row(y1)
		dst := out.Pix[y*out.Stride:][:W]
		for x := range dst {
			dst[x] = uint8((a[x]*(256-wy) + b[x]*wy + 1<<15) >> 16)
		}
	}
	return out
}

// rotate90 returns g turned a quarter turn clockwise.
func rotate90(g *image.Gray) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, h, w))
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride:][:w]
		for x, p := range row {
			out.Pix[x*out.Stride+h-1-y] = p
		}
	}
	return out
}

// busyRect returns the part of g where a code may be: the rows and columns
// of 8×8 blocks in which at least three blocks hold both dark and light
// pixels (a code's modules, not a lone edge), with a margin of two blocks.
// It returns g's bounds when no such part is found.
func busyRect(g *image.Gray) image.Rectangle {
	const bs, minContrast = 8, 64
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	bw, bh := w/bs, h/bs
	rows, cols := make([]int, bh), make([]int, bw)
	for by := range bh {
		for bx := range bw {
			lo, hi := uint8(255), uint8(0)
			for y := by * bs; y < by*bs+bs; y++ {
				for _, p := range g.Pix[y*g.Stride+bx*bs:][:bs] {
					lo, hi = min(lo, p), max(hi, p)
				}
			}
			if hi-lo >= minContrast {
				rows[by]++
				cols[bx]++
			}
		}
	}
	span := func(c []int) (int, int) {
		first, last := -1, -1
		for i, n := range c {
			if n >= 3 {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		return first, last
	}
	y0, y1 := span(rows)
	x0, x1 := span(cols)
	if y0 < 0 || x0 < 0 {
		return g.Bounds()
	}
	r := image.Rect((x0-2)*bs, (y0-2)*bs, (x1+3)*bs, (y1+3)*bs).Add(g.Bounds().Min)
	return r.Intersect(g.Bounds())
}
