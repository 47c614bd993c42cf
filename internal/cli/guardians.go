package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"trustdesk/core"
	"trustdesk/identity"
	"trustdesk/internal/words"
)

// guardiansCommand is "trustdesk guardians ...".
func guardiansCommand() *command {
	return &command{
		name:    "guardians",
		summary: "the people who can help you get your card back",
		help: `Guardians are people you verified in person who can help you get your
card back if you lose this computer. Each holds a recovery piece; a few of
them together (not one alone) bring your card back on a new computer.`,
		sub: []*command{
			{
				name: "set", args: "CONTACT... [--need K]",
				summary: "choose your guardians",
				help: `Chooses your guardians: two or more contacts you verified in person. K of
them (--need; about two thirds by default) are needed to bring your card
back; fewer learn nothing about it. Their recovery pieces travel in your
next sync files to each of them ('trustdesk export --to NAME'). Choosing
again makes new pieces; people no longer chosen are told to forget theirs.
Once your guardians count in one of your cells, a change waits until as
many of them as are needed agree to it, each one meeting you in person
('trustdesk guardians agree' on their computer, with the code shown
here): whoever takes your computer cannot swap your guardians.`,
				flags: func(fs *flag.FlagSet, o *opts) {
					fs.IntVar(&o.need, "need", 0, "")
					jsonFlag(fs, o)
				},
				run: runGuardiansSet,
			},
			{
				name: "list", args: "[--json]",
				summary: "who holds your recovery pieces, and whose you hold",
				help: `Shows your guardians and whether each one's recovery piece has reached
them (it has once a sync file from them says so), and the recovery pieces
you hold for others.`,
				flags: jsonFlag,
				run:   runGuardiansList,
			},
			{
				name: "agree", args: "CONTACT --code CODE --out FILE",
				summary: "agree to someone's new guardians",
				help: `Writes a sync file for CONTACT, one of the people whose recovery piece you
hold, saying that you agree to the new guardians they chose. Do it only
face to face: type the code their screen shows for the change (--code);
if it is not the code of the change your computer received, nothing is
written. 'trustdesk guardians list' shows who asked you.`,
				flags: func(fs *flag.FlagSet, o *opts) {
					fs.StringVar(&o.out, "out", "", "")
					fs.StringVar(&o.code, "code", "", "")
				},
				run: runGuardiansAgree,
			},
			{
				name: "release", args: "CARD --out FILE [--for CONTACT] [--yes]",
				summary: "help someone get their card back",
				help: `Writes a sync file for the temporary card CARD (the text starting with TD1,
or a contact) of someone who lost their computer, carrying the recovery
piece you hold for them. Do it only face to face: you are shown the safety
code of their temporary card and asked whether it matches the code on their
screen (--yes: you compared it). --for says whose piece, when you hold
several.`,
				flags: func(fs *flag.FlagSet, o *opts) {
					fs.StringVar(&o.out, "out", "", "")
					fs.StringVar(&o.forWhom, "for", "", "")
					yesFlag(fs, o)
				},
				run: runGuardiansRelease,
			},
		},
	}
}

