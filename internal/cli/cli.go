// Package cli is trustdesk's command line: it parses arguments, asks for
// passphrases, calls the core service and prints plain text or JSON.
//
// Exit codes: 0 on success, 1 on an error (one plain line on stderr), 2 on
// bad usage (the usage text on stderr).
package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"golang.org/x/term"

	"trustdesk/core"
	"trustdesk/internal/words"
)

// Env is what a command run sees of the world. Tests fill it in; [Main]
// uses the real process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StdinTerminal is true when Stdin is a terminal, where a person types
	// or pastes: "-" then says how to end the text.
	StdinTerminal bool
	// Getenv reads environment variables.
	Getenv func(string) string
	// ReadSecret asks for a passphrase without echo; nil means no terminal.
	ReadSecret func(prompt string) ([]byte, error)
	// Confirm asks a question on a terminal and reports whether the person
	// typed answer; nil means no terminal.
	Confirm func(prompt, answer string) (bool, error)
	// OpenGUI opens the desktop app; nil means this build has no desktop
	// app.
	OpenGUI func(GUIRequest) error
	// Options tune the core service (tests lower the passphrase cost).
	Options core.Options
}

// GUIRequest is what the desktop app is opened with.
type GUIRequest struct {
	// Home is the data folder, resolved as for every command.
	Home string
	// Passphrase is TRUSTDESK_PASSPHRASE, if set: the app unlocks with it
	// instead of asking.
	Passphrase []byte
}

// Main runs the command line for the real process and returns the exit
// code.
func Main(args []string, openGUI func(GUIRequest) error) int {
	env := &Env{
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Getenv:  os.Getenv,
		OpenGUI: openGUI,
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		env.StdinTerminal = true
		env.ReadSecret = func(prompt string) ([]byte, error) {
			fmt.Fprint(os.Stderr, prompt)
			defer fmt.Fprintln(os.Stderr)
			return term.ReadPassword(int(os.Stdin.Fd()))
		}
		env.Confirm = func(prompt, answer string) (bool, error) {
			fmt.Fprint(os.Stderr, prompt)
			line, err := bufio.NewReader(os.Stdin).ReadString('\n')
			if err != nil {
				return false, err
			}
			return strings.EqualFold(strings.TrimSpace(line), answer), nil
		}
	}
	return Run(args, env)
}

// command is one subcommand (or a group of them).
type command struct {
	name    string
	args    string // the usage line after the name
	summary string // one line for the command list
	help    string // the plain-words explanation for CMD --help
	flags   func(fs *flag.FlagSet, o *opts)
	run     func(r *runner, o *opts, args []string) error
	sub     []*command
	hidden  bool
}

// opts holds every flag any command takes; each command registers the ones
// it uses.
type opts struct {
	home     string
	json     bool
	name     string
	verified bool
	out      string
	yes      bool
	verbose  bool
	declined bool
	to       string
	armor    bool
	qr       string
	profile  string
	need     int
	forWhom  string
	from     string
	code     string

	admitVouches, excludeQuorum int
	safety, reliability         int
	tags, note, day             string
	cells                       multiFlag
}

// multiFlag collects a flag given several times (--cell A --cell B).
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// runner carries the environment through a command.
type runner struct {
	env  *Env
	home string
	cmd  *command
	path string // "contact add"
}

