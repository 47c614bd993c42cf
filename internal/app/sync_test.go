package app

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"trustdesk/camera"
	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/export/qr"
	"trustdesk/identity"
)

// sharedCell founds a cell in Mara's app with Ann and Bob, and brings it
// to Ann's home with a sync file, as in life.
func sharedCell(t *testing.T, w *cellWorld) crdt.CellID {
	t.Helper()
	v, err := w.mara.NewCell("Garden street")
	if err != nil {
		t.Fatal(err)
	}
	// Each is invited, accepts on their own device, and Mara learns it.
	for _, p := range []*core.Service{w.ann, w.bob} {
		if _, err := w.mara.Admit(v.ID, p.Card().ID()); err != nil {
			t.Fatal(err)
		}
		accept(t, w.mara, p, v.ID)
	}
	to := w.ann.Card().ID()
	res, err := w.mara.Export(core.ExportRequest{To: &to})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ann.Import(context.Background(), res.Data); err != nil {
		t.Fatal(err)
	}
	w.u.changed()
	return v.ID
}

// fileFrom makes a sync file from one home to another person after a
// rating, so it brings something new.
func fileFrom(t *testing.T, from *core.Service, to identity.ID, rate identity.ID) []byte {
	t.Helper()
	if _, err := from.Rate(rate, crdt.Rating{Safety: 5, Reliability: 4, Day: "2026-11-01"}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := from.Export(core.ExportRequest{To: &to})
	if err != nil {
		t.Fatal(err)
	}
	return res.Data
}

// receiveFile hands data to the Sync screen as a file opened in the dialog.
func receiveFile(t *testing.T, u *ui, name string, data []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := storage.Reader(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	u.sync.receiveFrom(r)
	u.wait()
}

func TestSyncMakeForPersonAndSave(t *testing.T) {
	w := newCellWorld(t)
	sharedCell(t, w)
	u, s := w.u, w.u.sync

	if !s.makeButton.Disabled() {
		t.Error("Make is enabled before anyone is chosen")
	}
	s.person.SetSelected("Ann")
	test.Tap(s.makeButton)
	u.wait()
	if s.madeFile == nil {
		t.Fatalf("no sync file made; error %q", u.lastError)
	}
	if !strings.Contains(s.madeInfo.Text, "for Ann") || !strings.Contains(s.madeInfo.Text, "Garden street") {
		t.Errorf("made info = %q", s.madeInfo.Text)
	}

	// Save it where the save dialog would.
	path := filepath.Join(t.TempDir(), export.FileName())
	wc, err := storage.Writer(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	s.saveTo(wc)
	u.wait()
	if !strings.Contains(s.passedOn.Text, "Saved as "+filepath.Base(path)) {
		t.Errorf("after saving: %q", s.passedOn.Text)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ann.PreviewImport(context.Background(), data); err != nil {
		t.Fatalf("Ann cannot read the saved file: %v", err)
	}

	// Copy it as text: Ann can read what she pastes.
	test.Tap(s.copyText)
	text := u.app.Clipboard().Content()
	if !strings.Contains(text, "BEGIN") || !strings.Contains(s.passedOn.Text, "Paste it into a message") {
		t.Fatalf("clipboard %.40q, note %q", text, s.passedOn.Text)
	}
	// Its first line says in plain words what it is, naming nobody.
	first, _, _ := strings.Cut(text, "\n")
	if !strings.HasPrefix(first, "trustdesk sync file") || strings.Contains(first, "Ann") || jargon.MatchString(first) {
		t.Errorf("the copied text starts with %q", first)
	}
	if _, err := w.ann.PreviewImport(context.Background(), []byte(text)); err != nil {
		t.Fatalf("Ann cannot read the copied text: %v", err)
	}
}

func TestSyncMakeForCell(t *testing.T) {
	w := newCellWorld(t)
	id := sharedCell(t, w)
	u, s := w.u, w.u.sync

	// From the cell's page.
	u.cells.selectCell(id)
	test.Tap(u.cells.syncCell)
	u.wait()
	if s.to.Selected != toCell || s.cell.Selected != "Garden street" {
		t.Errorf("the Sync screen shows %q / %q", s.to.Selected, s.cell.Selected)
	}
	if u.tabs.Selected().Content != s.Content() {
		t.Error("the Sync tab was not opened")
	}
	if s.madeFile == nil {
		t.Fatalf("no sync file; error %q", u.lastError)
	}
	var names []string
	for _, p := range s.madeFile.Recipients {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "Ann,Bob" {
		t.Errorf("recipients = %q", names)
	}
	for _, p := range []*core.Service{w.ann, w.bob} {
		if _, err := p.PreviewImport(context.Background(), s.madeFile.Data); err != nil {
			t.Errorf("%s cannot read it: %v", p.Card().Pseudonym, err)
		}
	}
}

func TestSyncNobodyToSend(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.sync
	if _, err := w.mara.NewCell("Just me"); err != nil {
		t.Fatal(err)
	}
	u.changed()
	s.to.SetSelected(toCell)
	s.cell.SetSelected("Just me")
	test.Tap(s.makeButton)
	u.wait()
	if s.madeFile != nil {
		t.Fatal("a sync file for nobody was made")
	}
	if !strings.Contains(u.lastError, "nobody to send this to") {
		t.Errorf("error = %q", u.lastError)
	}
}

// TestSyncSaysWhatToDoFirst: on a new home there is nobody and no cell
// to send to; instead of an empty list, the Send half says what to do
// first, and says nothing once there is someone to choose.
func TestSyncSaysWhatToDoFirst(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)
	s := u.sync
	if !s.nobody.Visible() || !strings.Contains(s.nobody.Text, "Meet in person") {
		t.Errorf("one person, nobody known: %q (shown %v)", s.nobody.Text, s.nobody.Visible())
	}
	if dir := os.Getenv("TRUSTDESK_PICTURES"); dir != "" {
		u.tabs.SelectIndex(3)
		u.win.Resize(narrowScreen)
		u.win.Content().Refresh() // wrapped text measured at the new width
		savePicture(t, u.win.Canvas(), filepath.Join(dir, "sync-nobody-800x600.png"))
	}
	s.to.SetSelected(toCell)
	if !s.nobody.Visible() || !strings.Contains(s.nobody.Text, "no cell yet") {
		t.Errorf("a cell, none yet: %q (shown %v)", s.nobody.Text, s.nobody.Visible())
	}
	if _, err := u.svc.AddContact(newSomeone(t, "Zoe").Card().String(), "", true); err != nil {
		t.Fatal(err)
	}
	u.changed()
	s.to.SetSelected(toPerson)
	if s.nobody.Visible() {
		t.Errorf("Zoe can be chosen, yet the screen says %q", s.nobody.Text)
	}
}

func TestSyncReceivePreviewAndTakeIn(t *testing.T) {
	w := newCellWorld(t)
	id := sharedCell(t, w)
	u, s := w.u, w.u.sync
	data := fileFrom(t, w.ann, w.mara.Card().ID(), w.bob.Card().ID())

	receiveFile(t, u, "from-ann.tdsync", data)
	if s.previewed == nil {
		t.Fatalf("no preview; error %q", u.lastError)
	}
	if !strings.Contains(s.previewText.Text, "from Ann") || !strings.Contains(s.previewText.Text, "1 new rating in Garden street") {
		t.Errorf("preview = %q", s.previewText.Text)
	}
	if !strings.Contains(s.previewDetails.Text, "Garden street: 1 new rating") {
		t.Errorf("details = %q", s.previewDetails.Text)
	}
	v, err := w.mara.FindCell("Garden street")
	if err != nil {
		t.Fatal(err)
	}
	if v.Ratings != 0 {
		t.Fatal("the preview changed something")
	}

	test.Tap(s.takeIn)
	u.wait()
	if !strings.Contains(s.result.Text, "Taken in from Ann") || s.previewed != nil || !s.result.Visible() {
		t.Errorf("result %q, preview %v", s.result.Text, s.previewed)
	}
	u.cells.selectCell(id)
	if u.cells.selected.Ratings != 1 {
		t.Errorf("the Cells screen shows %d ratings after taking it in", u.cells.selected.Ratings)
	}

	// The same file again brings nothing.
	receiveFile(t, u, "again.tdsync", data)
	if !s.takeIn.Hidden || !strings.Contains(s.previewText.Text, "already have everything") {
		t.Errorf("second time: %q, take in shown %v", s.previewText.Text, !s.takeIn.Hidden)
	}
}

func TestSyncPasteText(t *testing.T) {
	w := newCellWorld(t)
	sharedCell(t, w)
	u, s := w.u, w.u.sync
	text, err := export.Armor(fileFrom(t, w.ann, w.mara.Card().ID(), w.bob.Card().ID()))
	if err != nil {
		t.Fatal(err)
	}
	test.Tap(s.paste)
	if s.pasteEntry == nil {
		t.Fatal("Paste opened no text field")
	}
	// Messengers add spaces and line breaks; the check copes.
	s.pasteEntry.SetText("\n  " + string(text) + "\n\n")
	tapDialog(t, u, "Check it")
	u.wait()
	if s.previewed == nil || !strings.Contains(s.previewText.Text, "from Ann") {
		t.Fatalf("preview %q, error %q", s.previewText.Text, u.lastError)
	}
	test.Tap(s.discard)
	if s.previewed != nil || s.pending != nil {
		t.Error("Not now kept the file")
	}
}

func TestSyncReceiveErrors(t *testing.T) {
	w := newCellWorld(t)
	sharedCell(t, w)
	u, s := w.u, w.u.sync
	good := fileFrom(t, w.ann, w.mara.Card().ID(), w.bob.Card().ID())

	damaged := append([]byte(nil), good...)
	damaged[len(damaged)/2] ^= 0x40
	forBob := fileFrom(t, w.ann, w.bob.Card().ID(), w.mara.Card().ID())

	for _, c := range []struct {
		name string
		data []byte
		want string
		prep func()
	}{
		{"damaged", damaged, "damaged", nil},
		{"not for you", forBob, "not meant for you", nil},
		{"not a sync file", []byte("hello, this is a shopping list"), "", nil},
		{"blocked sender", good, "blocked", func() {
			if _, err := w.mara.SetBlocked(w.ann.Card().ID(), true); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.prep != nil {
				c.prep()
			}
			u.lastError = ""
			receiveFile(t, u, "file.tdsync", c.data)
			if s.previewed != nil {
				t.Fatalf("previewed: %q", s.previewText.Text)
			}
			if u.lastError == "" || !strings.Contains(u.lastError, c.want) {
				t.Errorf("error = %q, want it to say %q", u.lastError, c.want)
			}
		})
	}
}

func TestSyncReceivePictures(t *testing.T) {
	w := newCellWorld(t)
	sharedCell(t, w)
	u, s := w.u, w.u.sync
	seq, err := qr.Encode(fileFrom(t, w.ann, w.mara.Card().ID(), w.bob.Card().ID()), qr.Dense)
	if err != nil {
		t.Fatal(err)
	}
	// The data codes, as pictures taken of the first frames shown.
	dir := t.TempDir()
	for i := range seq.Needed() {
		b, err := seq.PNG(i, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("photo-%02d.png", i)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// Too few pictures says how many are missing.
	few := t.TempDir()
	b, err := seq.PNG(seq.Needed()-1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(few, "one.png"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	s.receiveFolder(few)
	u.wait()
	if want := "1 of " + strconv.Itoa(seq.Needed()) + " codes"; !strings.Contains(u.lastError, want) {
		t.Errorf("error = %q, want %q", u.lastError, want)
	}

	// One picture at a time through Open a file.
	receiveFile(t, u, "a.png", b)
	if !s.receiving.Visible() || !strings.Contains(s.receiving.Text, "Read 1 of") {
		t.Errorf("after one picture: %q", s.receiving.Text)
	}

	s.receiveFolder(dir)
	u.wait()
	if s.previewed == nil || !strings.Contains(s.previewText.Text, "from Ann") {
		t.Fatalf("preview %q, error %q", s.previewText.Text, u.lastError)
	}
}

// fakeCamera plays a sequence's codes as a camera would, until closed.
type fakeCamera struct {
	frames chan image.Image
	stop   chan struct{}
	once   sync.Once
	closed chan struct{}
}

func newFakeCamera(seq *qr.Sequence) *fakeCamera {
	c := &fakeCamera{frames: make(chan image.Image), stop: make(chan struct{}), closed: make(chan struct{})}
	go func() {
		defer close(c.frames)
		for i := 0; ; i = (i + 1) % seq.Len() {
			img, err := seq.Image(i, 3)
			if err != nil {
				panic(err)
			}
			select {
			case c.frames <- img:
			case <-c.stop:
				return
			}
		}
	}()
	return c
}

func (c *fakeCamera) Frames() <-chan image.Image { return c.frames }
func (c *fakeCamera) Err() error                 { return nil }
func (c *fakeCamera) Close() error {
	c.once.Do(func() { close(c.stop); close(c.closed) })
	return nil
}

func TestSyncScanCamera(t *testing.T) {
	w := newCellWorld(t)
	sharedCell(t, w)
	u, s := w.u, w.u.sync
	seq, err := qr.Encode(fileFrom(t, w.ann, w.mara.Card().ID(), w.bob.Card().ID()), qr.Dense)
	if err != nil {
		t.Fatal(err)
	}
	cam := newFakeCamera(seq)
	s.openCamera = func() (qr.FrameSource, error) { return cam, nil }
	sc := s.startScan()
	if sc == nil {
		t.Fatal("no scanner opened")
	}
	<-sc.done()
	<-cam.closed
	u.wait()
	if s.previewed == nil || !strings.Contains(s.previewText.Text, "from Ann") {
		t.Fatalf("preview %q, error %q", s.previewText.Text, u.lastError)
	}
	if s.scanner != nil {
		t.Error("the scanner stayed open")
	}
}

func TestSyncScanStopsWithDialog(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.sync
	seq, err := qr.Encode(make([]byte, 40_000), qr.Robust)
	if err != nil {
		t.Fatal(err)
	}
	cam := newFakeCamera(seq)
	s.openCamera = func() (qr.FrameSource, error) { return cam, nil }
	// The scan pauses after each picture until the test lets it go on.
	progress, resume, quit := make(chan qr.Progress), make(chan struct{}), make(chan struct{})
	s.scanProgressed = func(p qr.Progress) {
		select {
		case progress <- p:
			<-resume
		case <-quit:
		}
	}
	sc := s.startScan()
	for p := <-progress; p.Have < 2; p = <-progress {
		resume <- struct{}{}
	}
	if want := "Read 2 of " + strconv.Itoa(seq.Needed()) + " codes, " + strconv.Itoa(seq.Needed()-2) + " more needed."; sc.progress.Text != want {
		t.Errorf("progress = %q, want %q", sc.progress.Text, want)
	}
	if sc.bar.Value <= 0 {
		t.Errorf("the bar shows %v", sc.bar.Value)
	}
	tapDialog(t, u, "Stop")
	close(quit)
	close(resume)
	select {
	case <-cam.closed:
	case <-time.After(30 * time.Second):
		t.Fatal("closing the dialog did not stop the camera")
	}
	<-sc.done()
	if s.scanner != nil {
		t.Error("the scanner is still set after closing")
	}
}

func TestSyncScanWithoutCamera(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.sync
	s.openCamera = func() (qr.FrameSource, error) { return nil, fmt.Errorf("open: %w", camera.ErrNoCamera) }
	sc := s.startScan()
	<-sc.done()
	if !strings.Contains(u.lastError, "No camera was found") {
		t.Errorf("error = %q", u.lastError)
	}
	if s.scanner != nil {
		t.Error("the scanner is still set")
	}
}

// TestPreviewDetailsTellWhatMatters: the lines under a sync file's preview
// say, cell by cell, what the summary above them says: an exclusion
// undone, new rules, an invitation for me, people invited, a card
// replaced (by how many guardians), a replacement undone or refused; not
// just "3 updates".
func TestPreviewDetailsTellWhatMatters(t *testing.T) {
	rules := crdt.Policy{AdmitVouches: 1, ExcludeQuorum: 1}
	sum := &core.ImportSummary{From: core.Person{Name: "Mal"}, NewStatements: 9, Cells: []core.CellChanges{
		{Name: "Night market", NewStatements: 5, Undone: []core.Person{{Name: "Mal"}}, Rules: &rules,
			Invited: []core.Person{{Name: "Fake"}}, Replaced: []core.ReplacedCard{{Person: core.Person{Name: "Cy"}, Guardians: 2}},
			ReplacementUndone: []core.Person{{Name: "Bo"}}, ReplacementRefused: []core.Person{{Name: "Di"}}},
		{Name: "Day shift", NewStatements: 4, NewCell: true, InvitedMe: true},
	}}
	got := previewDetails(sum)
	for _, want := range []string{"Mal's exclusion was undone", "new rules (" + core.RulesSentence(rules) + ")",
		"invited: Fake", "Cy's card was replaced by a new one, confirmed by 2 of their guardians",
		"the replacement of Bo's card that this computer had taken no longer counts", "an attempt to replace Di's card was refused",
		"an invitation for you to join"} {
		if !strings.Contains(got, want) {
			t.Errorf("the details do not say %q:\n%s", want, got)
		}
	}
	if w := jargon.FindString(got); w != "" {
		t.Errorf("%q says %q", got, w)
	}
}