// recoverCommand is "trustdesk recover ...".
func recoverCommand() *command {
	return &command{
		name:    "recover",
		summary: "get your card back on a new computer",
		help:    `Gets your card back on a new computer with the help of your guardians.`,
		sub: []*command{
			{
				name: "start", args: "--name NAME [--qr FILE.png]",
				summary: "make a temporary card to get your card back",
				help: `Makes a temporary card in a new data folder (asks for a passphrase twice)
and shows it, as text and, with --qr, as a QR code picture. Meet your
guardians: add each one's card here as verified in person ('trustdesk
contact add CARD --verified' or 'trustdesk scan --verified'), compare the
safety code ('trustdesk contact show NAME'), and each gives you a sync
file ('trustdesk guardians release'). Take each in with 'trustdesk import
FILE'; when enough have come, this computer holds your own card again.
Pieces count only from people you verified in person on this computer.`,
				flags: func(fs *flag.FlagSet, o *opts) {
					fs.StringVar(&o.name, "name", "", "")
					fs.StringVar(&o.qr, "qr", "", "")
				},
				run: runRecoverStart,
			},
			{
				name: "status", args: "[--json]",
				summary: "how many recovery pieces have come",
				help:    "Says how many recovery pieces have come, and how many are needed.",
				flags:   jsonFlag,
				run:     runRecoverStatus,
			},
			{
				name: "replace", args: "[--yes] [--json]",
				summary: "replace your card if your old computer was taken",
				help: `If your old computer was taken, or someone may know your passphrase: once
your guardians brought your card back on this computer, replaces it by the
temporary card you showed them. The guardians who helped you confirmed it
when they did. In each cell where enough of them are known, what your old
card says from now on counts for nothing on every device that gets the
change, and what it said before (memberships, vouches, ratings, and other
people's ratings of you) passes to the new card. Send each cell a sync file
afterwards. It cannot be undone: it asks first (--yes does not ask).`,
				flags: func(fs *flag.FlagSet, o *opts) {
					yesFlag(fs, o)
					jsonFlag(fs, o)
				},
				run: runRecoverReplace,
			},
		},
	}
}

func runRecoverReplace(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments besides --yes"); err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		st, err := s.Replacement()
		if err != nil {
			return err
		}
		if !st.Ready {
			return core.ErrNoReplacement
		}
		ok, err := r.confirmAction(o, "your old card stops counting in your cells, for good",
			fmt.Sprintf("Your card will be replaced by your new card (%s guardians confirmed it). Your old card stops counting in your cells, for good.\nType yes to go on: ", words.Number(st.Confirmed)), "yes")
		if err != nil {
			return err
		}
		if !ok {
			return errNotConfirmed
		}
		res, err := s.ReplaceCard()
		if err != nil {
			return err
		}
		return r.out(o.json, res, func(w io.Writer) {
			fmt.Fprintln(w, res.Sentence())
			fmt.Fprintf(w, "Your new card:\n%s\nSend each cell a sync file now (trustdesk export --cell NAME), and choose your guardians again (trustdesk guardians set).\n", res.Card.String())
		})
	})
}

type guardianJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Reached  bool   `json:"reached"`
	Replaced bool   `json:"replaced,omitempty"`
}

type heldJSON struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Need     int       `json:"need"`
	Of       int       `json:"of"`
	Received time.Time `json:"received"`
}

type guardiansJSON struct {
	Need      int            `json:"need"`
	Guardians []guardianJSON `json:"guardians"`
	Retiring  []string       `json:"retiring"`
	Held      []heldJSON     `json:"held"`
	Pending   *pendingJSON   `json:"pending,omitempty"`
	Asked     []askedJSON    `json:"asked"`
}

type pendingJSON struct {
	Need      int      `json:"need"`
	Guardians []string `json:"guardians"`
	Agreed    []string `json:"agreed"`
	Needed    int      `json:"needed"`
	Code      string   `json:"code"`
}

type askedJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Need int    `json:"need"`
	Of   int    `json:"of"`
	Code string `json:"code"`
	// Agreed is true once I made my agreement to the change.
	Agreed bool `json:"agreed"`
}

// replacedGuardian says what a guardian's replaced card means for me.
const replacedGuardian = "their card was replaced by a new one: the old computer that holds your piece may be in other hands; choose your guardians again"

