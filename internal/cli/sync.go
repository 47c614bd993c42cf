package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"trustdesk/core"
	"trustdesk/export"
	"trustdesk/internal/words"
)

func exportCommand() *command {
	return &command{
		name: "export", args: "(--to CONTACT | --cell CELL) [--cell CELL ...] [--out FILE|- | --armor | --qr DIR] [--yes] [--json]",
		summary: "make a sync file for a person or a cell",
		help: `Makes a sync file that carries what the others lack: with --to CONTACT, for
that person, holding the cells you share (or the --cell ones); with only
--cell, for every current member of the cell (never excluded or blocked
people). Only the people it is for can open it. The file is written to
--out FILE or FOLDER (default: a new file with a name that reveals nothing,
in this folder; "-" writes to standard output). --armor prints text to paste
into any messenger instead (or writes it to --out). --qr DIR writes it as
numbered QR code pictures to show one after another (--qr-profile robust,
normal or dense). Sending to someone whose safety code you never compared
in person asks first; --yes confirms without asking.`,
		flags: func(fs *flag.FlagSet, o *opts) {
			fs.StringVar(&o.to, "to", "", "")
			fs.Var(&o.cells, "cell", "")
			fs.StringVar(&o.out, "out", "", "")
			fs.BoolVar(&o.armor, "armor", false, "")
			fs.StringVar(&o.qr, "qr", "", "")
			fs.StringVar(&o.profile, "qr-profile", "", "")
			yesFlag(fs, o)
			jsonFlag(fs, o)
		},
		run: runExport,
	}
}

func importCommand() *command {
	return &command{
		name: "import", args: "(FILE... |- | --qr DIR) [--json]",
		summary: "take in a sync file someone gave you",
		help: `Takes in a sync file (the file itself, or the pasted text; "-" reads
standard input). Everything in it is checked first; then all of it is
taken in at once, or nothing. Taking in the same file twice changes
nothing. 'trustdesk inspect FILE' shows what it would change first.
Several files (sync-*.tdsync on a stick) are taken in one after another,
each whole or not at all; one that is not for you, or damaged, is named
and the others are still taken in.
--qr DIR rebuilds the file from pictures of its QR codes, in any order.`,
		flags: func(fs *flag.FlagSet, o *opts) {
			fs.StringVar(&o.qr, "qr", "", "")
			jsonFlag(fs, o)
		},
		run: runImport,
	}
}

type exportJSON struct {
	File       string   `json:"file,omitempty"`
	Bytes      int      `json:"bytes"`
	Cells      int      `json:"cells"`
	Statements int      `json:"statements"`
	Recipients []string `json:"recipients"`
	Full       bool     `json:"full"`
	Frames     int      `json:"frames,omitempty"`
	Needed     int      `json:"needed,omitempty"`
}

func runExport(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments besides the options"); err != nil {
		return err
	}
	if o.to == "" && len(o.cells) == 0 {
		return usagef("say who it is for: --to CONTACT or --cell CELL")
	}
	// Where it goes is checked first: a missing folder costs no passphrase.
	var out string
	if o.qr == "" {
		var err error
		if out, err = exportTarget(o.out, o.armor); err != nil {
			return err
		}
	}
	return r.withService(func(s *core.Service) error {
		var req core.ExportRequest
		if o.to != "" {
			c, err := s.FindContact(o.to)
			if err != nil {
				return err
			}
			if err := r.confirmUnverified(o, c, "Send them your cells", ""); err != nil {
				return err
			}
			id := c.ID()
			req.To = &id
		}
		for _, q := range o.cells {
			v, err := s.FindCell(q)
			if err != nil {
				return err
			}
			req.Cells = append(req.Cells, v.ID)
		}
		res, err := s.Export(req)
		if err != nil {
			return err
		}
		data := res.Data
		if o.qr != "" {
			return exportQR(r, o, res)
		}
		if o.armor {
			if data, err = export.Armor(data); err != nil {
				return err
			}
		}
		if err := writeFileAtomic(out, r.env.Stdout, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return err
		}
		j := exportJSON{Bytes: len(data), Cells: len(res.Cells), Statements: res.Statements}
		if out != "-" {
			j.File = out
		}
		var who, cells []string
		for _, p := range res.Recipients {
			who = append(who, p.Name)
		}
		for _, c := range res.Cells {
			cells = append(cells, c.Name)
			j.Full = j.Full || c.Full
		}
		j.Recipients = who
		if out == "-" {
			if o.json {
				return r.out(true, j, nil)
			}
			return nil
		}
		return r.out(o.json, j, func(w io.Writer) {
			if len(cells) == 0 {
				fmt.Fprintf(w, "Wrote %s for %s: news about recovery pieces only (%s bytes).\n", out, strings.Join(who, ", "), words.Number(len(data)))
				return
			}
			fmt.Fprintf(w, "Wrote %s for %s: %s, %s (%s bytes).\n", out, strings.Join(who, ", "), strings.Join(cells, ", "), words.Count(res.Statements, "new entry", "new entries"), words.Number(len(data)))
		})
	})
}

