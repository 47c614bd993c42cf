package qr_test

import (
	"bytes"
	"fmt"

	"trustdesk/export/qr"
)

// A sender encodes a sync file as an animated sequence; a receiver that
// catches any K distinct frames, in any order, rebuilds it.
func Example() {
	file := bytes.Repeat([]byte("sync file bytes "), 200) // 3200 bytes
	seq, err := qr.Encode(file, qr.Normal)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d frames, any %d rebuild the file\n", seq.Len(), seq.Needed())

	// The receiver misses the first frames and sees the last ones.
	var d qr.Decoder
	for i := seq.Len() - 1; i >= 0 && !d.Progress().Done; i-- {
		p, err := d.AddFrame(seq.FrameBytes(i))
		if err != nil {
			panic(err)
		}
		fmt.Println(p)
	}
	got, err := d.Bytes()
	fmt.Println(bytes.Equal(got, file), err)
	// Output:
	// 20 frames, any 5 rebuild the file
	// 1 of 5 frames
	// 2 of 5 frames
	// 3 of 5 frames
	// 4 of 5 frames
	// 5 of 5 frames, complete
	// true <nil>
}

// A card is shown as one static QR code with whole pixels per module.
func ExampleCardPNG() {
	png, err := qr.CardPNG("TD1EXAMPLECARDTEXT234567", 8)
	if err != nil {
		panic(err)
	}
	text, err := qr.ReadImage(mustDecodePNG(png))
	fmt.Println(string(text), err)
	// Output: TD1EXAMPLECARDTEXT234567 <nil>
}
