package qr

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"trustdesk/internal/testenv"
)

// The camera-like corpus: pictures of sequence frames as a 640×480 webcam
// sees them on a laptop screen, made by a deterministic generator instead
// of committed photographs. Each step of the corpus films the frames at
// one size, from 4 camera pixels per module (100 %) down to 2.2 (55 %), in
// fine, mostly non-integer steps; every picture in a step also gets its own
//
//   - rotation of up to ±4° and a perspective tilt (one side up to 4 %
//     shorter than the other, in either direction),
//   - optical blur (Gaussian, sigma 0.45–0.9 px),
//   - uneven lighting (a linear gradient, one side up to 35 % darker),
//   - moiré from the screen's pixel grid (a low-frequency sinusoidal beat,
//     ±4–12 grey levels, period 6–40 px at any angle),
//   - sensor noise (Gaussian, sigma 2–6 grey levels),
//   - JPEG compression at quality 60–85.

// corpusScales are the steps of the corpus, as fractions of 4 camera
// pixels per module.
var corpusScales = []float64{1.00, 0.95, 0.90, 0.85, 0.80, 0.75, 0.70, 0.65, 0.60, 0.55}

// corpusPicture is one picture of the corpus.
type corpusPicture struct {
	jpeg  []byte // the picture as the camera delivers it
	frame []byte // the frame bytes its code holds
}

// shotParams is what varies between pictures of one corpus step.
type shotParams struct {
	ppm            float64 // camera pixels per module
	cx, cy         float64 // centre of the code in the picture
	angle          float64 // rotation, radians
	tiltX, tiltY   float64 // perspective: relative shortening of one side
	blur           float64 // Gaussian sigma, px
	lightAngle     float64 // direction in which the light falls off
	lightDrop      float64 // how much darker the far side is, 0..1
	moireAmp       float64 // grey levels
	moirePeriod    float64 // px
	moireAngle     float64 // radians
	noise          float64 // grey levels
	quality        int     // JPEG quality
	screenBlack    float64 // grey level of a dark module
	screenWhite    float64 // grey level of a light module
	roomBrightness float64
}

func randomShot(rng *rand.Rand, scale float64) shotParams {
	u := func(lo, hi float64) float64 { return lo + rng.Float64()*(hi-lo) }
	sign := func() float64 {
		if rng.IntN(2) == 0 {
			return -1
		}
		return 1
	}
	return shotParams{
		ppm:            4 * scale,
		cx:             320 + u(-30, 30),
		cy:             240 + u(-20, 20),
		angle:          u(-4, 4) * math.Pi / 180,
		tiltX:          sign() * u(0, 0.04),
		tiltY:          sign() * u(0, 0.03),
		blur:           u(0.45, 0.9),
		lightAngle:     u(0, 2*math.Pi),
		lightDrop:      u(0.1, 0.35),
		moireAmp:       u(4, 12),
		moirePeriod:    u(6, 40),
		moireAngle:     u(0, math.Pi),
		noise:          u(2, 6),
		quality:        60 + rng.IntN(26),
		screenBlack:    u(20, 50),
		screenWhite:    u(200, 240),
		roomBrightness: u(40, 90),
	}
}

