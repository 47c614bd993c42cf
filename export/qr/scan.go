package qr

import (
	"context"
	"errors"
	"image"
	"sync"
)

// FrameSource is a running camera: pictures arrive on Frames until the
// camera fails or is closed, and Err then says why it stopped (nil when it
// was closed). [trustdesk/camera.Camera] is one; tests use their own.
type FrameSource interface {
	Frames() <-chan image.Image
	Err() error
	Close() error
}

// ScanResult is what [Scan] found: either a complete sequence or a single
// other QR code, such as a card.
type ScanResult struct {
	// File is the rebuilt file when a sequence was completed.
	File []byte
	// Code is the content of a QR code that is not a sequence frame, read
	// before any frame was seen; nil otherwise.
	Code []byte
}

// ScanOptions say what [Scan] looks for and whom it tells how it goes.
type ScanOptions struct {
	// Sequence collects the frames of an animated sequence until the file
	// is rebuilt. Without it every code counts as not a frame.
	Sequence bool
	// Code, if not nil, says whether a code that is not a sequence frame
	// (a card, for instance) is what the scan looks for: the scan then ends
	// with it, unless a frame was accepted before it, so that a card lying
	// near the screen cannot interrupt a transfer. With Code nil such codes
	// are passed over.
	Code func(text []byte) bool
	// Seen, if not nil, is called after every picture, the last one
	// included, from one goroutine at a time.
	Seen func(ScanUpdate)
	// Workers is how many pictures are decoded at once; 0 means one.
	// (With more than one, "before" above means before in the order
	// decoding finished.)
	Workers int
}

// ScanUpdate is what [Scan] tells [ScanOptions.Seen] after each picture.
type ScanUpdate struct {
	// Image is the picture just looked at.
	Image image.Image
	// Pictures counts the pictures looked at so far, this one included.
	Pictures int
	// Progress is how far the sequence has come.
	Progress Progress
	// Err is nil when the picture held an accepted frame or the code the
	// scan looks for. Otherwise it says why not: [ErrNoCode], [ErrNotFrame],
	// [ErrDamaged] (the frames did not fit together; that transfer starts
	// over) or another error of [Decoder.AddFrame].
	Err error
	// Struggling is true while most recent pictures could not be read
	// (see [RecentReads]); a scanner may then show [SteadierHint].
	Struggling bool
}

// Scan reads QR codes from a stream of camera pictures until it has found
// what o looks for: a rebuilt sequence, or one code that is not a frame.
//
// Scan returns the context's error when ctx ends first, and an error
// wrapping [ErrIncomplete] when images is closed first.
func Scan(ctx context.Context, images <-chan image.Image, o ScanOptions) (ScanResult, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &scan{o: o, cancel: cancel}
	var wg sync.WaitGroup
	for range max(o.Workers, 1) {
		wg.Go(func() {
			for {
				select {
				case <-sctx.Done():
					return
				case img, ok := <-images:
					if !ok {
						return
					}
					s.look(img)
				}
			}
		})
	}
	wg.Wait()
	if s.found {
		return s.result, nil
	}
	if err := ctx.Err(); err != nil {
		return ScanResult{}, err
	}
	_, err := s.dec.Bytes() // wraps ErrIncomplete and says how many more
	return ScanResult{}, err
}

// ScanCamera runs [Scan] on the pictures of src. When the camera stops
// with an error first, it returns that error. It does not close src.
func ScanCamera(ctx context.Context, src FrameSource, o ScanOptions) (ScanResult, error) {
	res, err := Scan(ctx, src.Frames(), o)
	if errors.Is(err, ErrIncomplete) {
		if cerr := src.Err(); cerr != nil {
			return res, cerr
		}
	}
	return res, err
}

// scan is the state the workers of one [Scan] share.
type scan struct {
	o      ScanOptions
	cancel context.CancelFunc
	dec    Decoder

	mu       sync.Mutex // serializes Seen calls and guards the fields below
	recent   RecentReads
	pictures int
	frames   bool // a frame has been accepted
	found    bool
	result   ScanResult
}

// look decodes one picture, then takes its place in the scan.
func (s *scan) look(img image.Image) {
	text, err := ReadImage(img)
	var p Progress
	switch {
	case err != nil:
		p = s.dec.Progress()
	case s.o.Sequence:
		p, err = s.dec.AddFrame(text)
	default:
		err = ErrNotFrame
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.found {
		return
	}
	s.pictures++
	s.recent.Add(!errors.Is(err, ErrNoCode))
	switch {
	case errors.Is(err, ErrNotFrame):
		if !s.frames && s.o.Code != nil && s.o.Code(text) {
			s.finish(ScanResult{Code: text})
			err = nil
		}
	case err == nil:
		s.frames = true
		if p.Done {
			data, derr := s.dec.Bytes()
			if derr == nil {
				s.finish(ScanResult{File: data})
			}
			err = derr
		}
	}
	if s.o.Seen != nil {
		s.o.Seen(ScanUpdate{Image: img, Pictures: s.pictures, Progress: p, Err: err, Struggling: s.recent.Struggling()})
	}
}

// finish ends the scan with res; s.mu is held.
func (s *scan) finish(res ScanResult) {
	s.result, s.found = res, true
	s.cancel()
}
