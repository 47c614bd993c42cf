package qr

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"trustdesk/internal/testenv"
)

// writeHugePNG writes a side×side 16-bit RGB PNG that shows the card's QR
// code at ppm pixels per module on a light grey page, row by row, so that
// making it needs little memory.
func writeHugePNG(t testing.TB, name string, side, ppm int) {
	card, err := CardImage(cardText, 1)
	if err != nil {
		t.Fatal(err)
	}
	g := toGray(card)
	n := g.Bounds().Dx()
	off := (side - n*ppm) / 2
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, 1+6*side)
	prevMod := -2
	for y := range side {
		my := (y - off) / ppm
		if y < off || my >= n {
			my = -1
		}
		if y > 0 && my == prevMod {
			// Same as the row above: filter Up, all zeros.
			clear(row)
			row[0] = 2
		} else {
			row[0] = 0
			for x := range side {
				v := uint16(0xd000)
				mx := (x - off) / ppm
				if my >= 0 && x >= off && mx < n {
					v = uint16(g.Pix[my*g.Stride+mx]) * 0x101
				}
				for c := range 3 {
					binary.BigEndian.PutUint16(row[1+6*x+2*c:], v)
				}
			}
		}
		prevMod = my
		if _, err := zw.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(data)))
		w.Write(l[:])
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		w.WriteString(typ)
		w.Write(data)
		binary.BigEndian.PutUint32(l[:], c.Sum32())
		w.Write(l[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(side))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(side))
	ihdr[8], ihdr[9] = 16, 2 // 16 bits, RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestHugePictureMemory reads a 7000×7000 16-bit PNG (49 Mpixel, 294 MB of
// samples) in a child process and checks that the child's peak resident
// memory (VmHWM, which unlike getrusage's maxrss does not count the parent's
// memory from before exec) stays under 100 MB, and that the code in it is
// read.
func TestHugePictureMemory(t *testing.T) {
	if name := os.Getenv("TRUSTDESK_QR_MEMORY_CHILD"); name != "" {
		b, err := ReadFile(name)
		status, _ := os.ReadFile("/proc/self/status")
		for line := range strings.Lines(string(status)) {
			if strings.HasPrefix(line, "VmHWM:") {
				fmt.Print(line)
			}
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("read: %s\n", b)
		return
	}
	if testenv.Race {
		t.Skip("the race detector multiplies memory use; make unit runs this test without it")
	}
	if runtime.GOOS != "linux" {
		t.Skip("peak memory is read from /proc/self/status on Linux only")
	}
	name := filepath.Join(t.TempDir(), "huge.png")
	writeHugePNG(t, name, 7000, 60)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHugePictureMemory$")
	cmd.Env = append(os.Environ(), "TRUSTDESK_QR_MEMORY_CHILD="+name)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	var kb int
	var read string
	for line := range strings.Lines(string(out)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb)
		}
		if v, ok := strings.CutPrefix(line, "read: "); ok {
			read = strings.TrimSpace(v)
		}
	}
	if kb == 0 {
		t.Fatalf("no peak memory in the child's output: %q", out)
	}
	t.Logf("7000×7000 16-bit PNG: peak resident memory %.1f MB, %.2f s of CPU",
		float64(kb)*1024/1e6, (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds())
	if kb*1024 >= 100e6 {
		t.Errorf("peak resident memory %.1f MB, want under 100 MB", float64(kb)*1024/1e6)
	}
	if read != cardText {
		t.Errorf("code not read: %q", out)
	}
}
