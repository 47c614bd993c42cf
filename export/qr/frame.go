package qr

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/bits"
)

// Frame layout; FRAMES.md is the normative description.
const (
	magic0        = 'T'
	magic1        = 'Q'
	formatVersion = 1

	offVersion  = 2
	offTransfer = 3
	offK        = 11
	offM        = 13
	offIndex    = 15
	offLength   = 17
	offDigest   = 21
	offCRC      = 29

	// HeaderSize is the number of header bytes in front of every frame's
	// shard.
	HeaderSize = 33
)

// Limits on what a frame may announce. A decoder refuses frames beyond them,
// which bounds the memory one transfer can claim.
const (
	// MaxLength is the largest file a sequence can carry: 16 MiB.
	MaxLength = 16 << 20
	// MaxDataShards is the largest number of data frames (K) in a sequence.
	MaxDataShards = 32768
	// MaxParityShards is the largest number of parity frames in a sequence.
	MaxParityShards = 32768
	// MaxShardSize is the largest shard a frame may carry; it is the
	// capacity of the largest QR code (version 40, level L, 2953 bytes)
	// less the header, rounded down to a multiple of 64.
	MaxShardSize = 2880
	// shardAlign is the granularity of shard sizes required by Leopard-RS.
	shardAlign = 64
)

// Errors returned while reading frames and images. Test them with
// [errors.Is].
var (
	// ErrNotFrame means the QR code holds something other than a sequence
	// frame, for example a card.
	ErrNotFrame = errors.New("qr: not a sequence frame")
	// ErrVersion means the frame was made by a newer, unknown format version.
	ErrVersion = errors.New("qr: unsupported frame format version")
	// ErrChecksum means the frame's checksum does not match its contents.
	ErrChecksum = errors.New("qr: frame checksum mismatch")
	// ErrMalformed means the frame header contradicts itself.
	ErrMalformed = errors.New("qr: malformed frame header")
	// ErrTooLarge means the data or the announced file exceeds the limits.
	ErrTooLarge = errors.New("qr: too large for a QR sequence")
	// ErrDamaged means the frames of a transfer fit together but the rebuilt
	// file does not match the checksum every frame announced; the frames
	// collected for it are dropped so that scanning can start over.
	ErrDamaged = errors.New("qr: rebuilt file does not match its checksum")
	// ErrIncomplete means not enough distinct frames have been read yet.
	ErrIncomplete = errors.New("qr: not enough frames yet")
	// ErrNoCode means no QR code could be read from the image.
	ErrNoCode = errors.New("qr: no readable QR code in the image")
	// ErrNoImages means a folder holds no PNG or JPEG images at all.
	ErrNoImages = errors.New("qr: no PNG or JPEG images in the folder")
)

// header is a parsed, validated frame header.
type header struct {
	transfer  [8]byte
	k, m      int // data and parity shard counts
	index     int
	length    int
	digest    [8]byte
	shardSize int
}

// transferKey identifies the transfer a frame belongs to. Frames combine
// only when every field agrees, so a frame that lies about its transfer can
// never be mixed into an honest one.
type transferKey struct {
	transfer  [8]byte
	k, m      int
	length    int
	digest    [8]byte
	shardSize int
}

func (h *header) key() transferKey {
	return transferKey{h.transfer, h.k, h.m, h.length, h.digest, h.shardSize}
}

// fileDigest is the file checksum carried in every frame: the first eight
// bytes of the file's SHA-256.
func fileDigest(data []byte) [8]byte {
	sum := sha256.Sum256(data)
	var d [8]byte
	copy(d[:], sum[:8])
	return d
}

// leopardFits reports whether Leopard-RS over GF(2^16) accepts k data and
// m parity shards: with P the smallest power of two not below m, the data
// rounded up to a multiple of P plus P more must fit the field's 65536
// elements.
func leopardFits(k, m int) bool {
	if k < 1 || m < 1 || k > MaxDataShards || m > MaxParityShards {
		return false
	}
	p := 1 << bits.Len(uint(m-1))
	return (k+p-1)/p*p <= 65536-p
}

// parityCount is the number of parity shards an encoder adds to k data
// shards: three times k, at most MaxParityShards.
func parityCount(k int) int {
	return min(3*k, MaxParityShards)
}

// marshalFrame builds one frame from its header and shard.
func marshalFrame(h *header, shard []byte) []byte {
	f := make([]byte, HeaderSize+len(shard))
	f[0], f[1], f[offVersion] = magic0, magic1, formatVersion
	copy(f[offTransfer:], h.transfer[:])
	binary.BigEndian.PutUint16(f[offK:], uint16(h.k))
	binary.BigEndian.PutUint16(f[offM:], uint16(h.m))
	binary.BigEndian.PutUint16(f[offIndex:], uint16(h.index))
	binary.BigEndian.PutUint32(f[offLength:], uint32(h.length))
	copy(f[offDigest:], h.digest[:])
	copy(f[HeaderSize:], shard)
	binary.BigEndian.PutUint32(f[offCRC:], frameCRC(f))
	return f
}

// frameCRC is the CRC-32 (IEEE) of the frame without its CRC field.
func frameCRC(f []byte) uint32 {
	c := crc32.ChecksumIEEE(f[:offCRC])
	return crc32.Update(c, crc32.IEEETable, f[HeaderSize:])
}

// parseFrame checks a frame and returns its header and shard; the shard
// aliases f.
func parseFrame(f []byte) (*header, []byte, error) {
	if len(f) < offVersion+1 || f[0] != magic0 || f[1] != magic1 {
		return nil, nil, ErrNotFrame
	}
	if f[offVersion] != formatVersion {
		return nil, nil, ErrVersion
	}
	if len(f) < HeaderSize+shardAlign {
		return nil, nil, ErrMalformed
	}
	if binary.BigEndian.Uint32(f[offCRC:]) != frameCRC(f) {
		return nil, nil, ErrChecksum
	}
	h := &header{
		k:         int(binary.BigEndian.Uint16(f[offK:])),
		m:         int(binary.BigEndian.Uint16(f[offM:])),
		index:     int(binary.BigEndian.Uint16(f[offIndex:])),
		length:    int(binary.BigEndian.Uint32(f[offLength:])),
		shardSize: len(f) - HeaderSize,
	}
	copy(h.transfer[:], f[offTransfer:])
	copy(h.digest[:], f[offDigest:])
	if h.shardSize%shardAlign != 0 || h.shardSize > MaxShardSize {
		return nil, nil, ErrMalformed
	}
	if h.length > MaxLength {
		return nil, nil, ErrTooLarge
	}
	if !leopardFits(h.k, h.m) || h.index >= h.k+h.m {
		return nil, nil, ErrMalformed
	}
	// The length must need exactly k shards.
	if h.length < 1 || h.length > h.k*h.shardSize || h.length <= (h.k-1)*h.shardSize {
		return nil, nil, ErrMalformed
	}
	return h, f[HeaderSize:], nil
}
