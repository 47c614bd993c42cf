package export

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"

	"trustdesk/identity"
	"trustdesk/internal/testenv"
)

func TestRecipientBuckets(t *testing.T) {
	cell := testCell(t, 1)
	for _, tc := range []struct{ n, stanzas int }{{1, 2}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {8, 8}, {9, 16}, {17, 32}} {
		var cards []*identity.Card
		var ids []*identity.Identity
		for i := range tc.n {
			var id *identity.Identity
			if i < 9 {
				id = person(t, 1+i)
			} else {
				id = must(identity.New("Extra", t0))
			}
			ids = append(ids, id)
			cards = append(cards, id.Card)
		}
		data := must(Seal(person(t, 0), cards, fileFor(t, cell, nil), SealOptions{Now: t0}))
		types := must(stanzaTypes(data))
		// Count independently of the package's parser too: every
		// stanza line of the header, up to the MAC line.
		header := data[:bytes.Index(data, []byte("\n--- "))+1]
		if n := bytes.Count(header, []byte("\n-> X25519 ")); n != tc.stanzas {
			t.Errorf("%d recipients: %d X25519 lines, want %d", tc.n, n, tc.stanzas)
		}
		if len(types) != tc.stanzas {
			t.Errorf("%d recipients: %d stanzas, want %d", tc.n, len(types), tc.stanzas)
		}
		for _, typ := range types {
			if typ != "X25519" {
				t.Errorf("stanza of type %q", typ)
			}
		}
		for _, id := range []*identity.Identity{ids[0], ids[len(ids)-1]} {
			if _, err := Open(id, data); err != nil {
				t.Errorf("%d recipients: %v", tc.n, err)
			}
		}
	}
	if got := recipientBucket(MaxRecipients); got != maxStanzas || got != 1024 {
		t.Errorf("bucket of MaxRecipients is %d", got)
	}
}

func TestDamaged(t *testing.T) {
	// A real file cut short at every byte offset, and with every bit of
	// its first 2 KiB flipped, is always refused, never accepted, and
	// never crashes the reader. Under the race detector, which makes each
	// attempt many times slower, every 16th case is tried.
	me := person(t, 1)
	data := seal(t, fileFor(t, testCell(t, 2), nil), 1)
	if _, err := Open(me, data); err != nil {
		t.Fatal(err)
	}
	step := 1
	if testenv.Race {
		step = 16
	}
	check := func(t *testing.T, what string, i int, b []byte) {
		f, err := Open(me, b)
		switch {
		case err == nil:
			t.Fatalf("%s at %d: accepted (%d cells)", what, i, len(f.Cells))
		case errors.Is(err, ErrDamaged), errors.Is(err, ErrNotForYou), errors.Is(err, ErrForged):
		default:
			t.Fatalf("%s at %d: unexpected error %v", what, i, err)
		}
	}
	t.Run("cut", func(t *testing.T) {
		t.Parallel()
		for n := 0; n < len(data); n += step {
			check(t, "cut", n, data[:n])
		}
	})
	t.Run("flipped", func(t *testing.T) {
		t.Parallel()
		b := bytes.Clone(data)
		for i := 0; i < min(len(b), 2048)*8; i += step {
			b[i/8] ^= 1 << (i % 8)
			check(t, "flipped bit", i, b)
			b[i/8] ^= 1 << (i % 8)
		}
	})
}

