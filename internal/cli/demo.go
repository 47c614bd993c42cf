package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"trustdesk/core"
	"trustdesk/internal/demo"
	"trustdesk/internal/words"
)

func demoCommand() *command {
	return &command{
		name: "demo", args: "[--home DIR]",
		summary: "make an example world to explore, in a new data folder",
		help: `Fills a new, empty data folder with an example world seen by Mara, who sells
fruit at a night market, shares rides and volunteers at a clinic: three
cells, 22 people and eight months of their ratings, an exclusion, a person
flagged unsafe and a ring of fake accounts. Everything in it was made
the real way, with cards, vouches and sync files, so every screen has
something to show. Its passphrase is "demo".

Without --home (and without $TRUSTDESK_HOME) the demo goes into its own
folder next to your personal data folder, never into your own data. A
folder that already holds an identity is left untouched.`,
		run: runDemo,
	}
}

// DemoHome returns the folder the demo uses when no data folder is named:
// "trustdesk-demo" next to the personal data folder of [DefaultHome].
func DemoHome(getenv func(string) string) (string, error) {
	home, err := DefaultHome(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(home), "trustdesk-demo"), nil
}

// errDemoHomeUsed says the demo was pointed at a folder in use.
var errDemoHomeUsed = errors.New("that data folder already holds an identity, so the demo left it untouched; name a new folder with --home DIR")

func runDemo(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments besides --home DIR"); err != nil {
		return err
	}
	home := r.home
	if o.home == "" && r.env.Getenv("TRUSTDESK_HOME") == "" {
		var err error
		if home, err = DemoHome(r.env.Getenv); err != nil {
			return err
		}
	}
	if core.HasIdentity(home) {
		return errDemoHomeUsed
	}
	w := r.env.Stdout
	// Progress: the story's months, as they are played (it takes about
	// half a minute).
	fmt.Fprintf(w, "Making the demo world in %s (under a minute).\nPlaying its %s months:", home, words.Number(demo.Months))
	start := time.Now()
	d, err := demo.BuildProgress(context.Background(), home, []byte(demo.Passphrase), r.env.Options, func(month int) {
		fmt.Fprintf(w, " %s", words.Number(month))
	})
	fmt.Fprintln(w)
	if errors.Is(err, core.ErrIdentityExists) {
		return errDemoHomeUsed
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Done in %.1f seconds: %s people, %s cells, %s sync files passed between them.\n\n",
		time.Since(start).Seconds(), words.Number(len(d.People)+1), words.Number(len(d.Cells)), words.Number(d.SyncFiles))
	for _, p := range d.Story {
		wrap(w, p, 76)
		fmt.Fprintln(w)
	}
	h := shellQuote(home)
	fmt.Fprintf(w, "The passphrase is:  %s\n\n", demo.Passphrase)
	fmt.Fprintf(w, "Open the app on it:\n  trustdesk --home %s\n\n", h)
	fmt.Fprintf(w, "Or look around from the terminal (the passphrase can come from TRUSTDESK_PASSPHRASE=%s):\n", demo.Passphrase)
	for _, c := range []string{
		"rep",
		"rep " + shellQuote(d.Flagged),
		"rep " + shellQuote(d.Smeared),
		"cell show " + shellQuote(d.ExcludedFrom),
		"contact list",
	} {
		fmt.Fprintf(w, "  trustdesk --home %s %s\n", h, c)
	}
	return nil
}

// wrap prints text in lines of at most width characters.
func wrap(w io.Writer, text string, width int) {
	line := 0
	for i, word := range strings.Fields(text) {
		n := len([]rune(word))
		switch {
		case i == 0:
		case line+1+n > width:
			fmt.Fprintln(w)
			line = 0
		default:
			fmt.Fprint(w, " ")
			line++
		}
		fmt.Fprint(w, word)
		line += n
	}
	fmt.Fprintln(w)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
