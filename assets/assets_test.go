package assets

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"testing"
)

func TestIconIsTheRenderedPNG(t *testing.T) {
	onDisk, err := os.ReadFile("icon.png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(Icon.Content(), onDisk) {
		t.Fatal("embedded icon differs from assets/icon.png")
	}
	if Icon.Name() != "trustdesk.png" {
		t.Fatalf("icon name = %q, want trustdesk.png", Icon.Name())
	}
}

func TestIconShape(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(Icon.Content()))
	if err != nil {
		t.Fatalf("icon is not a PNG: %v", err)
	}
	if b := img.Bounds(); b != image.Rect(0, 0, 512, 512) {
		t.Fatalf("icon bounds = %v, want 512×512", b)
	}
	alpha := func(x, y int) uint32 { _, _, _, a := img.At(x, y).RGBA(); return a }
	// The badge has rounded corners: the very corner is transparent,
	// the middle of each edge and the centre are opaque.
	if a := alpha(2, 2); a != 0 {
		t.Errorf("corner alpha = %d, want transparent", a)
	}
	for _, p := range []image.Point{{256, 20}, {20, 256}, {256, 256}, {256, 490}} {
		if a := alpha(p.X, p.Y); a != 0xffff {
			t.Errorf("alpha at %v = %d, want opaque", p, a)
		}
	}
	// A real drawing, not a flat square: count distinct colours.
	colours := map[[4]uint32]bool{}
	for y := 0; y < 512; y += 4 {
		for x := 0; x < 512; x += 4 {
			r, g, b, a := img.At(x, y).RGBA()
			colours[[4]uint32{r >> 8, g >> 8, b >> 8, a >> 8}] = true
		}
	}
	if len(colours) < 50 {
		t.Errorf("icon has only %d distinct colours", len(colours))
	}
}

func TestSourceDrawingIsPresent(t *testing.T) {
	svg, err := os.ReadFile("icon.svg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte(`viewBox="0 0 512 512"`)) {
		t.Fatal("assets/icon.svg is not the 512×512 source drawing")
	}
}
