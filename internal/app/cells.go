package app

import (
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
	"trustdesk/reputation"
)

// cellsScreen is the Cells tab: the list of cells on this device and, beside
// it, the cell picked in the list with its members and what can be done
// there. Its widgets are fields so that tests can drive them.
type cellsScreen struct {
	u *ui

	// views are the cells shown in List, sorted by name.
	views []*core.CellView
	// labels are the names shown for Views: a cell named like another
	// also shows its founder (see core.CellLabels).
	labels map[crdt.CellID]string
	// details are what tells apart the cells whose names look alike, by
	// cell ("founded by Ana · 3f2a"; see core.CellDetails).
	details map[crdt.CellID]string
	// list lists the cells: name, size and my standing.
	list *widget.List
	// newCell asks for a name and founds a cell.
	newCell *widget.Button
	// turnedDown lists the invitations I turned down, to take one back;
	// it shows only while there is one.
	turnedDown *widget.Button
	// takeBack holds, while the list of turned-down invitations is open,
	// one button a turned-down invitation, in the order listed; showAgain,
	// one a person I turned down everything from.
	takeBack, showAgain []*widget.Button
	// empty says what a cell is while there is none.
	empty *widget.Label

	// selected is the cell shown on the right, nil when none is picked.
	selected *core.CellView

	// titleLabel is the selected cell's name.
	titleLabel *widget.Label
	// summary tells my standing and how many people and ratings it has.
	summary *widget.Label
	// rules says the cell's policy in words.
	rules *widget.Label
	// admit vouches for a contact; Policy changes the rules; Leave ends my
	// membership; syncCell makes a sync file for every member.
	admit, policy, leave, syncCell *widget.Button
	// actions holds the buttons used most (admit, sync file), above the
	// people; ruleActions the rare ones (rules, leave), under the rules
	// after the people. Both hide while I am only invited.
	actions, ruleActions *fyne.Container
	// accept and Decline answer an invitation to the selected cell, and
	// declineAll turns down everything from who invited me; they show
	// only while I am invited and have not accepted.
	accept, decline, declineAll *widget.Button
	// memberRows holds one row for everyone ever admitted, grouped: members,
	// people waiting for vouches, former members.
	memberRows []*memberRow
	// showAll holds, for each group that lists only its first people,
	// the button that opens all of them; allPeople is that list while
	// it is open.
	showAll   []*widget.Button
	allPeople *widget.List
	// votes lists the open votes to exclude someone and on the rules, one
	// line each, above the people: they wait for me. It hides while there
	// are none. In a cell of many votes it lists those that concern me
	// (core.CellView.VotesOnPage); otherVotes then says how many others
	// there are, and its button showAllVotes opens all of them in
	// allVotes, a list that builds only the rows in sight.
	votes        *widget.Label
	otherVotes   *fyne.Container
	showAllVotes *widget.Button
	allVotes     *widget.List
	// oldCards says which members are cards replaced in another of my
	// cells (core.OldCard), one box each; oldCardVotes holds the button
	// of each box that asks to vote the old card out, nil where this
	// device does not offer the vote.
	oldCards     *fyne.Container
	oldCardVotes []*widget.Button

	// newCellName, admitWho, policyVouches and policyVotes are the inputs
	// of the dialog that is open, nil otherwise.
	newCellName                *dialogEntry
	admitWho                   *widget.Select
	policyVouches, policyVotes *widget.Select

	scores  *reputation.Result
	detail  *fyne.Container
	members *fyne.Container
	invite  *fyne.Container
	// scroll holds the selected cell's page.
	scroll  *container.Scroll
	content fyne.CanvasObject
}

// memberRow is one person in the selected cell.
type memberRow struct {
	// id is who the row is about.
	id identity.ID
	// name opens the person's page.
	name *widget.Button
	// status says their standing in plain words and who vouched for them
	// (and who voted them out).
	status *widget.Label
	// badge shows their safety and reliability as this device sees them;
	// bars is the badge whose parts it lays out.
	badge fyne.CanvasObject
	bars  *badge
	// more opens a small menu with the quiet actions on the person; nil
	// when there are none.
	more *widget.Button
	// menu is what More shows: "Vote to exclude …".
	menu *fyne.Menu
}

