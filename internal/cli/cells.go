package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
)

func cellCommands() *command {
	return &command{
		name:    "cell",
		summary: "your small groups",
		help: `A cell is a small group of people who vouch for each other, rate each
other and can vote someone out. Only its members know it exists.`,
		sub: slices.Concat(cellViewCommands(), cellMembershipCommands(), cellRulesCommands()),
	}
}

// cellViewCommands are "cell new", "list" and "show".
func cellViewCommands() []*command {
	return []*command{
		{
			name: "new", args: "NAME",
			summary: "start a cell, with you as its first member",
			help:    "Starts a new cell called NAME, with you as its first member, and says its id.",
			flags:   jsonFlag,
			run:     runCellNew,
		},
		{
			name: "list", args: "[--declined] [--json]",
			summary: "list your cells",
			help: `Lists the cells you are or were in. --declined lists instead the
invitations you turned down (take one back with: trustdesk cell reconsider CELL)
and the people you turned down everything from (trustdesk cell reconsider
--from PERSON shows their invitations again).`,
			flags: func(fs *flag.FlagSet, o *opts) {
				jsonFlag(fs, o)
				fs.BoolVar(&o.declined, "declined", false, "")
			},
			run: runCellList,
		},
		{
			name: "show", args: "CELL [--json] [--verbose]",
			summary: "show a cell: members, who vouched, open votes",
			help: `Shows a cell: its members and their standing, who vouched for whom, open
votes to exclude someone and the cell's rules. --verbose also lists the
entries that do not count (forged, from excluded members, ...) and why.
A member whose card was replaced in another of your cells (confirmed by
their guardians after a lost or seized computer) is named, with the vote
that puts the old card out, when this computer can tell that whoever holds
it now is not them.`,
			flags: func(fs *flag.FlagSet, o *opts) {
				jsonFlag(fs, o)
				fs.BoolVar(&o.verbose, "verbose", false, "")
			},
			run: runCellShow,
		},
	}
}

// cellMembershipCommands are the cell commands about who is in a cell: admit, exclude, join,
// decline, reconsider and leave.
func cellMembershipCommands() []*command {
	return []*command{
		{
			name: "admit", args: "CELL CONTACT [--yes]",
			summary: "vouch for a contact so they join a cell",
			help: `Vouches for CONTACT in CELL. With the usual rules this invites them at
once: they become a member when they accept on their own device (trustdesk
cell join). The other members learn their card. Your name stays on the
vouch: vouch only for people you would answer for. If you never compared
the safety code with CONTACT in person, you are asked first; --yes confirms
without asking.`,
			flags: yesFlag,
			run:   runCellAdmit,
		},
		{
			name: "exclude", args: "CELL CONTACT",
			summary: "vote to exclude a member",
			help: `Votes to exclude CONTACT from CELL. Once enough members voted (by default
a majority of the other members), nobody sends them the cell any more.`,
			run: runCellExclude,
		},
		{
			name: "join", args: "CELL",
			summary: "accept an invitation to a cell",
			help: `Accepts your invitation to CELL. Until you accept, you are not a member
and nothing of yours (ratings, votes, notes) goes into the cell.`,
			run: runCellJoin,
		},
		{
			name: "decline", args: "CELL | --from PERSON",
			summary: "turn down an invitation to a cell, or everything from someone",
			help: `Turns down your invitation to CELL: this device forgets the cell, and
sync files that bring the same invitation again leave it out.

--from PERSON turns down every invitation from PERSON, now and later: the
ones waiting go, and sync files leave out every invitation to a cell they
started or that they invited you to, and any they carry that is not from
someone you met in person. It stays on this device:
nothing is sent and nobody is told. Nothing else about them changes: they
stay in the cells you share and their ratings count as before.`,
			flags: fromFlag,
			run:   runCellDecline,
		},
		{
			name: "reconsider", args: "CELL | --from PERSON",
			summary: "take back turning down an invitation",
			help: `Takes back your turning down of the invitation to CELL (see trustdesk cell
list --declined): the next sync file from a member that brings the cell
shows the invitation again, and you can accept it. --from PERSON shows the
invitations from PERSON again, after cell decline --from.`,
			flags: fromFlag,
			run:   runCellReconsider,
		},
		{
			name: "leave", args: "CELL",
			summary: "leave a cell",
			help:    "Leaves CELL: you can no longer rate, admit or vote there. Then send the cell a sync file (export --cell CELL): once it reaches the other members, they stop sending it to you.",
			run:     runCellLeave,
		},
	}
}

