package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"trustdesk/core"
)

// The README's "Five minutes with trustdesk" is run here as it is written,
// command by command, so the README and the program cannot drift apart.
//
// Each ```sh block of that section starts with a comment naming whose
// commands follow ("# Ana"); a line "# Bo" inside a block hands over to
// Bo. Every person has their own environment, as on their own computer.
// The lines a block may hold are "export NAME=VALUE" and "trustdesk ARGS",
// each with an optional comment; words are split as a POSIX shell does for
// quotes. Words are read as on a fresh machine where:
//
//   - ~ is a new, empty home folder, and the current folder a new one;
//   - /media/usb is a USB stick, plugged in and empty;
//   - TD1...BOSCARD... is what Bo's 'trustdesk card' printed (the README's
//     way of saying "paste Bo's card here"), and so for every person;
//   - a word with * is a file pattern that must match exactly one file;
//   - the passphrase comes from TRUSTDESK_PASSPHRASE.
//
// Every command must succeed. readmeChecks says what some of them must
// print; a check whose command is no longer in the README fails the test,
// so that removing a step is a decision, not an accident. A new step (such
// as a command Bo runs after the import) needs no change here unless it
// should be checked.

// readmeChecks maps "Person: command line" (as written in the README,
// without its comment) to text its standard output must contain.
var readmeChecks = map[string][]string{
	`Ana: trustdesk init --name "Ana"`:                {"Ana"},
	`Ana: trustdesk card`:                             {"TD1"},
	`Ana: trustdesk contact show bo`:                  {"Bo from the market"},
	`Bo: trustdesk contact show ana`:                  {"Ana"},
	`Ana: trustdesk cell new "Night market"`:          {`Started the cell "Night market"`, "(id "},
	`Ana: trustdesk export --to bo --out /media/usb/`: {"Wrote", "Night market"},
	`Bo: trustdesk import /media/usb/sync-*.tdsync`:   {"From Ana", "1 new rating"},
	`Bo: trustdesk cell show "night market"`:          {"Night market", "Ana"},
	`Bo: trustdesk rep me`:                            {"Bo (you)", "Ana, in Night market: safety 5, reliability 4", "helped me carry the stall"},
}

// safetyCode returns the 60 digits after "Safety code" in the output of
// 'trustdesk contact show', or "".
func safetyCode(out string) string {
	_, after, ok := strings.Cut(out, "Safety code")
	if !ok {
		return ""
	}
	_, after, _ = strings.Cut(after, "\n")
	code := regexp.MustCompile(`^[\d\s]*`).FindString(after)
	code = strings.Join(strings.Fields(code), "")
	if len(code) != 60 {
		return ""
	}
	return code
}

// cardPlaceholder stands for a person's card in the README.
var cardPlaceholder = regexp.MustCompile(`^TD1\.\.\.([A-Z]+)SCARD\.\.\.$`)

// readmeStep is one command line of the walk.
type readmeStep struct {
	who  string
	line string // as written, without its comment
	n    int    // line number in README.md
}

// readmeWalk returns the command lines of the README's five-minute walk.
func readmeWalk(t *testing.T, readme []byte) []readmeStep {
	t.Helper()
	var steps []readmeStep
	inSection, inBlock, who := false, false, ""
	sc := bufio.NewScanner(bytes.NewReader(readme))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			inSection = line == "## Five minutes with trustdesk"
			continue
		case !inSection:
			continue
		case !inBlock && line == "```sh":
			inBlock, who = true, ""
			continue
		case inBlock && line == "```":
			inBlock = false
			continue
		case !inBlock:
			continue
		}
		if m := regexp.MustCompile(`^# ([A-Z][a-z]+)\s*$`).FindStringSubmatch(line); m != nil {
			who = m[1]
			continue
		}
		cmd := strings.TrimSpace(stripComment(line))
		if cmd == "" {
			continue
		}
		if who == "" {
			t.Fatalf("README.md:%d: a block of the walk must start with a line such as \"# Ana\" saying whose commands follow", n)
		}
		steps = append(steps, readmeStep{who: who, line: cmd, n: n})
	}
	if len(steps) == 0 {
		t.Fatal("README.md has no \"## Five minutes with trustdesk\" section with ```sh blocks")
	}
	return steps
}

// stripComment removes a shell comment: a # at the start of a word,
// outside quotes.
func stripComment(line string) string {
	var quote rune
	prev := ' '
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t'):
			return line[:i]
		}
		prev = r
	}
	return line
}

