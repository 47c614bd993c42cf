package app

import (
	"os"
	"runtime"
	"strconv"

	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// screenRoom returns the work area of the primary screen (the screen less
// its panels and docks) in Fyne units at the scale the window will be
// drawn at, or a zero size when it cannot tell. It asks GLFW, which Fyne's
// desktop driver has set up once a window exists; call it on the main
// goroutine before the app runs.
func screenRoom(a fyne.App) (room fyne.Size) {
	defer func() {
		// GLFW reports a failure, such as no screen, with a panic.
		if recover() != nil {
			room = fyne.Size{}
		}
	}()
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return fyne.Size{}
	}
	_, _, w, h := m.GetWorkarea()
	if w <= 0 || h <= 0 {
		return fyne.Size{}
	}
	scale := userScale(a)
	if runtime.GOOS != "darwin" { // macOS scales at the texture level
		widthMM, _ := m.GetPhysicalSize()
		if mode := m.GetVideoMode(); mode != nil {
			scale *= detectedScale(widthMM, mode.Width)
		}
	}
	return fyne.NewSize(float32(w)/scale, float32(h)/scale)
}

// userScale is the scale the person asked for with FYNE_SCALE or Fyne's
// settings, as Fyne's desktop driver reads it.
func userScale(a fyne.App) float32 {
	if env := os.Getenv("FYNE_SCALE"); env != "" && env != "auto" {
		if s, err := strconv.ParseFloat(env, 32); err == nil && s > 0 {
			return float32(s)
		}
	}
	if s := a.Settings().Scale(); s > 0 {
		return s
	}
	return 1
}

// detectedScale is the scale Fyne's desktop driver gives a screen of
// widthPx pixels across widthMM millimetres: its density over 120 dots
// per inch, never below 1.
func detectedScale(widthMM, widthPx int) float32 {
	if v := os.Getenv("FYNE_DISABLE_DPI_DETECTION"); v == "1" || v == "true" || v == "t" {
		return 1
	}
	if widthMM <= 0 {
		return 1
	}
	dpi := float32(widthPx) / (float32(widthMM) / 25.4)
	if dpi > 1000 || dpi < 10 {
		return 1
	}
	return max(1, dpi/120)
}
