package qr

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
)

// readPNGReduced decodes a non-interlaced PNG row by row into its grey
// levels, reduced by the whole factor f (each output pixel is the average of
// an f×f block, and transparent parts are shown on white). It holds two rows
// of samples and the reduced picture, never the whole decoded image, so a
// 7000×7000 16-bit picture (294 MB of samples) is read in a few megabytes.
// Interlaced pictures and pictures of more than [MaxImagePixels] pixels
// are refused.
func readPNGReduced(r io.Reader, f int) (*image.Gray, error) {
	br := bufio.NewReader(r)
	var sig [8]byte
	if _, err := io.ReadFull(br, sig[:]); err != nil || string(sig[:]) != "\x89PNG\r\n\x1a\n" {
		return nil, errors.New("not a PNG image")
	}
	var (
		w, h           int
		depth, ctype   byte
		lum            [256]uint8 // palette entries as grey on white
		gotHeader      bool
		channels, bits int
	)
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return nil, errors.New("damaged PNG image")
		}
		n, typ := binary.BigEndian.Uint32(hdr[:4]), string(hdr[4:])
		switch {
		case typ == "IHDR" && n == 13:
			var d [13]byte
			if _, err := io.ReadFull(br, d[:]); err != nil {
				return nil, errors.New("damaged PNG image")
			}
			w, h = int(binary.BigEndian.Uint32(d[0:])), int(binary.BigEndian.Uint32(d[4:]))
			depth, ctype = d[8], d[9]
			if d[12] != 0 {
				return nil, errors.New("interlaced PNG image too large")
			}
			channels = map[byte]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
			okDepth := depth == 8 || depth == 16 || (ctype == 0 || ctype == 3) && (depth == 1 || depth == 2 || depth == 4)
			if channels == 0 || !okDepth || ctype == 3 && depth == 16 {
				return nil, errors.New("unsupported PNG image")
			}
			if w <= 0 || h <= 0 || int64(w)*int64(h) > MaxImagePixels {
				return nil, ErrImageTooLarge
			}
			bits = channels * int(depth)
			gotHeader = true
			n = 0
		case typ == "PLTE" && n%3 == 0 && n <= 768:
			p := make([]byte, n)
			if _, err := io.ReadFull(br, p); err != nil {
				return nil, errors.New("damaged PNG image")
			}
			for i := 0; i < int(n)/3; i++ {
				lum[i] = grey(uint32(p[3*i]), uint32(p[3*i+1]), uint32(p[3*i+2]))
			}
			n = 0
		case typ == "IDAT":
			if !gotHeader {
				return nil, errors.New("damaged PNG image")
			}
			zr, err := zlib.NewReader(&idatReader{r: br, left: n})
			if err != nil {
				return nil, errors.New("damaged PNG image")
			}
			return unfilterReduced(zr, w, h, f, depth, ctype, bits, &lum)
		}
		// Skip the rest of the chunk and its CRC.
		if _, err := br.Discard(int(n) + 4); err != nil {
			return nil, errors.New("damaged PNG image")
		}
	}
}

// grey is the luminance of an 8-bit colour (ITU-R BT.601 weights).
func grey(r, g, b uint32) uint8 { return uint8((299*r + 587*g + 114*b + 500) / 1000) }

// idatReader reads the data of consecutive IDAT chunks as one stream.
type idatReader struct {
	r    *bufio.Reader
	left uint32
}

func (d *idatReader) Read(p []byte) (int, error) {
	for d.left == 0 {
		var hdr [12]byte // CRC of the chunk before, then the next header
		if _, err := io.ReadFull(d.r, hdr[:]); err != nil {
			return 0, io.ErrUnexpectedEOF
		}
		if string(hdr[8:]) != "IDAT" {
			return 0, io.ErrUnexpectedEOF
		}
		d.left = binary.BigEndian.Uint32(hdr[4:8])
	}
	n, err := d.r.Read(p[:min(len(p), int(min(d.left, 1<<30)))])
	d.left -= uint32(n)
	return n, err
}

func unfilterReduced(zr io.Reader, w, h, f int, depth, ctype byte, bits int, lum *[256]uint8) (*image.Gray, error) {
	ow, oh := (w+f-1)/f, (h+f-1)/f
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	sums := make([]uint32, ow)
	rowBytes := (w*bits + 7) / 8
	bpp := max(bits/8, 1)
	cur, prev := make([]byte, rowBytes), make([]byte, rowBytes)
	var ft [1]byte
	br := bufio.NewReaderSize(zr, 1<<16)
	for y := range h {
		if _, err := io.ReadFull(br, ft[:]); err != nil {
			return nil, fmt.Errorf("damaged PNG image: %v", err)
		}
		if _, err := io.ReadFull(br, cur); err != nil {
			return nil, fmt.Errorf("damaged PNG image: %v", err)
		}
		switch ft[0] {
		case 0:
		case 1:
			for i := bpp; i < rowBytes; i++ {
				cur[i] += cur[i-bpp]
			}
		case 2:
			for i := range cur {
				cur[i] += prev[i]
			}
		case 3:
			for i := range cur {
				var a byte
				if i >= bpp {
					a = cur[i-bpp]
				}
				cur[i] += byte((int(a) + int(prev[i])) / 2)
			}
		case 4:
			for i := range cur {
				var a, c byte
				if i >= bpp {
					a, c = cur[i-bpp], prev[i-bpp]
				}
				cur[i] += paeth(a, prev[i], c)
			}
		default:
			return nil, errors.New("damaged PNG image")
		}
		for x := range w {
			sums[x/f] += uint32(pixelGrey(cur, x, depth, ctype, lum))
		}
		if y%f == f-1 || y == h-1 {
			rows := uint32(y%f + 1)
			o := out.Pix[(y/f)*out.Stride:]
			for i, s := range sums {
				cols := uint32(min(f, w-i*f))
				o[i] = uint8(s / (rows * cols))
				sums[i] = 0
			}
		}
		cur, prev = prev, cur
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// pixelGrey returns the grey level of pixel x of an unfiltered row; for
// 16-bit samples the high byte is used.
func pixelGrey(row []byte, x int, depth, ctype byte, lum *[256]uint8) uint8 {
	if depth < 8 {
		per := 8 / int(depth)
		v := row[x/per] >> (8 - int(depth)*(x%per+1)) & (1<<depth - 1)
		if ctype == 3 {
			return lum[v]
		}
		return uint8(int(v) * 255 / (1<<depth - 1))
	}
	s := int(depth) / 8
	at := func(c int) uint32 { return uint32(row[(x*channelsOf(ctype)+c)*s]) }
	switch ctype {
	case 0:
		return uint8(at(0))
	case 3:
		return lum[at(0)]
	case 2:
		return grey(at(0), at(1), at(2))
	case 4:
		return onWhite(at(0), at(1))
	}
	return onWhite(uint32(grey(at(0), at(1), at(2))), at(3))
}

func channelsOf(ctype byte) int {
	switch ctype {
	case 2:
		return 3
	case 4:
		return 2
	case 6:
		return 4
	}
	return 1
}

// onWhite composes grey level v with opacity a (both 0–255) on white.
func onWhite(v, a uint32) uint8 { return uint8((v*a + 255*(255-a) + 127) / 255) }