// cellRulesCommands are "cell policy" and "export-doc".
func cellRulesCommands() []*command {
	return []*command{
		{
			name: "policy", args: "CELL [--admit-vouches N] [--exclude-quorum N]",
			summary: "show a cell's rules, or vote to change them",
			help: `Shows CELL's rules, or adds your vote to change them: --admit-vouches N
members must vouch for someone before they join; --exclude-quorum N votes
exclude a member (0 means a majority of the other members). The rules change
once a majority of the members (or more, if excluding takes more) have voted
for the same rules.`,
			flags: func(fs *flag.FlagSet, o *opts) {
				fs.IntVar(&o.admitVouches, "admit-vouches", -1, "")
				fs.IntVar(&o.excludeQuorum, "exclude-quorum", -1, "")
			},
			run: runCellPolicy,
		},
		{
			name: "export-doc", args: "CELL --out FILE",
			summary: "save a cell's raw document, for other programs",
			help: `Writes CELL's whole document to FILE in an open, standard format, for other
programs. The file is not encrypted: anyone who gets it can read the cell.`,
			flags: func(fs *flag.FlagSet, o *opts) { fs.StringVar(&o.out, "out", "", "") },
			run:   runCellExportDoc,
		},
	}
}

func rateCommand() *command {
	return &command{
		name: "rate", args: "CONTACT --safety N --reliability N [--tags a,b] [--note TEXT] [--day YYYY-MM-DD] [--cell CELL ...]",
		summary: "rate someone after meeting them",
		help: `Rates CONTACT after a real meeting: --safety 1 (felt unsafe) to 5 (felt
completely safe), --reliability 1 (did not show up) to 5 (always reliable).
Members of the cells it goes to will see it. Without --cell it goes to
every cell you share with the person; for someone in none of your cells,
name the cells (that is how you warn others about a cheat). A new rating
of the same person replaces your earlier one.`,
		flags: func(fs *flag.FlagSet, o *opts) {
			fs.IntVar(&o.safety, "safety", 0, "")
			fs.IntVar(&o.reliability, "reliability", 0, "")
			fs.StringVar(&o.tags, "tags", "", "")
			fs.StringVar(&o.note, "note", "", "")
			fs.StringVar(&o.day, "day", "", "")
			fs.Var(&o.cells, "cell", "")
			jsonFlag(fs, o)
		},
		run: runRate,
	}
}

func inspectCommand() *command {
	return &command{
		name: "inspect", args: "FILE [--json]",
		summary: "say what a file is and what it holds, without using it",
		help: `Says what FILE is (a card, a cell document or changes) and what it holds,
including entries that do not count and why. Nothing is imported or
changed. "-" reads standard input.`,
		flags: jsonFlag,
		run:   runInspect,
	}
}

// memberJSON is the JSON form of a cell member.
type memberJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Status    string   `json:"status"`
	VouchedBy []string `json:"vouched_by"`
	// VouchedByIDs are the ids of the vouchers, in the same order.
	VouchedByIDs []string `json:"vouched_by_ids"`
	ExcludedBy   []string `json:"excluded_by,omitempty"`
	You          bool     `json:"you,omitempty"`
}

type voteJSON struct {
	Subject string   `json:"subject"`
	Voters  []string `json:"voters"`
	Needed  int      `json:"needed"`
}

// rulesVoteJSON is an open vote on the cell's rules.
type rulesVoteJSON struct {
	Voter         string `json:"voter"`
	AdmitVouches  int    `json:"admit_vouches"`
	ExcludeQuorum int    `json:"exclude_quorum"`
	// Keep is true for a vote for the rules in force.
	Keep bool `json:"keep,omitempty"`
}

