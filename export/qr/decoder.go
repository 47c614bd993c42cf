package qr

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/reedsolomon"
)

// MaxTransfers is how many transfers a [Decoder] follows at once. A frame
// from a further transfer replaces the transfer with the fewest frames.
const MaxTransfers = 4

// Progress reports how far a [Decoder] has come with the transfer nearest to
// completion.
type Progress struct {
	// Have is the number of distinct frames collected.
	Have int
	// Need is the number of distinct frames needed (K), or 0 before the
	// first frame.
	Need int
	// Done is true once the file has been rebuilt; [Decoder.Bytes] returns it.
	Done bool
}

// String describes the progress in plain words, e.g. "37 of 52 frames".
func (p Progress) String() string {
	switch {
	case p.Done:
		return fmt.Sprintf("%d of %d frames, complete", p.Need, p.Need)
	case p.Need == 0:
		return "no frames yet"
	}
	return fmt.Sprintf("%d of %d frames", p.Have, p.Need)
}

// Decoder rebuilds a file from the frames of an animated sequence, in any
// order and any mix of data and parity frames.
//
// It follows up to [MaxTransfers] transfers at once and finishes the first
// one that completes; from then on it ignores further frames. Frames belong
// to the same transfer only when their whole header agrees (transfer id,
// frame counts, file length, file checksum and shard size), so a stray or
// lying frame never mixes into an honest transfer: it can only start a
// transfer of its own. Duplicate frames are ignored. A Decoder holds at most
// K shards per transfer, so its memory is bounded by [MaxTransfers] times
// [MaxLength] plus one shard each.
//
// The zero Decoder is ready to use. Its methods are safe for concurrent
// use; [Decoder.AddImage] decodes the image before taking the lock, so
// several goroutines can decode camera frames in parallel.
type Decoder struct {
	mu        sync.Mutex
	transfers []*transfer
	tick      uint64 // counts accepted frames, to find recent transfers
	done      []byte
	doneNeed  int
}

type transfer struct {
	key    transferKey
	shards map[int][]byte
	last   uint64
}

// AddImage reads one QR code from img and adds it with [Decoder.AddFrame].
// It returns [ErrNoCode] if img holds no readable code and [ErrNotFrame] if
// the code is not a sequence frame (a card, for instance); the caller may
// then use [ReadImage] itself to look at the code.
func (d *Decoder) AddImage(img image.Image) (Progress, error) {
	b, err := ReadImage(img)
	if err != nil {
		return d.Progress(), err
	}
	return d.AddFrame(b)
}

// AddFile reads the PNG or JPEG image in the named file and adds its QR
// code like [Decoder.AddImage].
func (d *Decoder) AddFile(name string) (Progress, error) {
	b, err := ReadFile(name)
	if err != nil {
		return d.Progress(), err
	}
	return d.AddFrame(b)
}

// AddFrame adds the contents of one QR code. It returns [ErrNotFrame],
// [ErrVersion], [ErrChecksum], [ErrMalformed] or [ErrTooLarge] for a frame
// it refuses, and [ErrDamaged] when the frame completed a transfer whose
// rebuilt file failed its checksum (that transfer starts over). Duplicates,
// frames arriving after completion and frames of other transfers are not
// errors. frame is not retained.
func (d *Decoder) AddFrame(frame []byte) (Progress, error) {
	h, shard, err := parseFrame(frame)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil || d.done != nil {
		return d.progressLocked(), err
	}
	key := h.key()
	var t *transfer
	for _, c := range d.transfers {
		if c.key == key {
			t = c
			break
		}
	}
	if t == nil {
		t = &transfer{key: key, shards: make(map[int][]byte)}
		if len(d.transfers) < MaxTransfers {
			d.transfers = append(d.transfers, t)
		} else {
			// Replace the transfer with the fewest frames, oldest first.
			weakest := 0
			for i, c := range d.transfers {
				w := d.transfers[weakest]
				if len(c.shards) < len(w.shards) || len(c.shards) == len(w.shards) && c.last < w.last {
					weakest = i
				}
			}
			d.transfers[weakest] = t
		}
	}
	d.tick++
	t.last = d.tick
	if _, dup := t.shards[h.index]; dup {
		return d.progressLocked(), nil
	}
	t.shards[h.index] = bytes.Clone(shard)
	if len(t.shards) < h.k {
		return d.progressLocked(), nil
	}
	data, err := t.rebuild()
	if err != nil {
		d.transfers = slices.DeleteFunc(d.transfers, func(c *transfer) bool { return c == t })
		return d.progressLocked(), err
	}
	d.done, d.doneNeed, d.transfers = data, h.k, nil
	return d.progressLocked(), nil
}

// rebuild recovers the file from exactly K distinct shards.
func (t *transfer) rebuild() ([]byte, error) {
	k, m, s := t.key.k, t.key.m, t.key.shardSize
	rs, err := reedsolomon.New(k, m, reedsolomon.WithLeopardGF16(true))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	shards := make([][]byte, k+m)
	for i, sh := range t.shards {
		shards[i] = sh
	}
	if err := rs.ReconstructData(shards); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	data := make([]byte, 0, k*s)
	for _, sh := range shards[:k] {
		data = append(data, sh...)
	}
	data = data[:t.key.length]
	if fileDigest(data) != t.key.digest {
		return nil, ErrDamaged
	}
	return data, nil
}

// Progress returns the current progress.
func (d *Decoder) Progress() Progress {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.progressLocked()
}

func (d *Decoder) progressLocked() Progress {
	if d.done != nil {
		return Progress{Have: d.doneNeed, Need: d.doneNeed, Done: true}
	}
	var best *transfer
	for _, t := range d.transfers {
		if best == nil {
			best = t
			continue
		}
		// Compare the fractions have/need; break ties by recency.
		a, b := len(t.shards)*best.key.k, len(best.shards)*t.key.k
		if a > b || a == b && t.last > best.last {
			best = t
		}
	}
	if best == nil {
		return Progress{}
	}
	return Progress{Have: len(best.shards), Need: best.key.k}
}

// Bytes returns the rebuilt file once [Progress.Done] is true. Before that it
// returns an error wrapping [ErrIncomplete] that says how many frames are
// still needed.
func (d *Decoder) Bytes() ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done != nil {
		return bytes.Clone(d.done), nil
	}
	p := d.progressLocked()
	if p.Need == 0 {
		return nil, fmt.Errorf("%w: no frames found", ErrIncomplete)
	}
	return nil, fmt.Errorf("%w: have %d of %d frames, %d more needed", ErrIncomplete, p.Have, p.Need, p.Need-p.Have)
}

// DecodeDir rebuilds a file from the PNG and JPEG images in dir (files
// ending in .png, .jpg or .jpeg in any case; subfolders are not read). It
// stops reading as soon as the file is complete. Unreadable images and
// foreign codes are skipped. Without enough frames it returns the progress
// and an error wrapping [ErrIncomplete]; with no image files at all it
// returns [ErrNoImages].
func DecodeDir(dir string) ([]byte, Progress, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, Progress{}, fmt.Errorf("qr: %w", err)
	}
	var d Decoder
	images := 0
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.Type().IsRegular() || ext != ".png" && ext != ".jpg" && ext != ".jpeg" {
			continue
		}
		images++
		p, _ := d.AddFile(filepath.Join(dir, e.Name()))
		if p.Done {
			b, err := d.Bytes()
			return b, p, err
		}
	}
	if images == 0 {
		return nil, Progress{}, ErrNoImages
	}
	b, err := d.Bytes()
	return b, d.Progress(), err
}