func newCellsScreen(u *ui) *cellsScreen {
	s := &cellsScreen{u: u}
	s.list = widget.NewList(
		func() int { return len(s.views) },
		func() fyne.CanvasObject { return twoLineItem("cell name", "members", true) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(s.views) {
				return
			}
			v := s.views[i]
			box := o.(*fyne.Container)
			// What tells a look-alike cell apart opens the quiet line:
			// cut short in a narrow list, the name loses its end, the
			// line its counts, never the founder and id.
			line := cellListLine(v)
			if d := s.details[v.ID]; d != "" {
				line = d + " · " + line
			}
			box.Objects[0].(*widget.Label).SetText(v.Name)
			box.Objects[1].(*widget.Label).SetText(line)
		},
	)
	s.list.OnSelected = func(i widget.ListItemID) {
		if i < len(s.views) && (s.selected == nil || s.selected.ID != s.views[i].ID) {
			s.show(s.views[i])
		}
	}
	s.newCell = widget.NewButtonWithIcon("New cell", theme.ContentAddIcon(), s.askNewCell)
	s.newCell.Importance = widget.HighImportance
	s.turnedDown = widget.NewButtonWithIcon("Invitations you turned down", theme.HistoryIcon(), s.showTurnedDown)
	s.turnedDown.Importance = widget.LowImportance
	s.turnedDown.Hide()
	s.empty = widget.NewLabel("A cell is a small group of people who know each other. " +
		"Its members see each other's ratings and decide together who joins. " +
		"Start one with New cell, or receive a sync file from a cell you were admitted to.")
	s.empty.Wrapping = fyne.TextWrapWord

	s.titleLabel = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.titleLabel.SizeName = theme.SizeNameHeadingText
	s.summary = widget.NewLabel("")
	s.summary.Wrapping = fyne.TextWrapWord
	s.rules = widget.NewLabel("")
	s.rules.Wrapping = fyne.TextWrapWord
	s.admit = widget.NewButtonWithIcon("Admit a person", theme.ContentAddIcon(), s.askAdmit)
	s.policy = widget.NewButtonWithIcon("Change the rules", theme.SettingsIcon(), s.askPolicy)
	s.syncCell = widget.NewButtonWithIcon("Make a sync file for this cell", theme.MailSendIcon(), func() {
		if s.selected != nil && u.sync != nil {
			u.sync.forCell(s.selected.ID)
		}
	})
	s.leave = widget.NewButtonWithIcon("Leave this cell", theme.LogoutIcon(), s.askLeave)
	s.leave.Importance = widget.LowImportance
	s.votes = widget.NewLabel("")
	s.votes.Wrapping = fyne.TextWrapWord
	s.otherVotes = container.NewHBox()
	s.otherVotes.Hide()
	s.members = container.NewVBox()
	s.oldCards = container.NewVBox()

	s.accept = widget.NewButtonWithIcon("Accept the invitation", theme.ConfirmIcon(), func() {
		if v := s.selected; v != nil {
			s.change(func() error { _, err := s.u.svc.JoinCell(v.ID); return err })
		}
	})
	s.accept.Importance = widget.HighImportance
	s.decline = widget.NewButtonWithIcon("Turn it down", theme.CancelIcon(), s.askDecline)
	s.declineAll = widget.NewButtonWithIcon("", theme.CancelIcon(), s.askDeclineAll)
	s.declineAll.Importance = widget.LowImportance
	// Two columns that reach the right edge, like the rows below them.
	s.invite = container.NewVBox(container.NewGridWithColumns(2, s.accept, s.decline), s.declineAll)
	// The page opens on what a member comes for, even with large text:
	// the votes that wait for them, then who is in the cell. The rules
	// and the rare actions follow the people.
	s.actions = container.NewGridWithColumns(2, s.admit, s.syncCell)
	s.ruleActions = container.NewGridWithColumns(2, s.policy, s.leave)
	s.detail = container.NewVBox(s.titleLabel, s.summary, s.votes, s.otherVotes, s.oldCards, s.invite, s.actions,
		widget.NewSeparator(), s.members, widget.NewSeparator(), s.rules, s.ruleActions)
	s.detail.Hide()

	left := container.NewBorder(
		container.NewVBox(widgetHeading("Your cells"), s.newCell), s.turnedDown, nil, nil, s.list)
	s.scroll = container.NewVScroll(container.NewPadded(s.detail))
	right := container.NewStack(container.NewPadded(s.empty), s.scroll)
	split := container.NewHSplit(left, right)
	split.Offset = 0.28
	s.content = split
	s.Refresh()
	return s
}

// Content returns the screen's root object.
func (s *cellsScreen) Content() fyne.CanvasObject { return s.content }

// Refresh reads the cells and everyone's reputation again and redraws the
// list and the selected cell.
func (s *cellsScreen) Refresh() {
	if s.u.svc == nil {
		return
	}
	views, err := s.u.svc.Cells()
	if err != nil {
		s.u.showError(err)
		return
	}
	s.scores, err = s.u.reputation()
	if err != nil {
		s.scores = nil
	}
	s.views, s.labels, s.details = views, core.CellLabels(views), core.CellDetails(views)
	s.list.Refresh()
	if some, err := s.u.svc.AnyTurnedDown(); err == nil && some {
		s.turnedDown.Show()
	} else {
		s.turnedDown.Hide()
	}
	var sel *core.CellView
	at := 0
	for i, v := range views {
		if s.selected != nil && v.ID == s.selected.ID {
			sel, at = v, i
		}
	}
	if sel == nil && len(views) > 0 {
		sel = views[0]
	}
	s.show(sel)
	if sel != nil {
		s.list.Select(at)
	}
}

// selectCell shows the cell with the given id and marks it in the list.
func (s *cellsScreen) selectCell(id crdt.CellID) {
	for i, v := range s.views {
		if v.ID == id {
			s.show(v)
			s.list.Select(i)
			return
		}
	}
}