type rejectedJSON struct {
	ID     string `json:"id,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Author string `json:"author,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

type cellJSON struct {
	ID            string       `json:"id"`
	Name          string       `json:"name"`
	You           string       `json:"you"`
	AdmitVouches  int          `json:"admit_vouches"`
	ExcludeQuorum int          `json:"exclude_quorum"`
	Members       []memberJSON `json:"members"`
	Votes         []voteJSON   `json:"votes"`
	// RulesVotes are the open votes on the rules; RulesVotesNeeded
	// votes for the same rules change them.
	RulesVotes       []rulesVoteJSON `json:"rules_votes"`
	RulesVotesNeeded int             `json:"rules_votes_needed"`
	Ratings          int             `json:"ratings"`
	NotCounted       []rejectedJSON  `json:"not_counted,omitempty"`
	// OldCards, in cell show only: members whose card was replaced in
	// another cell.
	OldCards []oldCardJSON `json:"old_cards,omitempty"`
}

func toCellJSON(v *core.CellView, verbose bool) cellJSON {
	j := cellJSON{
		ID: v.ID.String(), Name: v.Name, You: string(v.Me),
		AdmitVouches: v.Policy.AdmitVouches, ExcludeQuorum: v.Policy.ExcludeQuorum,
		Members: []memberJSON{}, Votes: []voteJSON{}, Ratings: v.Ratings,
		RulesVotes: []rulesVoteJSON{}, RulesVotesNeeded: v.PolicyVotesNeeded,
	}
	for _, pv := range v.PolicyVotes() {
		j.RulesVotes = append(j.RulesVotes, rulesVoteJSON{Voter: pv.Voter.Name, AdmitVouches: pv.Policy.AdmitVouches, ExcludeQuorum: pv.Policy.ExcludeQuorum, Keep: pv.Keep})
	}
	for _, m := range v.Members() {
		mj := memberJSON{ID: m.ID.String(), Name: m.Name, Status: string(m.Status), VouchedBy: []string{}, VouchedByIDs: []string{}, You: m.IsMe}
		for _, p := range m.VouchedBy {
			mj.VouchedBy = append(mj.VouchedBy, p.Name)
			mj.VouchedByIDs = append(mj.VouchedByIDs, p.ID.String())
		}
		for _, p := range m.ExcludedBy {
			mj.ExcludedBy = append(mj.ExcludedBy, p.Name)
		}
		j.Members = append(j.Members, mj)
	}
	for _, vote := range v.Votes() {
		vj := voteJSON{Subject: vote.Subject.Name, Needed: vote.Needed}
		for _, p := range vote.Voters {
			vj.Voters = append(vj.Voters, p.Name)
		}
		j.Votes = append(j.Votes, vj)
	}
	if verbose {
		for _, r := range v.NotCountedEntries() {
			rj := rejectedJSON{Reason: words.Reason(r.Reason), Detail: r.Detail}
			if r.ID != (crdt.StatementID{}) {
				rj.ID, rj.Kind, rj.Author = r.ID.String(), r.Kind.String(), r.Author.String()
			}
			j.NotCounted = append(j.NotCounted, rj)
		}
	}
	return j
}

// policyVotes counts the open votes for rules p.
func policyVotes(v *core.CellView, p crdt.Policy) int {
	n := 0
	for _, pv := range v.PolicyVotes() {
		if pv.Policy == p {
			n++
		}
	}
	return n
}

// cellLabel is v's name as [core.CellLabels] shows it among all the cells
// of the home: look-alike names told apart.
func cellLabel(s *core.Service, v *core.CellView) string {
	all, err := s.Cells()
	if err != nil {
		return v.Name
	}
	if l, ok := core.CellLabels(all)[v.ID]; ok {
		return l
	}
	return v.Name
}

// printCell prints v under label, its name as [core.CellLabels] shows it.
// known reports whether someone is one of the user's own contacts
// ([core.Service.OwnContactTest]).
func printCell(w io.Writer, v *core.CellView, label string, verbose bool, known func(identity.ID) bool) {
	fmt.Fprintf(w, "%s  (id %s)\n", label, v.ID)
	if v.Me != crdt.StatusMember {
		fmt.Fprintf(w, "You: %s\n", words.Status(v.Me))
	}
	if v.Invitation {
		fmt.Fprintf(w, "You are invited to this cell. Accept with: trustdesk cell join %s  (or turn it down: trustdesk cell decline %s)\n", v.ID, v.ID)
	}
	fmt.Fprintf(w, "Rules: %s to join; excluding someone takes %s.\n", words.Count(v.Policy.AdmitVouches, "vouch", "vouches"), core.QuorumWords(v.Policy.ExcludeQuorum))
	fmt.Fprintln(w, "\nPeople:")
	printPeople(w, v, known)
	printVotes(w, v, known)
	fmt.Fprintf(w, "\nRatings that count: %s\n", words.Number(v.Ratings))
	if n := v.NotCounted; n > 0 && !verbose {
		fmt.Fprintf(w, "%s entries do not count (see --verbose).\n", words.Number(n))
	}
	if verbose && v.NotCounted > 0 {
		fmt.Fprintln(w, "\nEntries that do not count:")
		for _, r := range v.NotCountedEntries() {
			id := "(unreadable)"
			if r.ID != (crdt.StatementID{}) {
				id = r.ID.String()[:12] + " " + r.Kind.String()
			}
			fmt.Fprintf(w, "  %s: %s\n", id, words.Reason(r.Reason))
		}
	}
}

// printPeople prints a line for each of v's people, in the order of
// [core.CellView.Members]; or, when a group of them (members, invited or
// waiting, former members) is longer than [core.ShownMembers], the
// people [core.CellView.MembersShown] lists first of each group and how
// many more: a member who admits thousands of fakes makes a short
// page, and --json lists everyone.
func printPeople(w io.Writer, v *core.CellView, known func(identity.ID) bool) {
	type group struct {
		core.MemberGroup
		shown, all []core.MemberView
	}
	var groups []group
	capped := false
	for _, g := range core.MemberGroups {
		shown, all := v.MembersShown(known, g.Statuses...)
		groups = append(groups, group{g, shown, all})
		capped = capped || len(shown) < len(all)
	}
	if !capped {
		for _, m := range v.Members() {
			fmt.Fprintln(w, personLine(v, m))
		}
		return
	}
	for _, g := range groups {
		if len(g.all) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s (%s):\n", g.Title, words.Number(len(g.all)))
		for _, m := range g.shown {
			fmt.Fprintln(w, personLine(v, m))
		}
		if more := len(g.all) - len(g.shown); more > 0 {
			fmt.Fprintf(w, "  %s (see --json).\n", g.More(more))
		}
	}
}

// personLine is the line of m in v's list of people.
func personLine(v *core.CellView, m core.MemberView) string {
	line := fmt.Sprintf("  %-24s %-10s", m.Name, words.Status(m.Status))
	if len(m.VouchedBy) > 0 {
		line += " vouched for by " + core.Names(m.VouchedBy)
		if m.Status == crdt.StatusPending {
			line += fmt.Sprintf(" (%s of the %s vouches needed count)", words.Number(m.Vouches), words.Number(max(v.Policy.AdmitVouches, 1)))
		}
	} else {
		line += " founded the cell"
	}
	if len(m.ExcludedBy) > 0 {
		line += "; voted out by " + core.Names(m.ExcludedBy)
	}
	return strings.TrimRight(line, " ")
}

// printVotes prints the open votes of v that the cell's page lists
// ([core.CellView.VotesOnPage], known reporting my own contacts): all
// of a few; of many, those that concern me, then others until
// core.ShownVotes are listed, and one line that counts the rest: --json
// lists them all.
func printVotes(w io.Writer, v *core.CellView, known func(identity.ID) bool) {
	p := v.VotesOnPage(known)
	if len(p.Votes) > 0 {
		fmt.Fprintf(w, "\nOpen votes to exclude%s:\n", core.ConcernFirst(p.VotesConcern, p.OtherVotes))
		for _, vote := range p.Votes {
			fmt.Fprintf(w, "  %s: %s of the %s needed, from %s\n", vote.Subject.Name, words.Count(len(vote.Voters), "vote", "votes"), words.Number(vote.Needed), core.Names(vote.Voters))
		}
	}
	if len(p.Rules) > 0 {
		fmt.Fprintf(w, "\nOpen votes on the rules%s (%s needed for the same rules):\n", core.ConcernFirst(p.RulesConcern, p.OtherRules), words.Number(v.PolicyVotesNeeded))
		for _, pv := range p.Rules {
			fmt.Fprintf(w, "  %s: %s\n", pv.Voter.Name, pv.Words())
		}
	}
	if n := p.OtherVotes + p.OtherRules; n > 0 {
		fmt.Fprintf(w, "\n%s (see --json).\n", core.OtherVotes(n))
	}
}

func runCellNew(r *runner, o *opts, args []string) error {
	if len(args) == 0 {
		return usagef("expected the cell's name")
	}
	return r.withService(func(s *core.Service) error {
		v, err := s.NewCell(strings.Join(args, " "))
		if err != nil {
			return err
		}
		return r.out(o.json, toCellJSON(v, false), func(w io.Writer) {
			fmt.Fprintf(w, "Started the cell %q with you as its only member (id %s).\n", v.Name, v.ID)
		})
	})
}

func runCellList(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 0, "no arguments"); err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		if o.declined {
			return listDeclined(r, o, s)
		}
		cells, err := s.Cells()
		if err != nil {
			return err
		}
		var list []cellJSON
		if o.json { // the people of every cell, read only for --json
			list = make([]cellJSON, len(cells))
			for i, v := range cells {
				list[i] = toCellJSON(v, false)
			}
		}
		return r.out(o.json, list, func(w io.Writer) {
			if len(cells) == 0 {
				fmt.Fprintln(w, "No cells yet. Start one with: trustdesk cell new NAME")
				return
			}
			labels := core.CellLabels(cells)
			for _, v := range cells {
				fmt.Fprintf(w, "%-24s %-8s  %s, you: %s\n", labels[v.ID], v.ID.String()[:8], words.Count(v.Current, "member", "members"), words.Status(v.Me))
			}
		})
	})
}

