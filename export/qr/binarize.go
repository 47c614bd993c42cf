package qr

import (
	"image"

	"github.com/makiuchi-d/gozxing"
)

// Block thresholds as gozxing's HybridBinarizer computes them.
const (
	binBlock        = 8  // side of a block, in pixels
	binMinDimension = 40 // smaller pictures get one global threshold
	binMinRange     = 24 // a block with less contrast is taken as flat
)

// binarize turns g black and white exactly as gozxing's HybridBinarizer
// does, bit for bit, but several times faster: it reads g's pixels in
// place instead of copying them, and writes the result 32 pixels at a time
// instead of one. Each 8×8 block gets a black point (its mean, or for a
// flat block an estimate from its neighbours); each pixel is black when it
// is no lighter than the mean black point of the 5×5 blocks around its
// block. Pictures narrower or lower than 40 pixels are left to gozxing's
// global-histogram binarizer, as the HybridBinarizer does.
func binarize(g *image.Gray) (*gozxing.BitMatrix, error) {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < binMinDimension || h < binMinDimension {
		src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix[g.PixOffset(b.Min.X, b.Min.Y):], g.Stride, h, 0, 0, w, h, false)
		if err != nil {
			return nil, err
		}
		return gozxing.NewGlobalHistgramBinarizer(src).GetBlackMatrix()
	}
	pix := g.Pix[g.PixOffset(b.Min.X, b.Min.Y):]
	stride := g.Stride
	sw, sh := (w+binBlock-1)/binBlock, (h+binBlock-1)/binBlock
	thr := thresholds(blackPoints(pix, stride, w, h), sw, sh)
	// Where the last block of a row or column overlaps the one before it,
	// a pixel is black if either block makes it black; but the two have
	// the same threshold (the same 5×5 window, held inside the picture), so
	// every pixel simply takes the threshold of the block it lies in.
	m, err := gozxing.NewBitMatrix(w, h)
	if err != nil {
		return nil, err
	}
	row := gozxing.NewBitArray(w)
	limit := make([]int32, w) // each pixel's threshold in the current row
	for y := range h {
		if by := min(y/binBlock, sh-1); y == 0 || by != min((y-1)/binBlock, sh-1) {
			for x := range limit {
				limit[x] = int32(thr[by*sw+min(x/binBlock, sw-1)])
			}
		}
		line := pix[y*stride:][:w]
		for x0 := 0; x0 < w; x0 += 32 {
			var word uint32
			lim := limit[x0:min(x0+32, w)]
			for i, p := range line[x0:][:len(lim)] {
				// Black when p ≤ limit: the sign of p − limit − 1,
				// without a branch (camera noise makes it unpredictable).
				word |= uint32(int32(p)-lim[i]-1) >> 31 << i
			}
			row.SetBulk(x0, word)
		}
		m.SetRow(y, row)
	}
	return m, nil
}

// blackPoints returns the black point of each 8×8 block of the picture
// pix (w×h, rows stride bytes apart), row by row.
func blackPoints(pix []byte, stride, w, h int) []int {
	sw, sh := (w+binBlock-1)/binBlock, (h+binBlock-1)/binBlock
	// A block's pixels start at min(8·i, side − 8): the last block of a
	// row or column overlaps the one before it when the side is not a
	// multiple of 8.
	blockStart := func(i, side int) int { return min(i*binBlock, side-binBlock) }

	black := make([]int, sw*sh)
	for by := range sh {
		y0 := blockStart(by, h)
		for bx := range sw {
			x0 := blockStart(bx, w)
			sum, lo, hi := 0, 255, 0
			for y := y0; y < y0+binBlock; y++ {
				line := pix[y*stride+x0:][:binBlock]
				if hi-lo > binMinRange {
					// Contrast enough: only the mean matters now.
					for _, p := range line {
						sum += int(p)
					}
					continue
				}
				for _, p := range line {
					sum += int(p)
					lo, hi = min(lo, int(p)), max(hi, int(p))
				}
			}
			avg := sum / (binBlock * binBlock)
			if hi-lo <= binMinRange {
				// A flat block: light background, unless its neighbours
				// say that dark is darker than this block.
				avg = lo / 2
				if by > 0 && bx > 0 {
					nb := (black[(by-1)*sw+bx] + 2*black[by*sw+bx-1] + black[(by-1)*sw+bx-1]) / 4
					if lo < nb {
						avg = nb
					}
				}
			}
			black[by*sw+bx] = avg
		}
	}
	return black
}

// thresholds returns each block's threshold from the black points of
// the sw×sh blocks: the mean black point of the 5×5 blocks around it,
// the window held inside the picture.
func thresholds(black []int, sw, sh int) []int {
	thr := make([]int, sw*sh)
	for by := range sh {
		top := min(max(by, 2), sh-3)
		for bx := range sw {
			left := min(max(bx, 2), sw-3)
			sum := 0
			for y := top - 2; y <= top+2; y++ {
				for _, v := range black[y*sw+left-2:][:5] {
					sum += v
				}
			}
			thr[by*sw+bx] = sum / 25
		}
	}
	return thr
}
