package cli

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"trustdesk/core"
	"trustdesk/identity"
)

func jsonFlag(fs *flag.FlagSet, o *opts) { fs.BoolVar(&o.json, "json", false, "") }

func yesFlag(fs *flag.FlagSet, o *opts) { fs.BoolVar(&o.yes, "yes", false, "") }

// commands lists every subcommand. It is a function so that the "help"
// command can refer to the list.
func commands() []*command {
	return []*command{
		{
			name: "init", args: "--name NAME",
			summary: "make your card (your identity) in a new data folder",
			help: `Makes your identity: a card with the name others will see (NAME, up to
40 characters; it need not be your real name). Everything is kept encrypted
under a passphrase you choose, asked twice. Forget it and nobody can open
your data, not even you. An existing identity is never overwritten.`,
			flags: func(fs *flag.FlagSet, o *opts) { fs.StringVar(&o.name, "name", "", "") },
			run:   runInit,
		},
		{
			name: "card", args: "[--json] [--qr FILE.png]",
			summary: "print your card, to give to others",
			help: `Prints your card as one line of text starting with TD1. Give it to people
you meet; they add it with 'trustdesk contact add'. --qr FILE.png saves it
as a QR code picture instead, for others to scan.`,
			flags: func(fs *flag.FlagSet, o *opts) {
				jsonFlag(fs, o)
				fs.StringVar(&o.qr, "qr", "", "")
			},
			run: runCard,
		},
		contactCommand(),
		cellCommands(),
		rateCommand(),
		repCommand(),
		exportCommand(),
		scanCommand(),
		importCommand(),
		inspectCommand(),
		demoCommand(),
		guardiansCommand(),
		recoverCommand(),
		{
			name:    "passphrase",
			summary: "change your passphrase",
			help: `Changes the passphrase that protects your data. The current one comes from
$TRUSTDESK_PASSPHRASE or is asked; the new one comes from
$TRUSTDESK_NEW_PASSPHRASE or is asked twice.`,
			run: runPassphrase,
		},
		{
			name: "backup", args: "--out FILE",
			summary: "save everything into one encrypted file",
			help: `Writes your identity and all your data into FILE, encrypted with your
passphrase. Keep it somewhere safe; 'trustdesk restore' brings it back.`,
			flags: func(fs *flag.FlagSet, o *opts) { fs.StringVar(&o.out, "out", "", "") },
			run:   runBackup,
		},
		{
			name: "restore", args: "FILE",
			summary: "bring back a backup into an empty data folder",
			help: `Restores a backup made with 'trustdesk backup' into an empty data folder.
It asks for the passphrase the backup was made with, which then protects
the restored data.`,
			run: runRestore,
		},
		{
			name: "wipe", args: "[--yes]",
			summary: "destroy all trustdesk data on this device",
			help: `Destroys your identity and all data in the data folder, for good. The part
that unlocks your data is destroyed first, so even a partly deleted folder
cannot be read. Without --yes you are asked to type "wipe".`,
			flags: func(fs *flag.FlagSet, o *opts) { fs.BoolVar(&o.yes, "yes", false, "") },
			run:   runWipe,
		},
		{
			name: "help", args: "[COMMAND]",
			summary: "explain a command",
			help:    "Explains trustdesk, or one command.",
			run:     runHelp,
		},
	}
}