// Run executes one command line and returns the exit code.
func Run(args []string, env *Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	var o opts
	global := flag.NewFlagSet("trustdesk", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&o.home, "home", "", "")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printOverview(env.Stdout)
			return 0
		}
		fmt.Fprintf(env.Stderr, "trustdesk: %v\n\n", err)
		printOverview(env.Stderr)
		return 2
	}
	args = global.Args()
	if len(args) == 0 {
		home, err := resolveHome(o.home, env)
		if err != nil {
			fmt.Fprintln(env.Stderr, "trustdesk:", explain(err))
			return 1
		}
		if env.OpenGUI == nil {
			printOverview(env.Stderr)
			return 2
		}
		req := GUIRequest{Home: home}
		if p := env.Getenv("TRUSTDESK_PASSPHRASE"); p != "" {
			req.Passphrase = []byte(p)
		}
		if err := env.OpenGUI(req); err != nil {
			fmt.Fprintln(env.Stderr, "trustdesk:", explain(err))
			return 1
		}
		return 0
	}
	cmd, path, rest := lookup(commands(), args)
	if cmd == nil {
		fmt.Fprintf(env.Stderr, "trustdesk: unknown command %q\n\n", args[0])
		printOverview(env.Stderr)
		return 2
	}
	r := &runner{env: env, cmd: cmd, path: path}
	if cmd.run == nil { // a group such as "contact" without its subcommand
		if len(rest) > 0 && !isHelp(rest[0]) {
			fmt.Fprintf(env.Stderr, "trustdesk: unknown command %q\n\n", path+" "+rest[0])
			printGroup(env.Stderr, cmd, path)
			return 2
		}
		if len(rest) > 0 {
			printGroup(env.Stdout, cmd, path)
			return 0
		}
		printGroup(env.Stderr, cmd, path)
		return 2
	}
	fs := flag.NewFlagSet(path, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cmdOpts := o
	fs.StringVar(&cmdOpts.home, "home", o.home, "")
	if cmd.flags != nil {
		cmd.flags(fs, &cmdOpts)
	}
	positional, err := parseInterspersed(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		printCommand(env.Stdout, cmd, path, fs)
		return 0
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "trustdesk %s: %v\n\n", path, err)
		printCommand(env.Stderr, cmd, path, fs)
		return 2
	}
	r.home, err = resolveHome(cmdOpts.home, env)
	if err != nil {
		fmt.Fprintln(env.Stderr, "trustdesk:", explain(err))
		return 1
	}
	err = cmd.run(r, &cmdOpts, positional)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(env.Stderr, "trustdesk %s: %s\n\n", path, ue.msg)
		printCommand(env.Stderr, cmd, path, fs)
		return 2
	default:
		fmt.Fprintln(env.Stderr, "trustdesk:", explain(err))
		return 1
	}
}

// hints say what to do next after an error, in commands to type; the
// window has its own.
var hints = []words.Hint{
	{Err: core.ErrWrongPassphrase, Next: "nothing was opened or changed; type it again (it comes from TRUSTDESK_PASSPHRASE when that is set)"},
	{Err: core.ErrNoIdentity, Next: "make one with 'trustdesk init --name NAME'"},
	{Err: core.ErrNotFound, Next: "'trustdesk contact list' shows who you have"},
	{Err: core.ErrNoSuchCell, Next: "'trustdesk cell list' shows your cells"},
	{Err: core.ErrNoCellToSend, Next: "a sync file goes only to members who accepted; 'trustdesk cell show CELL' shows who is one"},
	{Err: core.ErrNoSharedCell, Next: "say which cells should see the rating with --cell"},
	{Err: core.ErrWhosePiece, Next: "say whose card to bring back with --for NAME"},
	{Err: core.ErrNotRecovering, Next: "'trustdesk recover start --name NAME' starts that on a new device"},
}

// explain says err in one plain sentence, with what to do next.
func explain(err error) string { return words.WithHint(core.Explain(err), err, hints) }

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "-help" || s == "help" }

// lookup finds the command named by the leading words of args.
func lookup(cmds []*command, args []string) (*command, string, []string) {
	if len(args) == 0 {
		return nil, "", nil
	}
	for _, c := range cmds {
		if c.name != args[0] {
			continue
		}
		if len(c.sub) > 0 && len(args) > 1 {
			if sub, path, rest := lookup(c.sub, args[1:]); sub != nil {
				return sub, c.name + " " + path, rest
			}
		}
		return c, c.name, args[1:]
	}
	return nil, "", nil
}