func guardiansOut(r *runner, o *opts, s *core.Service) error {
	st, err := s.Guardians()
	if err != nil {
		return err
	}
	held, err := s.HeldPieces()
	if err != nil {
		return err
	}
	asked, err := s.AskedChanges()
	if err != nil {
		return err
	}
	j := guardiansJSON{Need: st.Need, Guardians: []guardianJSON{}, Retiring: names2(st.Retiring), Held: []heldJSON{}, Asked: []askedJSON{}}
	if p := st.Pending; p != nil {
		j.Pending = &pendingJSON{Need: p.Need, Guardians: names2(p.Guardians), Agreed: names2(p.Agreed), Needed: p.Needed, Code: p.Code}
	}
	for _, a := range asked {
		j.Asked = append(j.Asked, askedJSON{ID: a.Owner.ID.String(), Name: a.Owner.Name, Need: a.Need, Of: a.Of, Code: a.Code, Agreed: a.Agreed})
	}
	for _, g := range st.Guardians {
		j.Guardians = append(j.Guardians, guardianJSON{ID: g.ID.String(), Name: g.Name, Reached: g.Reached, Replaced: g.Replaced})
	}
	for _, h := range held {
		j.Held = append(j.Held, heldJSON{ID: h.Owner.ID.String(), Name: h.Owner.Name, Need: h.Need, Of: h.Of, Received: h.Received})
	}
	return r.out(o.json, j, func(w io.Writer) {
		if len(st.Guardians) == 0 {
			fmt.Fprintln(w, "You have no guardians yet: 'trustdesk guardians set NAME NAME NAME' chooses them.")
		} else {
			fmt.Fprintf(w, "Your guardians (%s of %s needed to get your card back):\n", words.Number(st.Need), words.Number(len(st.Guardians)))
			for _, g := range st.Guardians {
				state := "has your recovery piece"
				if !g.Reached {
					state = fmt.Sprintf("not yet: send them a sync file (trustdesk export --to %q)", g.Name)
				}
				if g.Replaced {
					state = replacedGuardian
				}
				fmt.Fprintf(w, "  %-24s %s\n", g.Name, state)
			}
		}
		for _, p := range st.Retiring {
			fmt.Fprintf(w, "  %-24s no longer a guardian; their next sync file will say they forgot the old piece\n", p.Name)
		}
		if p := st.Pending; p != nil {
			fmt.Fprintf(w, "Waiting: new guardians %s (%s of %s needed), once %s of your guardians agree; agreed so far: %s.\n",
				words.JoinAnd(names2(p.Guardians)), words.Number(p.Need), words.Number(len(p.Guardians)), words.Number(p.Needed), agreedSoFar(p))
			fmt.Fprintf(w, "Code of the change, to read out to each guardian you meet: %s\n", p.Code)
		}
		for _, h := range held {
			fmt.Fprintln(w, h.Sentence())
		}
		for _, a := range asked {
			if a.Agreed {
				fmt.Fprintf(w, "You agreed to %s's new guardians (%s of %s needed); the change is made once enough of their guardians agree. If your sync file did not reach them, make it again: trustdesk guardians agree %q --code %q --out FILE\n",
					a.Owner.Name, words.Number(a.Need), words.Number(a.Of), a.Owner.Name, a.Code)
				continue
			}
			fmt.Fprintf(w, "%s asks you to agree to their new guardians (%s of %s needed). Only when you meet them in person and their screen shows the code %s: trustdesk guardians agree %q --code %q --out FILE\n",
				a.Owner.Name, words.Number(a.Need), words.Number(a.Of), a.Code, a.Owner.Name, a.Code)
		}
	})
}

// agreedSoFar names the guardians who agreed to a change, or "nobody".
func agreedSoFar(p *core.PendingGuardians) string {
	if len(p.Agreed) == 0 {
		return "nobody"
	}
	return words.JoinAnd(names2(p.Agreed))
}

func runGuardiansSet(r *runner, o *opts, args []string) error {
	if len(args) < 2 {
		return usagef("name at least two guardians")
	}
	return r.withService(func(s *core.Service) error {
		var ids []identity.ID
		for _, q := range args {
			c, err := s.FindContact(q)
			if err != nil {
				return err
			}
			ids = append(ids, c.ID())
		}
		st, err := s.SetGuardians(ids, o.need)
		if err != nil {
			return err
		}
		if !o.json && st.Pending != nil {
			fmt.Fprintf(r.env.Stdout, "Your guardians count in your cells, so the change waits until %s of them agree (%s). Send each of them a sync file (trustdesk export --to NAME), then meet each one in person: they type the code below into 'trustdesk guardians agree' and give you a sync file, which you take in with 'trustdesk import FILE'. When enough have agreed, the new recovery pieces are made.\n",
				words.Number(st.Pending.Needed), words.JoinAnd(guardianNames(st.Guardians)))
		} else if !o.json {
			fmt.Fprintln(r.env.Stdout, "New recovery pieces are made. Send each guardian a sync file (trustdesk export --to NAME) to give them theirs.")
		}
		return guardiansOut(r, o, s)
	})
}