// findCell resolves a CELL argument.
func findCell(s *core.Service, arg string) (*core.CellView, error) {
	return s.FindCell(arg)
}

// withCell runs fn on the unlocked home and the cell that args name.
func (r *runner) withCell(args []string, fn func(s *core.Service, v *core.CellView) error) error {
	if len(args) == 0 {
		return usagef("expected a cell name")
	}
	return r.withService(func(s *core.Service) error {
		v, err := s.FindCell(strings.Join(args, " "))
		if err != nil {
			return err
		}
		return fn(s, v)
	})
}

func runCellShow(r *runner, o *opts, args []string) error {
	return r.withCell(args, func(s *core.Service, v *core.CellView) error {
		all, err := s.Cells()
		if err != nil {
			return err
		}
		label := core.CellLabels(all)[v.ID]
		olds, err := s.OldCards(v.ID)
		if err != nil {
			return err
		}
		j := toCellJSON(v, o.verbose)
		for _, c := range olds {
			j.OldCards = append(j.OldCards, oldCardJSON{ID: c.Old.ID.String(), Name: c.Name, ReplacedIn: c.ReplacedIn, Rival: c.Rival, Trusted: c.Trusted, Voted: c.Voted, Suggest: c.Suggest(), Sentence: c.Sentence()})
		}
		return r.out(o.json, j, func(w io.Writer) {
			printCell(w, v, label, o.verbose, s.OwnContactTest())
			printOldCards(w, v, olds)
		})
	})
}