// contactCommand is "contact" and its subcommands.
func contactCommand() *command {
	return &command{
		name:    "contact",
		summary: "the people you know",
		help:    "Contacts are the cards you hold, with your own name for each person.",
		sub: []*command{
			{
				name: "add", args: "(CARDTEXT | --qr IMAGE) [--name NAME] [--verified]",
				summary: "add someone's card",
				help: `Adds the card CARDTEXT (the text starting with TD1). --name gives the
person a name only you see. Use --verified only if you got the card face to
face, or after comparing the safety code ('trustdesk contact show').
--qr IMAGE reads the card from a photo or screenshot of its QR code.`,
				flags: func(fs *flag.FlagSet, o *opts) {
					fs.StringVar(&o.qr, "qr", "", "")
					fs.StringVar(&o.name, "name", "", "")
					fs.BoolVar(&o.verified, "verified", false, "")
					jsonFlag(fs, o)
				},
				run: runContactAdd,
			},
			{
				name: "list", args: "[--json]",
				summary: "list your contacts",
				help:    "Lists everyone whose card you hold.",
				flags:   jsonFlag,
				run:     runContactList,
			},
			{
				name: "show", args: "CONTACT [--json]",
				summary: "show a contact and your shared safety code",
				help: `Shows a contact, including the safety code. Read the code aloud with the
person (or compare screens): if it is the same on both sides, you hold each
other's real cards, and you can mark them with 'trustdesk contact verify'.
CONTACT is a name, or the first letters of a name.`,
				flags: jsonFlag,
				run:   runContactShow,
			},
			{
				name: "verify", args: "CONTACT [--yes]",
				summary: "mark a contact as verified in person",
				help: `Marks CONTACT as verified in person. Do this only after the safety code
matched. You are shown the code and asked; --yes confirms without asking.`,
				flags: yesFlag,
				run:   runContactVerify,
			},
			{
				name: "rename", args: "CONTACT NAME",
				summary: "give a contact your own name for them",
				help:    "Sets the name only you see for CONTACT.",
				run:     runContactRename,
			},
			{
				name: "block", args: "CONTACT",
				summary: "block someone quietly",
				help: `Blocks CONTACT on this device: you never send them anything again, and
their ratings no longer count in what you see. They are not told.`,
				run: runContactBlock(true),
			},
			{
				name: "unblock", args: "CONTACT",
				summary: "undo a block",
				help:    "Unblocks CONTACT.",
				run:     runContactBlock(false),
			},
			{
				name: "remove", args: "CONTACT",
				summary: "forget a contact",
				help:    "Removes CONTACT from this device.",
				run:     runContactRemove,
			},
		},
	}
}

func runHelp(r *runner, _ *opts, args []string) error {
	if len(args) == 0 {
		printOverview(r.env.Stdout)
		return nil
	}
	c, path, rest := lookup(commands(), args)
	if c == nil || len(rest) > 0 {
		return usagef("unknown command %q", strings.Join(args, " "))
	}
	if c.run == nil {
		printGroup(r.env.Stdout, c, path)
		return nil
	}
	fs := flag.NewFlagSet(path, flag.ContinueOnError)
	var o opts
	fs.StringVar(&o.home, "home", "", "")
	if c.flags != nil {
		c.flags(fs, &o)
	}
	printCommand(r.env.Stdout, c, path, fs)
	return nil
}

func wantArgs(args []string, n int, what string) error {
	if len(args) != n {
		return usagef("expected %s", what)
	}
	return nil
}

// newHome checks what making a card in an empty home needs (no
// arguments, a usable --name, described by nameIs, no card there yet) and
// asks for the new passphrase twice.
func newHome(r *runner, o *opts, args []string, nameIs string) ([]byte, error) {
	if err := wantArgs(args, 0, "no arguments besides --name"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(o.name) == "" {
		return nil, usagef("--name NAME is required: %s", nameIs)
	}
	if core.HasIdentity(r.home) {
		return nil, core.ErrIdentityExists
	}
	if _, err := identity.NormalizePseudonym(o.name); err != nil {
		return nil, err
	}
	return r.passphrase("Choose a passphrase", true)
}

func runInit(r *runner, o *opts, args []string) error {
	p, err := newHome(r, o, args, "the name others will see on your card")
	if err != nil {
		return err
	}
	s, err := core.Init(r.home, o.name, p, r.env.Options)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(r.env.Stdout, "Your card is ready, %s.\nData folder: %s\nShow your card with: trustdesk card\n", s.Card().Pseudonym, r.home)
	return nil
}

// cardJSON is the JSON form of a card.
type cardJSON struct {
	ID            string    `json:"id"`
	Pseudonym     string    `json:"pseudonym"`
	Created       time.Time `json:"created"`
	SigningKey    string    `json:"signing_key"`
	EncryptionKey string    `json:"encryption_key"`
	Text          string    `json:"text"`
}

func toCardJSON(c *identity.Card) cardJSON {
	return cardJSON{
		ID:            c.ID().String(),
		Pseudonym:     c.Pseudonym,
		Created:       c.Created,
		SigningKey:    fmt.Sprintf("%x", []byte(c.SigningKey)),
		EncryptionKey: c.Recipient().String(),
		Text:          c.String(),
	}
}

func runCard(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		c := s.Card()
		if o.qr != "" {
			if err := writeCardQR(r, c.String(), o.qr); err != nil {
				return err
			}
			if o.qr != "-" {
				fmt.Fprintf(r.env.Stdout, "Your card's QR code is in %s.\n", o.qr)
			}
			return nil
		}
		return r.out(o.json, toCardJSON(c), func(w io.Writer) { fmt.Fprintln(w, c.String()) })
	})
}

