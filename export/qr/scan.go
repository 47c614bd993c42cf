package qr

import (
	"context"
	"errors"
	"image"
	"runtime"
	"sync"
)

// ScanResult is what [Scan] found: either a complete sequence or a single
// other QR code, such as a card.
type ScanResult struct {
	// File is the rebuilt file when a sequence was completed.
	File []byte
	// Code is the content of a QR code that is not a sequence frame, read
	// before any frame was seen; nil otherwise.
	Code []byte
}

// Scan reads QR codes from a stream of camera pictures until it has either
// rebuilt a sequence or read one code that is not a frame (a card). Pictures
// are decoded on all processors at once. progress, if not nil, is called
// after every accepted frame, from one goroutine at a time. Once a frame has
// been accepted, other codes in view are ignored, so a card lying near the
// screen cannot interrupt a transfer. (Pictures decode in parallel, so
// "before" means before in the order decoding finished.)
//
// Scan returns the context's error when ctx ends first, and an error
// wrapping [ErrIncomplete] when images is closed first.
func Scan(ctx context.Context, images <-chan image.Image, progress func(Progress)) (ScanResult, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		dec    Decoder
		mu     sync.Mutex // serializes progress calls and guards the fields below
		result ScanResult
		found  bool
		frames bool // a frame has been seen
		wg     sync.WaitGroup
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				var img image.Image
				var ok bool
				select {
				case <-sctx.Done():
					return
				case img, ok = <-images:
					if !ok {
						return
					}
				}
				b, err := ReadImage(img)
				if err != nil {
					continue
				}
				p, err := dec.AddFrame(b)
				mu.Lock()
				switch {
				case found:
				case errors.Is(err, ErrNotFrame):
					if !frames {
						result, found = ScanResult{Code: b}, true
						cancel()
					}
				case err == nil:
					frames = true
					if progress != nil {
						progress(p)
					}
					if p.Done {
						data, _ := dec.Bytes()
						result, found = ScanResult{File: data}, true
						cancel()
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if found {
		return result, nil
	}
	if err := ctx.Err(); err != nil {
		return ScanResult{}, err
	}
	_, err := dec.Bytes() // wraps ErrIncomplete and says how many more
	return ScanResult{}, err
}
