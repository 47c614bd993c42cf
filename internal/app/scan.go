package app

import (
	"context"

	"fyne.io/fyne/v2"

	"trustdesk/camera"
	"trustdesk/export/qr"
)

// openRealCamera opens the first camera.
func openRealCamera() (qr.FrameSource, error) {
	c, err := camera.Open(camera.Options{})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// cameraScan is a camera scan ([qr.ScanCamera]) running in the background:
// the bridge that hands what the scan sees over to the UI thread with
// [fyne.Do], so that screens only say what to show.
type cameraScan struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// scanHandlers say what a screen does with a camera scan, on the UI thread.
type scanHandlers struct {
	// seen shows one picture and how the scan goes.
	seen func(qr.ScanUpdate)
	// end is called once with what the scan found, or why it failed
	// (the camera could not be opened, or stopped), unless the scan was
	// stopped with [cameraScan.stop] before.
	end func(qr.ScanResult, error)
	// afterSeen, if set, is called from the scan goroutine once seen has
	// run; tests use it to follow and hold up a scan.
	afterSeen func(qr.ScanUpdate)
}

// newCameraScan returns a scan that is not started yet.
func newCameraScan() *cameraScan {
	ctx, cancel := context.WithCancel(context.Background())
	return &cameraScan{ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// start opens the camera with open and scans it with o in the background
// until o is satisfied, the camera stops or the scan is stopped; the camera
// is then closed. [ui.wait] waits for it. Start a scan once.
func (sc *cameraScan) start(u *ui, open func() (qr.FrameSource, error), o qr.ScanOptions, h scanHandlers) {
	ctx := sc.ctx
	o.Seen = func(up qr.ScanUpdate) {
		// Waiting for the UI keeps the scan from running ahead of what is
		// shown; the camera keeps only its newest picture meanwhile.
		fyne.DoAndWait(func() {
			if ctx.Err() == nil {
				h.seen(up)
			}
		})
		if h.afterSeen != nil {
			h.afterSeen(up)
		}
	}
	u.busy.Add(1)
	go func() {
		defer u.busy.Done()
		defer close(sc.done)
		res, err := sc.run(open, o)
		if ctx.Err() != nil {
			return
		}
		fyne.Do(func() {
			if ctx.Err() == nil {
				h.end(res, err)
			}
		})
	}()
}

// run opens the camera and scans it.
func (sc *cameraScan) run(open func() (qr.FrameSource, error), o qr.ScanOptions) (qr.ScanResult, error) {
	cam, err := open()
	if err != nil {
		return qr.ScanResult{}, err
	}
	defer cam.Close()
	return qr.ScanCamera(sc.ctx, cam, o)
}

// stop ends the scan and releases the camera; it is safe to call more than
// once, and from any goroutine.
func (sc *cameraScan) stop() { sc.cancel() }