// label is the name shown for v.
func (s *cellsScreen) label(v *core.CellView) string {
	if l, ok := s.labels[v.ID]; ok {
		return l
	}
	return v.Name
}

// show fills the right side with v, or the explanation when v is nil.
func (s *cellsScreen) show(v *core.CellView) {
	s.selected = v
	if v == nil {
		s.list.UnselectAll()
		s.detail.Hide()
		s.empty.Show()
		return
	}
	s.empty.Hide()
	s.detail.Show()
	// The title is the name alone, which a large heading has room for;
	// what tells a look-alike apart opens the summary under it.
	s.titleLabel.SetText(v.Name)
	s.summary.SetText(cellSummary(v))
	if d := s.details[v.ID]; d != "" {
		s.summary.SetText("Named like another of your cells: this is the one " + d + ". " + s.summary.Text)
	}
	s.rules.SetText(cellRules(v.Policy))
	member := v.Me == crdt.StatusMember
	if v.Invitation {
		s.declineAll.SetText("Turn down all from " + v.Inviter.Name)
		s.invite.Show()
		s.actions.Hide()
		s.ruleActions.Hide()
	} else {
		s.invite.Hide()
		s.actions.Show()
		s.ruleActions.Show()
	}
	for _, b := range []*widget.Button{s.admit, s.policy, s.syncCell, s.leave} {
		if member {
			b.Enable()
		} else {
			b.Disable()
		}
	}

	s.showOldCards(v)
	s.members.Objects = s.memberGroups(v)
	s.members.Refresh()

	s.showVotes(v)
	// Lay the page out again: a part shown again keeps the place it had
	// when it was hidden until its container lays it out.
	s.detail.Refresh()
}

// memberGroups builds the rows of v's people, grouped (members, people
// invited or waiting for vouches, former members), with a heading each.
// A group of more than [core.ShownMembers] lists that many
// ([core.CellView.MembersShown]: me, the founder, the people of the votes
// that concern me and my contacts first), then how many more with a
// button that lists them all: a cell of thousands of fakes makes a short
// page that shows quickly.
func (s *cellsScreen) memberGroups(v *core.CellView) []fyne.CanvasObject {
	s.memberRows, s.showAll = nil, nil
	isKnown := s.u.svc.OwnContactTest()
	var rows []fyne.CanvasObject
	for _, g := range core.MemberGroups {
		shown, all := v.MembersShown(isKnown, g.Statuses...)
		if len(all) == 0 {
			continue
		}
		rows = append(rows, widgetHeading(fmt.Sprintf("%s (%s)", g.Title, words.Number(len(all)))))
		for _, m := range shown {
			r := s.memberRow(v, m)
			s.memberRows = append(s.memberRows, r)
			rows = append(rows, r.object())
		}
		if more := len(all) - len(shown); more > 0 {
			title := fmt.Sprintf("%s of %s (%s)", g.Title, s.label(v), words.Number(len(all)))
			b := widget.NewButton("Show all "+words.Count(len(all), g.One, g.Many), func() { s.showAllPeople(v, title, all) })
			s.showAll = append(s.showAll, b)
			more := widget.NewLabel(g.More(more))
			rows = append(rows, container.NewHBox(more, b))
		}
	}
	return rows
}

// twoLineItem is the template of an entry of a list: a name (in bold
// if bold) and a quiet line under it, each cut short with an ellipsis.
func twoLineItem(name, info string, bold bool) fyne.CanvasObject {
	n := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: bold})
	n.Truncation = fyne.TextTruncateEllipsis
	i := widget.NewLabel(info)
	i.Truncation = fyne.TextTruncateEllipsis
	i.SizeName = theme.SizeNameCaptionText
	i.Importance = widget.LowImportance
	return container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.Padding()), n, i)
}

// showAllPeople opens a window-sized list of people of v (all of a
// group). Tapping one opens their page.
func (s *cellsScreen) showAllPeople(v *core.CellView, title string, people []core.MemberView) {
	s.allPeople = s.showAllList(title, len(people), func(i int) (string, string) {
		return s.memberWords(v, people[i])
	}, func(i int) { s.u.showPerson(people[i].ID) }, func() { s.allPeople = nil })
}

// showAllList opens a window-sized dialog with a list of n entries, each
// a name and a quiet line that item gives: a list that builds only the
// rows in sight, however many there are. Tapping entry i closes the
// dialog and calls open(i); closed is called when it closes.
func (s *cellsScreen) showAllList(title string, n int, item func(i int) (name, info string), open func(i int), closed func()) *widget.List {
	var d dialog.Dialog
	list := widget.NewList(
		func() int { return n },
		func() fyne.CanvasObject { return twoLineItem("", "", false) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			name, info := item(i)
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(name)
			box.Objects[1].(*widget.Label).SetText(info)
		})
	list.OnSelected = func(i widget.ListItemID) {
		d.Hide()
		open(i)
	}
	d = dialog.NewCustom(title, "Close", list, s.u.win)
	d.SetOnClosed(closed)
	size := s.u.win.Canvas().Size()
	d.Resize(fyne.NewSize(min(size.Width*0.9, 640), size.Height*0.9))
	d.Show()
	return list
}