// contactJSON is the JSON form of a contact.
type contactJSON struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Pseudonym  string    `json:"pseudonym"`
	Petname    string    `json:"petname,omitempty"`
	Verified   string    `json:"verified"`
	Blocked    bool      `json:"blocked"`
	Added      time.Time `json:"added"`
	SafetyCode string    `json:"safety_code,omitempty"`
	Card       *cardJSON `json:"card,omitempty"`
	// Replaced lists where their card was replaced, or replaced an old
	// one (contact show).
	Replaced []replacedJSON `json:"replaced,omitempty"`
}

// replacedJSON is a [core.CardReplacement] as contact show --json prints it.
type replacedJSON struct {
	Cell      string   `json:"cell"`
	Old       string   `json:"old_id"`
	New       string   `json:"new_id"`
	Guardians []string `json:"guardians"`
	You       bool     `json:"you_confirmed,omitempty"`
	Unknown   int      `json:"unknown_guardians,omitempty"`
	Words     string   `json:"words"`
}

func toContactJSON(c *core.Contact) contactJSON {
	return contactJSON{
		ID:        c.ID().String(),
		Name:      c.Name(),
		Pseudonym: c.Card.Pseudonym,
		Petname:   c.Petname,
		Verified:  string(c.Verified),
		Blocked:   c.Blocked,
		Added:     c.Added,
	}
}

func runContactAdd(r *runner, o *opts, args []string) error {
	if len(args) == 0 && o.qr == "" {
		return usagef("expected the card text (it starts with TD1) or --qr IMAGE")
	}
	// A card pasted with line breaks may arrive as several arguments.
	text := strings.Join(args, "")
	if o.qr != "" {
		if len(args) > 0 {
			return usagef("give the card text or --qr IMAGE, not both")
		}
		var err error
		if text, err = readCardQR(o.qr); err != nil {
			return err
		}
	}
	if text == "-" {
		b, err := io.ReadAll(io.LimitReader(r.env.Stdin, 4096))
		if err != nil {
			return fmt.Errorf("read the card: %w", err)
		}
		text = string(b)
	}
	return r.withService(func(s *core.Service) error {
		res, err := s.AddContact(text, o.name, o.verified)
		if err != nil {
			return err
		}
		c := res.Contact
		return r.out(o.json, toContactJSON(c), func(w io.Writer) {
			if res.New {
				fmt.Fprintf(w, "Added %s (%s).\n", c.Name(), c.Verified.Words())
			} else {
				fmt.Fprintf(w, "You already had %s; the contact is up to date (%s).\n", c.Name(), c.Verified.Words())
			}
			for _, other := range res.SameName {
				fmt.Fprintf(w, "Careful: you also have a contact called %q with a different card (%s). This is a different card: check it in person before trusting it.\n", other.Card.Pseudonym, other.ID().String()[:8])
			}
			if c.Verified != core.InPerson {
				fmt.Fprintf(w, "Compare the safety code with them: trustdesk contact show %q\n", c.Name())
			}
		})
	})
}

func runContactList(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		all, err := s.Contacts()
		if err != nil {
			return err
		}
		list := make([]contactJSON, len(all))
		for i, c := range all {
			list[i] = toContactJSON(c)
		}
		return r.out(o.json, list, func(w io.Writer) {
			if len(all) == 0 {
				fmt.Fprintln(w, "No contacts yet. Add one with: trustdesk contact add CARDTEXT")
				return
			}
			for _, c := range all {
				line := fmt.Sprintf("%-24s %-8s  %s", c.Name(), c.ID().String()[:8], c.Verified.Words())
				if c.Petname != "" && c.Petname != c.Card.Pseudonym {
					line += fmt.Sprintf(", calls themselves %q", c.Card.Pseudonym)
				}
				if c.Blocked {
					line += ", blocked"
				}
				fmt.Fprintln(w, line)
			}
		})
	})
}

