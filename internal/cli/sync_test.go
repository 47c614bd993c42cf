package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"trustdesk/export/qr"
)

// pair makes two people who hold each other's verified cards.
func pair(t *testing.T, names ...string) []*world {
	t.Helper()
	var ws []*world
	for _, n := range names {
		w := newWorld(t)
		w.ok("init", "--name", n)
		ws = append(ws, w)
	}
	for i, a := range ws {
		for j, b := range ws {
			if i != j {
				a.ok("contact", "add", strings.TrimSpace(b.ok("card")), "--verified")
			}
		}
	}
	return ws
}

func TestExportImportChain(t *testing.T) {
	ws := pair(t, "Ana", "Bo")
	ana, bo := ws[0], ws[1]
	cy := newWorld(t)
	cy.ok("init", "--name", "Cy")
	cy.ok("contact", "add", strings.TrimSpace(bo.ok("card")), "--verified")
	bo.ok("contact", "add", strings.TrimSpace(cy.ok("card")), "--verified")

	ana.ok("cell", "new", "Night shift")
	ana.ok("cell", "admit", "night", "bo")
	ana.ok("rate", "bo", "--safety", "5", "--reliability", "5", "--note", "solid")
	dir := t.TempDir()
	file := filepath.Join(dir, "for-bo")
	var ej exportJSON
	if err := json.Unmarshal([]byte(ana.ok("export", "--to", "bo", "--out", file, "--json")), &ej); err != nil {
		t.Fatal(err)
	}
	if ej.Bytes == 0 || ej.Cells != 1 || ej.Statements < 3 {
		t.Fatalf("export --json = %+v", ej)
	}
	if out := bo.ok("inspect", file); !strings.Contains(out, "from Ana") || !strings.Contains(out, "Night shift") {
		t.Fatalf("inspect = %q", out)
	}
	out := bo.ok("import", file)
	if !strings.Contains(out, "From Ana") || !strings.Contains(out, "1 new rating") {
		t.Fatalf("import = %q", out)
	}
	if out := bo.ok("import", file); !strings.Contains(out, "nothing new") {
		t.Fatalf("second import = %q", out)
	}
	var ij importJSON
	json.Unmarshal([]byte(bo.ok("import", file, "--json")), &ij)
	if ij.NewStatements != 0 {
		t.Fatalf("import --json of a known file: %+v", ij)
	}
	// Not for Cy.
	if msg := cy.fails(1, "import", file); !strings.Contains(msg, "not meant for you") {
		t.Fatalf("import by Cy: %q", msg)
	}
	// Bo admits Cy and passes the cell on as pasted text.
	bo.ok("cell", "admit", "night", "cy")
	text := bo.ok("export", "--cell", "night", "--armor", "--out", "-")
	if !strings.HasPrefix(text, "-----BEGIN AGE ENCRYPTED FILE-----") {
		t.Fatalf("armored export starts with %q", text[:40])
	}
	armored := filepath.Join(dir, "pasted.txt")
	os.WriteFile(armored, []byte("\n\n"+text+"\n"), 0o600)
	if out := cy.ok("import", armored, "--json"); !strings.Contains(out, `"new_statements"`) {
		t.Fatalf("import --json = %q", out)
	}
	var cell cellJSON
	json.Unmarshal([]byte(cy.ok("cell", "show", "night", "--json")), &cell)
	if len(cell.Members) != 3 || cell.Ratings != 1 {
		t.Fatalf("Cy sees %+v", cell)
	}
	if out := cy.ok("contact", "list"); !strings.Contains(out, "Ana") || !strings.Contains(out, "introduced") {
		t.Fatalf("Cy's contacts: %q", out)
	}
	// A cut file is refused and changes nothing.
	b, _ := os.ReadFile(file)
	cut := filepath.Join(dir, "cut")
	os.WriteFile(cut, b[:len(b)/2], 0o600)
	if msg := bo.fails(1, "import", cut); !strings.Contains(msg, "damaged") {
		t.Fatalf("cut file: %q", msg)
	}
	// A folder as --out (a USB stick) gets a new file.
	stick := t.TempDir()
	json.Unmarshal([]byte(ana.ok("export", "--to", "bo", "--out", stick, "--json")), &ej)
	if filepath.Dir(ej.File) != stick {
		t.Fatalf("export into a folder wrote %q", ej.File)
	}
	// Default file names say nothing.
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	json.Unmarshal([]byte(ana.ok("export", "--to", "bo", "--json")), &ej)
	if strings.Contains(strings.ToLower(ej.File), "bo") || strings.Contains(ej.File, "night") || strings.ContainsAny(ej.File, "/ ") {
		t.Fatalf("default file name %q says too much", ej.File)
	}
}

