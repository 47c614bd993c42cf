package qr

import (
	"bytes"
	"context"
	"errors"
	"image"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

func TestScanSequence(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	data := randomBytes(rng, 2000) // K = 4
	seq, _ := Encode(data, Normal)
	card, _ := CardImage(cardText, 2)
	images := make(chan image.Image)
	firstFrame := make(chan struct{})
	go func() {
		defer close(images)
		// A blank picture, a frame, and once that frame is in, a card: the
		// card must not interrupt the transfer.
		images <- image.NewGray(image.Rect(0, 0, 64, 48))
		for i := seq.Len() - 1; i >= 0; i-- {
			img, _ := seq.Image(i, 2)
			select {
			case images <- img:
			case <-time.After(5 * time.Second):
				return // Scan has finished
			}
			if i == seq.Len()-1 {
				<-firstFrame
				images <- card
			}
		}
	}()
	var last Progress
	calls := 0
	seen := func(u ScanUpdate) {
		if u.Err != nil {
			return
		}
		if calls == 0 {
			close(firstFrame)
		}
		last = u.Progress
		calls++
	}
	res, err := Scan(context.Background(), images, ScanOptions{Sequence: true, Code: anyCode, Seen: seen, Workers: runtime.GOMAXPROCS(0)})
	if err != nil || !bytes.Equal(res.File, data) || res.Code != nil {
		t.Fatalf("Scan: %v (file %d bytes, code %q)", err, len(res.File), res.Code)
	}
	if !last.Done || calls < seq.Needed() {
		t.Fatalf("progress %+v after %d calls", last, calls)
	}
}

func TestScanCard(t *testing.T) {
	card, _ := CardImage(cardText, 3)
	images := make(chan image.Image, 2)
	images <- image.NewGray(image.Rect(0, 0, 64, 48))
	images <- card
	res, err := Scan(context.Background(), images, ScanOptions{Sequence: true, Code: anyCode})
	if err != nil || string(res.Code) != cardText || res.File != nil {
		t.Fatalf("Scan: %v, %q", err, res.Code)
	}
}

func TestScanEnds(t *testing.T) {
	seq, _ := Encode(make([]byte, 3000), Normal)
	images := make(chan image.Image, 1)
	img, _ := seq.Image(0, 2)
	images <- img
	close(images)
	_, err := Scan(context.Background(), images, ScanOptions{Sequence: true})
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("closed stream: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, make(chan image.Image), ScanOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// anyCode takes any code that is not a frame.
func anyCode([]byte) bool { return true }

// TestScanCardOnly looks for a card alone: a frame is not one, and a code
// that Code turns down is passed over.
func TestScanCardOnly(t *testing.T) {
	seq, _ := Encode(make([]byte, 3000), Normal)
	frame, _ := seq.Image(0, 2)
	other, _ := CardImage("not a card", 3)
	card, _ := CardImage(cardText, 3)
	images := make(chan image.Image, 3)
	images <- frame
	images <- other
	images <- card
	var errs []error
	res, err := Scan(context.Background(), images, ScanOptions{
		Code: func(b []byte) bool { return string(b) == cardText },
		Seen: func(u ScanUpdate) { errs = append(errs, u.Err) },
	})
	if err != nil || string(res.Code) != cardText {
		t.Fatalf("Scan: %v, %q", err, res.Code)
	}
	if len(errs) != 3 || !errors.Is(errs[0], ErrNotFrame) || !errors.Is(errs[1], ErrNotFrame) || errs[2] != nil {
		t.Fatalf("seen %v", errs)
	}
}

// stoppedCamera is a camera that failed before showing anything.
type stoppedCamera struct{ err error }

func (c stoppedCamera) Frames() <-chan image.Image {
	ch := make(chan image.Image)
	close(ch)
	return ch
}
func (c stoppedCamera) Err() error   { return c.err }
func (c stoppedCamera) Close() error { return nil }

func TestScanCameraStops(t *testing.T) {
	broken := errors.New("camera unplugged")
	if _, err := ScanCamera(context.Background(), stoppedCamera{broken}, ScanOptions{Sequence: true}); err != broken {
		t.Fatalf("failed camera: %v", err)
	}
	if _, err := ScanCamera(context.Background(), stoppedCamera{}, ScanOptions{Sequence: true}); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("closed camera: %v", err)
	}
}