// showVotes fills the votes of v that [core.CellView.VotesOnPage] lists
// (all of a few; of many, those that concern me, then others until
// core.ShownVotes are listed), and how many others with a button that
// lists every vote.
func (s *cellsScreen) showVotes(v *core.CellView) {
	p := v.VotesOnPage(s.u.svc.OwnContactTest())
	s.votes.SetText(pageVotesText(v, p))
	if len(p.Votes)+len(p.Rules) == 0 {
		s.votes.Hide()
	} else {
		s.votes.Show()
	}
	s.otherVotes.Objects, s.showAllVotes = nil, nil
	if n := p.OtherVotes + p.OtherRules; n > 0 {
		all := len(v.Votes()) + len(v.PolicyVotes())
		s.showAllVotes = widget.NewButton("Show all "+words.Count(all, "open vote", "open votes"), func() { s.showAllOpenVotes(v) })
		s.otherVotes.Objects = []fyne.CanvasObject{widget.NewLabel(core.OtherVotes(n)), s.showAllVotes}
		s.otherVotes.Show()
	} else {
		s.otherVotes.Hide()
	}
	s.otherVotes.Refresh()
}

// pageVotesText is the text of the votes of v that p lists: those to
// exclude, then those on the rules.
func pageVotesText(v *core.CellView, p core.VotesOnPage) string {
	return votesText(p.Votes, p.VotesConcern, p.OtherVotes) + rulesVotesText(v, p.Rules, p.RulesConcern, p.OtherRules)
}

// voteWords says vote in a line: who it would exclude, how many of the
// votes needed, and who cast them.
func voteWords(vote core.VoteView) string {
	return fmt.Sprintf("%s: %s of %s needed votes to exclude (%s)",
		vote.Subject.Name, words.Number(len(vote.Voters)), words.Number(vote.Needed), core.Names(vote.Voters))
}

// votesText lists the open votes to exclude that are shown (concern of
// them, at the head, concern me; others are left out), or says there
// are none.
func votesText(shown []core.VoteView, concern, others int) string {
	if len(shown) == 0 {
		return "No open votes to exclude anyone."
	}
	var votes []string
	for _, vote := range shown {
		votes = append(votes, voteWords(vote))
	}
	return "Open votes to exclude" + core.ConcernFirst(concern, others) + ":\n" + strings.Join(votes, "\n")
}

// rulesVotesText lists the open votes on v's rules that are shown
// (concern of them, at the head, concern me; others are left out),
// after a blank line, or is empty: a member who votes to weaken the
// rules is seen before enough others join in.
func rulesVotesText(v *core.CellView, shown []core.PolicyVoteView, concern, others int) string {
	var lines []string
	for _, pv := range shown {
		lines = append(lines, pv.Voter.Name+": "+pv.Words())
	}
	if len(lines) == 0 {
		return ""
	}
	return fmt.Sprintf("\n\nOpen votes on the rules%s (they change when %s members vote for the same rules):\n",
		core.ConcernFirst(concern, others), words.Number(v.PolicyVotesNeeded)) + strings.Join(lines, "\n")
}

// showAllOpenVotes opens a window-sized list of every open vote of v,
// to exclude and then on the rules, as [cellsScreen.showAllPeople]
// lists people: only the rows in sight are built, however many there
// are; the votes the page lists, those that concern me, come first.
// Tapping a vote opens the page of whom it is about, or of who voted
// on the rules (none for me).
func (s *cellsScreen) showAllOpenVotes(v *core.CellView) {
	votes, rules := v.AllVotes(s.u.svc.OwnContactTest())
	title := fmt.Sprintf("Open votes in %s (%s)", s.label(v), words.Number(len(votes)+len(rules)))
	s.allVotes = s.showAllList(title, len(votes)+len(rules), func(i int) (string, string) {
		if i < len(votes) {
			vote := votes[i]
			return vote.Subject.Name, fmt.Sprintf("to exclude: %s of %s needed votes (%s)",
				words.Number(len(vote.Voters)), words.Number(vote.Needed), core.Names(vote.Voters))
		}
		pv := rules[i-len(votes)]
		return pv.Voter.Name, "on the rules: " + pv.Words()
	}, func(i int) {
		var who identity.ID
		if i < len(votes) {
			who = votes[i].Subject.ID
		} else {
			who = rules[i-len(votes)].Voter.ID
		}
		if who != s.u.svc.Card().ID() { // my own page is "You"
			s.u.showPerson(who)
		}
	}, func() { s.allVotes = nil })
}

