package qr

import (
	"image"
	"math/rand/v2"
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

// BenchmarkThroughput shows a 50 KB sync file at 10 frames per second to a
// simulated webcam that misses 30 % of the frames; every frame it does see
// is degraded and decoded from its 640×480 picture. It reports the sync-file
// bytes delivered per second of showing (B/s), the frames shown and the
// frames received per K, and the decode time per received frame.
func BenchmarkThroughput(b *testing.B) {
	for _, p := range Profiles() {
		b.Run(p.String(), func(b *testing.B) {
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
					var d Decoder
					for i := 0; !d.Progress().Done; i++ {
						shown++
						if rng.Float64() < 0.30 {
							continue // missed by the camera
						}
						received++
						cam := film(seq.Frame(i%seq.Len()), rng.Float64()*8-4, rng.Float64()*4-2, rng)
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
			b.ReportMetric(float64(decodeTime.Milliseconds())/float64(received), "decode-ms/frame")
			b.ReportMetric(0, "ns/op")
		})
	}
}
