//go:build linux

package camera

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/blackjack/webcam"
)

// V4L2 pixel formats, as four-character codes.
const (
	formatYUYV  webcam.PixelFormat = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
	formatMJPEG webcam.PixelFormat = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
)

// devicePattern finds V4L2 devices; tests point it elsewhere.
var devicePattern = "/dev/video*"

// waitMillis bounds how long the capture loop waits for a picture before it
// checks whether it should stop.
const waitMillis = 200

// maxBadPictures is how many undecodable pictures in a row end streaming.
const maxBadPictures = 30

// Devices returns the V4L2 device files present, such as "/dev/video0", in
// numeric order. Not every device is a camera: many cameras add a second
// device for metadata, which [Open] skips.
func Devices() []string {
	names, _ := filepath.Glob(devicePattern)
	num := func(s string) int {
		i := len(s)
		for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
			i--
		}
		n, err := strconv.Atoi(s[i:])
		if err != nil {
			return -1
		}
		return n
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := num(a) - num(b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return names
}

// Open opens the camera named in opt, or the first camera found, and starts
// streaming. It returns an error wrapping [ErrNoCamera] when there is no
// camera.
func Open(opt Options) (*Camera, error) {
	if opt.Device != "" {
		return openDevice(opt.Device, opt)
	}
	devices := Devices()
	if len(devices) == 0 {
		return nil, ErrNoCamera
	}
	var firstErr error
	for _, d := range devices {
		c, err := openDevice(d, opt)
		if err == nil {
			return c, nil
		}
		// Remember the most telling failure: one that is not merely "this
		// device is not a camera".
		if firstErr == nil || errors.Is(firstErr, ErrNoCamera) && !errors.Is(err, ErrNoCamera) {
			firstErr = err
		}
	}
	return nil, firstErr
}

func openDevice(path string, opt Options) (*Camera, error) {
	cam, err := webcam.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w (%s does not exist)", ErrNoCamera, path)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("camera: %s: permission denied; this user may not use the camera (on most systems, add the user to the video group)", path)
	case err != nil:
		// ENOTTY for files that are not V4L2 devices, "Not a video capture
		// device" for the metadata nodes many cameras add.
		return nil, fmt.Errorf("%w (%s is not a usable camera: %v)", ErrNoCamera, path, err)
	}
	ok := false
	defer func() {
		if !ok {
			cam.Close()
		}
	}()
	formats := cam.GetSupportedFormats()
	var format webcam.PixelFormat
	switch {
	case formats[formatYUYV] != "":
		format = formatYUYV
	case formats[formatMJPEG] != "":
		format = formatMJPEG
	default:
		return nil, fmt.Errorf("%w (%s offers neither YUYV nor MJPEG pictures)", ErrNoCamera, path)
	}
	ww, wh := opt.size()
	w, h := pickSize(cam.GetSupportedFrameSizes(format), ww, wh)
	w &^= 1 // YUYV pairs pixels
	got, _, _, err := cam.SetImageFormat(format, uint32(w), uint32(h))
	if err != nil {
		return nil, fmt.Errorf("camera: %s: set picture format: %v", path, err)
	}
	if got != format {
		return nil, fmt.Errorf("camera: %s: camera refused the picture format", path)
	}
	if err := cam.StartStreaming(); err != nil {
		if errors.Is(err, syscall.EBUSY) {
			return nil, fmt.Errorf("camera: %s is in use by another program; close it and try again", path)
		}
		return nil, fmt.Errorf("camera: %s: start streaming: %v", path, err)
	}
	ok = true
	bad := 0
	next := func() (image.Image, error) {
		err := cam.WaitForFrame(waitMillis)
		var timeout *webcam.Timeout
		if errors.As(err, &timeout) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("camera: %s: %v", path, err)
		}
		buf, index, err := cam.GetFrame()
		if err != nil {
			return nil, fmt.Errorf("camera: %s: read picture: %v", path, err)
		}
		var img image.Image
		if format == formatYUYV {
			img, err = YUYVImage(buf, w, h, len(buf)/h)
		} else {
			img, err = jpeg.Decode(bytes.NewReader(buf))
		}
		if rerr := cam.ReleaseFrame(index); rerr != nil {
			return nil, fmt.Errorf("camera: %s: %v", path, rerr)
		}
		if err != nil || len(buf) == 0 {
			if bad++; bad >= maxBadPictures {
				return nil, fmt.Errorf("camera: %s: cannot read the camera's pictures: %v", path, err)
			}
			return nil, nil
		}
		bad = 0
		return img, nil
	}
	return newCamera(path, w, h, next, cam.Close), nil
}

// pickSize returns the offered size nearest to w×h. Stepwise ranges are
// clamped and snapped to their step.
func pickSize(sizes []webcam.FrameSize, w, h int) (int, int) {
	if len(sizes) == 0 {
		return w, h
	}
	best, bestW, bestH := -1, w, h
	for _, s := range sizes {
		cw := snap(w, int(s.MinWidth), int(s.MaxWidth), int(s.StepWidth))
		ch := snap(h, int(s.MinHeight), int(s.MaxHeight), int(s.StepHeight))
		d := abs(cw-w) + abs(ch-h)
		if best < 0 || d < best {
			best, bestW, bestH = d, cw, ch
		}
	}
	return bestW, bestH
}

func snap(v, lo, hi, step int) int {
	v = min(max(v, lo), hi)
	if step > 0 {
		v = lo + (v-lo)/step*step
	}
	return v
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