// showOldCards fills oldCards with the members of v whose card was
// replaced in another of my cells: what this device knows, and the vote
// to put the old card out where it trusts the replacement.
func (s *cellsScreen) showOldCards(v *core.CellView) {
	s.oldCardVotes = nil
	olds, err := s.u.svc.OldCards(v.ID)
	if err != nil {
		olds = nil // the page shows without them
	}
	var boxes []fyne.CanvasObject
	for _, o := range olds {
		text := widget.NewLabel(o.Sentence())
		text.Wrapping = fyne.TextWrapWord
		var vote *widget.Button
		parts := []fyne.CanvasObject{text}
		if i := slices.IndexFunc(v.Members(), func(m core.MemberView) bool { return m.ID == o.Old.ID }); i >= 0 && o.Suggest() {
			m := v.Members()[i]
			vote = widget.NewButtonWithIcon("Vote to exclude "+o.Name+"'s old card", theme.WarningIcon(), func() { s.askExclude(v, m) })
			vote.Importance = widget.WarningImportance
			parts = append(parts, container.NewHBox(vote))
		}
		s.oldCardVotes = append(s.oldCardVotes, vote)
		icon := container.NewVBox(widget.NewIcon(theme.WarningIcon()))
		boxes = append(boxes, container.NewBorder(nil, nil, icon, nil, container.NewVBox(parts...)))
	}
	s.oldCards.Objects = boxes
	s.oldCards.Refresh()
}

// memberRow builds the row of one person in cell v.
func (s *cellsScreen) memberRow(v *core.CellView, m core.MemberView) *memberRow {
	r := &memberRow{id: m.ID}
	name, info := s.memberWords(v, m)
	id := m.ID
	r.name = widget.NewButton(name, func() { s.u.showPerson(id) })
	r.name.Importance = widget.LowImportance
	r.name.Alignment = widget.ButtonAlignLeading
	r.status = widget.NewLabel(info)
	r.status.Importance = widget.LowImportance
	r.status.SizeName = theme.SizeNameCaptionText
	r.status.Truncation = fyne.TextTruncateEllipsis
	r.bars = newBadge(s.u.showLegend)
	r.bars.set(s.scoreOf(m.ID))
	r.badge = r.bars.labelledRow()
	if v.Me == crdt.StatusMember && m.Status == crdt.StatusMember && !m.IsMe && !votedAgainst(v, m.ID, s.u.svc.Card().ID()) {
		r.menu = fyne.NewMenu("", fyne.NewMenuItem("Vote to exclude "+m.Name+"…", func() { s.askExclude(v, m) }))
		r.more = widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), nil)
		r.more.Importance = widget.LowImportance
		r.more.OnTapped = func() {
			c := s.u.win.Canvas()
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(r.more)
			widget.ShowPopUpMenuAtPosition(r.menu, c, pos.AddXY(0, r.more.Size().Height))
		}
	}
	return r
}

// memberWords returns the name of m in v's list of people and the line
// under it: what tells a look-alike apart, their standing, who voted
// them out, who vouched for them.
func (s *cellsScreen) memberWords(v *core.CellView, m core.MemberView) (string, string) {
	// A look-alike's label is long: what tells them apart (how their card
	// was learned, the start of its id) opens the line under the name,
	// which has the whole row, so the name and the bars beside it both
	// keep their words in a small window.
	name, alike := core.SplitLabel(m.Name)
	if m.IsMe {
		name, alike = s.u.svc.Card().Pseudonym+" (you)", ""
	}
	// Who voted someone out comes right after their standing, before who
	// vouched for them: in a narrow row the end of the line is cut.
	var parts []string
	if alike != "" {
		parts = append(parts, alike)
	}
	parts = append(parts, memberStatus(v, m))
	if len(m.ExcludedBy) > 0 {
		parts = append(parts, "voted out by "+core.Names(shortLabels(m.ExcludedBy)))
	}
	if len(m.VouchedBy) > 0 {
		parts = append(parts, "vouched for by "+core.Names(shortLabels(m.VouchedBy)))
	} else if m.ID == v.Founder.ID {
		parts = append(parts, "founded the cell")
	}
	return name, strings.Join(parts, " · ")
}

// shortLabels returns ps with the label of each look-alike among them
// shortened to fit a row's line: "Ines (in person · 0686a3a9)", not
// "Ines (verified in person · 0686a3a9)". How the card was checked and
// the start of the id still tell two look-alikes apart; their own row
// says it in full.
func shortLabels(ps []core.Person) []core.Person {
	out := make([]core.Person, len(ps))
	for i, p := range ps {
		out[i] = p
		name, detail := core.SplitLabel(p.Name)
		if detail == "" {
			continue
		}
		how, id, _ := strings.Cut(detail, " · ")
		switch how {
		case core.InPerson.Words():
			how = "in person"
		case core.Introduced.Words():
			how = "through a cell"
		}
		out[i].Name = name + " (" + how + " · " + id + ")"
	}
	return out
}