type importJSON struct {
	From          string           `json:"from"`
	NewStatements int              `json:"new_statements"`
	Cells         []cellChangeJSON `json:"cells"`
	Summary       string           `json:"summary"`
	// Recovery is what the file changed about recovery pieces.
	Recovery *core.RecoveryNews `json:"recovery,omitempty"`
	// Forked names the people the file shows sending two different
	// versions of what they did (core.ImportSummary.Forked).
	Forked []string `json:"forked,omitempty"`
	// NamedLike lists, each of them, the new cards named like a contact
	// verified in person (core.NamedLike).
	NamedLike []namedLikeJSON `json:"named_like,omitempty"`
}

// namedLikeJSON is a new card (Card, by its name, and its id) named like
// the verified contact Like.
type namedLikeJSON struct {
	Card   string `json:"card"`
	CardID string `json:"card_id"`
	Like   string `json:"like"`
}

type cellChangeJSON struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	NewCell       bool     `json:"new_cell"`
	NewStatements int      `json:"new_statements"`
	NewRatings    int      `json:"new_ratings"`
	NewMembers    []string `json:"new_members"`
	Excluded      []string `json:"excluded"`
	Left          []string `json:"left"`
	NotCounted    int      `json:"not_counted"`
	// Undone, NoLongerMembers, InvitationEnded, Invited and NewRules say what the summary
	// sentence says about them (core.CellChanges).
	Undone          []string `json:"undone,omitempty"`
	NoLongerMembers []string `json:"no_longer_members,omitempty"`
	InvitationEnded []string `json:"invitations_ended,omitempty"`
	Invited         []string `json:"invited,omitempty"`
	NewRules        string   `json:"new_rules,omitempty"`
	// VotedAgainstMe are the people whose new votes are to exclude me.
	VotedAgainstMe []string `json:"voted_against_me,omitempty"`
}

func toImportJSON(sum *core.ImportSummary) importJSON {
	j := importJSON{From: sum.From.Name, NewStatements: sum.NewStatements, Summary: sum.String(), Cells: []cellChangeJSON{}, Recovery: sum.Recovery}
	if len(sum.Forked) > 0 {
		j.Forked = names2(sum.Forked)
	}
	for _, n := range sum.NamedLike {
		j.NamedLike = append(j.NamedLike, namedLikeJSON{Card: n.Card.Name, CardID: n.Card.ID.String(), Like: n.Like.Name})
	}
	for _, c := range sum.Cells {
		j.Cells = append(j.Cells, cellChangeJSON{
			ID: c.ID.String(), Name: c.Name, NewCell: c.NewCell, NewStatements: c.NewStatements,
			NewRatings: c.NewRatings, NewMembers: names2(c.NewMembers), Excluded: names2(c.Excluded), Left: names2(c.Left),
			NotCounted: c.Rejected, Undone: names2(c.Undone), NoLongerMembers: names2(c.NoLongerMembers), InvitationEnded: names2(c.InvitationsEnded), Invited: names2(c.Invited),
			VotedAgainstMe: names2(c.VotedAgainstMe),
		})
		if c.Rules != nil {
			j.Cells[len(j.Cells)-1].NewRules = core.RulesSentence(*c.Rules)
		}
	}
	return j
}

func names2(ps []core.Person) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// importEach takes in the sync files at paths one after another, each
// whole or not at all, and says per file what it brought or why it was
// not taken in: a stick often holds files for other people too, and
// "import sync-*.tdsync" names them all.
func importEach(r *runner, o *opts, paths []string) error {
	if o.json || slices.Contains(paths, "-") {
		return usagef("several files are taken in one by one without --json or -")
	}
	return r.withService(func(s *core.Service) error {
		failed := 0
		for _, p := range paths {
			data, err := readInput(r, p, export.MaxFileSize)
			var sum *core.ImportSummary
			if err == nil {
				sum, err = s.Import(context.Background(), data)
			}
			if err != nil {
				failed++
				fmt.Fprintf(r.env.Stderr, "%s: %s\n", p, explain(err))
				continue
			}
			fmt.Fprintf(r.env.Stdout, "%s: %s\n", p, words.Sentence(sum.String(), ""))
		}
		if failed > 0 {
			return fmt.Errorf("%s of the %s files were not taken in (see above); the others were", words.Number(failed), words.Number(len(paths)))
		}
		return nil
	})
}

