package qr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestEveryByteValueSurvives(t *testing.T) {
	// A frame whose shard holds all 256 byte values, twice, read back from
	// its image at several scales and through a PNG file.
	shard := make([]byte, 640)
	for i := range shard {
		shard[i] = byte(i)
	}
	h := header{k: 1, m: 3, length: 640, shardSize: 640, digest: fileDigest(shard)}
	frame := marshalFrame(&h, shard)
	seq := &Sequence{profile: Normal, spec: profiles[Normal], k: 1, m: 3, length: 640, frames: [][]byte{frame}}
	for _, ppm := range []int{1, 2, 5} {
		img, err := seq.Image(0, ppm)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ReadImage(img)
		if err != nil || !bytes.Equal(got, frame) {
			t.Fatalf("%d px/module: read %d bytes, err %v; not byte-exact", ppm, len(got), err)
		}
	}
	b, err := seq.PNG(0, 3)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "f.png")
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(name)
	if err != nil || !bytes.Equal(got, frame) {
		t.Fatalf("from PNG: %d bytes, err %v", len(got), err)
	}
}

func TestFrameGeometry(t *testing.T) {
	for _, p := range Profiles() {
		seq, err := Encode(bytes.Repeat([]byte{0xff}, 3*p.ShardSize()), p)
		if err != nil {
			t.Fatal(err)
		}
		modules := 17 + 4*p.Version() + 8 // quiet zone of 4 on each side
		img := seq.Frame(seq.Len() - 1)
		if b := img.Bounds(); b.Dx() != modules || b.Dy() != modules {
			t.Fatalf("%s: frame is %v, want %d modules square", p, b, modules)
		}
		big, err := seq.Image(0, 3)
		if err != nil || big.Bounds().Dx() != 3*modules {
			t.Fatalf("%s: 3 px/module image is %v (%v)", p, big.Bounds(), err)
		}
		// The quiet zone is white and each module is a solid 3×3 block.
		g := toGray(big)
		for y := 0; y < 3*modules; y++ {
			for x := 0; x < 3*modules; x++ {
				v := g.Pix[y*g.Stride+x]
				if (x < 12 || y < 12 || x >= 3*(modules-4) || y >= 3*(modules-4)) && v != 0xff {
					t.Fatalf("%s: quiet zone pixel (%d,%d) is %d", p, x, y, v)
				}
				if v != g.Pix[(y/3*3)*g.Stride+x/3*3] {
					t.Fatalf("%s: module at (%d,%d) is not uniform", p, x, y)
				}
			}
		}
	}
	seq, _ := Encode([]byte("x"), Normal)
	for _, ppm := range []int{0, -1, MaxPixelsPerModule + 1} {
		if _, err := seq.Image(0, ppm); err == nil {
			t.Errorf("accepted %d px/module", ppm)
		}
		if _, err := CardImage("TD1", ppm); err == nil {
			t.Errorf("card accepted %d px/module", ppm)
		}
	}
}

// cardText is shaped like identity.Card.String(): "TD1" and base32.
const cardText = "TD1AEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQ" +
	"K7M2XQ4ZJ3VN6PDLTWYRGSBHEFC5OUIAK7M2XQ4ZJ3VN6PDLTWYRGSBHEFC5OUIAK7M2XQ4ZJ3VN6PDLTWYRGSBHEF" +
	"C5OUIA2345672345672345672345672345672345672345672345672345672345672345672345672345672345672"

func TestCardRoundTrip(t *testing.T) {
	const ppm = 4
	b, err := CardPNG(cardText, ppm)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w%ppm != 0 || (w/ppm-8-17)%4 != 0 {
		t.Fatalf("card image is %d px wide: not whole modules of a QR version", w)
	}
	got, err := ReadImage(img)
	if err != nil || string(got) != cardText {
		t.Fatalf("gozxing read %q, %v", got, err)
	}
	if _, err := CardPNG("", ppm); err == nil {
		t.Error("encoded empty card text")
	}

	// An independent decoder must read the same text.
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg (Debian zbar-tools) not installed; CI installs it")
	}
	name := filepath.Join(t.TempDir(), "card.png")
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", name).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	if s := strings.TrimRight(string(out), "\n"); s != cardText {
		t.Fatalf("zbarimg read %q", s)
	}
}