// findContact resolves a CONTACT argument.
func findContact(s *core.Service, args []string) (*core.Contact, error) {
	if len(args) == 0 {
		return nil, usagef("expected a contact name")
	}
	return s.FindContact(strings.Join(args, " "))
}

func runContactShow(r *runner, o *opts, args []string) error {
	return r.withService(func(s *core.Service) error {
		c, err := findContact(s, args)
		if err != nil {
			return err
		}
		j := toContactJSON(c)
		j.SafetyCode = s.SafetyCode(c)
		card := toCardJSON(c.Card)
		j.Card = &card
		rs, err := s.Replacements(c.ID())
		if err != nil {
			return err
		}
		for _, r := range rs {
			rj := replacedJSON{Cell: r.Cell, Old: r.Old.ID.String(), New: r.New.ID.String(), Guardians: []string{}, You: r.You, Unknown: r.Unknown, Words: r.Sentence(c.ID())}
			for _, g := range r.Guardians {
				rj.Guardians = append(rj.Guardians, g.Name)
			}
			j.Replaced = append(j.Replaced, rj)
		}
		return r.out(o.json, j, func(w io.Writer) {
			fmt.Fprintf(w, "%s\n", c.Name())
			if c.Petname != "" && c.Petname != c.Card.Pseudonym {
				fmt.Fprintf(w, "  calls themselves: %s\n", c.Card.Pseudonym)
			}
			fmt.Fprintf(w, "  id:          %s\n", j.ID)
			fmt.Fprintf(w, "  status:      %s", c.Verified.Words())
			if c.Blocked {
				fmt.Fprint(w, ", blocked")
			}
			fmt.Fprintf(w, "\n  card made:   %s\n", c.Card.Created.Format("2 January 2006"))
			fmt.Fprintf(w, "  added:       %s\n", c.Added.Format("2 January 2006"))
			for _, r := range j.Replaced {
				fmt.Fprintf(w, "  %s\n", r.Words)
			}
			fmt.Fprintf(w, "\nSafety code (compare all of it with %s, out loud or screen to screen):\n", c.Name())
			groups := strings.Fields(j.SafetyCode)
			for i := 0; i < len(groups); i += 4 {
				end := min(i+4, len(groups))
				fmt.Fprintf(w, "  %s\n", strings.Join(groups[i:end], "  "))
			}
			if c.Verified != core.InPerson {
				fmt.Fprintf(w, "\nIf it matches on both sides: trustdesk contact verify %q\n", c.Name())
			}
		})
	})
}

func runContactVerify(r *runner, o *opts, args []string) error {
	return r.withService(func(s *core.Service) error {
		c, err := findContact(s, args)
		if err != nil {
			return err
		}
		if err := r.confirmVerify(o, c, s.SafetyCode(c)); err != nil {
			return err
		}
		if _, err := s.VerifyContact(c.ID()); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stdout, "%s is now verified in person.\n", c.Name())
		return nil
	})
}

// confirmVerify asks, on a terminal, whether the contact read the user
// the same safety code face to face: verifying is what the code is for,
// so the question is about the code, not "anyway". --yes says it did, so
// nothing is added ("Note: ...'s card is not verified" beside "... is now
// verified in person" read as a contradiction); without a terminal it
// is refused with what to do.
func (r *runner) confirmVerify(o *opts, c *core.Contact, code string) error {
	if c.Verified == core.InPerson || o.yes {
		return nil
	}
	if r.env.Confirm == nil {
		return usagef("%s's card is %s. Compare the safety code with them face to face ('trustdesk contact show %s'), then add --yes to say it matched", c.Name(), c.Verified.Words(), c.ID().String()[:12])
	}
	ok, err := r.env.Confirm(fmt.Sprintf("Safety code: %s\nDid %s read you this same code, all 12 groups, face to face? Type yes to mark them as verified in person: ", code, c.Name()), "yes")
	if err != nil {
		return err
	}
	if !ok {
		return errNotConfirmed
	}
	return nil
}

