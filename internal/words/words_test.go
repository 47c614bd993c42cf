package words_test

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
	"trustdesk/internal/words"
	"trustdesk/reputation"
	"trustdesk/store"
)

// TestJargonPattern checks the pattern itself, so no scan can pass by
// matching nothing.
func TestJargonPattern(t *testing.T) {
	for _, s := range []string{"your key", "Keys", "a HASH", "CRDT", "age", "the bundle", "Signature", "signed", "automerge"} {
		if !words.Jargon.MatchString(s) {
			t.Errorf("%q is not caught", s)
		}
	}
	for _, s := range []string{"monkey", "keyboard", "page", "message", "agenda", "usage", "a stage", "hashtag", "assigned"} {
		if words.Jargon.MatchString(s) {
			t.Errorf("%q is caught", s)
		}
	}
}

// TestNoJargonInErrors checks the sentence for every error the window and
// the command line can meet, bare and wrapped.
func TestNoJargonInErrors(t *testing.T) {
	errs := []error{
		core.ErrNoIdentity, core.ErrIdentityExists, core.ErrWrongPassphrase, core.ErrNotFound,
		core.ErrOwnCard, core.ErrPassphraseMismatch, core.ErrEmptyPassphrase, core.ErrEmptyName,
		core.ErrNoSuchCell, core.ErrNotInCell, core.ErrNoSharedCell, core.ErrBlocked,
		core.ErrUnknownSender, core.ErrNobodyToSend, core.ErrNotYourCell, core.ErrUnknownFile, core.ErrBusy,
		core.ErrGuardians, core.ErrNeed, core.ErrNoPiece, core.ErrWhosePiece, core.ErrNotRecovering,
		core.ErrReleaseUnverified,
		&core.AmbiguousError{Query: "b", Candidates: []core.Candidate{{Name: "Bea", ID: strings.Repeat("a", 32)}, {Name: "Bo", ID: strings.Repeat("b", 32)}}},
		identity.ErrMalformed, identity.ErrVersion, identity.ErrSignature, identity.ErrWeakKey,
		identity.ErrTooLarge, identity.ErrPseudonym,
		export.ErrNotForYou, export.ErrTooLarge, export.ErrVersion, export.ErrForged, export.ErrDamaged,
		camera.ErrNoCamera, camera.ErrUnsupported,
		qr.ErrNoCode, qr.ErrNoImages, qr.ErrTooLarge, qr.ErrNotFrame, qr.ErrChecksum,
		crdt.ErrNotAllowed, crdt.ErrInvalid, crdt.ErrTooComplex, crdt.ErrCouldNotCheck, crdt.ErrDamaged, crdt.ErrTooLarge,
		store.ErrForeign, store.ErrNotEmpty, store.ErrDamaged,
		errors.New("something unexpected"),
	}
	for _, err := range errs {
		for _, e := range []error{err, fmt.Errorf("while doing it: %w", err)} {
			msg := core.Explain(e)
			if msg == "" {
				t.Errorf("%v: no sentence", e)
			}
			if w := words.Jargon.FindString(msg); w != "" {
				t.Errorf("%v is said as %q, which says %q", e, msg, w)
			}
		}
	}
}

// TestNoJargonInStrings reads every string literal of the window (the app
// package), of this package and of core's sentences about errors (tests
// excluded), and fails on any jargon word. The arguments of errors.New are
// read too: errors reach people through core.Explain. The command line's
// help is checked by its own tests.
func TestNoJargonInStrings(t *testing.T) {
	files := append(sources(t, ".", filepath.Join("..", "app")), filepath.Join("..", "..", "core", "explain.go"))
	checked := map[string]int{}
	inspect(t, files, func(fset *token.FileSet, name string, n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ImportSpec:
			return false
		case *ast.CallExpr:
			// The pattern itself names the jargon.
			if s, ok := n.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "MustCompile" {
				return false
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(n.Value)
			if err != nil {
				t.Errorf("%s: %v", fset.Position(n.Pos()), err)
				return true
			}
			checked[filepath.Dir(name)]++
			if w := words.Jargon.FindString(s); w != "" {
				t.Errorf("%s: %q says %q", fset.Position(n.Pos()), s, w)
			}
		}
		return true
	})
	for dir, least := range map[string]int{".": 20, filepath.Join("..", "app"): 300, filepath.Join("..", "..", "core"): 50} {
		if checked[dir] < least {
			t.Errorf("only %d strings checked in %s; is the scan broken?", checked[dir], dir)
		}
	}
}

// Every standing, every reason a rating counts less and every reason an
// entry does not count has plain words.
func TestStandingsAndReasons(t *testing.T) {
	for _, s := range []string{string(crdt.StatusMember), string(crdt.StatusPending), string(crdt.StatusInvited),
		string(crdt.StatusExcluded), string(crdt.StatusLeft), reputation.StatusFlagged} {
		if w := words.Status(s); w == s && s != "member" && s != "excluded" && s != "left" {
			t.Errorf("standing %q has no plain words", s)
		}
	}
	if got := words.Status(crdt.StatusPending); got != words.Pending {
		t.Errorf("pending reads %q", got)
	}
	// Every reason the model and the rules can give, read from their
	// sources, so that a new one cannot reach a screen in its own words.
	whys := constants(t, filepath.Join("..", "..", "reputation"), func(name, typ string) bool { return strings.HasPrefix(name, "Why") })
	if len(whys) < 4 {
		t.Fatalf("found only %d reasons in reputation", len(whys))
	}
	for _, r := range whys {
		if words.Why(r) == r {
			t.Errorf("%q has no plain words", r)
		}
	}
	reasons := constants(t, filepath.Join("..", "..", "crdt"), func(name, typ string) bool { return typ == "Reason" })
	if len(reasons) < 12 {
		t.Fatalf("found only %d reasons in crdt", len(reasons))
	}
	for _, s := range reasons {
		r := crdt.Reason(s)
		w := words.Reason(r)
		if w == string(r) {
			t.Errorf("%q has no plain words", r)
		}
		if j := words.Jargon.FindString(w); j != "" || strings.Contains(w, "prev") {
			t.Errorf("%q reads %q", r, w)
		}
	}
}

