package qr

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// joinFrames packs frames into one fuzz input: each frame is preceded by
// its length as two big-endian bytes.
func joinFrames(frames ...[]byte) []byte {
	var b []byte
	for _, f := range frames {
		b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	return b
}

// splitFrames undoes joinFrames; a short tail becomes one last frame.
func splitFrames(b []byte) [][]byte {
	var frames [][]byte
	for len(b) >= 2 {
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		n = min(n, len(b))
		frames = append(frames, b[:n])
		b = b[n:]
	}
	if len(b) > 0 {
		frames = append(frames, b)
	}
	return frames
}

// FuzzDecoderFrames feeds a stream of frames (duplicates, any order, foreign
// transfers, lying headers, garbage) to a Decoder. It must never panic, its
// progress must stay consistent, and a rebuilt file must be one that some
// valid frame in the stream announced.
func FuzzDecoderFrames(f *testing.F) {
	// Besides the committed corpus: a complete small transfer, parity first.
	if _, _, frames, err := encodeFrames([]byte("seed transfer for the fuzzer"), 64, newSeeded(42)); err == nil {
		slices.Reverse(frames)
		f.Add(joinFrames(frames[:2]...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		frames := splitFrames(in)
		var d Decoder
		announced := map[[8]byte]int{}
		for _, fr := range frames {
			if h, _, err := parseFrame(fr); err == nil {
				announced[h.digest] = h.length
			}
			before := d.Progress()
			p, err := d.AddFrame(fr)
			if err != nil && p.Have > before.Have && !before.Done {
				t.Fatalf("refused frame raised progress: %+v -> %+v (%v)", before, p, err)
			}
			if p.Have < 0 || p.Have > p.Need || p.Done && p.Have != p.Need {
				t.Fatalf("inconsistent progress %+v", p)
			}
			if before.Done && p != before {
				t.Fatalf("progress changed after completion: %+v -> %+v", before, p)
			}
		}
		p := d.Progress()
		data, err := d.Bytes()
		if !p.Done {
			if err == nil {
				t.Fatal("Bytes succeeded before completion")
			}
			return
		}
		if err != nil {
			t.Fatalf("done but Bytes failed: %v", err)
		}
		if n, ok := announced[fileDigest(data)]; !ok || n != len(data) {
			t.Fatalf("rebuilt %d bytes that no frame announced", len(data))
		}
		// The same stream always gives the same result.
		var again Decoder
		for _, fr := range frames {
			again.AddFrame(fr)
		}
		if b, _ := again.Bytes(); !bytes.Equal(b, data) {
			t.Fatal("decoding is not deterministic")
		}
	})
}

// TestFuzzCorpus checks that the committed seed corpus exists, is readable,
// and covers a complete transfer as well as refused frames.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecoderFrames")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 5 {
		t.Fatalf("seed corpus has %d entries, want at least 5", len(entries))
	}
	complete, refused := 0, 0
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" ||
			!strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
			t.Fatalf("%s: not a fuzz corpus file", e.Name())
		}
		in, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		var d Decoder
		for _, fr := range splitFrames([]byte(in)) {
			if _, err := d.AddFrame(fr); err != nil {
				refused++
			}
		}
		if d.Progress().Done {
			complete++
		}
	}
	if complete == 0 || refused == 0 {
		t.Fatalf("corpus rebuilds %d files and refuses %d frames; want both", complete, refused)
	}
}