// oldCardJSON is a member whose card was replaced in another cell
// ([core.OldCard]).
type oldCardJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	ReplacedIn []string `json:"replaced_in"`
	Rival      bool     `json:"rival,omitempty"`
	Trusted    bool     `json:"trusted"`
	Voted      bool     `json:"voted,omitempty"`
	Suggest    bool     `json:"suggest_vote"`
	Sentence   string   `json:"sentence"`
}

// printOldCards says which members of v are cards replaced in another
// cell, and how to vote one out where this device trusts the replacement.
func printOldCards(w io.Writer, v *core.CellView, olds []core.OldCard) {
	for _, c := range olds {
		fmt.Fprintf(w, "\n%s\n", c.Sentence())
		if c.Suggest() {
			fmt.Fprintf(w, "  To vote: trustdesk cell exclude %s %s\n", v.ID, c.Old.ID)
		}
	}
}

// cellAndContact resolves "CELL CONTACT" arguments.
func cellAndContact(s *core.Service, args []string) (*core.CellView, *core.Contact, error) {
	if len(args) < 2 {
		return nil, nil, usagef("expected a cell and a contact")
	}
	v, err := findCell(s, args[0])
	if err != nil {
		return nil, nil, err
	}
	c, err := s.FindContact(strings.Join(args[1:], " "))
	if err != nil {
		return nil, nil, err
	}
	return v, c, nil
}

func runCellAdmit(r *runner, o *opts, args []string) error {
	return r.withService(func(s *core.Service) error {
		v, c, err := cellAndContact(s, args)
		if err != nil {
			return err
		}
		if err := r.confirmUnverified(o, c, "Vouch for them", ""); err != nil {
			return err
		}
		v, err = s.Admit(v.ID, c.ID())
		if err != nil {
			return err
		}
		for _, m := range v.Members() {
			if m.ID != c.ID() {
				continue
			}
			switch m.Status {
			case crdt.StatusMember:
				fmt.Fprintf(r.env.Stdout, "%s is now a member of %s. Send them the cell with a sync file.\n", c.Name(), cellLabel(s, v))
			case crdt.StatusInvited:
				fmt.Fprintf(r.env.Stdout, "You invited %s to %s; they become a member once they accept. Send them the cell with a sync file.\n", c.Name(), cellLabel(s, v))
			default:
				fmt.Fprintf(r.env.Stdout, "You vouched for %s in %s; they are invited once %s vouched, and become a member when they accept.\n",
					c.Name(), v.Name, words.Count(v.Policy.AdmitVouches, "member has", "members have"))
			}
		}
		return nil
	})
}