func TestCountsAndJoins(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{words.Count(0, "vote", "votes"), "0 votes"},
		{words.Count(1, "person", "people"), "1 person"},
		{words.Count(3, "person", "people"), "3 people"},
		{words.Count(2480, "member", "members"), "2,480 members"},
		{words.Number(0), "0"},
		{words.Number(999), "999"},
		{words.Number(1000), "1,000"},
		{words.Number(-1234), "-1,234"},
		{words.Number(int64(12345678)), "12,345,678"},
		{words.JoinAnd(nil), ""},
		{words.JoinAnd([]string{"a"}), "a"},
		{words.JoinAnd([]string{"a", "b"}), "a and b"},
		{words.JoinAnd([]string{"a", "b", "c"}), "a, b and c"},
		{words.Sentence("wrong passphrase", ""), "Wrong passphrase."},
		{words.Sentence("That is not possible in this cell", "only members vote"), "That is not possible in this cell: only members vote."},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}

func TestWithHint(t *testing.T) {
	hints := []words.Hint{{Err: core.ErrNotFound, Next: "look again"}, {Err: core.ErrNoSuchCell, Next: "list them"}}
	err := fmt.Errorf("find %q: %w", "bo", core.ErrNotFound)
	if got, want := words.WithHint(core.Explain(err), err, hints), "That person is not on this computer: look again."; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got := words.WithHint("Nothing to add.", core.ErrOwnCard, hints); got != "Nothing to add." {
		t.Errorf("no hint: %q", got)
	}
}

// constants returns the values of the string constants declared in the
// non-test files of dir whose name and declared type keep accepts.
func constants(t *testing.T, dir string, keep func(name, typ string) bool) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				v := spec.(*ast.ValueSpec)
				typ := ""
				if id, ok := v.Type.(*ast.Ident); ok {
					typ = id.Name
				}
				for i, n := range v.Names {
					if i >= len(v.Values) || !keep(n.Name, typ) {
						continue
					}
					lit, ok := v.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// countVerb finds a number written with fmt's plain %d, which people read
// as "2480" instead of "2,480".
var countVerb = regexp.MustCompile(`%[-+ 0-9]*d`)

// TestCountsGrouped checks that no sentence of the window, the command
// line or the core writes a number with %d: counts go through
// [words.Number] so that thousands are grouped. The few formats below
// are not read as counts by people.
func TestCountsGrouped(t *testing.T) {
	notCounts := map[string]bool{
		"screenmap.go:%d\t%d\t%d\t%s\n": true, // where texts are drawn, for the screenshot walk
		"app_workload.go:%s %d":         true, // names of made-up people in benchmarks
		"startcache.go:reputation.%d":   true, // a cache name
		"rate.go:%d · %s":               true, // the five steps of a rating, 1 to 5
		"guardians_change.go:%04d":      true, // a code to type, not a count
		"migrate.go:home was written by a newer version of trustdesk (format %d, this program knows %d)": true,
		"migrate.go:update home to format %d: %w":                                                        true,
	}
	files := sources(t, ".", filepath.Join("..", "app"), filepath.Join("..", "cli"), filepath.Join("..", "..", "core"))
	formats := 0
	inspect(t, files, func(fset *token.FileSet, name string, n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "fmt" {
			return true
		}
		for _, arg := range call.Args {
			s, ok := constString(arg)
			if !ok || !strings.Contains(s, "%") {
				continue
			}
			formats++
			if countVerb.MatchString(s) && !notCounts[filepath.Base(name)+":"+s] {
				t.Errorf("%s: %q writes a number with %%d; use words.Number", fset.Position(arg.Pos()), s)
			}
		}
		return true
	})
	if formats < 100 {
		t.Errorf("only %d formats checked; is the scan broken?", formats)
	}
}

// sources returns the Go files of dirs that are not tests.
func sources(t *testing.T, dirs ...string) []string {
	var files []string
	for _, dir := range dirs {
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if !strings.HasSuffix(name, "_test.go") {
				files = append(files, name)
			}
		}
	}
	return files
}

// inspect parses each of files and walks it with visit, as ast.Inspect
// does, telling visit the file's name and where to find positions.
func inspect(t *testing.T, files []string, visit func(fset *token.FileSet, name string, n ast.Node) bool) {
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool { return visit(fset, name, n) })
	}
}

// constString is the text of a string literal, or of literals joined
// with +, as a format written over several lines is.
func constString(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok := constString(e.X)
		if !ok {
			return "", false
		}
		y, ok := constString(e.Y)
		return x + y, ok
	case *ast.ParenExpr:
		return constString(e.X)
	}
	return "", false
}
