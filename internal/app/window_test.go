package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

func TestOpeningSizeFitsTheScreen(t *testing.T) {
	for _, c := range []struct {
		chosen, room, want fyne.Size
	}{
		// A large screen: the size chosen.
		{defaultWindowSize, fyne.NewSize(1920, 1050), defaultWindowSize},
		// 1024×600 less a 24 pixel panel.
		{defaultWindowSize, fyne.NewSize(1024, 576), fyne.NewSize(1008, 536)},
		// 1366×768 less a panel, with FYNE_SCALE=1.5.
		{defaultWindowSize, fyne.NewSize(910.6667, 490.6667), fyne.NewSize(894, 450)},
		// Unknown screen: the size chosen.
		{fyne.NewSize(800, 600), fyne.Size{}, fyne.NewSize(800, 600)},
	} {
		if got := openingSize(c.chosen, c.room); got != c.want {
			t.Errorf("openingSize(%v, %v) = %v, want %v", c.chosen, c.room, got, c.want)
		}
	}
}

func TestWindowSizeIsRemembered(t *testing.T) {
	a := test.NewTempApp(t)
	p := a.Preferences()
	if got := chosenWindowSize(p); got != defaultWindowSize {
		t.Errorf("with nothing remembered: %v", got)
	}
	rememberWindowSize(p, fyne.NewSize(900, 640))
	if got := chosenWindowSize(p); got != fyne.NewSize(900, 640) {
		t.Errorf("after 900×640: %v", got)
	}
	// A window made tiny by mistake is not remembered.
	rememberWindowSize(p, fyne.NewSize(200, 100))
	if got := chosenWindowSize(p); got != fyne.NewSize(900, 640) {
		t.Errorf("after 200×100: %v", got)
	}
	// Nonsense in the preferences opens the default size.
	p.SetFloat(prefWindowWidth, -5)
	if got := chosenWindowSize(p); got != defaultWindowSize {
		t.Errorf("with a negative width remembered: %v", got)
	}
}

func TestClosingRemembersWindowSize(t *testing.T) {
	a := test.NewTempApp(t)
	u := newUI(a, Options{Home: t.TempDir(), Core: testCore})
	u.win.Resize(fyne.NewSize(980, 560))
	u.win.Close()
	if got := chosenWindowSize(a.Preferences()); got != fyne.NewSize(980, 560) {
		t.Errorf("after closing a 980×560 window: %v", got)
	}
}

func TestDetectedScale(t *testing.T) {
	for _, c := range []struct {
		mm, px int
		want   float32
	}{
		{344, 1366, 1},    // a 15.6" 1366×768 laptop: about 100 dpi
		{0, 1024, 1},      // size unknown
		{293, 2560, 1.85}, // a 13" 2560×1600 screen: about 222 dpi
	} {
		if got := detectedScale(c.mm, c.px); got < c.want-0.01 || got > c.want+0.01 {
			t.Errorf("detectedScale(%d mm, %d px) = %.2f, want %.2f", c.mm, c.px, got, c.want)
		}
	}
}

func TestClippedLabelShowsWholeText(t *testing.T) {
	u := startUI(t, t.TempDir(), "")
	l := newClipLabel("Blocked · Introduced through a cell")
	u.setContent(container.NewWithoutLayout(l))
	l.Resize(fyne.NewSize(80, l.MinSize().Height))
	if !l.Clipped() {
		t.Fatal("an 80 unit label shows the whole text")
	}
	l.MouseIn(&desktop.MouseEvent{})
	if !u.tips.bubble.Visible() || u.tips.text.Text != l.Text {
		t.Errorf("pointer on the label: note shown %v with %q", u.tips.bubble.Visible(), u.tips.text.Text)
	}
	if b := u.tips.bubble; b.Position().X+b.Size().Width > u.win.Canvas().Size().Width {
		t.Errorf("the note at %v, %v runs off the window", b.Position(), b.Size())
	}
	l.MouseOut()
	if u.tips.bubble.Visible() {
		t.Error("the note stays after the pointer left")
	}
	// A label that shows all of its text has no note.
	l.Resize(fyne.NewSize(l.wholeWidth(), l.MinSize().Height))
	l.MouseIn(&desktop.MouseEvent{})
	if l.Clipped() || u.tips.bubble.Visible() {
		t.Errorf("whole label: clipped %v, note shown %v", l.Clipped(), u.tips.bubble.Visible())
	}
}