func TestQRCommands(t *testing.T) {
	ws := pair(t, "Ana", "Bo")
	ana, bo := ws[0], ws[1]
	dir := t.TempDir()
	png := filepath.Join(dir, "card.png")
	ana.ok("card", "--qr", png)
	card := strings.TrimSpace(ana.ok("card"))
	if zbar, err := exec.LookPath("zbarimg"); err == nil {
		out, err := exec.Command(zbar, "--quiet", "--raw", png).Output()
		if err != nil || strings.TrimSpace(string(out)) != card {
			t.Fatalf("zbarimg read %q (%v), want the card text", out, err)
		}
	} else if os.Getenv("CI") != "" {
		t.Fatal("zbarimg is missing: make test installs zbar-tools")
	}
	if out := bo.ok("inspect", png); !strings.Contains(out, "Ana") {
		t.Fatalf("inspect of a card picture: %q", out)
	}
	cy := newWorld(t)
	cy.ok("init", "--name", "Cy")
	if out := cy.ok("contact", "add", "--qr", png); !strings.Contains(out, "Added Ana") {
		t.Fatalf("contact add --qr: %q", out)
	}

	ana.ok("cell", "new", "Night")
	ana.ok("cell", "admit", "night", "bo")
	frames := filepath.Join(dir, "frames")
	var ej exportJSON
	json.Unmarshal([]byte(ana.ok("export", "--to", "bo", "--qr", frames, "--qr-profile", "dense", "--json")), &ej)
	if ej.Frames < ej.Needed || ej.Needed < 1 {
		t.Fatalf("export --qr --json = %+v", ej)
	}
	pngs, _ := filepath.Glob(filepath.Join(frames, "*.png"))
	if len(pngs) != ej.Frames {
		t.Fatalf("%d pictures written, %d reported", len(pngs), ej.Frames)
	}
	// Keep only the parity frames, fewer than needed first.
	few := filepath.Join(dir, "few")
	os.Mkdir(few, 0o700)
	for _, p := range pngs[len(pngs)-ej.Needed+1:] {
		b, _ := os.ReadFile(p)
		os.WriteFile(filepath.Join(few, filepath.Base(p)), b, 0o600)
	}
	if ej.Needed > 1 {
		if msg := bo.fails(1, "import", "--qr", few); !strings.Contains(msg, "1 more") {
			t.Fatalf("import of too few frames: %q", msg)
		}
	}
	b, _ := os.ReadFile(pngs[len(pngs)-ej.Needed])
	os.WriteFile(filepath.Join(few, "extra.png"), b, 0o600)
	if out := bo.ok("import", "--qr", few); !strings.Contains(out, "From Ana") {
		t.Fatalf("import --qr: %q", out)
	}
	if out := bo.ok("inspect", pngs[0]); !strings.Contains(out, "frame") {
		t.Fatalf("inspect of a frame: %q", out)
	}
}

func TestScanWithoutCamera(t *testing.T) {
	if _, err := os.Stat("/dev/video0"); err == nil {
		t.Skip("this machine has a camera")
	}
	w := newWorld(t)
	w.ok("init", "--name", "Ana")
	if msg := w.fails(1, "scan"); !strings.Contains(msg, "camera") {
		t.Fatalf("scan without a camera: %q", msg)
	}
}

func TestScanStatus(t *testing.T) {
	for _, c := range []struct {
		p          qr.Progress
		struggling bool
		want       string
	}{
		{qr.Progress{}, true, ""},
		{qr.Progress{Have: 37, Need: 52}, false, "37 of 52 frames, 15 more needed."},
		{qr.Progress{Have: 37, Need: 52}, true, "37 of 52 frames, 15 more needed. Hold the camera steadier or closer."},
		{qr.Progress{Have: 52, Need: 52, Done: true}, true, ""},
	} {
		if got := scanStatus(c.p, c.struggling); got != c.want {
			t.Errorf("%+v, %v: %q, want %q", c.p, c.struggling, got, c.want)
		}
	}
}
