package qr

import (
	"bytes"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"trustdesk/internal/testenv"
)

// TestSimulatedCamera films a 50 KB sync file the way a webcam would see a
// laptop screen: each frame is area-filtered to 4.5 px/module at a random
// sub-pixel offset inside a 640×480 picture, blurred, reduced in contrast
// and given Gaussian noise (see film); 30 % of the frames
// are lost. The file must be rebuilt from at most 1.05 × K received frames.
// The normal profile always runs at 50 KB unless -short is given; under the
// race detector the other profiles run at 8 KB to keep the package fast.
func TestSimulatedCamera(t *testing.T) {
	for _, p := range []Profile{Normal, Dense, Robust} {
		size := 50_000
		if testing.Short() || testenv.Race && p != Normal {
			size = 8_000
		}
		t.Run(p.String(), func(t *testing.T) {
			simulateCamera(t, p, size, uint64(p)+7)
		})
	}
}

func simulateCamera(t *testing.T, p Profile, size int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	data := randomBytes(rng, size)
	seq, err := encode(data, p, newSeeded(byte(seed)))
	if err != nil {
		t.Fatal(err)
	}
	k := seq.Needed()
	// The camera misses 30 % of the frames shown.
	var received []int
	for i := 0; i < seq.Len(); i++ {
		if rng.Float64() >= 0.30 {
			received = append(received, i)
		}
	}
	type shot struct {
		frame  int
		jx, jy float64
		seed   uint64
	}
	shots := make([]shot, len(received))
	for j, i := range received {
		shots[j] = shot{i, rng.Float64()*8 - 4, rng.Float64()*4 - 2, rng.Uint64()}
	}

	var dec Decoder
	workers := runtime.GOMAXPROCS(0)
	var (
		used, failed int
		decodeTime   time.Duration
	)
	// Decode in batches on all cores, then hand the results to the decoder
	// in the order the camera saw them.
	for start := 0; start < len(shots) && !dec.Progress().Done; start += 2 * workers {
		batch := shots[start:min(start+2*workers, len(shots))]
		results := make([][]byte, len(batch))
		times := make([]time.Duration, len(batch))
		var wg sync.WaitGroup
		for j := range batch {
			wg.Go(func() {
				s := batch[j]
				cam := film(seq.Frame(s.frame), s.jx, s.jy, rand.New(rand.NewPCG(s.seed, 2)))
				t0 := time.Now()
				results[j], _ = ReadImage(cam)
				times[j] = time.Since(t0)
			})
		}
		wg.Wait()
		for j, r := range results {
			if dec.Progress().Done {
				break
			}
			used++
			decodeTime += times[j]
			if r == nil {
				failed++
				continue
			}
			if !bytes.Equal(r, seq.frames[batch[j].frame]) {
				t.Fatalf("frame %d read back wrong", batch[j].frame)
			}
			if _, err := dec.AddFrame(r); err != nil {
				t.Fatalf("frame %d: %v", batch[j].frame, err)
			}
		}
	}
	got, err := dec.Bytes()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("not rebuilt: %v", err)
	}
	// At most 1.05 × K; for the small K of -short runs that would allow no
	// unreadable frame at all, so one is always allowed.
	limit := max(int(math.Floor(1.05*float64(k))), k+1)
	t.Logf("%s, %d bytes: K=%d, %d frames sent, %d received; rebuilt from %d received frames (%.3f K), %d unreadable; %.1f ms decode per frame",
		p, size, k, seq.Len(), len(received), used, float64(used)/float64(k), failed,
		float64(decodeTime.Microseconds())/1000/float64(used))
	if used > limit {
		t.Fatalf("needed %d received frames, more than 1.05 × K = %d", used, limit)
	}
}