func runGuardiansList(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error { return guardiansOut(r, o, s) })
}

func guardianNames(gs []core.Guardian) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Name)
	}
	return out
}

func runGuardiansAgree(r *runner, o *opts, args []string) error {
	if o.out == "" {
		return usagef("--out FILE is required: where to write the sync file for them")
	}
	if o.code == "" {
		return usagef("--code CODE is required: the code their screen shows for the change")
	}
	out, err := exportTarget(o.out, false)
	if err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		c, err := findContact(s, args)
		if err != nil {
			return err
		}
		res, err := s.AgreeToChange(c.ID(), o.code)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(out, r.env.Stdout, func(w io.Writer) error { _, err := w.Write(res.Data); return err }); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stdout, "Wrote %s: your agreement to the new guardians of %s. Give it to them; they take it in with 'trustdesk import'.\n", out, c.Name())
		return nil
	})
}

func runGuardiansRelease(r *runner, o *opts, args []string) error {
	if len(args) == 0 {
		return usagef("expected their temporary card (the text starting with TD1)")
	}
	if o.out == "" {
		return usagef("--out FILE is required: where to write the sync file for them")
	}
	out, err := exportTarget(o.out, false)
	if err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		var c *core.Contact
		text := strings.Join(args, "")
		if strings.HasPrefix(strings.ToUpper(text), "TD1") {
			res, err := s.AddContact(text, "", false)
			if err != nil {
				return err
			}
			c = res.Contact
		} else if c, err = findContact(s, args); err != nil {
			return err
		}
		owner, err := s.FindHeldPiece(o.forWhom, c.Card)
		if err != nil {
			return err
		}
		if c.Verified != core.InPerson {
			code := fmt.Sprintf("Safety code of this temporary card: %s\nGo on only if the person in front of you reads the same code from their screen.", s.SafetyCode(c))
			if err := r.confirmUnverified(o, c, "Help them get their card back", code); err != nil {
				return err
			}
			if c, err = s.VerifyContact(c.ID()); err != nil {
				return err
			}
		}
		res, err := s.ReleasePiece(owner, c.ID())
		if err != nil {
			return err
		}
		if err := writeFileAtomic(out, r.env.Stdout, func(w io.Writer) error { _, err := w.Write(res.Data); return err }); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stdout, "Wrote %s: your recovery piece, for the temporary card of %s. Give it to them; they take it in with 'trustdesk import'.\n", out, c.Name())
		return nil
	})
}

func runRecoverStart(r *runner, o *opts, args []string) error {
	p, err := newHome(r, o, args, "the name your guardians know you by")
	if err != nil {
		return err
	}
	s, err := core.StartRecovery(r.home, o.name, p, r.env.Options)
	if err != nil {
		return err
	}
	defer s.Close()
	c := s.Card()
	if o.qr != "" {
		if err := writeCardQR(r, c.String(), o.qr); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.env.Stdout, "Your temporary card, to show your guardians:\n%s\n", c.String())
	if o.qr != "" && o.qr != "-" {
		fmt.Fprintf(r.env.Stdout, "Its QR code is in %s.\n", o.qr)
	}
	fmt.Fprintln(r.env.Stdout, "Meet your guardians. Add each one's card here with 'trustdesk contact add CARD --verified', compare the safety code with them ('trustdesk contact show NAME'), and take the sync file each gives you with 'trustdesk import FILE'.")
	return nil
}

func runRecoverStatus(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		p, err := s.Recovery()
		if err != nil {
			return err
		}
		return r.out(o.json, p, func(w io.Writer) { fmt.Fprintln(w, p.Sentence()) })
	})
}