// parseInterspersed parses flags that may stand before, between or after
// positional arguments; "--" ends flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// resolveHome picks the data directory: --home, then TRUSTDESK_HOME, then
// the operating system's per-user data directory.
func resolveHome(flagHome string, env *Env) (string, error) {
	home := flagHome
	if home == "" {
		home = env.Getenv("TRUSTDESK_HOME")
	}
	if home == "" {
		var err error
		if home, err = DefaultHome(env.Getenv); err != nil {
			return "", err
		}
	}
	return filepath.Abs(home)
}

// DefaultHome returns the per-user data directory: $XDG_DATA_HOME/trustdesk
// (default ~/.local/share/trustdesk) on Linux and other Unix systems,
// ~/Library/Application Support/trustdesk on macOS.
func DefaultHome(getenv func(string) string) (string, error) {
	userHome := getenv("HOME")
	if userHome == "" {
		var err error
		if userHome, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("find the home folder: %w", err)
		}
	}
	if runtime.GOOS == "darwin" {
		return filepath.Join(userHome, "Library", "Application Support", "trustdesk"), nil
	}
	if x := getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "trustdesk"), nil
	}
	return filepath.Join(userHome, ".local", "share", "trustdesk"), nil
}

// out prints plain text, or v as indented JSON when asJSON is set.
func (r *runner) out(asJSON bool, v any, text func(w io.Writer)) error {
	if asJSON {
		enc := json.NewEncoder(r.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(r.env.Stdout)
	return nil
}

// passphrase returns the passphrase from TRUSTDESK_PASSPHRASE or a hidden
// prompt; confirm asks twice.
func (r *runner) passphrase(prompt string, confirm bool) ([]byte, error) {
	if p := r.env.Getenv("TRUSTDESK_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	return r.askSecret(prompt, confirm)
}

func (r *runner) askSecret(prompt string, confirm bool) ([]byte, error) {
	if r.env.ReadSecret == nil {
		return nil, errors.New("no passphrase: set TRUSTDESK_PASSPHRASE or run trustdesk in a terminal")
	}
	p, err := r.env.ReadSecret(prompt + ": ")
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, core.ErrEmptyPassphrase
	}
	if confirm {
		again, err := r.env.ReadSecret("Type it again: ")
		if err != nil {
			return nil, fmt.Errorf("read passphrase: %w", err)
		}
		if string(again) != string(p) {
			return nil, core.ErrPassphraseMismatch
		}
	}
	return p, nil
}

// errNotConfirmed means the person did not confirm on the terminal.
var errNotConfirmed = errors.New("not confirmed: nothing was changed")

// confirmAction asks before something that cannot be undone: with --yes
// it goes on; on a terminal it asks for answer; otherwise it refuses with
// a usage error that says why (what).
func (r *runner) confirmAction(o *opts, what, prompt, answer string) (bool, error) {
	if o.yes {
		return true, nil
	}
	if r.env.Confirm == nil {
		return false, usagef("add --yes to confirm: %s", what)
	}
	return r.env.Confirm(prompt, answer)
}

// confirmUnverified asks before vouching for, verifying or sending to a
// contact whose card nobody compared in person: anyone can publish a card
// in a cell under any name. With --yes it only says so; on a terminal it
// asks; otherwise it refuses. doing is what happens next ("Vouch for
// them"), flag the flag that would confirm it.
func (r *runner) confirmUnverified(o *opts, c *core.Contact, doing, extra string) error {
	if c.Verified == core.InPerson {
		return nil
	}
	what := fmt.Sprintf("%s's card is %s: nobody compared the safety code with them in person.", c.Name(), c.Verified.Words())
	if o.yes {
		fmt.Fprintln(r.env.Stderr, "Note: "+what)
		return nil
	}
	if r.env.Confirm == nil {
		return usagef("%s Add --yes to %s anyway, or first compare the safety code: trustdesk contact show %s", what, strings.ToLower(doing[:1])+doing[1:], c.ID().String()[:12])
	}
	if extra != "" {
		what += "\n" + extra
	}
	ok, err := r.env.Confirm(fmt.Sprintf("%s\n%s anyway? Type yes to go on: ", what, doing), "yes")
	if err != nil {
		return err
	}
	if !ok {
		return errNotConfirmed
	}
	return nil
}

// unlock opens the home with the user's passphrase.
func (r *runner) unlock() (*core.Service, error) {
	if !core.HasIdentity(r.home) {
		return nil, core.ErrNoIdentity
	}
	p, err := r.passphrase("Passphrase", false)
	if err != nil {
		return nil, err
	}
	return core.Unlock(r.home, p, r.env.Options)
}

// withService runs fn on the unlocked home and locks it afterwards.
func (r *runner) withService(fn func(s *core.Service) error) error {
	s, err := r.unlock()
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

func printOverview(w io.Writer) {
	fmt.Fprint(w, `trustdesk keeps track of whom you can trust, without any server.

Usage:
  trustdesk [--home DIR]                open the desktop app
  trustdesk [--home DIR] COMMAND [ARGS] work from the command line

Commands:
`)
	printList(w, commands(), "")
	fmt.Fprint(w, `
Run 'trustdesk COMMAND --help' to learn more about a command.
The data folder is --home DIR, else $TRUSTDESK_HOME, else your personal data
folder. The passphrase comes from $TRUSTDESK_PASSPHRASE, else you are asked.
`)
}

func printList(w io.Writer, cmds []*command, prefix string) {
	for _, c := range cmds {
		if c.hidden {
			continue
		}
		if len(c.sub) > 0 {
			printList(w, c.sub, prefix+c.name+" ")
			continue
		}
		line := strings.TrimSpace(prefix + c.name + " " + c.args)
		if len(line) > 34 {
			fmt.Fprintf(w, "  %s\n  %-34s %s\n", line, "", c.summary)
			continue
		}
		fmt.Fprintf(w, "  %-34s %s\n", line, c.summary)
	}
}

func printGroup(w io.Writer, c *command, path string) {
	fmt.Fprintf(w, "%s\n\nCommands:\n", c.help)
	printList(w, c.sub, path+" ")
	fmt.Fprintf(w, "\nRun 'trustdesk %s COMMAND --help' to learn more.\n", path)
}

func printCommand(w io.Writer, c *command, path string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: trustdesk %s\n\n%s\n", strings.TrimSpace(path+" "+c.args), c.help)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	if len(names) > 1 {
		fmt.Fprintln(w, "\nOptions:")
		for _, n := range names {
			fmt.Fprintf(w, "  --%-15s %s\n", n, flagHelp[n])
		}
	}
}

// flagHelp explains every flag in plain words.
var flagHelp = map[string]string{
	"home":           "the data folder (default: $TRUSTDESK_HOME, else your personal data folder)",
	"json":           "print JSON instead of plain text",
	"name":           "the name to use",
	"verified":       "you scanned this card in person or compared the safety code",
	"out":            "the file (or folder) to write",
	"yes":            "do not ask for confirmation",
	"verbose":        "also list the entries that do not count, and why",
	"admit-vouches":  "how many members must vouch before someone is admitted",
	"exclude-quorum": "how many votes exclude a member (0: a majority of the others)",
	"safety":         "1 felt unsafe, 2 uneasy, 3 neutral, 4 safe, 5 completely safe",
	"reliability":    "1 did not show up, 2 unreliable, 3 so-so, 4 reliable, 5 always reliable",
	"tags":           "short labels, separated by commas",
	"note":           "a short note, at most 280 characters",
	"day":            "the day it happened, YYYY-MM-DD (default today)",
	"cell":           "a cell (repeat for several)",
	"to":             "the person it is for",
	"armor":          "print text to paste into a messenger (or write it to --out)",
	"qr":             "a QR code picture (or, for export and import, a folder of them)",
	"qr-profile":     "robust, normal (default) or dense: fewer, denser frames need a sharper camera",
	"need":           "how many guardians are needed to get your card back (default: about two thirds)",
	"for":            "whose card to bring back, when you hold recovery pieces for several people",
}