func TestHeaderRefusals(t *testing.T) {
	me := person(t, 1)
	plaintext := pad(must(compress([]byte("x"))))
	encryptWith := func(rs ...age.Recipient) []byte {
		var buf bytes.Buffer
		w := must(age.Encrypt(&buf, rs...))
		must(w.Write(plaintext))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	scrypt := must(age.NewScryptRecipient("correct horse"))
	scrypt.SetWorkFactor(10)
	if _, err := Open(me, encryptWith(scrypt)); !errors.Is(err, ErrDamaged) {
		t.Errorf("passphrase file: got %v, want ErrDamaged", err)
	}
	hybrid := must(age.GenerateHybridIdentity())
	if _, err := Open(me, encryptWith(hybrid.Recipient())); !errors.Is(err, ErrDamaged) {
		t.Errorf("file with another kind of recipient: got %v, want ErrDamaged", err)
	}
	// Too many recipients: refused before any of them is tried. The
	// stanzas are well-formed X25519 stanzas, one of them for me.
	real := encryptWith(me.Card.Recipient())
	stanza := real[len(ageMagic) : bytes.Index(real, []byte("\n--- "))+1]
	crowded := slices.Concat([]byte(ageMagic), bytes.Repeat(stanza, maxStanzas+1), real[len(ageMagic)+len(stanza):])
	if _, err := Open(me, crowded); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "more than 1024") {
		t.Errorf("file with %d recipients: got %v, want ErrDamaged", maxStanzas+1, err)
	}
	// The same header with a few copies is only refused by age's MAC.
	if _, err := Open(me, slices.Concat([]byte(ageMagic), bytes.Repeat(stanza, 3), real[len(ageMagic)+len(stanza):])); !errors.Is(err, ErrDamaged) {
		t.Errorf("file with copied stanzas: got %v, want ErrDamaged", err)
	}
	for name, b := range map[string][]byte{
		"empty":            nil,
		"text":             []byte("hello there"),
		"magic only":       []byte(ageMagic),
		"no end of header": []byte(ageMagic + "-> X25519 abc\nAAAA\n"),
		"no recipients":    []byte(ageMagic + "--- AAAA\n"),
	} {
		if _, err := Open(me, b); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: got %v, want ErrDamaged", name, err)
		}
	}
}

func TestTooLarge(t *testing.T) {
	me := person(t, 1)
	big := make([]byte, MaxFileSize+1)
	copy(big, ageMagic)
	if _, err := Open(me, big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("binary: got %v, want ErrTooLarge", err)
	}
	if _, err := Armor(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("armor: got %v, want ErrTooLarge", err)
	}
	text := bytes.Repeat([]byte(" "), MaxArmoredSize+1)
	if _, err := Open(me, text); !errors.Is(err, ErrTooLarge) {
		t.Errorf("text: got %v, want ErrTooLarge", err)
	}
}

func TestArmor(t *testing.T) {
	me := person(t, 1)
	// Three recipients: a file whose size is not a multiple of 3, so its
	// armor ends in base64 padding, which the tricks below remove.
	data := seal(t, fileFor(t, testCell(t, 2), nil), 1, 2, 3)
	if len(data)%3 == 0 {
		t.Fatalf("a file of %d bytes has no base64 padding to test", len(data))
	}
	text := must(Armor(data))
	if !bytes.HasPrefix(text, []byte("-----BEGIN AGE ENCRYPTED FILE-----\n")) {
		t.Fatalf("armor starts with %q", text[:40])
	}
	if got := must(Dearmor(text)); !bytes.Equal(got, data) {
		t.Fatal("armor does not give the file back")
	}
	s := string(text)
	lines := strings.Split(strings.TrimSpace(s), "\n")
	body := strings.Join(lines[1:len(lines)-1], "")
	noisy := map[string]string{
		"as written":        s,
		"CRLF":              strings.ReplaceAll(s, "\n", "\r\n"),
		"surrounding space": "\n\n  \t" + s + "\n \n",
		"indented":          strings.ReplaceAll(s, "\n", "\n    "),
		"one line":          lines[0] + body + lines[len(lines)-1],
		"spaces for breaks": lines[0] + " " + body + " " + lines[len(lines)-1],
		"rewrapped at 30":   lines[0] + "\n" + wrap(body, 30) + lines[len(lines)-1],
		"no-break spaces":   "\u00a0" + strings.ReplaceAll(s, "\n", "\u00a0\n") + "\u200b",
		"byte order mark":   "\ufeff" + s,
		"with the note":     string(must(ArmorWithNote(data))),
		"note on one line":  PasteNote + s,
		"note, CRLF":        strings.ReplaceAll(string(must(ArmorWithNote(data))), "\n", "\r\n"),
	}
	for name, v := range noisy {
		f, err := Open(me, []byte(v))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if len(f.Cells) != 1 {
			t.Errorf("%s: %d cells", name, len(f.Cells))
		}
	}
	tricks := map[string]string{
		"text before":        "see below\n" + s,
		"other note":         strings.Replace(PasteNote, "Sync", "Send", 1) + "\n" + s,
		"note twice":         PasteNote + "\n" + PasteNote + "\n" + s,
		"note after":         s + PasteNote + "\n",
		"text after":         s + "bye\n",
		"two blocks":         s + s,
		"block inside block": lines[0] + "\n" + s + lines[len(lines)-1],
		"header line":        lines[0] + "\nComment: hi\n" + strings.Join(lines[1:], "\n"),
		"no end":             strings.Join(lines[:len(lines)-1], "\n"),
		"no begin":           strings.Join(lines[1:], "\n"),
		"other type":         strings.ReplaceAll(s, "AGE ENCRYPTED FILE", "PGP MESSAGE"),
		"url-safe alphabet":  lines[0] + "\n" + strings.NewReplacer("+", "-", "/", "_").Replace(body) + "\n" + lines[len(lines)-1],
		"padding removed":    lines[0] + "\n" + strings.TrimRight(body, "=") + "\n" + lines[len(lines)-1],
		"padding inside":     lines[0] + "\n" + body[:8] + "=" + body[8:] + "\n" + lines[len(lines)-1],
		"character removed":  lines[0] + "\n" + body[:100] + body[101:] + "\n" + lines[len(lines)-1],
		"empty block":        lines[0] + "\n" + lines[len(lines)-1],
		"control character":  lines[0] + "\n" + body[:100] + "\x00" + body[100:] + "\n" + lines[len(lines)-1],
		"invalid UTF-8":      lines[0] + "\n" + body[:100] + "\xff" + body[100:] + "\n" + lines[len(lines)-1],
		"lower case header":  strings.ToLower(lines[0]) + s[len(lines[0]):],
	}
	for name, v := range tricks {
		if _, err := Open(me, []byte(v)); !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrNotForYou) {
			t.Errorf("%s: got %v, want ErrDamaged", name, err)
		}
	}
	if _, err := Armor([]byte("hello")); !errors.Is(err, ErrDamaged) {
		t.Errorf("armor of a non-age file: %v", err)
	}
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