func TestReadImageRejects(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 320, 240))
	if _, err := ReadImage(blank); !errors.Is(err, ErrNoCode) {
		t.Fatalf("blank image: %v", err)
	}
	var d Decoder
	if _, err := d.AddImage(blank); !errors.Is(err, ErrNoCode) {
		t.Fatalf("AddImage(blank): %v", err)
	}
	card, _ := CardImage(cardText, 3)
	if _, err := d.AddImage(card); !errors.Is(err, ErrNotFrame) {
		t.Fatalf("AddImage(card): %v", err)
	}
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.png")
	os.WriteFile(junk, []byte("not an image"), 0o600)
	if _, err := ReadFile(junk); err == nil {
		t.Fatal("read a QR code from junk")
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.png")); err == nil {
		t.Fatal("read a missing file")
	}
	// A PNG header announcing a huge image is refused before decoding.
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	huge := buf.Bytes()
	// IHDR width and height live at bytes 16..23.
	copy(huge[16:], []byte{0, 0, 0x40, 0, 0, 0, 0x40, 0})
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29]))
	bomb := filepath.Join(dir, "bomb.png")
	os.WriteFile(bomb, huge, 0o600)
	if _, err := ReadFile(bomb); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("huge image: %v", err)
	}
}

func TestReadLargePhoto(t *testing.T) {
	// A 2400×1800 photo-sized image with the card in it at 16 px/module
	// takes the shrinking path.
	card, _ := CardImage(cardText, 16)
	photo := image.NewGray(image.Rect(0, 0, 2400, 1800))
	for i := range photo.Pix {
		photo.Pix[i] = 128
	}
	g := toGray(card)
	for y := 0; y < g.Bounds().Dy(); y++ {
		copy(photo.Pix[(y+200)*photo.Stride+500:], g.Pix[y*g.Stride:][:g.Bounds().Dx()])
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, photo, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(&jb)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadImage(img)
	if err != nil || string(got) != cardText {
		t.Fatalf("read %q, %v", got, err)
	}
}

func TestDecodeDir(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	data := randomBytes(rng, 3000) // K = 5 in the normal profile
	seq, _ := Encode(data, Normal)
	dir := t.TempDir()
	names, err := seq.WriteDir(dir, 2)
	if err != nil || len(names) != seq.Len() {
		t.Fatalf("WriteDir: %d files, %v", len(names), err)
	}
	// Keep only parity frames 3 of 5 needed, plus a card, junk and text.
	for _, n := range names[:seq.Len()-3] {
		os.Remove(n)
	}
	card, _ := CardPNG(cardText, 3)
	os.WriteFile(filepath.Join(dir, "card.PNG"), card, 0o600)
	os.WriteFile(filepath.Join(dir, "broken.jpg"), []byte("nope"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o600)
	_, p, err := DecodeDir(dir)
	if !errors.Is(err, ErrIncomplete) || p.Have != 3 || p.Need != 5 || !strings.Contains(err.Error(), "2 more") {
		t.Fatalf("3 of 5 frames: progress %+v, err %v", p, err)
	}
	// Two data frames, as JPEG, complete it.
	for i := 0; i < 2; i++ {
		img, _ := seq.Image(i, 4)
		f, _ := os.Create(filepath.Join(dir, "photo-"+string(rune('a'+i))+".jpeg"))
		jpeg.Encode(f, img, &jpeg.Options{Quality: 85})
		f.Close()
	}
	got, p, err := DecodeDir(dir)
	if err != nil || !p.Done || !bytes.Equal(got, data) {
		t.Fatalf("progress %+v, err %v", p, err)
	}
	if _, _, err := DecodeDir(t.TempDir()); !errors.Is(err, ErrNoImages) {
		t.Fatalf("empty folder: %v", err)
	}
	if _, _, err := DecodeDir(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing folder")
	}
}

func TestProgressString(t *testing.T) {
	for p, want := range map[Progress]string{
		{}:                               "no frames yet",
		{Have: 37, Need: 52}:             "37 of 52 frames",
		{Have: 52, Need: 52, Done: true}: "52 of 52 frames, complete",
	} {
		if got := p.String(); got != want {
			t.Errorf("%+v: %q, want %q", p, got, want)
		}
	}
}

func TestReadCroppedRender(t *testing.T) {
	// A screenshot cropped right at the code's edge, without a quiet zone.
	seq, _ := Encode([]byte("cropped"), Normal)
	img, _ := seq.Image(0, 3)
	g := toGray(img)
	q := 4 * 3
	cropped := g.SubImage(image.Rect(q, q, g.Bounds().Dx()-q, g.Bounds().Dy()-q))
	got, err := ReadImage(cropped)
	if err != nil || !bytes.Equal(got, seq.frames[0]) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
}

func TestCardFromWebcam(t *testing.T) {
	card, err := CardImage(cardText, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for i := range 3 {
		got, err := ReadImage(film(card, rng.Float64()*6-3, rng.Float64()*6-3, rng))
		if err != nil || string(got) != cardText {
			t.Fatalf("shot %d: read %q, %v", i, got, err)
		}
	}
}