// cameraShot renders what the camera sees of the QR modules bm (quiet zone
// included) under the shot's conditions, before JPEG compression.
func cameraShot(bm [][]bool, sp shotParams, rng *rand.Rand) *image.Gray {
	const w, h = 640, 480
	n := float64(len(bm))
	// The screen shows the code inside a light window 12 modules wider on
	// each side; beyond it lies the dark room.
	const margin = 12.0
	sq := shotCorners(n, sp)
	// The homography from picture to module coordinates.
	hm := homography(sq, [4][2]float64{{0, 0}, {n, 0}, {n, n}, {0, n}})
	lum := func(mx, my float64) float64 {
		switch {
		case mx >= 0 && my >= 0 && mx < n && my < n:
			if bm[int(my)][int(mx)] {
				return sp.screenBlack
			}
			return sp.screenWhite
		case mx >= -margin && my >= -margin && mx < n+margin && my < n+margin:
			return sp.screenWhite * 0.92
		}
		return sp.roomBrightness
	}
	// Area sampling: 3×3 points per camera pixel near the code (a sensor
	// integrates), one point elsewhere.
	const ss = 3
	x0, y0, x1, y1 := w, h, 0, 0
	for _, c := range sq {
		x0, y0 = min(x0, int(c[0])-2), min(y0, int(c[1])-2)
		x1, y1 = max(x1, int(c[0])+3), max(y1, int(c[1])+3)
	}
	img := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x < x0 || x >= x1 || y < y0 || y >= y1 {
				img[y*w+x] = lum(applyHomography(hm, float64(x)+0.5, float64(y)+0.5))
				continue
			}
			var sum float64
			for j := 0; j < ss; j++ {
				for i := 0; i < ss; i++ {
					sum += lum(applyHomography(hm, float64(x)+(float64(i)+0.5)/ss, float64(y)+(float64(j)+0.5)/ss))
				}
			}
			img[y*w+x] = sum / (ss * ss)
		}
	}
	// Moiré, the screen's pixel grid beating against the sensor's, is a
	// plane wave: sin(a+b) = sin a cos b + cos a sin b, one table per axis.
	// Light falls off linearly across the picture.
	k := 2 * math.Pi / sp.moirePeriod
	sx, cx, sy, cy := make([]float64, w), make([]float64, w), make([]float64, h), make([]float64, h)
	for x := range w {
		sx[x], cx[x] = math.Sincos(k * float64(x) * math.Cos(sp.moireAngle))
	}
	for y := range h {
		sy[y], cy[y] = math.Sincos(k * float64(y) * math.Sin(sp.moireAngle))
	}
	lc, ls := math.Cos(sp.lightAngle), math.Sin(sp.lightAngle)
	diag := math.Hypot(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := img[y*w+x] + sp.moireAmp*(sx[x]*cy[y]+cx[x]*sy[y])
			d := ((float64(x)-w/2)*lc + (float64(y)-h/2)*ls) / diag
			img[y*w+x] = v * (1 - sp.lightDrop*(d+0.5))
		}
	}
	img = gaussianBlur(img, w, h, sp.blur)
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range img {
		v += rng.NormFloat64() * sp.noise
		g.Pix[i] = uint8(min(max(math.Round(v), 0), 255))
	}
	return g
}

// shotCorners returns the corners of a code of n modules a side (quiet
// zone included) in the shot's picture, clockwise from the top left: a
// square of side n·ppm, tilted, rotated and centred on (cx, cy).
func shotCorners(n float64, sp shotParams) [4][2]float64 {
	half := n * sp.ppm / 2
	sq := [4][2]float64{{-half, -half}, {half, -half}, {half, half}, {-half, half}}
	for i := range sq {
		x, y := sq[i][0], sq[i][1]
		// Perspective: the side at positive x is shorter by tiltX, the side
		// at positive y by tiltY.
		fx := 1 - sp.tiltX*(x/half+1)/2
		fy := 1 - sp.tiltY*(y/half+1)/2
		x, y = x*fy, y*fx
		c, s := math.Cos(sp.angle), math.Sin(sp.angle)
		sq[i] = [2]float64{sp.cx + c*x - s*y, sp.cy + s*x + c*y}
	}
	return sq
}

// homography returns the 3×3 matrix (h33 = 1) that maps the points from
// onto the points to.
func homography(from, to [4][2]float64) [9]float64 {
	var a [8][9]float64
	for i := range 4 {
		x, y, u, v := from[i][0], from[i][1], to[i][0], to[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	// Gaussian elimination with partial pivoting.
	for c := range 8 {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := range 8 {
			if r == c {
				continue
			}
			f := a[r][c] / a[c][c]
			for k := c; k < 9; k++ {
				a[r][k] -= f * a[c][k]
			}
		}
	}
	var m [9]float64
	for i := range 8 {
		m[i] = a[i][8] / a[i][i]
	}
	m[8] = 1
	return m
}

func applyHomography(m [9]float64, x, y float64) (float64, float64) {
	d := m[6]*x + m[7]*y + m[8]
	return (m[0]*x + m[1]*y + m[2]) / d, (m[3]*x + m[4]*y + m[5]) / d
}

// gaussianBlur blurs img (w×h) with a separable Gaussian of the given sigma.
func gaussianBlur(img []float64, w, h int, sigma float64) []float64 {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var ks float64
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		ks += k[i]
	}
	for i := range k {
		k[i] /= ks
	}
	tmp := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s float64
			for i, kv := range k {
				s += kv * img[y*w+min(max(x+i-r, 0), w-1)]
			}
			tmp[y*w+x] = s
		}
	}
	out := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s float64
			for i, kv := range k {
				s += kv * tmp[min(max(y+i-r, 0), h-1)*w+x]
			}
			out[y*w+x] = s
		}
	}
	return out
}