func TestAgeTool(t *testing.T) {
	// A sync file is a standard age file: the age tool decrypts it with
	// the recipient's identity, and says that no identity matched, not
	// that the file is malformed, with another one.
	agePath, err := exec.LookPath("age")
	if err != nil {
		t.Skip("the age tool is not installed")
	}
	dir := t.TempDir()
	data := seal(t, fileFor(t, testCell(t, 1), nil), 1)
	text := must(Armor(data))
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := []string{write("binary.tdsync", data), write("text.txt", text)}
	mine := write("mine.key", []byte(person(t, 1).AgeIdentity().String()+"\n"))
	other := write("other.key", []byte(person(t, 3).AgeIdentity().String()+"\n"))
	for _, file := range files {
		out, err := exec.Command(agePath, "-d", "-i", mine, file).Output()
		if err != nil {
			t.Fatalf("age -d with the right identity: %v", err)
		}
		if len(out) != plaintextSize(t, data) {
			t.Errorf("age decrypted %d bytes, want %d", len(out), plaintextSize(t, data))
		}
		out, err = exec.Command(agePath, "-d", "-i", other, file).CombinedOutput()
		if err == nil {
			t.Fatal("age -d with another identity succeeded")
		}
		if !strings.Contains(string(out), "no identity matched") {
			t.Errorf("age -d with another identity says %q", out)
		}
	}
}

func TestFileName(t *testing.T) {
	re := regexp.MustCompile(`^sync-[a-z2-7]{8}\.tdsync$`)
	seen := map[string]bool{}
	for range 100 {
		n := FileName()
		if !re.MatchString(n) {
			t.Fatalf("file name %q", n)
		}
		seen[n] = true
	}
	if len(seen) < 99 {
		t.Errorf("only %d distinct names of 100", len(seen))
	}
}

func TestInspect(t *testing.T) {
	data := seal(t, fileFor(t, testCell(t, 1), nil), 1, 2, 3, 4, 5)
	for _, armored := range []bool{false, true} {
		in := data
		if armored {
			in = must(Armor(data))
		}
		info, err := Inspect(in)
		if err != nil {
			t.Fatal(err)
		}
		if info.Armored != armored || info.Size != len(data) || info.Slots != 8 {
			t.Errorf("armored %v: %+v", armored, info)
		}
	}
	if _, err := Inspect([]byte("hello")); !errors.Is(err, ErrDamaged) {
		t.Errorf("got %v, want ErrDamaged", err)
	}
}