// object lays the row out: the name, the badge and the quiet menu on one
// line, the standing under them across the whole row, so who vouched for
// someone or voted them out is not cut short to make room for the badge.
func (r *memberRow) object() fyne.CanvasObject {
	var more fyne.CanvasObject = r.more
	if r.more == nil {
		// Keep the badges of all rows aligned.
		gap := canvas.NewRectangle(color.Transparent)
		gap.SetMinSize(widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), nil).MinSize())
		more = gap
	}
	// The name takes the room the badge leaves; in a narrow window the
	// badge gives up its words first. The last gap keeps the menu button
	// off the window's edge and the scroll bar.
	top := container.New(&priorityRow{items: []rowItem{{}, {shrink: 1}, {}, {}}, right: 1, fill: true},
		r.name, r.badge, more, gap(2*theme.Padding()))
	status := container.New(layout.NewCustomPaddedLayout(0, 0, theme.Padding()*2, theme.Padding()*2), r.status)
	return container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.Padding()), top, status)
}

func (s *cellsScreen) scoreOf(id identity.ID) *reputation.Score {
	if s.scores == nil {
		return nil
	}
	return s.scores.Person(id.String())
}

func (s *cellsScreen) askNewCell() {
	s.newCellName = s.u.newDialogEntry()
	s.newCellName.SetPlaceHolder("for example: Garden street neighbours")
	items := []*widget.FormItem{widget.NewFormItem("Name", s.newCellName)}
	d := dialog.NewForm("New cell", "Create", "Cancel", items, func(ok bool) {
		name := strings.TrimSpace(s.newCellName.Text)
		s.newCellName = nil
		if !ok {
			return
		}
		v, err := s.u.svc.NewCell(name)
		if err != nil {
			s.u.showError(err)
			return
		}
		s.selected = v
		s.u.changed()
	}, s.u.win)
	// Enter creates the cell, as the Create button does.
	s.newCellName.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(460, 200))
	s.u.showDialog(d)
	s.u.win.Canvas().Focus(s.newCellName)
}

// admitOptions lists the contacts who can be admitted to v: not blocked,
// not a current member, and not already vouched for by me.
func (s *cellsScreen) admitOptions(v *core.CellView) ([]string, map[string]identity.ID, error) {
	contacts, err := s.u.svc.Contacts()
	if err != nil {
		return nil, nil, err
	}
	var names []string
	ids := map[string]identity.ID{}
	labels := s.u.svc.ContactLabels(contacts) // look-alike names told apart
	for _, c := range contacts {
		if c.Blocked || v.CanAdmit(c.ID()) != nil {
			continue
		}
		label := labels[c.ID()]
		if _, dup := ids[label]; dup {
			label += " (" + c.ID().String()[:8] + ")"
		}
		names = append(names, label)
		ids[label] = c.ID()
	}
	return names, ids, nil
}

func (s *cellsScreen) askAdmit() {
	v := s.selected
	if v == nil {
		return
	}
	names, ids, err := s.admitOptions(v)
	if err != nil {
		s.u.showError(err)
		return
	}
	if len(names) == 0 {
		s.u.showDialog(dialog.NewInformation("Admit a person", "Everyone you know is already in "+s.label(v)+
			". Meet someone first and add their card; then you can admit them here.", s.u.win))
		return
	}
	s.admitWho = widget.NewSelect(names, nil)
	s.admitWho.PlaceHolder = "Choose a person"
	explain := widget.NewLabel(admitExplanation(v.Policy))
	explain.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(s.admitWho, explain)
	s.u.ask("Admit a person to "+s.label(v), content, "Admit", func() {
		choice := s.admitWho.Selected
		s.admitWho = nil
		if choice == "" {
			return
		}
		s.u.confirmUnverified(ids[choice], "Vouch for them anyway", func() {
			s.change(func() error { _, err := s.u.svc.Admit(v.ID, ids[choice]); return err })
		})
	})
}

// change runs a change to the cells and shows the result, or the error.
func (s *cellsScreen) change(do func() error) {
	if err := do(); err != nil {
		s.u.showError(err)
		return
	}
	s.u.changed()
}

func (s *cellsScreen) askExclude(v *core.CellView, m core.MemberView) {
	msg := widget.NewLabel(fmt.Sprintf("Your vote is quiet: %s is not told. When %s of the other members "+
		"have voted, %s is excluded from %s: nobody sends them the cell again, and they no longer see "+
		"its ratings or add to them. Your vote cannot be taken back.", m.Name, words.Number(v.VotesToExclude(m.ID)), m.Name, s.label(v)))
	msg.Wrapping = fyne.TextWrapWord
	s.u.ask("Vote to exclude "+m.Name+"?", msg, "Vote to exclude", func() {
		s.change(func() error { _, err := s.u.svc.VoteExclude(v.ID, m.ID); return err })
	})
}

func (s *cellsScreen) askDecline() {
	v := s.selected
	if v == nil {
		return
	}
	msg := widget.NewLabel("This computer forgets " + s.label(v) + ". Nothing of yours was in it, " +
		"and the invitation stays out when a sync file brings it again. If you change your mind, " +
		"take your answer back under \"Invitations you turned down\", then ask a member to send you the cell again.")
	msg.Wrapping = fyne.TextWrapWord
	s.u.askWith("Turn down the invitation to "+s.label(v)+"?", msg, "Turn it down", "Keep it", func() {
		s.change(func() error { return s.u.svc.DeclineCell(v.ID) })
	})
}

