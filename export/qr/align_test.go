package qr

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// checkerboardShot films the last data frame of the dense 70 % corpus step
// (a 12 KB file: 352 bytes of data, 544 of zero padding, which the mask
// turns into a checkerboard) as corpus picture 13 of that step was filmed:
// 2.8 pixels per module, turned 3.6°, one side 2.6 % and the other 3 %
// shorter, blurred, darkened on one side, moiré, noise, JPEG quality 64.
// It returns the picture, the frame and the homography from module
// coordinates (quiet zone included) to the picture.
func checkerboardShot(t *testing.T) (image.Image, []byte, [9]float64) {
	t.Helper()
	const scale = 0.70
	seed := uint64(Dense)*1000 + uint64(math.Round(scale*100))
	rng := rand.New(rand.NewPCG(seed, 14))
	seq, err := encode(randomBytes(rng, 12_000), Dense, newSeeded(byte(seed)))
	if err != nil {
		t.Fatal(err)
	}
	const f = 13
	if f != seq.Needed()-1 {
		t.Fatalf("frame %d is not the last data frame", f)
	}
	sp := shotParams{
		ppm: 4 * scale, cx: 295.6, cy: 257.5, angle: 0.0622,
		tiltX: 0.0255, tiltY: -0.0297, blur: 0.62,
		lightAngle: 4.544, lightDrop: 0.216,
		moireAmp: 7.4, moirePeriod: 17.08, moireAngle: 0.246,
		noise: 3.7, quality: 64,
		screenBlack: 49.9, screenWhite: 232.6, roomBrightness: 58.2,
	}
	bm := seq.bitmap(f)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, cameraShot(bm, sp, rand.New(rand.NewPCG(14, 13))), &jpeg.Options{Quality: sp.quality}); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	n := float64(len(bm))
	return img, seq.frames[f], homography([4][2]float64{{0, 0}, {n, 0}, {n, n}, {0, n}}, shotCorners(n, sp))
}

// TestFindAlignmentInCheckerboard checks that the bottom-right alignment
// pattern is found where the picture shows it, although the checkerboard
// around it fools gozxing's own search, and that the code then reads.
func TestFindAlignmentInCheckerboard(t *testing.T) {
	img, frame, h := checkerboardShot(t)
	g := toGray(img)
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, g.Stride, g.Rect.Dy(), 0, 0, g.Rect.Dx(), g.Rect.Dy(), false)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		t.Fatal(err)
	}
	// The case this test is about: gozxing alone cannot read the picture.
	if _, err := zxqr.NewQRCodeReader().Decode(bmp, decodeHints); err == nil {
		t.Fatal("gozxing reads the picture by itself: it no longer tests the alignment search")
	}
	m, err := bmp.GetBlackMatrix()
	if err != nil {
		t.Fatal(err)
	}
	info, err := detector.NewFinderPatternFinder(m, nil).Find(decodeHints)
	if err != nil {
		t.Fatal(err)
	}
	const dim = 101 // version 21
	x, y, ok := findAlignment(m, info, dim)
	if !ok {
		t.Fatal("alignment pattern not found")
	}
	// Its centre is module 94 of the code, 98 with the quiet zone.
	wx, wy := applyHomography(h, 98.5, 98.5)
	if d := math.Hypot(x-wx, y-wy); d > 1 {
		t.Errorf("alignment pattern found at (%.1f, %.1f), %.1f pixels from where it is (%.1f, %.1f)", x, y, d, wx, wy)
	}
	got, _, err := decodeMatrix(m)
	if err != nil || !bytes.Equal(got, frame) {
		t.Errorf("decodeMatrix: %v", err)
	}
	if got, err := ReadImage(img); err != nil || !bytes.Equal(got, frame) {
		t.Errorf("ReadImage: %v", err)
	}
}