func runCellExclude(r *runner, _ *opts, args []string) error {
	return r.withService(func(s *core.Service) error {
		v, c, err := cellAndContact(s, args)
		if err != nil {
			return err
		}
		v, err = s.VoteExclude(v.ID, c.ID())
		if err != nil {
			return err
		}
		for _, m := range v.Members() {
			if m.ID == c.ID() && m.Status == crdt.StatusExcluded {
				fmt.Fprintf(r.env.Stdout, "%s is excluded from %s. Nobody will send them the cell again.\n", c.Name(), cellLabel(s, v))
				return nil
			}
		}
		for _, vote := range v.Votes() {
			if vote.Subject.ID == c.ID() {
				fmt.Fprintf(r.env.Stdout, "Your vote to exclude %s from %s is recorded: %s of the %s needed.\n", c.Name(), cellLabel(s, v), words.Count(len(vote.Voters), "vote", "votes"), words.Number(vote.Needed))
			}
		}
		return nil
	})
}

func runCellJoin(r *runner, _ *opts, args []string) error {
	return r.withCell(args, func(s *core.Service, v *core.CellView) error {
		v, err := s.JoinCell(v.ID)
		if err != nil {
			return err
		}
		if v.Me == crdt.StatusMember {
			fmt.Fprintf(r.env.Stdout, "You joined %s: you are a member now.\n", cellLabel(s, v))
		} else {
			fmt.Fprintf(r.env.Stdout, "You accepted the invitation to %s; you become a member once enough members have vouched for you.\n", cellLabel(s, v))
		}
		return nil
	})
}

// fromFlag registers --from PERSON.
func fromFlag(fs *flag.FlagSet, o *opts) { fs.StringVar(&o.from, "from", "", "") }

func runCellDecline(r *runner, o *opts, args []string) error {
	if o.from != "" {
		if err := wantArgs(args, 0, "no cell with --from"); err != nil {
			return err
		}
		return r.withService(func(s *core.Service) error {
			c, err := s.FindContact(o.from)
			if err != nil {
				return err
			}
			names := s.ContactLabels([]*core.Contact{c})
			n, err := s.TurnDownEveryoneFrom(c.ID())
			if err != nil {
				return err
			}
			fmt.Fprintf(r.env.Stdout, "You turned down everything from %s: %s waiting went, and sync files leave out their invitations from now on. Nobody is told. Changed your mind? trustdesk cell reconsider --from %s\n",
				names[c.ID()], words.Count(n, "invitation", "invitations"), c.ID())
			return nil
		})
	}
	return r.withCell(args, func(s *core.Service, v *core.CellView) error {
		label := cellLabel(s, v) // before the cell is forgotten
		if err := s.DeclineCell(v.ID); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stdout, "You turned down the invitation to %s; this device forgot the cell, and leaves it out when a sync file brings it again. Changed your mind? trustdesk cell reconsider %s\n", label, v.ID)
		return nil
	})
}

// declinedJSON is an invitation I turned down, for --json; or, with
// Everything, a person I turned down every invitation from.
type declinedJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	From       string `json:"from"`
	Founder    string `json:"founder"`
	Day        string `json:"day"`
	Everything bool   `json:"everything,omitempty"`
}

func listDeclined(r *runner, o *opts, s *core.Service) error {
	all, err := s.DeclinedCells()
	if err != nil {
		return err
	}
	people, err := s.TurnedDownPeople()
	if err != nil {
		return err
	}
	var list []declinedJSON
	for _, p := range people {
		list = append(list, declinedJSON{ID: p.Person.ID.String(), From: p.Person.Name, Day: p.At.Format(time.DateOnly), Everything: true})
	}
	for _, d := range all {
		list = append(list, declinedJSON{ID: d.ID.String(), Name: d.Name, From: d.From.Name, Founder: d.Founder.Name, Day: d.At.Format(time.DateOnly)})
	}
	return r.out(o.json, list, func(w io.Writer) {
		if len(list) == 0 {
			fmt.Fprintln(w, "You have turned down no invitation.")
			return
		}
		for _, d := range list {
			if d.Everything {
				fmt.Fprintf(w, "everything from %s, turned down %s\n", d.From, d.Day)
				continue
			}
			fmt.Fprintf(w, "%-24s %-8s  from %s, founded by %s, turned down %s\n", d.Name, d.ID[:8], d.From, d.Founder, d.Day)
		}
	})
}