// askDeclineAll asks before turning down everything from who invited me
// to the selected cell.
func (s *cellsScreen) askDeclineAll() {
	v := s.selected
	if v == nil || !v.Invitation {
		return
	}
	who := v.Inviter
	msg := widget.NewLabel("Every invitation from " + who.Name + " goes, now and later: the ones waiting, and any that " +
		"a sync file brings to a cell they started or invited you to. This stays on this computer: nothing is sent " +
		"and " + who.Name + " is not told. Nothing else changes: they stay in the cells you share, and their ratings count " +
		"as before. If you change your mind, choose \"Show their invitations again\" under \"Invitations you turned down\".")
	msg.Wrapping = fyne.TextWrapWord
	s.u.askWith("Turn down everything from "+who.Name+"?", msg, "Turn down all", "Keep them", func() {
		s.change(func() error { _, err := s.u.svc.TurnDownEveryoneFrom(who.ID); return err })
	})
}

// showTurnedDown lists the people I turned down everything from and the
// invitations I turned down, each with a button that takes the answer
// back.
func (s *cellsScreen) showTurnedDown() {
	declined, err := s.u.svc.DeclinedCells()
	if err != nil {
		s.u.showError(err)
		return
	}
	people, err := s.u.svc.TurnedDownPeople()
	if err != nil {
		s.u.showError(err)
		return
	}
	help := widget.NewLabel("Sync files that bring these invitations again leave them out. " +
		"Show one again, then ask a member to send you the cell again: you can accept it then.")
	help.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(help)
	s.takeBack, s.showAgain = nil, nil
	// row adds a line with a button that runs undo, then says done.
	row := func(text, button, done string, undo func() error) *widget.Button {
		line := widget.NewLabel(text)
		line.Wrapping = fyne.TextWrapWord
		b := widget.NewButton(button, nil)
		b.OnTapped = func() {
			if err := undo(); err != nil {
				s.u.showError(err)
				return
			}
			b.SetText(done)
			b.Disable()
			s.Refresh()
		}
		box.Add(container.NewBorder(nil, nil, nil, b, line))
		return b
	}
	for _, p := range people {
		b := row("Everything from "+p.Person.Name+", since "+p.At.Format("2 January 2006"), "Show their invitations again",
			"Shown again when a sync file brings them", func() error { return s.u.svc.ShowInvitationsAgain(p.Person.ID) })
		s.showAgain = append(s.showAgain, b)
	}
	for _, dc := range declined {
		b := row(fmt.Sprintf("%s, from %s, founded by %s", dc.Name, dc.From.Name, dc.Founder.Name), "Show it again",
			"Shown again when a sync file brings it", func() error { return s.u.svc.TakeBackDecline(dc.ID) })
		s.takeBack = append(s.takeBack, b)
	}
	d := dialog.NewCustom("Invitations you turned down", "Close", s.u.scrollInDialog(box), s.u.win)
	d.Resize(fyne.NewSize(560, 0))
	s.u.showDialog(d)
}

func (s *cellsScreen) askLeave() {
	v := s.selected
	if v == nil {
		return
	}
	msg := widget.NewLabel("You stop being a member of " + s.label(v) + ": you can no longer rate, admit or vote there. " +
		"Send the cell a sync file afterwards: once it reaches the other members, they no longer send you the cell. " +
		"To come back, a member has to admit you again.")
	msg.Wrapping = fyne.TextWrapWord
	s.u.askWith("Leave "+s.label(v)+"?", msg, "Leave", "Stay", func() {
		s.change(func() error { _, err := s.u.svc.LeaveCell(v.ID); return err })
	})
}

// majority is the policyVotes option for the default quorum.
const majority = "a majority of the other members"

func (s *cellsScreen) askPolicy() {
	v := s.selected
	if v == nil {
		return
	}
	var vouches, votes []string
	for i := 1; i <= 9; i++ {
		vouches = append(vouches, strconv.Itoa(i))
	}
	votes = append(votes, majority)
	for i := 1; i <= 9; i++ {
		votes = append(votes, strconv.Itoa(i))
	}
	s.policyVouches = widget.NewSelect(vouches, nil)
	s.policyVouches.SetSelected(strconv.Itoa(max(v.Policy.AdmitVouches, 1)))
	s.policyVotes = widget.NewSelect(votes, nil)
	if v.Policy.ExcludeQuorum == 0 {
		s.policyVotes.SetSelected(majority)
	} else {
		s.policyVotes.SetSelected(strconv.Itoa(v.Policy.ExcludeQuorum))
	}
	items := []*widget.FormItem{
		{Text: "Vouches to join", Widget: s.policyVouches, HintText: "how many members must vouch for a newcomer"},
		{Text: "Votes to exclude", Widget: s.policyVotes, HintText: "how many other members must vote someone out"},
		{Text: "", Widget: widget.NewLabel(fmt.Sprintf("The rules change when %s members vote for the same rules.", words.Number(v.PolicyVotesNeeded)))},
	}
	d := dialog.NewForm("Rules of "+s.label(v), "Vote for these rules", "Cancel", items, func(ok bool) {
		a, b := s.policyVouches.Selected, s.policyVotes.Selected
		s.policyVouches, s.policyVotes = nil, nil
		if !ok {
			return
		}
		p := crdt.Policy{}
		p.AdmitVouches, _ = strconv.Atoi(a)
		if b != majority {
			p.ExcludeQuorum, _ = strconv.Atoi(b)
		}
		s.change(func() error { _, err := s.u.svc.SetPolicy(v.ID, p); return err })
	}, s.u.win)
	d.Resize(fyne.NewSize(520, 280))
	s.u.showDialog(d)
}

