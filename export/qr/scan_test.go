package qr

import (
	"bytes"
	"context"
	"errors"
	"image"
	"math/rand/v2"
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
	res, err := Scan(context.Background(), images, func(p Progress) {
		if calls == 0 {
			close(firstFrame)
		}
		last = p
		calls++
	})
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
	res, err := Scan(context.Background(), images, nil)
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
	_, err := Scan(context.Background(), images, nil)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("closed stream: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, make(chan image.Image), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
