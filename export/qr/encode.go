package qr

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"

	"github.com/klauspost/reedsolomon"
	"github.com/skip2/go-qrcode"
)

// MaxPixelsPerModule is the largest scale [Sequence.Image], [CardImage] and
// their PNG variants accept.
const MaxPixelsPerModule = 64

// Sequence is a file encoded as an animated sequence of QR frames. Its
// methods are safe for concurrent use.
type Sequence struct {
	profile Profile
	spec    profileSpec
	k, m    int
	length  int
	frames  [][]byte // in display order: data frames, then shuffled parity
}

// Encode splits data into frames of the given profile: K data frames, then
// about 3K parity frames in random order, so that any K distinct frames
// rebuild data. Every call picks a fresh random transfer id. It returns
// [ErrTooLarge] if data exceeds [MaxLength] or needs more than
// [MaxDataShards] frames in the profile.
func Encode(data []byte, p Profile) (*Sequence, error) {
	return encode(data, p, rand.Reader)
}

// encode is Encode with the randomness (transfer id and parity order) drawn
// from r, so that tests can be deterministic.
func encode(data []byte, p Profile, r io.Reader) (*Sequence, error) {
	spec, err := p.spec()
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, errors.New("qr: nothing to encode")
	}
	if len(data) > MaxLength {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(data), MaxLength)
	}
	k, m, frames, err := encodeFrames(data, spec.shardSize, r)
	if err != nil {
		return nil, fmt.Errorf("%w in the %s profile", err, spec.name)
	}
	return &Sequence{profile: p, spec: spec, k: k, m: m, length: len(data), frames: frames}, nil
}

// encodeFrames splits data into shards of s bytes, adds parity and returns
// the frames in display order.
func encodeFrames(data []byte, s int, r io.Reader) (k, m int, frames [][]byte, err error) {
	k = (len(data) + s - 1) / s
	if k > MaxDataShards {
		return 0, 0, nil, fmt.Errorf("%w: %d frames, at most %d", ErrTooLarge, k, MaxDataShards)
	}
	m = parityCount(k)
	rs, err := reedsolomon.New(k, m, reedsolomon.WithLeopardGF16(true))
	if err != nil {
		return 0, 0, nil, fmt.Errorf("qr: erasure code: %w", err)
	}
	// One buffer holds every shard; the last data shard is zero-padded.
	buf := make([]byte, (k+m)*s)
	copy(buf, data)
	shards := make([][]byte, k+m)
	for i := range shards {
		shards[i] = buf[i*s : (i+1)*s : (i+1)*s]
	}
	if err := rs.Encode(shards); err != nil {
		return 0, 0, nil, fmt.Errorf("qr: erasure code: %w", err)
	}

	var seed [32]byte
	h := header{k: k, m: m, length: len(data), digest: fileDigest(data), shardSize: s}
	if _, err := io.ReadFull(r, h.transfer[:]); err != nil {
		return 0, 0, nil, fmt.Errorf("qr: transfer id: %w", err)
	}
	if _, err := io.ReadFull(r, seed[:]); err != nil {
		return 0, 0, nil, fmt.Errorf("qr: parity order: %w", err)
	}
	order := make([]int, k+m)
	for i := range order {
		order[i] = i
	}
	parity := order[k:]
	mrand.New(mrand.NewChaCha8(seed)).Shuffle(len(parity), func(i, j int) {
		parity[i], parity[j] = parity[j], parity[i]
	})
	frames = make([][]byte, k+m)
	for pos, idx := range order {
		h.index = idx
		frames[pos] = marshalFrame(&h, shards[idx])
	}
	return k, m, frames, nil
}

// Len returns the number of frames in the sequence.
func (s *Sequence) Len() int { return len(s.frames) }

// Needed returns K, the number of distinct frames a receiver needs.
func (s *Sequence) Needed() int { return s.k }

// Profile returns the profile the sequence was encoded with.
func (s *Sequence) Profile() Profile { return s.profile }

// FrameBytes returns a copy of the contents of frame i (0 ≤ i < Len, in
// display order): the bytes its QR code holds, which [Decoder.AddFrame]
// accepts.
func (s *Sequence) FrameBytes(i int) []byte { return bytes.Clone(s.frames[i]) }

// bitmap encodes frame i as a QR code and returns its modules, quiet zone
// included. Every frame of a profile fits its fixed version by
// construction; an error here is a programming error.
func (s *Sequence) bitmap(i int) [][]bool {
	q, err := qrcode.NewWithForcedVersion(string(s.frames[i]), s.spec.version, s.spec.level)
	if err != nil {
		panic(fmt.Sprintf("qr: frame %d does not fit its profile: %v", i, err))
	}
	return q.Bitmap()
}

// Frame returns frame i (0 ≤ i < Len) at one pixel per module, quiet zone
// included. Display it scaled by a whole number with nearest-neighbour
// sampling (in Fyne: canvas.ImageScalePixels); never let it be smoothed.
// Building one frame's QR code takes a few milliseconds (4–10 ms on a
// 2 GHz core, depending on the profile), well within a frame's 100 ms.
func (s *Sequence) Frame(i int) image.Image {
	return renderBitmap(s.bitmap(i), 1)
}

// Image returns frame i (0 ≤ i < Len) with pixelsPerModule pixels per
// module (1 to [MaxPixelsPerModule]), quiet zone included, painted straight
// from the QR modules.
func (s *Sequence) Image(i, pixelsPerModule int) (image.Image, error) {
	if err := checkScale(pixelsPerModule); err != nil {
		return nil, err
	}
	return renderBitmap(s.bitmap(i), pixelsPerModule), nil
}

// PNG returns frame i (0 ≤ i < Len) as a PNG image with pixelsPerModule
// pixels per module.
func (s *Sequence) PNG(i, pixelsPerModule int) ([]byte, error) {
	img, err := s.Image(i, pixelsPerModule)
	if err != nil {
		return nil, err
	}
	return encodePNG(img)
}

// WriteDir writes every frame as a PNG file with pixelsPerModule pixels per
// module into dir, which must exist, naming them frame-00001.png,
// frame-00002.png and so on in display order. It returns the file names
// written.
func (s *Sequence) WriteDir(dir string, pixelsPerModule int) ([]string, error) {
	if err := checkScale(pixelsPerModule); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(s.frames))
	for i := range s.frames {
		b, err := s.PNG(i, pixelsPerModule)
		if err != nil {
			return names, err
		}
		name := filepath.Join(dir, fmt.Sprintf("frame-%05d.png", i+1))
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return names, fmt.Errorf("qr: write frame: %w", err)
		}
		names = append(names, name)
	}
	return names, nil
}

func checkScale(ppm int) error {
	if ppm < 1 || ppm > MaxPixelsPerModule {
		return fmt.Errorf("qr: pixels per module must be 1 to %d, not %d", MaxPixelsPerModule, ppm)
	}
	return nil
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("qr: png: %w", err)
	}
	return b.Bytes(), nil
}