// shellWords splits a command line into words as a POSIX shell does for
// single quotes, double quotes and backslashes; nothing else is expanded.
func shellWords(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i+1 < len(rs) && strings.ContainsRune("\"\\$`", rs[i+1]):
				i++
				w.WriteRune(rs[i])
			case r == '$' || r == '`':
				return nil, errors.New("expansions are not supported")
			default:
				w.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '\\' && i+1 < len(rs):
			i++
			w.WriteRune(rs[i])
			inWord = true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case strings.ContainsRune("$`|&;<>(){}", r):
			return nil, errors.New("only plain commands are supported, without " + string(r))
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

func TestReadmeWalk(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	steps := readmeWalk(t, readme)

	root := t.TempDir()
	home := filepath.Join(root, "home")
	stick := filepath.Join(root, "usb")
	cwd := filepath.Join(root, "work")
	for _, d := range []string{home, stick, cwd} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(cwd)

	expand := func(word string) string {
		switch {
		case word == "~":
			return home
		case strings.HasPrefix(word, "~/"):
			return filepath.Join(home, word[2:])
		case word == "/media/usb" || strings.HasPrefix(word, "/media/usb/"):
			return stick + strings.TrimPrefix(word, "/media/usb")
		}
		return word
	}

	vars := map[string]map[string]string{} // per person
	cards := map[string]string{}           // per person, upper case
	seen := map[string]bool{}
	for _, st := range steps {
		key := st.who + ": " + st.line
		seen[key] = true
		where := "README.md:" + strconv.Itoa(st.n) + ": " + key
		if vars[st.who] == nil {
			vars[st.who] = map[string]string{
				"HOME":                 home,
				"TRUSTDESK_PASSPHRASE": "passphrase of " + st.who,
			}
		}
		env := vars[st.who]
		words, err := shellWords(st.line)
		if err != nil || len(words) == 0 {
			t.Fatalf("%s: cannot run this line: %v", where, err)
		}
		if words[0] == "export" && len(words) == 2 && strings.Contains(words[1], "=") {
			name, value, _ := strings.Cut(words[1], "=")
			env[name] = expand(value)
			continue
		}
		if words[0] != "trustdesk" {
			t.Fatalf("%s: the walk may only hold 'export NAME=VALUE' and 'trustdesk ...' lines", where)
		}
		args := words[1:]
		for i, a := range args {
			if m := cardPlaceholder.FindStringSubmatch(a); m != nil {
				card, ok := cards[m[1]]
				if !ok {
					t.Fatalf("%s: %s: nobody called %s printed a card before", where, a, m[1])
				}
				args[i] = card
				continue
			}
			a = expand(a)
			if strings.ContainsAny(a, "*?[") {
				matches, err := filepath.Glob(a)
				if err != nil || len(matches) != 1 {
					t.Fatalf("%s: %s matches %d files, want 1 (%v)", where, a, len(matches), err)
				}
				a = matches[0]
			}
			args[i] = a
		}
		var out, errb bytes.Buffer
		code := Run(args, &Env{
			Stdin:  strings.NewReader(""),
			Stdout: &out,
			Stderr: &errb,
			Getenv: func(k string) string { return env[k] },
			// The person at the terminal types yes where asked, as the
			// README says they do.
			Confirm: func(prompt, answer string) (bool, error) {
				fmt.Fprint(&out, prompt+answer+"\n")
				return true, nil
			},
			Options: core.Options{WorkFactor: 10},
		})
		t.Logf("%s\n%s", key, out.String())
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", where, code, errb.String())
		}
		if len(args) == 1 && args[0] == "card" {
			cards[strings.ToUpper(st.who)] = strings.TrimSpace(out.String())
		}
		if args[0] == "contact" && len(args) > 1 && args[1] == "show" && safetyCode(out.String()) == "" {
			t.Errorf("%s: no 60-digit safety code in %q", where, out.String())
		}
		for _, word := range []string{" key", "hash", "signature", "crdt", "automerge", "bundle"} {
			if strings.Contains(strings.ToLower(out.String()+errb.String()), word) {
				t.Errorf("%s: a newcomer reads %q:\n%s", where, word, out.String())
			}
		}
		for _, want := range readmeChecks[key] {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: output lacks %q:\n%s", where, want, out.String())
			}
		}
	}
	for key := range readmeChecks {
		if !seen[key] {
			t.Errorf("the README walk no longer has %q: update readmeChecks with it", key)
		}
	}
	// The safety code both read out loud is the same on both screens.
	codes := map[string]string{}
	for _, p := range []struct{ who, other string }{{"Ana", "bo"}, {"Bo", "ana"}} {
		env := vars[p.who]
		var out bytes.Buffer
		Run([]string{"contact", "show", p.other}, &Env{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return env[k] }, Options: core.Options{WorkFactor: 10}})
		codes[p.who] = safetyCode(out.String())
	}
	if codes["Ana"] == "" || codes["Ana"] != codes["Bo"] {
		t.Errorf("safety codes differ: Ana sees %q, Bo sees %q", codes["Ana"], codes["Bo"])
	}
}

func TestShellWords(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{`trustdesk rate bo --note "helped me carry the stall"   # a comment`, []string{"trustdesk", "rate", "bo", "--note", "helped me carry the stall"}},
		{`trustdesk cell new 'Night market' a\ b "say \"hi\""`, []string{"trustdesk", "cell", "new", "Night market", "a b", `say "hi"`}},
		{`export TRUSTDESK_HOME=~/td-ana#not-a-comment`, []string{"export", "TRUSTDESK_HOME=~/td-ana#not-a-comment"}},
		{`trustdesk ""`, []string{"trustdesk", ""}},
	} {
		got, err := shellWords(stripComment(c.line))
		if err != nil || strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
			t.Errorf("shellWords(%q) = %q, %v; want %q", c.line, got, err, c.want)
		}
	}
	for _, bad := range []string{`trustdesk "open`, `trustdesk card > x`, `trustdesk $(cat x)`, `trustdesk "$HOME"`, "trustdesk a | b"} {
		if got, err := shellWords(bad); err == nil {
			t.Errorf("shellWords(%q) = %q, want an error", bad, got)
		}
	}
}
