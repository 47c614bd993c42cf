package qr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/klauspost/reedsolomon"
)

// seededReader is a deterministic stand-in for crypto/rand.
type seededReader struct{ r *rand.ChaCha8 }

func newSeeded(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return seededReader{rand.NewChaCha8(s)}
}

func (s seededReader) Read(p []byte) (int, error) { return s.r.Read(p) }

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// feed adds frames in order and returns the decoder's final progress.
func feed(t *testing.T, d *Decoder, frames [][]byte) Progress {
	t.Helper()
	var p Progress
	for _, f := range frames {
		var err error
		if p, err = d.AddFrame(f); err != nil {
			t.Fatalf("AddFrame: %v", err)
		}
	}
	return p
}

func TestRoundTripSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	sizes := []int{1, 63, 64, 319, 320, 321, 639, 640, 641, 895, 896, 897, 5000, 50_000}
	if !testing.Short() {
		sizes = append(sizes, 300_000)
	}
	for _, p := range Profiles() {
		for _, n := range sizes {
			data := randomBytes(rng, n)
			seq, err := Encode(data, p)
			if err != nil {
				t.Fatalf("%s/%d: Encode: %v", p, n, err)
			}
			k := (n + p.ShardSize() - 1) / p.ShardSize()
			if seq.Needed() != k || seq.Len() != k+min(3*k, MaxParityShards) || seq.Profile() != p {
				t.Fatalf("%s/%d: K=%d len=%d, want K=%d len=%d", p, n, seq.Needed(), seq.Len(), k, k+3*k)
			}
			for i := 0; i < seq.Len(); i++ {
				if got := len(seq.FrameBytes(i)); got != HeaderSize+p.ShardSize() {
					t.Fatalf("%s/%d: frame %d has %d bytes", p, n, i, got)
				}
			}
			// Data frames alone, then parity frames alone (the last K).
			for name, frames := range map[string][][]byte{
				"data":   seq.frames[:k],
				"parity": seq.frames[seq.Len()-k:],
			} {
				var d Decoder
				if p := feed(t, &d, frames); !p.Done || p.Have != k || p.Need != k {
					t.Fatalf("%s/%d/%s: progress %+v", p, n, name, p)
				}
				got, err := d.Bytes()
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("%s/%d/%s: rebuilt %d bytes, err %v", p, n, name, len(got), err)
				}
			}
		}
	}
}

func TestAnyKDistinctFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	data := randomBytes(rng, 10_000)
	seq, err := encode(data, Normal, newSeeded(1))
	if err != nil {
		t.Fatal(err)
	}
	k, n := seq.Needed(), seq.Len()
	for trial := 0; trial < 40; trial++ {
		pick := rng.Perm(n)[:k]
		frames := make([][]byte, 0, k)
		for _, i := range pick {
			frames = append(frames, seq.frames[i])
		}
		var d Decoder
		// K-1 frames are not enough.
		if p := feed(t, &d, frames[:k-1]); p.Done || p.Have != k-1 || p.Need != k {
			t.Fatalf("trial %d: after K-1 frames: %+v", trial, p)
		}
		if _, err := d.Bytes(); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("trial %d: Bytes before completion: %v", trial, err)
		}
		if p := feed(t, &d, frames[k-1:]); !p.Done {
			t.Fatalf("trial %d: not done after K frames: %+v", trial, p)
		}
		if got, _ := d.Bytes(); !bytes.Equal(got, data) {
			t.Fatalf("trial %d: wrong data", trial)
		}
	}
}

func TestFrameOrder(t *testing.T) {
	seq, err := encode(make([]byte, 20_000), Normal, newSeeded(2))
	if err != nil {
		t.Fatal(err)
	}
	k := seq.Needed()
	var idx []int
	for i := 0; i < seq.Len(); i++ {
		h, _, err := parseFrame(seq.frames[i])
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		idx = append(idx, h.index)
	}
	for i := 0; i < k; i++ {
		if idx[i] != i {
			t.Fatalf("display position %d holds shard %d; data frames must come first, in order", i, idx[i])
		}
	}
	parity := slices.Clone(idx[k:])
	if slices.IsSorted(parity) {
		t.Fatal("parity frames are not shuffled")
	}
	slices.Sort(parity)
	for i, v := range parity {
		if v != k+i {
			t.Fatalf("parity shards are not a permutation of %d..%d", k, seq.Len()-1)
		}
	}
	// Two encodings of the same data get different transfer ids.
	a, _ := Encode([]byte("same"), Normal)
	b, _ := Encode([]byte("same"), Normal)
	if bytes.Equal(a.frames[0][offTransfer:offK], b.frames[0][offTransfer:offK]) {
		t.Fatal("transfer ids repeat")
	}
}

