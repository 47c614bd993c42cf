package qr

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// webcamView simulates a webcam filming a screen that shows img: img is
// scaled by scale with area filtering (what a sensor does), placed at
// (ox, oy) with sub-pixel precision on a 640×480 grey background, blurred
// (Gaussian, sigma 0.6 px), its contrast reduced to 35..215 and Gaussian
// noise of standard deviation sigma added.
func webcamView(img image.Image, scale, ox, oy, sigma float64, rng *rand.Rand) *image.Gray {
	const w, h = 640, 480
	const background = 80
	src := toGray(img)
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	var lut [256]float32
	for i := range lut {
		lut[i] = 35 + float32(i)*(180.0/255)
	}
	cx := areaWeights(w, sw, scale, ox)
	cy := areaWeights(h, sh, scale, oy)
	// Horizontal pass, once per source row a target row needs.
	rows := make(map[int][]float32)
	hrow := func(sy int) []float32 {
		if r, ok := rows[sy]; ok {
			return r
		}
		r := make([]float32, w)
		for x, ws := range cx {
			var s float32
			for _, wx := range ws {
				if sy < 0 || wx.i < 0 {
					s += wx.w * background
				} else {
					s += wx.w * lut[src.Pix[sy*src.Stride+wx.i]]
				}
			}
			r[x] = s
		}
		rows[sy] = r
		return r
	}
	out := make([]float32, w*h)
	for y, ws := range cy {
		o := out[y*w : (y+1)*w]
		for _, wy := range ws {
			r := hrow(wy.i)
			for x := range o {
				o[x] += wy.w * r[x]
			}
		}
	}
	// Separable 3-tap Gaussian blur.
	var k [3]float32
	for i := range k {
		d := float64(i - 1)
		k[i] = float32(math.Exp(-d * d / (2 * 0.6 * 0.6)))
	}
	ks := k[0] + k[1] + k[2]
	for i := range k {
		k[i] /= ks
	}
	tmp := make([]float32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			l, r := max(x-1, 0), min(x+1, w-1)
			tmp[y*w+x] = k[0]*out[y*w+l] + k[1]*out[y*w+x] + k[2]*out[y*w+r]
		}
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		u, d := max(y-1, 0), min(y+1, h-1)
		for x := 0; x < w; x++ {
			v := float64(k[0]*tmp[u*w+x]+k[1]*tmp[y*w+x]+k[2]*tmp[d*w+x]) + rng.NormFloat64()*sigma
			g.Pix[y*g.Stride+x] = uint8(min(max(math.Round(v), 0), 255))
		}
	}
	return g
}

// cameraPPM is how many camera pixels one QR module covers in the
// simulations: a typical laptop screen filmed by a 640×480 webcam.
const cameraPPM = 4.5

// film shows a frame rendered at one pixel per module to the simulated
// webcam at cameraPPM pixels per module, centred and shifted by (jx, jy)
// pixels, with noise of standard deviation 6. Area filtering integrates the
// screen's sharp-edged modules exactly, so the picture is the same whatever
// whole number of screen pixels per module the sender used; rendering at one
// pixel per module is just the cheapest way to get it.
func film(frame image.Image, jx, jy float64, rng *rand.Rand) *image.Gray {
	side := float64(frame.Bounds().Dx()) * cameraPPM
	return webcamView(frame, cameraPPM, (640-side)/2+jx, (480-side)/2+jy, 6, rng)
}

type weight struct {
	i int
	w float32
}

// areaWeights returns, for each of n target pixels, the source pixels it
// covers and their share when a source of length m is scaled by scale and
// shifted by off. Parts outside the source read index -1 (the background).
func areaWeights(n, m int, scale, off float64) [][]weight {
	ws := make([][]weight, n)
	for t := 0; t < n; t++ {
		a, b := (float64(t)-off)/scale, (float64(t)+1-off)/scale
		var list []weight
		for s := int(math.Floor(a)); float64(s) < b; s++ {
			lo, hi := math.Max(a, float64(s)), math.Min(b, float64(s+1))
			if hi <= lo {
				continue
			}
			i := s
			if s < 0 || s >= m {
				i = -1
			}
			list = append(list, weight{i, float32((hi - lo) / (b - a))})
		}
		ws[t] = list
	}
	return ws
}

// TestWebcamViewIndependentOfScreenScale backs the claim in film: filming a
// frame drawn at 1 or at 10 pixels per module gives the same picture.
func TestWebcamViewIndependentOfScreenScale(t *testing.T) {
	seq, err := Encode([]byte("screen scale"), Normal)
	if err != nil {
		t.Fatal(err)
	}
	big, _ := seq.Image(0, 10)
	a := webcamView(seq.Frame(0), cameraPPM, 100.3, 20.7, 0, rand.New(rand.NewPCG(1, 1)))
	b := webcamView(big, cameraPPM/10, 100.3, 20.7, 0, rand.New(rand.NewPCG(1, 1)))
	for i := range a.Pix {
		if d := int(a.Pix[i]) - int(b.Pix[i]); d < -1 || d > 1 {
			t.Fatalf("pixel %d: %d at 1 px/module, %d at 10", i, a.Pix[i], b.Pix[i])
		}
	}
}
