package camera

import (
	"errors"
	"image"
	"testing"
	"time"
)

func TestYUYVImage(t *testing.T) {
	// 4×2 picture with a stride of 10 bytes (2 bytes of row padding).
	data := []byte{
		10, 100, 20, 200, 30, 101, 40, 201, 0xee, 0xee,
		50, 102, 60, 202, 70, 103, 80, 203, 0xee, 0xee,
	}
	img, err := YUYVImage(data, 4, 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 4, 2) || img.SubsampleRatio != image.YCbCrSubsampleRatio422 {
		t.Fatalf("bounds %v ratio %v", img.Bounds(), img.SubsampleRatio)
	}
	wantY := [][]byte{{10, 20, 30, 40}, {50, 60, 70, 80}}
	wantCb := [][]byte{{100, 101}, {102, 103}}
	wantCr := [][]byte{{200, 201}, {202, 203}}
	for y := 0; y < 2; y++ {
		for x := 0; x < 4; x++ {
			c := img.YCbCrAt(x, y)
			if c.Y != wantY[y][x] || c.Cb != wantCb[y][x/2] || c.Cr != wantCr[y][x/2] {
				t.Fatalf("pixel (%d,%d) = %v", x, y, c)
			}
		}
	}
	data[0] = 99
	if img.YCbCrAt(0, 0).Y != 10 {
		t.Fatal("picture shares memory with the camera buffer")
	}
	for _, c := range []struct{ n, w, h, stride int }{
		{20, 3, 2, 10}, {20, 4, 0, 10}, {20, 4, 2, 7}, {17, 4, 2, 10}, {20, 4, 3, 10},
	} {
		if _, err := YUYVImage(data[:c.n], c.w, c.h, c.stride); err == nil {
			t.Errorf("accepted %d bytes as %d×%d stride %d", c.n, c.w, c.h, c.stride)
		}
	}
}

// fakeSource produces numbered pictures as fast as asked.
func fakeSource(stopAfter int, failWith error) (func() (image.Image, error), *int) {
	n := 0
	return func() (image.Image, error) {
		n++
		if n > stopAfter {
			if failWith != nil {
				return nil, failWith
			}
			time.Sleep(time.Millisecond)
			return nil, nil // no picture in time
		}
		return image.NewGray(image.Rect(0, 0, n, 1)), nil
	}, &n
}

func TestCameraKeepsNewestPicture(t *testing.T) {
	next, _ := fakeSource(50, nil)
	closed := 0
	c := newCamera("fake", 640, 480, next, func() error { closed++; return nil })
	if c.Name() != "fake" {
		t.Fatal(c.Name())
	}
	if w, h := c.Size(); w != 640 || h != 480 {
		t.Fatal(w, h)
	}
	// Wait until the source has run dry; the channel then holds the newest
	// picture only.
	deadline := time.After(10 * time.Second)
	var last image.Image
	for last == nil || last.Bounds().Dx() < 50 {
		select {
		case img := <-c.Frames():
			if last != nil && img.Bounds().Dx() <= last.Bounds().Dx() {
				t.Fatalf("picture %d after %d", img.Bounds().Dx(), last.Bounds().Dx())
			}
			last = img
		case <-deadline:
			t.Fatal("newest picture never arrived")
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil || closed != 1 {
		t.Fatalf("second Close: %v, device closed %d times", err, closed)
	}
	for range c.Frames() {
	}
	if c.Err() != nil {
		t.Fatalf("clean close reports %v", c.Err())
	}
}

func TestCameraFailureEndsStream(t *testing.T) {
	boom := errors.New("unplugged")
	next, _ := fakeSource(3, boom)
	c := newCamera("fake", 2, 2, next, func() error { return nil })
	n := 0
	for range c.Frames() {
		n++
	}
	if !errors.Is(c.Err(), boom) || n < 1 || n > 3 {
		t.Fatalf("err %v after %d pictures", c.Err(), n)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOptionsSize(t *testing.T) {
	if w, h := (Options{}).size(); w != DefaultWidth || h != DefaultHeight {
		t.Fatal(w, h)
	}
	if w, h := (Options{Width: 1280, Height: 720}).size(); w != 1280 || h != 720 {
		t.Fatal(w, h)
	}
}