func TestDuplicatesReorderingForeign(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	dataA, dataB := randomBytes(rng, 3000), randomBytes(rng, 7000)
	a, _ := encode(dataA, Normal, newSeeded(3))
	b, _ := encode(dataB, Normal, newSeeded(4))
	var d Decoder
	// B's frames start first, reversed, with duplicates; A's frames are
	// interleaved and A completes first.
	var stream [][]byte
	for i := 0; i < a.Needed(); i++ {
		fb := b.frames[b.Len()-1-i]
		stream = append(stream, fb, fb, a.frames[a.Len()-1-i], fb)
	}
	p := feed(t, &d, stream)
	if !p.Done || p.Need != a.Needed() {
		t.Fatalf("progress %+v, want A complete", p)
	}
	if got, _ := d.Bytes(); !bytes.Equal(got, dataA) {
		t.Fatal("rebuilt the wrong transfer")
	}
	// After completion everything else is ignored.
	if p2 := feed(t, &d, b.frames); p2 != p {
		t.Fatalf("progress changed after completion: %+v", p2)
	}

	// Progress follows the transfer nearest completion, and duplicates do
	// not count.
	var e Decoder
	feed(t, &e, [][]byte{b.frames[0], b.frames[0], b.frames[1], a.frames[0]})
	// A has 1 of 5 frames, B 2 of 11: A is nearer completion.
	if p, want := e.Progress(), (Progress{Have: 1, Need: 5}); a.Needed() != 5 || b.Needed() != 11 || p != want {
		t.Fatalf("progress %+v, want %+v", p, want)
	}
}

func TestMoreTransfersThanTracked(t *testing.T) {
	var seqs []*Sequence
	for i := range MaxTransfers + 2 {
		s, _ := encode(bytes.Repeat([]byte{byte(i)}, 2000), Normal, newSeeded(byte(10+i)))
		seqs = append(seqs, s)
	}
	var d Decoder
	for _, s := range seqs[1:] {
		feed(t, &d, s.frames[:1])
	}
	// The first transfer arrives last, evicting one with a single frame, and
	// still completes.
	p := feed(t, &d, seqs[0].frames[seqs[0].Len()-seqs[0].Needed():])
	if got, _ := d.Bytes(); !p.Done || !bytes.Equal(got, bytes.Repeat([]byte{0}, 2000)) {
		t.Fatalf("progress %+v", p)
	}
	if len(d.transfers) != 0 {
		t.Fatal("transfers kept after completion")
	}
}

// reframe rewrites a frame's header field and fixes its checksum, as a
// deliberate liar would.
func reframe(f []byte, off int, v uint32, width int) []byte {
	g := bytes.Clone(f)
	switch width {
	case 2:
		binary.BigEndian.PutUint16(g[off:], uint16(v))
	case 4:
		binary.BigEndian.PutUint32(g[off:], v)
	}
	binary.BigEndian.PutUint32(g[offCRC:], frameCRC(g))
	return g
}