// cellListLine is the second line of a cell in the list.
func cellListLine(v *core.CellView) string {
	if v.Invitation {
		return "Invitation · open it to accept"
	}
	return words.Count(v.Current, "member", "members") + " · " + standingWords(v.Me)
}

// standingWords says my standing in a cell.
func standingWords(st crdt.Status) string {
	switch st {
	case crdt.StatusMember:
		return "you are a member"
	case crdt.StatusPending:
		return "you are " + words.Pending
	case crdt.StatusExcluded:
		return "you were excluded"
	case crdt.StatusLeft:
		return "you left"
	}
	return "you are not a member"
}

func cellSummary(v *core.CellView) string {
	count := map[crdt.Status]int{}
	for _, m := range v.Members() {
		count[m.Status]++
	}
	parts := []string{words.Count(count[crdt.StatusMember], "member", "members")}
	if n := count[crdt.StatusInvited]; n > 0 {
		parts = append(parts, fmt.Sprintf("%s invited", words.Number(n)))
	}
	if n := count[crdt.StatusPending]; n > 0 {
		parts = append(parts, fmt.Sprintf("%s %s", words.Number(n), words.Pending))
	}
	if n := count[crdt.StatusExcluded]; n > 0 {
		parts = append(parts, fmt.Sprintf("%s excluded", words.Number(n)))
	}
	if n := count[crdt.StatusLeft]; n > 0 {
		parts = append(parts, fmt.Sprintf("%s left", words.Number(n)))
	}
	counts := strings.Join(parts, ", ") + "; " + words.Count(v.Ratings, "rating counts", "ratings count") + "."
	if v.Ratings == 0 {
		counts = strings.Join(parts, ", ") + "; no ratings yet."
	}
	s := strings.ToUpper(standingWords(v.Me)[:1]) + standingWords(v.Me)[1:] + ". " + counts
	switch {
	case v.Invitation:
		s = fmt.Sprintf("You are invited by %s. Accept to become a member; until you do, nothing of yours goes into this cell and nobody sees you as a member. ", core.Names(v.InvitedBy())) +
			counts
	case v.Me != crdt.StatusMember:
		s += " You can still read what you received, but you cannot change anything here."
	}
	return s
}

func cellRules(p crdt.Policy) string {
	join := "one member vouches for them"
	if p.AdmitVouches > 1 {
		join = fmt.Sprintf("%s members vouch for them", words.Number(p.AdmitVouches))
	}
	out := "a majority of the other members vote to exclude them"
	if p.ExcludeQuorum == 1 {
		out = "one other member votes to exclude them"
	} else if p.ExcludeQuorum > 1 {
		// crdt.Policy.VotesToExclude: never more votes than there are
		// other members.
		out = fmt.Sprintf("%s other members, or all of them where there are fewer, vote to exclude them", words.Number(p.ExcludeQuorum))
	}
	return "Rules: a person is invited when " + join + " and becomes a member when they accept; they are out when " + out + "."
}

func admitExplanation(p crdt.Policy) string {
	if p.AdmitVouches <= 1 {
		return "Your vouch is enough to invite them: they become a member when they accept, after your next sync file reaches them."
	}
	return fmt.Sprintf("This cell needs %s vouches: they are invited once %s more members vouch for them too, and become a member when they accept.",
		words.Number(p.AdmitVouches), words.Number(p.AdmitVouches-1))
}

// memberStatus says a person's standing in v in plain words, with how
// many vouches someone waiting for vouches has.
func memberStatus(v *core.CellView, m core.MemberView) string {
	if m.Status == crdt.StatusPending {
		return fmt.Sprintf("%s (%s of %s)", words.Pending, words.Number(m.Vouches), words.Number(max(v.Policy.AdmitVouches, 1)))
	}
	return words.Status(m.Status)
}

func votedAgainst(v *core.CellView, subject, voter identity.ID) bool {
	for _, vote := range v.Votes() {
		if vote.Subject.ID != subject {
			continue
		}
		for _, p := range vote.Voters {
			if p.ID == voter {
				return true
			}
		}
	}
	return false
}

// widgetHeading is a bold label for a section.
func widgetHeading(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}
