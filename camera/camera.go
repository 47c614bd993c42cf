// Package camera captures pictures from a webcam for scanning QR codes.
//
// On Linux it talks to Video4Linux2 devices (/dev/video0, /dev/video1, …)
// directly in pure Go through github.com/blackjack/webcam: [Open] picks the
// first capture device (or the one named in [Options]), asks for a picture
// size near 640×480 in the YUYV format (MJPEG when YUYV is not offered) and
// streams pictures as [image.Image] values on [Camera.Frames]. The channel
// holds only the newest picture: a slow reader skips pictures instead of
// falling behind the live view.
//
// Other systems, macOS among them, have no camera support in this package:
// there [Open] returns [ErrUnsupported], whose message tells the user to
// scan image files of the codes instead. A sound macOS route needs cgo and
// AVFoundation, which the project does not take on.
//
// When no camera is connected [Open] returns an error wrapping
// [ErrNoCamera].
package camera

import (
	"errors"
	"fmt"
	"image"
	"sync"
)

// Errors returned by [Open]. Test them with [errors.Is].
var (
	// ErrNoCamera means no camera is connected, or the named device does
	// not exist or cannot capture video.
	ErrNoCamera = errors.New("camera: no camera found; connect a camera, or scan image files of the codes instead")
	// ErrUnsupported means this system has no camera support in trustdesk.
	ErrUnsupported = errors.New("camera: scanning with a camera is not available on this system; save pictures of the codes and scan the image files instead")
)

// DefaultWidth and DefaultHeight are the picture size [Open] asks for when
// [Options] names none: enough for a version 21 QR code at 4.5 pixels per
// module, and cheap to decode ten times a second.
const (
	DefaultWidth  = 640
	DefaultHeight = 480
)

// Options configures [Open]. The zero value opens the first camera at about
// 640×480.
type Options struct {
	// Device is the device to open, such as "/dev/video0"; empty means the
	// first camera found.
	Device string
	// Width and Height are the wanted picture size; the nearest size the
	// camera offers is used. Zero means DefaultWidth×DefaultHeight.
	Width, Height int
}

func (o Options) size() (int, int) {
	w, h := o.Width, o.Height
	if w <= 0 || h <= 0 {
		w, h = DefaultWidth, DefaultHeight
	}
	return w, h
}

// Camera is an open camera streaming pictures. Close it when done.
type Camera struct {
	name          string
	width, height int
	frames        chan image.Image
	stop          chan struct{}
	stopped       chan struct{} // closed when the capture loop has ended
	closeDev      func() error

	mu  sync.Mutex
	err error

	closeOnce sync.Once
	closeErr  error
}

// Name returns the device the pictures come from, such as "/dev/video0".
func (c *Camera) Name() string { return c.name }

// Size returns the picture size the camera delivers.
func (c *Camera) Size() (width, height int) { return c.width, c.height }

// Frames returns the channel on which pictures arrive. It is closed when
// the camera is closed or fails; [Camera.Err] then tells why. The pictures
// are the caller's to keep.
func (c *Camera) Frames() <-chan image.Image { return c.frames }

// Err returns the error that ended streaming, or nil while streaming or
// after a clean [Camera.Close].
func (c *Camera) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close stops streaming, waits for the capture loop to end, closes
// [Camera.Frames] and releases the device. It is safe to call more than
// once.
func (c *Camera) Close() error {
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.stopped
		c.closeErr = c.closeDev()
	})
	return c.closeErr
}

// newCamera starts the capture loop: next blocks until the next picture,
// returning (nil, nil) when none arrived in time so that stop is checked.
func newCamera(name string, w, h int, next func() (image.Image, error), closeDev func() error) *Camera {
	c := &Camera{
		name: name, width: w, height: h,
		frames:   make(chan image.Image, 1),
		stop:     make(chan struct{}),
		stopped:  make(chan struct{}),
		closeDev: closeDev,
	}
	go c.loop(next)
	return c
}

func (c *Camera) loop(next func() (image.Image, error)) {
	defer close(c.stopped)
	defer close(c.frames)
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		img, err := next()
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		if img == nil {
			continue
		}
		// Keep only the newest picture: drop an unread one first. Only
		// this goroutine sends, so the send below cannot block.
		select {
		case c.frames <- img:
		default:
			select {
			case <-c.frames:
			default:
			}
			c.frames <- img
		}
	}
}

// YUYVImage converts one YUYV 4:2:2 picture (Y0 U Y1 V for every two
// pixels, rows stride bytes apart) to an [image.YCbCr]. The data is copied.
func YUYVImage(data []byte, width, height, stride int) (*image.YCbCr, error) {
	if width <= 0 || height <= 0 || width%2 != 0 || stride < 2*width {
		return nil, fmt.Errorf("camera: bad YUYV geometry %d×%d, stride %d", width, height, stride)
	}
	if len(data) < stride*(height-1)+2*width {
		return nil, fmt.Errorf("camera: short YUYV picture: %d bytes for %d×%d", len(data), width, height)
	}
	img := image.NewYCbCr(image.Rect(0, 0, width, height), image.YCbCrSubsampleRatio422)
	for y := 0; y < height; y++ {
		row := data[y*stride : y*stride+2*width]
		yp := img.Y[y*img.YStride:]
		cb := img.Cb[y*img.CStride:]
		cr := img.Cr[y*img.CStride:]
		for x := 0; x < width/2; x++ {
			q := row[4*x : 4*x+4]
			yp[2*x], cb[x], yp[2*x+1], cr[x] = q[0], q[1], q[2], q[3]
		}
	}
	return img, nil
}