// corpusStep returns perStep pictures of the step with the given scale:
// frames of a 12 KB sync file in the given profile, each filmed under its
// own conditions. The same arguments always give the same pictures.
func corpusStep(p Profile, scale float64, perStep int) []corpusPicture {
	seed := uint64(p)*1000 + uint64(math.Round(scale*100))
	rng := rand.New(rand.NewPCG(seed, 14))
	seq, err := encode(randomBytes(rng, 12_000), p, newSeeded(byte(seed)))
	if err != nil {
		panic(err)
	}
	pics := make([]corpusPicture, perStep)
	for i := range pics {
		f := i % seq.Len()
		sp := randomShot(rng, scale)
		g := cameraShot(seq.bitmap(f), sp, rng)
		var b bytes.Buffer
		if err := jpeg.Encode(&b, g, &jpeg.Options{Quality: sp.quality}); err != nil {
			panic(err)
		}
		pics[i] = corpusPicture{jpeg: b.Bytes(), frame: seq.frames[f]}
	}
	return pics
}

// zbarRead runs zbarimg on each picture (written to dir) and reports which
// it read correctly.
func zbarRead(t *testing.T, zbar, dir string, pics []corpusPicture) []bool {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ok := make([]bool, len(pics))
	for i, p := range pics {
		name := filepath.Join(dir, fmt.Sprintf("pic-%03d.jpg", i))
		if err := os.WriteFile(name, p.jpeg, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "--quiet", "--raw", "-Sbinary", "-Sdisable", "-Sqrcode.enable", name).Output()
		if err != nil {
			continue // zbarimg exits 4 when it finds no code
		}
		ok[i] = bytes.Equal(out, p.frame) // -Sbinary: the bytes as they are, no newline
	}
	return ok
}

// corpusPerStep is how many pictures each corpus step holds in the
// tests: 8, or 3 under the race detector (which slows image code about
// tenfold). TRUSTDESK_FULL_CORPUS=1 asks for 20, the size of the figures
// in FRAMES.md. A smaller corpus is the start of a larger one.
func corpusPerStep() int {
	switch {
	case os.Getenv("TRUSTDESK_FULL_CORPUS") == "1":
		return 20
	case testenv.Race || testing.Short():
		return 3
	}
	return 8
}

// TestCameraCorpus asserts that trustdesk reads every picture of the
// camera-like corpus that zbar reads, and logs a table of both per step.
// The steps are made, read by zbarimg and read by trustdesk on all
// processors at once.
func TestCameraCorpus(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg is not installed (Debian/Ubuntu: apt-get install zbar-tools, or run scripts/deps.sh): cannot compare with zbar")
	}
	type result struct{ zbar, trustdesk, pictures int }
	for _, p := range []Profile{Normal, Dense} {
		t.Run(p.String(), func(t *testing.T) {
			dir := t.TempDir()
			results := make([]result, len(corpusScales))
			steps := make(chan int)
			var wg sync.WaitGroup
			for range runtime.GOMAXPROCS(0) {
				wg.Go(func() {
					for s := range steps {
						scale := corpusScales[s]
						pics := corpusStep(p, scale, corpusPerStep())
						zok := zbarRead(t, zbar, filepath.Join(dir, fmt.Sprint(s)), pics)
						r := result{pictures: len(pics)}
						for i, pic := range pics {
							img, err := jpeg.Decode(bytes.NewReader(pic.jpeg))
							if err != nil {
								t.Error(err)
								continue
							}
							got, err := ReadImage(img)
							read := err == nil && bytes.Equal(got, pic.frame)
							if err == nil && !read {
								t.Errorf("scale %.2f picture %d: read wrong bytes", scale, i)
							}
							if zok[i] && !read {
								t.Errorf("scale %.2f picture %d: zbar reads it, trustdesk does not", scale, i)
							}
							if zok[i] {
								r.zbar++
							}
							if read {
								r.trustdesk++
							}
						}
						results[s] = r
					}
				})
			}
			for s := range corpusScales {
				steps <- s
			}
			close(steps)
			wg.Wait()
			var table strings.Builder
			fmt.Fprintf(&table, "\n%-6s %-5s %-6s %s\n", "scale", "px/m", "zbar", "trustdesk")
			for s, r := range results {
				fmt.Fprintf(&table, "%3.0f %%  %.1f   %2d/%d  %2d/%d\n", corpusScales[s]*100, 4*corpusScales[s], r.zbar, r.pictures, r.trustdesk, r.pictures)
			}
			t.Log(table.String())
		})
	}
}