// bitsFromBytes makes a binarized picture from fuzz input: the first byte
// is the width less 21, the rest are the pixels, 8 to a byte, row by row.
func bitsFromBytes(in []byte) *gozxing.BitMatrix {
	if len(in) < 2 {
		return nil
	}
	w := int(in[0]) + 21
	px := in[1:]
	h := len(px) * 8 / w
	if h < 21 {
		return nil
	}
	m, err := gozxing.NewBitMatrix(w, h)
	if err != nil {
		return nil
	}
	for i := range w * h {
		if px[i/8]>>(i%8)&1 == 1 {
			m.Set(i%w, i/w)
		}
	}
	return m
}

// bytesFromBits is the inverse of bitsFromBytes, for the seeds.
func bytesFromBits(m *gozxing.BitMatrix) []byte {
	w, h := m.GetWidth(), m.GetHeight()
	in := make([]byte, 1+(w*h+7)/8)
	in[0] = byte(w - 21)
	for i := range w * h {
		if m.Get(i%w, i/w) {
			in[1+i/8] |= 1 << (i % 8)
		}
	}
	return in
}

// FuzzDecodeMatrix feeds binarized pictures to decodeMatrix, which runs
// gozxing's finder, our alignment search and the sampling on them: it must
// never panic. The seeds are a version 2 and a version 5 code drawn at 2
// pixels per module, which the fuzzer bends into near-codes.
func FuzzDecodeMatrix(f *testing.F) {
	for _, text := range []string{"seed for the fuzzer!", "a larger seed for the fuzzer, 2 pixels per module, some text"} {
		img, err := CardImage(text, 2)
		if err != nil {
			f.Fatal(err)
		}
		m, err := binarize(toGray(img))
		if err != nil || m.GetWidth() > 255+21 {
			f.Fatalf("seed %q: %v", text, err)
		}
		if b, _, err := decodeMatrix(m); err != nil || string(b) != text {
			f.Fatalf("seed %q does not read: %v", text, err)
		}
		f.Add(bytesFromBits(m))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if m := bitsFromBytes(in); m != nil {
			decodeMatrix(m)
		}
	})
}

// TestCodeSizeFromFinderWidths films a dense frame (101 modules a side) at
// 3.2 pixels per module, blurred, with the perspective of a picture from
// BenchmarkThroughput: the finder patterns look wider than 7 modules, and
// gozxing counts 99 modules, which is no QR size. decodeMatrix tries the
// sizes near the count and reads the code.
func TestCodeSizeFromFinderWidths(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	seq, err := encode(randomBytes(rng, 5_000), Dense, newSeeded(3))
	if err != nil {
		t.Fatal(err)
	}
	sp := shotParams{
		ppm: 3.2, cx: 302.4, cy: 238.2, angle: 0.0631,
		tiltX: 0.0273, tiltY: -0.0288, blur: 0.53,
		lightAngle: 3.87, lightDrop: 0.205,
		moireAmp: 12, moirePeriod: 11.7, moireAngle: 2.257,
		noise: 5.1, quality: 78,
		screenBlack: 26.9, screenWhite: 219.6, roomBrightness: 60.7,
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, cameraShot(seq.bitmap(0), sp, rand.New(rand.NewPCG(3, 12))), &jpeg.Options{Quality: sp.quality}); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	m, err := binarize(toGray(img))
	if err != nil {
		t.Fatal(err)
	}
	info, err := detector.NewFinderPatternFinder(m, nil).Find(decodeHints)
	if err != nil {
		t.Fatal(err)
	}
	// The case this test is about: gozxing miscounts the modules.
	if det, err := detector.NewDetector(m).ProcessFinderPatternInfo(info); err == nil && det.GetBits().GetWidth() == 101 {
		t.Fatal("gozxing counts the modules right: the test no longer tests the other sizes")
	}
	if sizes := codeSizes(info); !slices.Contains(sizes, 101) {
		t.Errorf("sizes tried %v, not 101", sizes)
	}
	if got, _, err := decodeMatrix(m); err != nil || !bytes.Equal(got, seq.frames[0]) {
		t.Errorf("decodeMatrix: %v", err)
	}
}