func runCellReconsider(r *runner, o *opts, args []string) error {
	if o.from != "" {
		if err := wantArgs(args, 0, "no cell with --from"); err != nil {
			return err
		}
		return r.withService(func(s *core.Service) error {
			t, err := s.FindTurnedDown(o.from)
			if err != nil {
				return err
			}
			if err := s.ShowInvitationsAgain(t.Person.ID); err != nil {
				return err
			}
			fmt.Fprintf(r.env.Stdout, "Sync files show the invitations from %s again. Ask them to send you their cells again.\n", t.Person.Name)
			return nil
		})
	}
	if err := wantArgs(args, 1, "CELL"); err != nil {
		return err
	}
	return r.withService(func(s *core.Service) error {
		d, err := s.FindDeclined(args[0])
		if err != nil {
			return err
		}
		if err := s.TakeBackDecline(d.ID); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stdout, "You no longer turn down %s: the next sync file from a member that brings it shows the invitation again. Ask %s to send you the cell again.\n", d.Name, d.From.Name)
		return nil
	})
}

func runCellLeave(r *runner, _ *opts, args []string) error {
	return r.withCell(args, func(s *core.Service, v *core.CellView) error {
		if _, err := s.LeaveCell(v.ID); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stdout, "You left %s. Send the cell a sync file so that the others know; until it reaches them, they go on sending you the cell.\n", cellLabel(s, v))
		return nil
	})
}

func runCellPolicy(r *runner, o *opts, args []string) error {
	return r.withCell(args, func(s *core.Service, v *core.CellView) error {
		p := v.Policy
		if o.admitVouches >= 0 || o.excludeQuorum >= 0 {
			if o.admitVouches >= 0 {
				p.AdmitVouches = o.admitVouches
			}
			if o.excludeQuorum >= 0 {
				p.ExcludeQuorum = o.excludeQuorum
			}
			var err error
			if v, err = votePolicy(r, s, v, p); err != nil {
				return err
			}
		}
		fmt.Fprintf(r.env.Stdout, "%s: %s to join; excluding someone takes %s.\n", v.Name, words.Count(v.Policy.AdmitVouches, "vouch", "vouches"), core.QuorumWords(v.Policy.ExcludeQuorum))
		return nil
	})
}

// votePolicy casts my vote for rules p in v and says what it did. Rules
// that are in force already are no new rules: with no open vote of mine
// nothing is cast; with one, the vote to keep them takes it back, and it
// says so (else a vote for other rules would vanish without a word).
func votePolicy(r *runner, s *core.Service, v *core.CellView, p crdt.Policy) (*core.CellView, error) {
	var mine *core.PolicyVoteView
	for _, pv := range v.PolicyVotes() {
		if pv.Mine {
			mine = &pv
		}
	}
	if p == v.Policy && (mine == nil || mine.Keep) {
		fmt.Fprintf(r.env.Stdout, "These are the rules of %s already: nothing to vote for.\n", cellLabel(s, v))
		return v, nil
	}
	after, err := s.SetPolicy(v.ID, p)
	switch {
	case err != nil:
		return nil, err
	case p == v.Policy:
		fmt.Fprintf(r.env.Stdout, "Your vote for other rules (%s) is taken back: you vote to %s.\n", core.RulesSentence(mine.Policy), core.KeepRules)
	case after.Policy != p:
		fmt.Fprintf(r.env.Stdout, "Your vote for new rules (%s) is in: %s of the %s needed.\n", core.RulesSentence(p), words.Count(policyVotes(after, p), "vote", "votes"), words.Number(after.PolicyVotesNeeded))
	}
	return after, nil
}

func runCellExportDoc(r *runner, o *opts, args []string) error {
	if o.out == "" {
		return usagef("--out FILE is required")
	}
	return r.withCell(args, func(s *core.Service, v *core.CellView) error {
		doc, err := s.CellDocument(v.ID)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(o.out, r.env.Stdout, func(w io.Writer) error { _, err := w.Write(doc); return err }); err != nil {
			return err
		}
		if o.out != "-" {
			fmt.Fprintf(r.env.Stdout, "Wrote %s (%s bytes). It is not encrypted.\n", o.out, words.Number(len(doc)))
		}
		return nil
	})
}

type rateJSON struct {
	Contact string   `json:"contact"`
	Cells   []string `json:"cells"`
}

