//go:build linux

package camera

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blackjack/webcam"
)

func withDevices(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := devicePattern
	devicePattern = filepath.Join(dir, "video*")
	t.Cleanup(func() { devicePattern = old })
	return dir
}

func TestOpenWithoutCamera(t *testing.T) {
	withDevices(t)
	c, err := Open(Options{})
	if !errors.Is(err, ErrNoCamera) || c != nil {
		t.Fatalf("Open: %v", err)
	}
	if !strings.Contains(err.Error(), "image files") {
		t.Fatalf("message does not point to image files: %v", err)
	}
	if _, err := Open(Options{Device: filepath.Join(t.TempDir(), "video7")}); !errors.Is(err, ErrNoCamera) ||
		!strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing device: %v", err)
	}
}

func TestOpenSkipsNonCameras(t *testing.T) {
	// Files named like devices that are not V4L2 devices.
	dir := withDevices(t, "video0", "video1")
	_, err := Open(Options{})
	if !errors.Is(err, ErrNoCamera) || !strings.Contains(err.Error(), "not a usable camera") {
		t.Fatalf("Open: %v", err)
	}
	_, err = Open(Options{Device: filepath.Join(dir, "video1")})
	if !errors.Is(err, ErrNoCamera) {
		t.Fatalf("Open(video1): %v", err)
	}
}

func TestDevicesOrder(t *testing.T) {
	dir := withDevices(t, "video10", "video2", "video0")
	got := Devices()
	want := []string{filepath.Join(dir, "video0"), filepath.Join(dir, "video2"), filepath.Join(dir, "video10")}
	if !slices.Equal(got, want) {
		t.Fatalf("Devices() = %v", got)
	}
}

func TestPickSize(t *testing.T) {
	discrete := []webcam.FrameSize{
		{MinWidth: 1280, MaxWidth: 1280, MinHeight: 720, MaxHeight: 720},
		{MinWidth: 640, MaxWidth: 640, MinHeight: 480, MaxHeight: 480},
		{MinWidth: 320, MaxWidth: 320, MinHeight: 240, MaxHeight: 240},
	}
	if w, h := pickSize(discrete, 640, 480); w != 640 || h != 480 {
		t.Fatal(w, h)
	}
	if w, h := pickSize(discrete, 800, 600); w != 640 || h != 480 {
		t.Fatal(w, h)
	}
	stepwise := []webcam.FrameSize{{MinWidth: 160, MaxWidth: 1920, StepWidth: 16, MinHeight: 120, MaxHeight: 1080, StepHeight: 8}}
	if w, h := pickSize(stepwise, 650, 485); w != 640 || h != 480 {
		t.Fatal(w, h)
	}
	if w, h := pickSize(nil, 640, 480); w != 640 || h != 480 {
		t.Fatal(w, h)
	}
}
