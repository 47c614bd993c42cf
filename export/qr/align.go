package qr

import (
	"cmp"
	"math"
	"slices"

	"github.com/makiuchi-d/gozxing"
	zxdec "github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// decodeHints are the hints every decoding pass gives gozxing. They are only
// read, never written, so all goroutines share them.
var decodeHints = map[gozxing.DecodeHintType]any{
	gozxing.DecodeHintType_CHARACTER_SET: "ISO-8859-1",
	gozxing.DecodeHintType_TRY_HARDER:    true,
}

// decodeMatrix finds a QR code in the binarized picture m and reads it as
// gozxing's QR reader does, then tries again where gozxing goes wrong on
// camera pictures:
//
//   - gozxing takes the first black-white-black run of the right size near
//     where the bottom-right alignment pattern should be, and in a code
//     whose data form a checkerboard (the zero padding of a last frame,
//     for instance) such runs are everywhere; [findAlignment] checks the
//     pattern's whole 5×5 shape instead;
//   - gozxing counts the code's modules from the module size it measures
//     across the finder patterns, which blur and scaling stretch, so a
//     101-module code is taken for 99 modules (not a QR size) or 97;
//     decodeMatrix also tries the other sizes near the count (see
//     [codeSizes]).
//
// It also returns the finder patterns it found, or nil, for further passes.
func decodeMatrix(m *gozxing.BitMatrix) ([]byte, *detector.FinderPatternInfo, error) {
	info, ferr := detector.NewFinderPatternFinder(m, nil).Find(decodeHints)
	if ferr != nil {
		return nil, nil, ferr
	}
	// What gozxing sampled: the code size and alignment pattern it used.
	triedDim, triedAt := 0, gozxing.ResultPoint(nil)
	det, err := detector.NewDetector(m).ProcessFinderPatternInfo(info)
	if err == nil {
		var b []byte
		if b, err = decodeBits(det.GetBits()); err == nil {
			return b, info, nil
		}
		triedDim = det.GetBits().GetWidth()
		if pts := det.GetPoints(); len(pts) == 4 {
			triedAt = pts[3]
		}
	}
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	for _, dim := range codeSizes(info) {
		ms := moduleSize(info, dim)
		var ap *detector.AlignmentPattern
		if x, y, ok := findAlignment(m, info, dim); ok {
			ap = detector.NewAlignmentPattern(x, y, ms)
		}
		if dim == triedDim && (ap == nil) == (triedAt == nil) &&
			(ap == nil || math.Abs(ap.GetX()-triedAt.GetX()) < ms/2 && math.Abs(ap.GetY()-triedAt.GetY()) < ms/2) {
			continue // sampled just like that already
		}
		bits, serr := detector.Detector_sampleGrid(m, detector.Detector_createTransform(tl, tr, bl, ap, dim), dim)
		if serr != nil {
			continue
		}
		if b, aerr := decodeBits(bits); aerr == nil {
			return b, info, nil
		}
	}
	if err == nil {
		err = ErrNoCode
	}
	return nil, info, err
}

// codeSizes returns the sizes, in modules a side, that the code whose
// finder patterns are info may have, the likeliest first: those of QR
// versions (17 + 4v) within 12 % of the count that the finder patterns'
// own widths suggest (each is 7 modules wide), nearest first, at most 3.
func codeSizes(info *detector.FinderPatternInfo) []int {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	ms := (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
	count := (gozxing.ResultPoint_Distance(tl, tr)+gozxing.ResultPoint_Distance(tl, bl))/2/ms + 7
	if !(count >= 21*0.88 && count <= 177*1.12) {
		return nil
	}
	var sizes []int
	for v := 1; v <= 40; v++ {
		if d := float64(17 + 4*v); math.Abs(d-count) <= 0.12*count {
			sizes = append(sizes, 17+4*v)
		}
	}
	slices.SortStableFunc(sizes, func(a, b int) int {
		return cmp.Compare(math.Abs(float64(a)-count), math.Abs(float64(b)-count))
	})
	return sizes[:min(len(sizes), 3)]
}

// decodeBits reads the modules of a sampled code.
func decodeBits(bits *gozxing.BitMatrix) ([]byte, error) {
	res, err := zxdec.NewDecoder().Decode(bits, decodeHints)
	if err != nil {
		return nil, err
	}
	return latin1Bytes(res.GetText()), nil
}

// moduleSize is the module size, in pixels, that the finder patterns of a
// code of dim modules a side suggest: the distance between their centres
// over the dim − 7 modules that separate them.
func moduleSize(info *detector.FinderPatternInfo, dim int) float64 {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	d := gozxing.ResultPoint_Distance(tl, tr) + gozxing.ResultPoint_Distance(tl, bl)
	return d / 2 / float64(dim-7)
}

// alignmentSearch is how far, in modules, findAlignment looks from where
// the bottom-right alignment pattern would be if the code were seen
// straight on: perspective moves it about one module for every 2 % by which
// one side of the code looks shorter than the other.
const alignmentSearch = 6

// findAlignment finds the centre of the bottom-right alignment pattern of
// a code of dim modules a side (version 2 and up) in the binarized picture
// m. Unlike gozxing it checks the pattern's whole 5×5 shape (a dark ring, a
// light ring, a dark centre), laid out along the grid the finder patterns
// span, at every position a quarter module apart within alignmentSearch
// modules of the predicted centre. Of the positions that match best (at
// least 23 of the 25 modules) it takes the one nearest the prediction and
// returns the centre of the matching positions around it.
func findAlignment(m *gozxing.BitMatrix, info *detector.FinderPatternInfo, dim int) (x, y float64, ok bool) {
	if dim < 25 {
		return 0, 0, false // version 1 has no alignment pattern
	}
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	n := float64(dim - 7) // modules between finder centres
	ux, uy := (tr.GetX()-tl.GetX())/n, (tr.GetY()-tl.GetY())/n
	vx, vy := (bl.GetX()-tl.GetX())/n, (bl.GetY()-tl.GetY())/n
	// The pattern's centre is 3 modules further in than the finder
	// patterns' centres: module dim − 7 against 3.
	a := n - 3
	px, py := tl.GetX()+a*(ux+vx), tl.GetY()+a*(uy+vy)
	score := func(cx, cy float64) int {
		s := 0
		for j := -2; j <= 2; j++ {
			for i := -2; i <= 2; i++ {
				fi, fj := float64(i), float64(j)
				dark := max(abs(i), abs(j)) != 1
				if m.Get(int(cx+fi*ux+fj*vx), int(cy+fi*uy+fj*vy)) == dark {
					s++
				}
			}
		}
		return s
	}
	ms := math.Hypot(ux, uy)
	if !(ms > 0) || math.IsInf(ms, 0) {
		return 0, 0, false
	}
	const steps = 4 * alignmentSearch
	type hit struct{ x, y float64 }
	var hits []hit
	best := 23
	for j := -steps; j <= steps; j++ {
		for i := -steps; i <= steps; i++ {
			cx := px + (float64(i)*ux+float64(j)*vx)/4
			cy := py + (float64(i)*uy+float64(j)*vy)/4
			switch s := score(cx, cy); {
			case s > best:
				best, hits = s, append(hits[:0], hit{cx, cy})
			case s == best:
				hits = append(hits, hit{cx, cy})
			}
		}
	}
	if len(hits) == 0 {
		return 0, 0, false
	}
	near := hits[0]
	for _, h := range hits[1:] {
		if math.Hypot(h.x-px, h.y-py) < math.Hypot(near.x-px, near.y-py) {
			near = h
		}
	}
	var sx, sy float64
	k := 0
	for _, h := range hits {
		if math.Hypot(h.x-near.x, h.y-near.y) <= ms {
			sx, sy, k = sx+h.x, sy+h.y, k+1
		}
	}
	return sx / float64(k), sy / float64(k), true
}