func runImport(r *runner, o *opts, args []string) error {
	var data []byte
	var err error
	if o.qr != "" {
		if err := wantArgs(args, 0, "the folder of QR pictures after --qr"); err != nil {
			return err
		}
		data, err = readSequence(o.qr)
	} else {
		if len(args) > 1 {
			return importEach(r, o, args)
		}
		if err := wantArgs(args, 1, "one sync file"); err != nil {
			return err
		}
		if args[0] == "-" && r.env.StdinTerminal {
			fmt.Fprintln(r.env.Stderr, "Paste the text, then press Ctrl-D.")
		}
		data, err = readInput(r, args[0], export.MaxFileSize)
	}
	if err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		sum, err := s.Import(context.Background(), data)
		if err != nil {
			return err
		}
		return r.out(o.json, toImportJSON(sum), func(w io.Writer) { fmt.Fprintln(w, words.Sentence(sum.String(), "")) })
	})
}

// noFolderError says that the folder a file was to be written into does not
// exist.
type noFolderError struct{ dir string }

func (e *noFolderError) Error() string {
	return fmt.Sprintf("the folder %s does not exist; plug in the stick or make the folder, then try again", e.dir)
}

// exportTarget says where an export goes: "-" for standard output, else a
// file. No --out means a new file in this folder, or standard output for
// armored text (as age -a does). A folder (a USB stick) gets a new file
// whose name says nothing. A missing folder is an error of its own, never
// "that file does not exist".
func exportTarget(out string, armor bool) (string, error) {
	if out == "" && armor {
		return "-", nil
	}
	if out == "-" {
		return out, nil
	}
	fi, err := os.Stat(out)
	switch {
	case out == "" || err == nil && fi.IsDir():
		name := export.FileName()
		if armor {
			name = strings.TrimSuffix(name, ".tdsync") + ".txt"
		}
		return filepath.Join(out, name), nil
	case strings.HasSuffix(out, string(filepath.Separator)) || strings.HasSuffix(out, "/"):
		// Meant as a folder, and it is not one.
		return "", &noFolderError{filepath.Clean(out)}
	}
	if dir := filepath.Dir(out); dir != "" {
		if fi, err := os.Stat(dir); err != nil && errors.Is(err, fs.ErrNotExist) || err == nil && !fi.IsDir() {
			return "", &noFolderError{dir}
		}
	}
	return out, nil
}

// previewSyncFile is inspect for a sync file: it needs the identity.
func previewSyncFile(r *runner, o *opts, data []byte) error {
	return r.withService(func(s *core.Service) error {
		sum, err := s.PreviewImport(context.Background(), data)
		if errors.Is(err, export.ErrNotForYou) {
			return inspectForeignSyncFile(r, o, data)
		}
		if err != nil {
			return err
		}
		j := toImportJSON(sum)
		return r.out(o.json, struct {
			Kind string `json:"kind"`
			importJSON
		}{"sync file", j}, func(w io.Writer) {
			fmt.Fprintf(w, "A sync file %s. Nothing was taken in yet: 'trustdesk import' does that.\n", sum.String())
		})
	})
}

// foreignSyncJSON is inspect's answer for a sync file made for other
// people.
type foreignSyncJSON struct {
	Kind       string `json:"kind"`
	ForYou     bool   `json:"for_you"`
	UpToPeople int    `json:"up_to_people"`
	Bytes      int    `json:"bytes"`
	Armored    bool   `json:"armored"`
}

// inspectForeignSyncFile says what can be seen of a sync file that this
// card cannot open: that it is one, for how many people at most (the
// number is rounded up on purpose) and its size. It is an answer, not an
// error: the file is fine, only not meant for this card.
func inspectForeignSyncFile(r *runner, o *opts, data []byte) error {
	info, err := export.Inspect(data)
	if err != nil {
		return err
	}
	j := foreignSyncJSON{Kind: "sync file", UpToPeople: info.Slots, Bytes: info.Size, Armored: info.Armored}
	return r.out(o.json, j, func(w io.Writer) {
		form := "A sync file"
		if info.Armored {
			form = "The text of a sync file"
		}
		fmt.Fprintf(w, "%s (%s bytes) that is not meant for this card: it was made for other people, at most %s of them (the number is rounded up on purpose). Only they can open it.\n", form, words.Number(info.Size), words.Number(info.Slots))
	})
}

// exportQR writes an export as QR frames.
func exportQR(r *runner, o *opts, res *core.ExportResult) error {
	seq, err := writeSequence(o.qr, o.profile, res.Data)
	if err != nil {
		return err
	}
	j := exportJSON{File: o.qr, Bytes: len(res.Data), Cells: len(res.Cells), Statements: res.Statements, Frames: seq.Len(), Needed: seq.Needed()}
	for _, p := range res.Recipients {
		j.Recipients = append(j.Recipients, p.Name)
	}
	return r.out(o.json, j, func(w io.Writer) {
		fmt.Fprintf(w, "Wrote %s QR pictures to %s; any %s of them rebuild the sync file. Show them one after another.\n", words.Number(seq.Len()), o.qr, words.Number(seq.Needed()))
	})
}
