// Package qr turns trustdesk data into QR codes and back.
//
// # Cards
//
// A card is shown as one static QR code: [CardImage] and [CardPNG] render
// the card text with error correction level Q, a whole number of pixels per
// module and a four-module quiet zone. [ReadImage] reads it back from a
// screenshot or a photo.
//
// # Animated sequences
//
// A sync file is shown as an animated sequence of QR codes. [Encode] splits
// the file into K data shards of a fixed size, adds parity shards with a
// Reed–Solomon erasure code (Leopard-RS over GF(2^16)) and wraps every shard
// in a frame: a 33-byte header (transfer id, K, parity count, shard index,
// file length, file checksum, frame checksum) followed by the shard. Any K
// distinct frames of one transfer rebuild the file, whatever mix of data and
// parity frames they are. The data frames come first, then the parity frames
// in random order; a sender loops over the frames at [FrameInterval]. The
// exact byte layout is specified in FRAMES.md beside this file.
//
// Three profiles trade speed against robustness: [Normal] (QR version 18,
// 640 bytes per frame), [Dense] (version 21, 896 bytes per frame) and
// [Robust] (version 14 with level M error correction, 320 bytes per frame).
//
// # Scanning
//
// A [Decoder] collects frames from camera images ([Decoder.AddImage]), image
// files ([Decoder.AddFile], [DecodeDir]) or already-decoded QR contents
// ([Decoder.AddFrame]). It skips unreadable images, duplicates and frames of
// other transfers, refuses frames whose checksum or header does not hold up,
// and reports progress ("37 of 52 frames") until the file is complete.
// [Scan] is the one camera-scan loop of trustdesk (the command line, the
// sync screen and the Meet in person screen all run it): it reads a stream
// of pictures, or a [FrameSource] with [ScanCamera], until a sequence is
// rebuilt or the code looked for (a card) is read, ends with its context,
// and tells after every picture how it goes ([ScanUpdate]).
// [Progress.Remaining] says how many more frames are needed, and
// [RecentReads] tells when most recent pictures could not be read, so a
// scanner can show [SteadierHint].
//
// Images are decoded with gozxing. When the plain pass fails, [ReadImage]
// cuts the code out at its finder patterns, sharpens and enlarges it, and
// tries a few more views of the picture; on the camera-like corpus of the
// tests it reads every picture zbar reads. [LoadImage] and [ReadFile]
// bound the memory of pictures from outside: huge PNGs are reduced while
// they are decoded, and what is absurd is refused with [ErrImageTooLarge].
package qr
