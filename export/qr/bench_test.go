package qr

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkEncodeFrame measures one frame of a 50 KB sequence: the QR code
// built once from the frame bytes and painted straight from its modules at
// 4 pixels per module.
func BenchmarkEncodeFrame(b *testing.B) {
	for _, p := range Profiles() {
		b.Run(p.String(), func(b *testing.B) {
			seq, err := encode(randomBytes(rand.New(rand.NewPCG(1, 1)), 50_000), p, newSeeded(1))
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				if _, err := seq.Image(i%seq.Len(), 4); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkDecodeFrame640x480 measures reading one 640×480 camera picture
// of a frame at about 4.5 pixels per module (blurred, noisy).
func BenchmarkDecodeFrame640x480(b *testing.B) {
	for _, p := range Profiles() {
		b.Run(p.String(), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(2, 2))
			seq, _ := encode(randomBytes(rng, 50_000), p, newSeeded(2))
			var shots []*imageAndFrame
			for i := 0; i < 8; i++ {
				cam := film(seq.Frame(i), rng.Float64()*8-4, rng.Float64()*4-2, rng)
				shots = append(shots, &imageAndFrame{cam, seq.frames[i]})
			}
			i := 0
			for b.Loop() {
				s := shots[i%len(shots)]
				if got, err := ReadImage(s.img); err != nil || string(got) != string(s.frame) {
					b.Fatalf("frame not read: %v", err)
				}
				i++
			}
		})
	}
}

type imageAndFrame struct {
	img   *image.Gray
	frame []byte
}

// BenchmarkDecodeCorpus measures reading the 640×480 pictures of the
// camera-like corpus (see corpus_test.go), step by step: one operation reads
// the 8 normal and 8 dense pictures of the step once, and the time is
// reported per picture, both as elapsed time (ms/frame) and as this
// process's processor time (cpu-ms/frame), which on a shared machine does
// not count waiting for a processor. Pictures that cannot be read count
// too (they cost the most).
func BenchmarkDecodeCorpus(b *testing.B) {
	for _, scale := range corpusScales {
		b.Run(fmt.Sprintf("%.0f%%", scale*100), func(b *testing.B) {
			imgs := benchCorpusStep(b, scale)
			cpu0 := processCPU()
			for b.Loop() {
				for _, img := range imgs {
					ReadImage(img)
				}
			}
			n := float64(b.N * len(imgs))
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/n, "ms/frame")
			if cpu := processCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/1000/n, "cpu-ms/frame")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// benchCorpus keeps the decoded pictures of each corpus step that
// BenchmarkDecodeCorpus has made, so that -count does not make them again.
var benchCorpus sync.Map // scale → []image.Image

// benchCorpusStep returns the 8 normal and 8 dense pictures of one corpus
// step, decoded from JPEG.
func benchCorpusStep(b *testing.B, scale float64) []image.Image {
	if imgs, ok := benchCorpus.Load(scale); ok {
		return imgs.([]image.Image)
	}
	var imgs []image.Image
	for _, p := range []Profile{Normal, Dense} {
		for _, pic := range corpusStep(p, scale, 8) {
			img, err := jpeg.Decode(bytes.NewReader(pic.jpeg))
			if err != nil {
				b.Fatal(err)
			}
			imgs = append(imgs, img)
		}
	}
	benchCorpus.Store(scale, imgs)
	return imgs
}

// processCPU returns the processor time this process has used so far, or
// 0 where it cannot be read.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// throughputScale is the corpus step that BenchmarkThroughput's camera
// runs film at: 80 %, 3.2 camera pixels per module.
const throughputScale = 0.80

// BenchmarkThroughput shows a 50 KB sync file at 10 frames per second to a
// simulated webcam that misses 30 % of the frames; every frame it does see
// is degraded and decoded from its 640×480 picture. It reports the sync-file
// bytes delivered per second of showing (B/s), the frames shown and the
// frames received per K, and the decode time per received frame. The
// profile's own run films the frames lightly (see film); its "camera" run
// films them like the middle step of the camera-like corpus (scale,
// rotation, perspective, blur, lighting, moiré, noise and JPEG; see
// corpus_test.go).
func BenchmarkThroughput(b *testing.B) {
	light := func(seq *Sequence, i int, rng *rand.Rand) image.Image {
		return film(seq.Frame(i), rng.Float64()*8-4, rng.Float64()*4-2, rng)
	}
	camera := func(seq *Sequence, i int, rng *rand.Rand) image.Image {
		sp := randomShot(rng, throughputScale)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, cameraShot(seq.bitmap(i), sp, rng), &jpeg.Options{Quality: sp.quality}); err != nil {
			b.Fatal(err)
		}
		img, err := jpeg.Decode(&buf)
		if err != nil {
			b.Fatal(err)
		}
		return img
	}
	for _, p := range Profiles() {
		b.Run(p.String(), func(b *testing.B) { throughput(b, p, light) })
		b.Run(p.String()+"-camera", func(b *testing.B) { throughput(b, p, camera) })
	}
}

func throughput(b *testing.B, p Profile, shoot func(seq *Sequence, i int, rng *rand.Rand) image.Image) {
	const size = 50_000
	var shown, received, k int
	var decodeTime time.Duration
	iter := uint64(0)
	// One random drop pattern is a noisy sample: every operation
	// shows transfersPerOp transfers, each with its own.
	const transfersPerOp = 8
	for b.Loop() {
		for range transfersPerOp {
			iter++
			rng := rand.New(rand.NewPCG(iter, 3))
			seq, err := Encode(randomBytes(rng, size), p)
			if err != nil {
				b.Fatal(err)
			}
			k += seq.Needed()
			// The pictures draw from their own source, so every way of
			// filming sees the same drop pattern.
			shots := rand.New(rand.NewPCG(iter, 4))
			var d Decoder
			for i := 0; !d.Progress().Done; i++ {
				shown++
				if rng.Float64() < 0.30 {
					continue // missed by the camera
				}
				received++
				cam := shoot(seq, i%seq.Len(), shots)
				t0 := time.Now()
				d.AddImage(cam)
				decodeTime += time.Since(t0)
			}
		}
	}
	n := float64(iter)
	seconds := float64(shown) / n * FrameInterval.Seconds()
	b.ReportMetric(size/seconds, "B/s")
	b.ReportMetric(float64(shown)/float64(k), "shown/K")
	b.ReportMetric(float64(received)/float64(k), "received/K")
	b.ReportMetric(float64(decodeTime.Microseconds())/1000/float64(received), "decode-ms/frame")
	b.ReportMetric(0, "ns/op")
}