func runContactRename(r *runner, _ *opts, args []string) error {
	if len(args) < 2 {
		return usagef("expected a contact and the new name")
	}
	return r.withService(func(s *core.Service) error {
		c, err := findContact(s, args[:1])
		if err != nil {
			return err
		}
		name := strings.Join(args[1:], " ")
		if _, err := s.RenameContact(c.ID(), name); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stdout, "%s is now called %s.\n", c.Name(), strings.TrimSpace(name))
		return nil
	})
}

func runContactBlock(block bool) func(r *runner, _ *opts, args []string) error {
	return func(r *runner, _ *opts, args []string) error {
		return r.withService(func(s *core.Service) error {
			c, err := findContact(s, args)
			if err != nil {
				return err
			}
			if _, err := s.SetBlocked(c.ID(), block); err != nil {
				return err
			}
			if block {
				fmt.Fprintf(r.env.Stdout, "%s is blocked. They will not be told.\n", c.Name())
			} else {
				fmt.Fprintf(r.env.Stdout, "%s is no longer blocked.\n", c.Name())
			}
			return nil
		})
	}
}

func runContactRemove(r *runner, _ *opts, args []string) error {
	return r.withService(func(s *core.Service) error {
		c, err := findContact(s, args)
		if err != nil {
			return err
		}
		if err := s.RemoveContact(c.ID()); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stdout, "%s was removed.\n", c.Name())
		return nil
	})
}

func runPassphrase(r *runner, _ *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		p := []byte(r.env.Getenv("TRUSTDESK_NEW_PASSPHRASE"))
		if len(p) == 0 {
			var err error
			if p, err = r.askSecret("New passphrase", true); err != nil {
				return err
			}
		}
		if err := s.ChangePassphrase(p); err != nil {
			return err
		}
		fmt.Fprintln(r.env.Stdout, "Your passphrase is changed. The old one no longer opens your data.")
		return nil
	})
}

func runBackup(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments besides --out"); err != nil {
		return err
	}
	if o.out == "" {
		return usagef("--out FILE is required")
	}
	return r.withService(func(s *core.Service) error {
		p, err := r.passphrase("Passphrase", false)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(o.out, r.env.Stdout, func(w io.Writer) error { return s.Backup(w, p) }); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stdout, "Backup written to %s. It opens with your current passphrase.\n", o.out)
		return nil
	})
}

func runRestore(r *runner, _ *opts, args []string) error {
	if err := wantArgs(args, 1, "the backup file"); err != nil {
		return err
	}
	if core.HasIdentity(r.home) {
		return core.ErrIdentityExists
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := r.passphrase("Passphrase of the backup", false)
	if err != nil {
		return err
	}
	s, err := core.Restore(r.home, f, p, r.env.Options)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(r.env.Stdout, "Restored %s into %s.\n", s.Card().Pseudonym, r.home)
	return nil
}

func runWipe(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments besides --yes"); err != nil {
		return err
	}
	if !core.HasIdentity(r.home) {
		return core.ErrNoIdentity
	}
	ok, err := r.confirmAction(o, "this destroys all your trustdesk data for good",
		fmt.Sprintf("This destroys your identity and all data in %s, for good.\nType wipe to confirm: ", r.home), "wipe")
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(r.env.Stdout, "Nothing was wiped.")
		return nil
	}
	if err := core.Wipe(r.home); err != nil {
		return err
	}
	fmt.Fprintln(r.env.Stdout, "Everything was wiped.")
	return nil
}

// writeFileAtomic writes a file through a temporary file in the same folder,
// so a failure (a full disk) never leaves a half-written file behind. "-"
// writes to standard output.
func writeFileAtomic(path string, stdout io.Writer, write func(w io.Writer) error) (err error) {
	if path == "-" {
		return write(stdout)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		// Else the file is written beside the folder and the rename
		// fails with a bare "file exists".
		return &fs.PathError{Op: "write", Path: path, Err: syscall.EISDIR}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".trustdesk-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return nil
}
