package app

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"trustdesk/camera"
	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/export/qr"
	"trustdesk/identity"
	"trustdesk/store"
)

// jargon matches the words people must never see, as whole words in any
// case.
var jargon = regexp.MustCompile(`(?i)\b(keys?|hash(es)?|crdts?|age|bundles?|signatures?|automerge)\b`)

// TestNoJargonInStrings reads every string literal in the app's source
// files (tests excluded) and fails on any jargon word. Import paths,
// struct tags and the arguments of errors.New are read too: errors reach
// people through explain.
func TestNoJargonInStrings(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		imports := map[*ast.BasicLit]bool{}
		for _, im := range f.Imports {
			imports[im.Path] = true
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING || imports[lit] {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Errorf("%s: %v", fset.Position(lit.Pos()), err)
				return true
			}
			checked++
			if w := jargon.FindString(s); w != "" {
				t.Errorf("%s: %q says %q", fset.Position(lit.Pos()), s, w)
			}
			return true
		})
	}
	if checked < 100 {
		t.Fatalf("only %d strings checked; is the scan broken?", checked)
	}
}

// TestJargonPattern checks the pattern itself, so the scan cannot pass by
// matching nothing.
func TestJargonPattern(t *testing.T) {
	for _, s := range []string{"your key", "Keys", "a HASH", "CRDT", "age", "the bundle", "Signature", "automerge"} {
		if !jargon.MatchString(s) {
			t.Errorf("%q is not caught", s)
		}
	}
	for _, s := range []string{"monkey", "keyboard", "page", "message", "agenda", "usage", "a stage", "hashtag"} {
		if jargon.MatchString(s) {
			t.Errorf("%q is caught", s)
		}
	}
}

// TestNoJargonInErrors checks the sentences shown for every error the
// app's screens can meet, as the app words them.
func TestNoJargonInErrors(t *testing.T) {
	errs := []error{
		core.ErrNoIdentity, core.ErrIdentityExists, core.ErrWrongPassphrase, core.ErrNotFound,
		core.ErrOwnCard, core.ErrPassphraseMismatch, core.ErrEmptyPassphrase, core.ErrEmptyName,
		core.ErrNoSuchCell, core.ErrNotInCell, core.ErrNoSharedCell, core.ErrBlocked,
		core.ErrUnknownSender, core.ErrNobodyToSend, core.ErrNotYourCell, core.ErrUnknownFile, core.ErrBusy,
		&core.AmbiguousError{Query: "b", Candidates: []core.Candidate{{Name: "Bea", ID: strings.Repeat("a", 32)}, {Name: "Bo", ID: strings.Repeat("b", 32)}}},
		identity.ErrMalformed, identity.ErrVersion, identity.ErrSignature, identity.ErrWeakKey,
		identity.ErrTooLarge, identity.ErrPseudonym,
		export.ErrNotForYou, export.ErrTooLarge, export.ErrVersion, export.ErrForged, export.ErrDamaged,
		camera.ErrNoCamera, camera.ErrUnsupported,
		qr.ErrNoCode, qr.ErrNoImages, qr.ErrTooLarge, qr.ErrNotFrame, qr.ErrChecksum,
		crdt.ErrNotAllowed, crdt.ErrInvalid, crdt.ErrCouldNotCheck, crdt.ErrDamaged, crdt.ErrTooLarge,
		store.ErrForeign, store.ErrNotEmpty, store.ErrDamaged,
		errNotCard, errors.New("something unexpected"),
	}
	for _, err := range errs {
		for _, e := range []error{err, fmt.Errorf("while doing it: %w", err)} {
			msg := explain(e)
			if msg == "" {
				t.Errorf("%v: no sentence", e)
			}
			if w := jargon.FindString(msg); w != "" {
				t.Errorf("%v is shown as %q, which says %q", e, msg, w)
			}
		}
	}
}

// TestNoJargonInMadeWords checks words put together while the app runs,
// which the scan of string literals cannot see: the line above a sync file
// copied as text, the legend of the bars, and what a sync file brings.
func TestNoJargonInMadeWords(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)
	u.ShowLegend()
	legend := dialogTexts(u)
	if !strings.Contains(legend, "Teal") {
		t.Fatalf("the legend reads %q", legend)
	}
	sum := &core.ImportSummary{From: core.Person{Name: "Bo"}, NewStatements: 3,
		Cells: []core.CellChanges{{Name: "Night", NewStatements: 3}}}
	for _, s := range []string{export.PasteNote, legend, compareAllWords, sum.String(), previewDetails(sum)} {
		if w := jargon.FindString(s); w != "" {
			t.Errorf("%q says %q", s, w)
		}
	}
	if !strings.Contains(sum.String(), "3 updates") {
		t.Errorf("what the file brings: %q", sum.String())
	}
}
