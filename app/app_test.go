package app

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/assets"
)

func newTestWindow(t *testing.T, opts Options) (fyne.App, *Window) {
	t.Helper()
	a := test.NewTempApp(t)
	w := NewWindow(a, opts)
	t.Cleanup(w.Close)
	return a, w
}

// iconApp records the icons set on the app and its windows; the test
// driver's own app and windows ignore them.
type iconApp struct {
	fyne.App
	icon fyne.Resource
}

func (a *iconApp) SetIcon(r fyne.Resource) { a.icon = r }
func (a *iconApp) Icon() fyne.Resource     { return a.icon }
func (a *iconApp) NewWindow(title string) fyne.Window {
	return &iconWindow{Window: a.App.NewWindow(title)}
}

type iconWindow struct {
	fyne.Window
	icon fyne.Resource
}

func (w *iconWindow) SetIcon(r fyne.Resource) { w.icon = r }
func (w *iconWindow) Icon() fyne.Resource     { return w.icon }

func TestWindowTitleAndIcon(t *testing.T) {
	a := &iconApp{App: test.NewTempApp(t)}
	w := NewWindow(a, Options{Home: t.TempDir()})
	defer w.Close()
	if got := w.Title(); got != "trustdesk" {
		t.Errorf("title = %q, want trustdesk", got)
	}
	if w.Icon() != assets.Icon {
		t.Error("window icon is not the trustdesk icon")
	}
	if a.Icon() != assets.Icon {
		t.Error("app icon is not the trustdesk icon")
	}
}

func TestWelcomeScreen(t *testing.T) {
	home := t.TempDir()
	_, w := newTestWindow(t, Options{Home: home})
	w.Show()

	if w.Heading.Text != "Welcome to trustdesk" {
		t.Errorf("heading = %q", w.Heading.Text)
	}
	if !w.Folder.Visible() || !strings.Contains(w.Folder.Text, home) {
		t.Errorf("folder line %q (visible %v) does not show %s", w.Folder.Text, w.Folder.Visible(), home)
	}
	if w.Command.Text != HelpCommand {
		t.Errorf("command = %q, want %q", w.Command.Text, HelpCommand)
	}
	// Every label is laid out inside the window; the paragraphs are wide
	// enough to read and the command is not cut off.
	for _, l := range []*widget.Label{w.Heading, w.About, w.Setup, w.Command, w.Folder} {
		if !onScreen(w.Content(), l) {
			t.Errorf("label %q is not part of the window", l.Text)
		}
	}
	if w.Command.Size().Width < w.Command.MinSize().Width {
		t.Errorf("command is %v wide, needs %v", w.Command.Size().Width, w.Command.MinSize().Width)
	}
	for _, l := range []*widget.Label{w.Heading, w.About, w.Setup, w.Folder} {
		if l.Size().Width < 400 {
			t.Errorf("label %q is only %v wide", l.Text, l.Size().Width)
		}
	}
}

func TestWelcomeWithoutFolder(t *testing.T) {
	_, w := newTestWindow(t, Options{})
	if w.Folder.Visible() {
		t.Errorf("folder line shown without a folder: %q", w.Folder.Text)
	}
}

func TestCopyCommand(t *testing.T) {
	a, w := newTestWindow(t, Options{Home: t.TempDir()})
	a.Clipboard().SetContent("something else")
	test.Tap(w.CopyCommand)
	if got := a.Clipboard().Content(); got != HelpCommand {
		t.Errorf("clipboard = %q, want %q", got, HelpCommand)
	}
	if w.CopyCommand.Text != "Copied" {
		t.Errorf("button says %q after copying, want Copied", w.CopyCommand.Text)
	}
}

// jargon lists words the interface never uses (DESIGN.md, Principles).
var jargon = regexp.MustCompile(`(?i)\b(keys?|hash(es)?|crdts?|age|bundles?|signatures?|automerge)\b`)

func TestNoJargon(t *testing.T) {
	_, w := newTestWindow(t, Options{Home: "/home/someone/.local/share/trustdesk"})
	for _, text := range visibleTexts(w.Content()) {
		if m := jargon.FindString(text); m != "" {
			t.Errorf("jargon %q in %q", m, text)
		}
	}
	if texts := visibleTexts(w.Content()); len(texts) < 5 {
		t.Errorf("found only %d texts on the window: %q", len(texts), texts)
	}
}

// onScreen reports whether target is among the objects laid out in root.
func onScreen(root, target fyne.CanvasObject) bool {
	for _, o := range test.LaidOutObjects(root) {
		if o == target {
			return true
		}
	}
	return false
}

// visibleTexts returns the text of every label and button in root.
func visibleTexts(root fyne.CanvasObject) []string {
	var texts []string
	for _, o := range test.LaidOutObjects(root) {
		switch o := o.(type) {
		case *widget.Label:
			texts = append(texts, o.Text)
		case *widget.Button:
			texts = append(texts, o.Text)
		}
	}
	return texts
}

// TestIDMatchesFyneAppToml keeps [ID] and the packaging metadata in step.
func TestIDMatchesFyneAppToml(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "FyneApp.toml"))
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			values[section+"."+strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	for key, want := range map[string]string{
		"Details.ID":        ID,
		"Details.Name":      Title,
		"Details.Icon":      "assets/icon.png",
		"Migrations.fyneDo": "true",
	} {
		if got := values[key]; got != want {
			t.Errorf("FyneApp.toml %s = %q, want %q", key, got, want)
		}
	}
}

func TestRunWithoutDisplay(t *testing.T) {
	if !needsDisplay(runtime.GOOS) {
		t.Skipf("%s draws windows without a display variable", runtime.GOOS)
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	if err := Run(Options{Home: t.TempDir()}); !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("Run without a display = %v, want ErrNoDisplay", err)
	}
}

func TestNeedsDisplay(t *testing.T) {
	for goos, want := range map[string]bool{"linux": true, "freebsd": true, "darwin": false, "windows": false} {
		if got := needsDisplay(goos); got != want {
			t.Errorf("needsDisplay(%q) = %v, want %v", goos, got, want)
		}
	}
}