func runRate(r *runner, o *opts, args []string) error {
	if len(args) == 0 {
		return usagef("expected a contact")
	}
	if o.safety == 0 || o.reliability == 0 {
		return usagef("--safety N and --reliability N (1 to 5) are required")
	}
	rating := crdt.Rating{Safety: o.safety, Reliability: o.reliability, Note: o.note, Day: o.day}
	for _, t := range strings.Split(o.tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			rating.Tags = append(rating.Tags, t)
		}
	}
	if rating.Day != "" {
		now := time.Now
		if r.env.Options.Now != nil {
			now = r.env.Options.Now
		}
		if err := rating.CheckDay(now()); err != nil {
			return fmt.Errorf("rate: %w: %v", crdt.ErrInvalid, err)
		}
	}
	return r.withService(func(s *core.Service) error {
		c, err := s.FindContact(strings.Join(args, " "))
		if err != nil {
			return err
		}
		var cells []crdt.CellID
		for _, q := range o.cells {
			v, err := findCell(s, q)
			if err != nil {
				return err
			}
			cells = append(cells, v.ID)
		}
		views, err := s.Rate(c.ID(), rating, cells)
		if err != nil {
			return err
		}
		all, err := s.Cells()
		if err != nil {
			return err
		}
		labels := core.CellLabels(all) // look-alike names told apart
		j := rateJSON{Contact: c.ID().String()}
		var cellNames []string
		for _, v := range views {
			j.Cells = append(j.Cells, v.ID.String())
			cellNames = append(cellNames, labels[v.ID])
		}
		return r.out(o.json, j, func(w io.Writer) {
			fmt.Fprintf(w, "Your rating of %s is recorded in %s.\n", c.Name(), strings.Join(cellNames, ", "))
		})
	})
}

// readInput reads a file argument ("-" is standard input) up to limit bytes.
func readInput(r *runner, name string, limit int64) ([]byte, error) {
	var in io.Reader
	if name == "-" {
		in = r.env.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	b, err := io.ReadAll(io.LimitReader(in, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, crdt.ErrTooLarge
	}
	return b, nil
}

type inspectJSON struct {
	Kind       string          `json:"kind"`
	Card       *cardJSON       `json:"card,omitempty"`
	CellID     string          `json:"cell_id,omitempty"`
	CellName   string          `json:"cell_name,omitempty"`
	Statements []statementJSON `json:"statements,omitempty"`
}

type statementJSON struct {
	ID      string `json:"id,omitempty"`
	Kind    string `json:"kind"`
	Author  string `json:"author,omitempty"`
	Counted bool   `json:"counted"`
	Reason  string `json:"reason,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

func runInspect(r *runner, o *opts, args []string) error {
	if err := wantArgs(args, 1, "one file"); err != nil {
		return err
	}
	data, err := readInput(r, args[0], crdt.MaxDocumentSize)
	if err != nil {
		return err
	}
	if core.LooksLikeSyncFile(data) {
		return previewSyncFile(r, o, data)
	}
	if looksLikeImage(data) {
		return inspectImage(r, o, data)
	}
	in, err := core.Inspect(context.Background(), r.env.Options.Checker, data)
	if err != nil {
		return err
	}
	j := inspectJSON{Kind: in.Kind}
	if in.Card != nil {
		cj := toCardJSON(in.Card)
		j.Card = &cj
	}
	if in.Cell != nil {
		j.CellID, j.CellName = in.Cell.Cell.String(), in.Cell.Name
	}
	for _, st := range in.Statements {
		sj := statementJSON{Kind: st.Kind, Author: st.Author.Name, Counted: st.Counted, Reason: st.Reason, Detail: st.Detail}
		if st.ID != (crdt.StatementID{}) {
			sj.ID = st.ID.String()
		}
		j.Statements = append(j.Statements, sj)
	}
	return r.out(o.json, j, func(w io.Writer) {
		switch {
		case in.Card != nil:
			fmt.Fprintf(w, "A trustdesk card of %q (id %s), made %s.\n", in.Card.Pseudonym, in.Card.ID(), in.Card.Created.Format("2 January 2006"))
		case in.Cell != nil:
			name := in.Cell.Name
			if !in.Cell.Founded {
				name = "(a cell whose start is missing)"
			}
			fmt.Fprintf(w, "A %s of the cell %q (id %s): %s entries, %s count.\n", in.Kind, name, in.Cell.Cell, words.Number(len(in.Statements)), words.Number(in.Cell.Counted))
			for _, st := range in.Statements {
				status := "counts"
				if !st.Counted {
					status = "does not count: " + st.Reason
				}
				id := ""
				if st.ID != (crdt.StatementID{}) {
					id = st.ID.String()[:12]
				}
				fmt.Fprintf(w, "  %-12s %-8s by %-20s %s\n", id, st.Kind, st.Author.Name, status)
			}
		}
	})
}