func TestLyingHeaders(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	data := randomBytes(rng, 4000) // K = 7
	seq, _ := encode(data, Normal, newSeeded(5))
	f := seq.frames[0]
	k, m := seq.Needed(), seq.Len()-seq.Needed()

	bad := func(g []byte) []byte { return g }
	cases := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"empty", nil, ErrNotFrame},
		{"card text", []byte("TD1ABCDEFGH"), ErrNotFrame},
		{"future version", func() []byte { g := bytes.Clone(f); g[offVersion] = 2; return g }(), ErrVersion},
		{"header only", bad(f[:HeaderSize]), ErrMalformed},
		{"bit flip", func() []byte { g := bytes.Clone(f); g[HeaderSize+5] ^= 1; return g }(), ErrChecksum},
		{"truncated", f[:len(f)-64], ErrChecksum},
		{"odd shard size", func() []byte {
			g := bytes.Clone(f[:len(f)-1])
			binary.BigEndian.PutUint32(g[offCRC:], frameCRC(g))
			return g
		}(), ErrMalformed},
		{"K zero", reframe(f, offK, 0, 2), ErrMalformed},
		{"K too large", reframe(f, offK, MaxDataShards+1, 2), ErrMalformed},
		{"M zero", reframe(f, offM, 0, 2), ErrMalformed},
		{"index beyond K+M", reframe(f, offIndex, uint32(k+m), 2), ErrMalformed},
		{"length too short for K", reframe(f, offLength, uint32((k-1)*640), 4), ErrMalformed},
		{"length too long for K", reframe(f, offLength, uint32(k*640+1), 4), ErrMalformed},
		{"length zero", reframe(f, offLength, 0, 4), ErrMalformed},
		{"length over limit", reframe(f, offLength, MaxLength+1, 4), ErrTooLarge},
		{"leopard misfit", reframe(reframe(f, offK, 32768, 2), offM, 32769, 2), ErrMalformed},
	}
	var d Decoder
	for _, c := range cases {
		if _, err := d.AddFrame(c.frame); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if p := d.Progress(); p != (Progress{}) {
		t.Fatalf("refused frames changed progress: %+v", p)
	}

	// Consistent but lying frames (another K, another length, the same
	// transfer id) stay apart from the honest ones and cannot spoil them.
	liars := [][]byte{
		reframe(reframe(seq.frames[1], offK, uint32(k+1), 2), offLength, uint32(k*640+1), 4),
		reframe(reframe(seq.frames[2], offLength, uint32(len(data)-1), 4), offIndex, 3, 2),
		reframe(seq.frames[3], offM, uint32(m-1), 2),
	}
	for _, l := range liars {
		if _, err := d.AddFrame(l); err != nil {
			t.Fatalf("liar: %v", err)
		}
	}
	p := feed(t, &d, seq.frames[k:2*k])
	if got, _ := d.Bytes(); !p.Done || !bytes.Equal(got, data) {
		t.Fatalf("honest transfer spoiled: %+v", p)
	}

	// A forged shard with a valid checksum and an honest header is caught
	// by the file checksum; the transfer starts over and then completes.
	var e Decoder
	forged := bytes.Clone(seq.frames[0])
	forged[HeaderSize] ^= 0xff
	binary.BigEndian.PutUint32(forged[offCRC:], frameCRC(forged))
	frames := append([][]byte{forged}, seq.frames[1:k]...)
	feed(t, &e, frames[:k-1])
	if _, err := e.AddFrame(frames[k-1]); !errors.Is(err, ErrDamaged) {
		t.Fatalf("forged shard: got %v, want ErrDamaged", err)
	}
	if p := e.Progress(); p.Have != 0 || p.Done {
		t.Fatalf("after damage: %+v", p)
	}
	if p := feed(t, &e, seq.frames[k:2*k]); !p.Done {
		t.Fatalf("no recovery after damage: %+v", p)
	}
}

func TestEncodeLimits(t *testing.T) {
	if _, err := Encode(nil, Normal); err == nil {
		t.Error("encoded nothing")
	}
	if _, err := Encode(make([]byte, 10), Profile(7)); err == nil {
		t.Error("encoded with an unknown profile")
	}
	if _, err := Encode(make([]byte, MaxLength+1), Dense); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over MaxLength: %v", err)
	}
	// Robust frames carry 320 bytes: 11 MiB needs more than MaxDataShards.
	if _, err := Encode(make([]byte, 11<<20), Robust); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too many frames: %v", err)
	}
}

func TestLeopardFitsMatchesCodec(t *testing.T) {
	// The header check must accept exactly what the erasure code accepts,
	// for every count an encoder produces and at the edges.
	combos := [][2]int{{32768, 32768}, {32769, 1}, {1, 32769}, {20000, 32768},
		{32768, 16384}, {32768, 32769}, {1000, 500}, {40000, 1000}, {65535, 1}}
	for _, k := range []int{1, 2, 3, 100, 10922, 10923, 20000, 32768} {
		combos = append(combos, [2]int{k, parityCount(k)})
		if !leopardFits(k, parityCount(k)) {
			t.Errorf("encoder counts K=%d M=%d refused", k, parityCount(k))
		}
	}
	for _, c := range combos {
		_, err := reedsolomon.New(c[0], c[1], reedsolomon.WithLeopardGF16(true))
		codecOK := err == nil && c[0] <= MaxDataShards && c[1] <= MaxParityShards
		if got := leopardFits(c[0], c[1]); got != codecOK {
			t.Errorf("leopardFits(%d, %d) = %v, codec says %v (%v)", c[0], c[1], got, codecOK, err)
		}
	}
}

func TestParseProfile(t *testing.T) {
	for _, p := range Profiles() {
		q, err := ParseProfile(" " + p.String() + " ")
		if err != nil || q != p {
			t.Errorf("ParseProfile(%q) = %v, %v", p.String(), q, err)
		}
	}
	if p, err := ParseProfile(""); err != nil || p != Normal {
		t.Errorf("empty name: %v, %v", p, err)
	}
	if _, err := ParseProfile("fast"); err == nil {
		t.Error("accepted an unknown profile name")
	}
	if s := Profile(9).String(); s != "Profile(9)" {
		t.Errorf("unknown profile prints %q", s)
	}
}
