package app

import (
	"fmt"
	"image/color"
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

// CellsScreen is the Cells tab: the list of cells on this device and, beside
// it, the cell picked in the list with its members and what can be done
// there. Its widgets are fields so that tests can drive them.
type CellsScreen struct {
	u *UI

	// Views are the cells shown in List, sorted by name.
	Views []*core.CellView
	// labels are the names shown for Views: a cell named like another
	// also shows its founder (see core.CellLabels).
	labels map[crdt.CellID]string
	// List lists the cells: name, size and my standing.
	List *widget.List
	// NewCell asks for a name and founds a cell.
	NewCell *widget.Button
	// Empty says what a cell is while there is none.
	Empty *widget.Label

	// Selected is the cell shown on the right, nil when none is picked.
	Selected *core.CellView

	// Title is the selected cell's name.
	Title *widget.Label
	// Summary tells my standing and how many people and ratings it has.
	Summary *widget.Label
	// Rules says the cell's policy in words.
	Rules *widget.Label
	// Admit vouches for a contact; Policy changes the rules; Leave ends my
	// membership; SyncCell makes a sync file for every member.
	Admit, Policy, Leave, SyncCell *widget.Button
	// Accept and Decline answer an invitation to the selected cell; they
	// show only while I am invited and have not accepted.
	Accept, Decline *widget.Button
	// Members holds one row for everyone ever admitted, grouped: members,
	// people waiting for vouches, former members.
	Members []*MemberRow
	// Votes lists the open votes to exclude someone, one line each.
	Votes *widget.Label

	// NewCellName, AdmitWho, PolicyVouches and PolicyVotes are the inputs
	// of the dialog that is open, nil otherwise.
	NewCellName                *dialogEntry
	AdmitWho                   *widget.Select
	PolicyVouches, PolicyVotes *widget.Select

	scores  *reputation.Result
	detail  *fyne.Container
	members *fyne.Container
	invite  *fyne.Container
	actions *fyne.Container
	content fyne.CanvasObject
}

// MemberRow is one person in the selected cell.
type MemberRow struct {
	// ID is who the row is about.
	ID identity.ID
	// Name opens the person's page.
	Name *widget.Button
	// Status says their standing in plain words and who vouched for them
	// (and who voted them out).
	Status *widget.Label
	// Badge shows their safety and reliability as this device sees them.
	Badge fyne.CanvasObject
	// More opens a small menu with the quiet actions on the person; nil
	// when there are none.
	More *widget.Button
	// Menu is what More shows: "Vote to exclude …".
	Menu *fyne.Menu
}

func newCellsScreen(u *UI) *CellsScreen {
	s := &CellsScreen{u: u}
	s.List = widget.NewList(
		func() int { return len(s.Views) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("cell name", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name.Truncation = fyne.TextTruncateEllipsis
			info := widget.NewLabel("members")
			info.Truncation = fyne.TextTruncateEllipsis
			info.SizeName = theme.SizeNameCaptionText
			info.Importance = widget.LowImportance
			return container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.Padding()), name, info)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(s.Views) {
				return
			}
			v := s.Views[i]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(s.label(v))
			box.Objects[1].(*widget.Label).SetText(cellListLine(v))
		},
	)
	s.List.OnSelected = func(i widget.ListItemID) {
		if i < len(s.Views) && (s.Selected == nil || s.Selected.ID != s.Views[i].ID) {
			s.show(s.Views[i])
		}
	}
	s.NewCell = widget.NewButtonWithIcon("New cell", theme.ContentAddIcon(), s.askNewCell)
	s.NewCell.Importance = widget.HighImportance
	s.Empty = widget.NewLabel("A cell is a small group of people who know each other. " +
		"Its members see each other's ratings and decide together who joins. " +
		"Start one with New cell, or receive a sync file from a cell you were admitted to.")
	s.Empty.Wrapping = fyne.TextWrapWord

	s.Title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.Title.SizeName = theme.SizeNameHeadingText
	s.Summary = widget.NewLabel("")
	s.Summary.Wrapping = fyne.TextWrapWord
	s.Rules = widget.NewLabel("")
	s.Rules.Wrapping = fyne.TextWrapWord
	s.Admit = widget.NewButtonWithIcon("Admit a person", theme.ContentAddIcon(), s.askAdmit)
	s.Policy = widget.NewButtonWithIcon("Change the rules", theme.SettingsIcon(), s.askPolicy)
	s.SyncCell = widget.NewButtonWithIcon("Make a sync file for this cell", theme.MailSendIcon(), func() {
		if s.Selected != nil && u.Sync != nil {
			u.Sync.ForCell(s.Selected.ID)
		}
	})
	s.Leave = widget.NewButtonWithIcon("Leave this cell", theme.LogoutIcon(), s.askLeave)
	s.Leave.Importance = widget.LowImportance
	s.Votes = widget.NewLabel("")
	s.Votes.Wrapping = fyne.TextWrapWord
	s.members = container.NewVBox()

	s.Accept = widget.NewButtonWithIcon("Accept the invitation", theme.ConfirmIcon(), func() {
		if v := s.Selected; v != nil {
			s.change(func() error { _, err := s.u.Svc.JoinCell(v.ID); return err })
		}
	})
	s.Accept.Importance = widget.HighImportance
	s.Decline = widget.NewButtonWithIcon("Turn it down", theme.CancelIcon(), s.askDecline)
	// Two columns that reach the right edge, like the rows below them.
	s.invite = container.NewGridWithColumns(2, s.Accept, s.Decline)
	s.actions = container.NewGridWithColumns(2, s.Admit, s.Policy, s.SyncCell, s.Leave)
	actions := s.actions
	s.detail = container.NewVBox(s.Title, s.Summary, s.Rules, s.invite, actions, widget.NewSeparator(), s.members, s.Votes)
	s.detail.Hide()

	left := container.NewBorder(
		container.NewVBox(widgetHeading("Your cells"), s.NewCell), nil, nil, nil, s.List)
	right := container.NewStack(container.NewPadded(s.Empty), container.NewVScroll(container.NewPadded(s.detail)))
	split := container.NewHSplit(left, right)
	split.Offset = 0.28
	s.content = split
	s.Refresh()
	return s
}

// Content returns the screen's root object.
func (s *CellsScreen) Content() fyne.CanvasObject { return s.content }

// Refresh reads the cells and everyone's reputation again and redraws the
// list and the selected cell.
func (s *CellsScreen) Refresh() {
	if s.u.Svc == nil {
		return
	}
	views, err := s.u.Svc.Cells()
	if err != nil {
		s.u.ShowError(err)
		return
	}
	s.scores, err = s.u.Reputation()
	if err != nil {
		s.scores = nil
	}
	s.Views, s.labels = views, core.CellLabels(views)
	s.List.Refresh()
	var sel *core.CellView
	at := 0
	for i, v := range views {
		if s.Selected != nil && v.ID == s.Selected.ID {
			sel, at = v, i
		}
	}
	if sel == nil && len(views) > 0 {
		sel = views[0]
	}
	s.show(sel)
	if sel != nil {
		s.List.Select(at)
	}
}

// Select shows the cell with the given id and marks it in the list.
func (s *CellsScreen) Select(id crdt.CellID) {
	for i, v := range s.Views {
		if v.ID == id {
			s.show(v)
			s.List.Select(i)
			return
		}
	}
}

// label is the name shown for v.
func (s *CellsScreen) label(v *core.CellView) string {
	if l, ok := s.labels[v.ID]; ok {
		return l
	}
	return v.Name
}

// show fills the right side with v, or the explanation when v is nil.
func (s *CellsScreen) show(v *core.CellView) {
	s.Selected = v
	if v == nil {
		s.List.UnselectAll()
		s.detail.Hide()
		s.Empty.Show()
		return
	}
	s.Empty.Hide()
	s.detail.Show()
	s.Title.SetText(s.label(v))
	s.Summary.SetText(cellSummary(v))
	s.Rules.SetText(cellRules(v.Policy))
	member := v.Me == crdt.StatusMember
	if v.Invitation {
		s.invite.Show()
		s.actions.Hide()
	} else {
		s.invite.Hide()
		s.actions.Show()
	}
	for _, b := range []*widget.Button{s.Admit, s.Policy, s.SyncCell, s.Leave} {
		if member {
			b.Enable()
		} else {
			b.Disable()
		}
	}

	s.Members = nil
	var rows []fyne.CanvasObject
	for _, g := range []struct {
		title    string
		statuses []crdt.Status
	}{
		{"Members", []crdt.Status{crdt.StatusMember}},
		{"Invited or waiting for vouches", []crdt.Status{crdt.StatusInvited, crdt.StatusPending}},
		{"Former members", []crdt.Status{crdt.StatusExcluded, crdt.StatusLeft}},
	} {
		var group []fyne.CanvasObject
		for _, m := range v.Members {
			for _, st := range g.statuses {
				if m.Status == st {
					r := s.memberRow(v, m)
					s.Members = append(s.Members, r)
					group = append(group, r.object())
				}
			}
		}
		if len(group) > 0 {
			rows = append(rows, widgetHeading(fmt.Sprintf("%s (%d)", g.title, len(group))))
			rows = append(rows, group...)
		}
	}
	s.members.Objects = rows
	s.members.Refresh()

	var votes []string
	for _, vote := range v.Votes {
		votes = append(votes, fmt.Sprintf("%s: %s of %d needed votes to exclude (%s)",
			vote.Subject.Name, strconv.Itoa(len(vote.Voters)), vote.Needed, personNames(vote.Voters)))
	}
	if len(votes) == 0 {
		s.Votes.SetText("No open votes to exclude anyone.")
	} else {
		s.Votes.SetText("Open votes to exclude:\n" + strings.Join(votes, "\n"))
	}
}

// memberRow builds the row of one person in cell v.
func (s *CellsScreen) memberRow(v *core.CellView, m core.MemberView) *MemberRow {
	r := &MemberRow{ID: m.ID}
	name := m.Name
	if m.IsMe {
		name = s.u.Svc.Card().Pseudonym + " (you)"
	}
	id := m.ID
	r.Name = widget.NewButton(name, func() { s.u.ShowPerson(id) })
	r.Name.Importance = widget.LowImportance
	r.Name.Alignment = widget.ButtonAlignLeading
	// Who voted someone out comes right after their standing, before who
	// vouched for them: in a narrow row the end of the line is cut.
	parts := []string{memberStatus(v, m)}
	if len(m.ExcludedBy) > 0 {
		parts = append(parts, "voted out by "+personNames(m.ExcludedBy))
	}
	if len(m.VouchedBy) > 0 {
		parts = append(parts, "vouched for by "+personNames(m.VouchedBy))
	} else if m.ID == v.Founder.ID {
		parts = append(parts, "founded the cell")
	}
	r.Status = widget.NewLabel(strings.Join(parts, " · "))
	r.Status.Importance = widget.LowImportance
	r.Status.SizeName = theme.SizeNameCaptionText
	r.Status.Truncation = fyne.TextTruncateEllipsis
	b := newBadge(s.u.ShowLegend)
	b.set(s.scoreOf(m.ID))
	r.Badge = b.row()
	if v.Me == crdt.StatusMember && m.Status == crdt.StatusMember && !m.IsMe && !votedAgainst(v, m.ID, s.u.Svc.Card().ID()) {
		r.Menu = fyne.NewMenu("", fyne.NewMenuItem("Vote to exclude "+m.Name+"…", func() { s.askExclude(v, m) }))
		r.More = widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), nil)
		r.More.Importance = widget.LowImportance
		r.More.OnTapped = func() {
			c := s.u.Win.Canvas()
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(r.More)
			widget.ShowPopUpMenuAtPosition(r.Menu, c, pos.AddXY(0, r.More.Size().Height))
		}
	}
	return r
}

// object lays the row out: the name, the badge and the quiet menu on one
// line, the standing under them across the whole row, so who vouched for
// someone or voted them out is not cut short to make room for the badge.
func (r *MemberRow) object() fyne.CanvasObject {
	var more fyne.CanvasObject = r.More
	if r.More == nil {
		// Keep the badges of all rows aligned.
		gap := canvas.NewRectangle(color.Transparent)
		gap.SetMinSize(widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), nil).MinSize())
		more = gap
	}
	// The name takes the room the badge leaves; in a narrow window the
	// badge gives up its words first. The last gap keeps the menu button
	// off the window's edge and the scroll bar.
	top := container.New(&priorityRow{items: []rowItem{{}, {shrink: 1}, {}, {}}, right: 1, fill: true},
		r.Name, r.Badge, more, gap(2*theme.Padding()))
	status := container.New(layout.NewCustomPaddedLayout(0, 0, theme.Padding()*2, theme.Padding()*2), r.Status)
	return container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.Padding()), top, status)
}

func (s *CellsScreen) scoreOf(id identity.ID) *reputation.Score {
	if s.scores == nil {
		return nil
	}
	return s.scores.Person(id.String())
}

func (s *CellsScreen) askNewCell() {
	s.NewCellName = s.u.newDialogEntry()
	s.NewCellName.SetPlaceHolder("for example: Garden street neighbours")
	items := []*widget.FormItem{widget.NewFormItem("Name", s.NewCellName)}
	d := dialog.NewForm("New cell", "Create", "Cancel", items, func(ok bool) {
		name := strings.TrimSpace(s.NewCellName.Text)
		s.NewCellName = nil
		if !ok {
			return
		}
		v, err := s.u.Svc.NewCell(name)
		if err != nil {
			s.u.ShowError(err)
			return
		}
		s.Selected = v
		s.u.Changed()
	}, s.u.Win)
	// Enter creates the cell, as the Create button does.
	s.NewCellName.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(460, 200))
	s.u.showDialog(d)
	s.u.Win.Canvas().Focus(s.NewCellName)
}

// admitOptions lists the contacts who can be admitted to v: not blocked,
// not a current member, and not already vouched for by me.
func (s *CellsScreen) admitOptions(v *core.CellView) ([]string, map[string]identity.ID, error) {
	contacts, err := s.u.Svc.Contacts()
	if err != nil {
		return nil, nil, err
	}
	var names []string
	ids := map[string]identity.ID{}
	for _, c := range contacts {
		if c.Blocked || v.CanAdmit(c.ID()) != nil {
			continue
		}
		label := c.Name()
		if _, dup := ids[label]; dup {
			label += " (" + c.ID().String()[:8] + ")"
		}
		names = append(names, label)
		ids[label] = c.ID()
	}
	return names, ids, nil
}

func (s *CellsScreen) askAdmit() {
	v := s.Selected
	if v == nil {
		return
	}
	names, ids, err := s.admitOptions(v)
	if err != nil {
		s.u.ShowError(err)
		return
	}
	if len(names) == 0 {
		s.u.showDialog(dialog.NewInformation("Admit a person", "Everyone you know is already in "+v.Name+
			". Meet someone first and add their card; then you can admit them here.", s.u.Win))
		return
	}
	s.AdmitWho = widget.NewSelect(names, nil)
	s.AdmitWho.PlaceHolder = "Choose a person"
	explain := widget.NewLabel(admitExplanation(v.Policy))
	explain.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(s.AdmitWho, explain)
	s.u.ask("Admit a person to "+v.Name, content, "Admit", func() {
		choice := s.AdmitWho.Selected
		s.AdmitWho = nil
		if choice == "" {
			return
		}
		s.u.confirmUnverified(ids[choice], "Vouch for them anyway", func() {
			s.change(func() error { _, err := s.u.Svc.Admit(v.ID, ids[choice]); return err })
		})
	})
}

// change runs a change to the cells and shows the result, or the error.
func (s *CellsScreen) change(do func() error) {
	if err := do(); err != nil {
		s.u.ShowError(err)
		return
	}
	s.u.Changed()
}

func (s *CellsScreen) askExclude(v *core.CellView, m core.MemberView) {
	msg := widget.NewLabel(fmt.Sprintf("Your vote is quiet: %s is not told. When %d of the other members "+
		"have voted, %s is excluded from %s: nobody sends them the cell again, and they no longer see "+
		"its ratings or add to them. Your vote cannot be taken back.", m.Name, v.VotesToExclude(m.ID), m.Name, v.Name))
	msg.Wrapping = fyne.TextWrapWord
	s.u.ask("Vote to exclude "+m.Name+"?", msg, "Vote to exclude", func() {
		s.change(func() error { _, err := s.u.Svc.VoteExclude(v.ID, m.ID); return err })
	})
}

func (s *CellsScreen) askDecline() {
	v := s.Selected
	if v == nil {
		return
	}
	msg := widget.NewLabel("This computer forgets " + v.Name + ". Nothing of yours was in it. " +
		"If you change your mind, ask a member to send you the cell again.")
	msg.Wrapping = fyne.TextWrapWord
	s.u.askWith("Turn down the invitation to "+v.Name+"?", msg, "Turn it down", "Keep it", func() {
		s.change(func() error { return s.u.Svc.DeclineCell(v.ID) })
	})
}

func (s *CellsScreen) askLeave() {
	v := s.Selected
	if v == nil {
		return
	}
	msg := widget.NewLabel("You stop being a member of " + v.Name + ". The other members no longer send you " +
		"the cell, and you can no longer rate, admit or vote there. To come back, a member has to admit you again.")
	msg.Wrapping = fyne.TextWrapWord
	s.u.askWith("Leave "+v.Name+"?", msg, "Leave", "Stay", func() {
		s.change(func() error { _, err := s.u.Svc.LeaveCell(v.ID); return err })
	})
}

// majority is the PolicyVotes option for the default quorum.
const majority = "a majority of the other members"

func (s *CellsScreen) askPolicy() {
	v := s.Selected
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
	s.PolicyVouches = widget.NewSelect(vouches, nil)
	s.PolicyVouches.SetSelected(strconv.Itoa(max(v.Policy.AdmitVouches, 1)))
	s.PolicyVotes = widget.NewSelect(votes, nil)
	if v.Policy.ExcludeQuorum == 0 {
		s.PolicyVotes.SetSelected(majority)
	} else {
		s.PolicyVotes.SetSelected(strconv.Itoa(v.Policy.ExcludeQuorum))
	}
	items := []*widget.FormItem{
		{Text: "Vouches to join", Widget: s.PolicyVouches, HintText: "how many members must vouch for a newcomer"},
		{Text: "Votes to exclude", Widget: s.PolicyVotes, HintText: "how many other members must vote someone out"},
		{Text: "", Widget: widget.NewLabel(fmt.Sprintf("The rules change when %d members vote for the same rules.", v.PolicyVotesNeeded))},
	}
	d := dialog.NewForm("Rules of "+v.Name, "Vote for these rules", "Cancel", items, func(ok bool) {
		a, b := s.PolicyVouches.Selected, s.PolicyVotes.Selected
		s.PolicyVouches, s.PolicyVotes = nil, nil
		if !ok {
			return
		}
		p := crdt.Policy{}
		p.AdmitVouches, _ = strconv.Atoi(a)
		if b != majority {
			p.ExcludeQuorum, _ = strconv.Atoi(b)
		}
		s.change(func() error { _, err := s.u.Svc.SetPolicy(v.ID, p); return err })
	}, s.u.Win)
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
	for _, m := range v.Members {
		count[m.Status]++
	}
	parts := []string{words.Count(count[crdt.StatusMember], "member", "members")}
	if n := count[crdt.StatusInvited]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d invited", n))
	}
	if n := count[crdt.StatusPending]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", n, words.Pending))
	}
	if n := count[crdt.StatusExcluded]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d excluded", n))
	}
	if n := count[crdt.StatusLeft]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d left", n))
	}
	s := strings.ToUpper(standingWords(v.Me)[:1]) + standingWords(v.Me)[1:] + ". " +
		strings.Join(parts, ", ") + "; " + words.Count(v.Ratings, "rating counts", "ratings count") + "."
	switch {
	case v.Invitation:
		s = fmt.Sprintf("You are invited by %s. Accept to become a member; until you do, nothing of yours goes into this cell and nobody sees you as a member. ", personNames(v.InvitedBy)) +
			strings.Join(parts, ", ") + "; " + words.Count(v.Ratings, "rating counts", "ratings count") + "."
	case v.Me != crdt.StatusMember:
		s += " You can still read what you received, but you cannot change anything here."
	}
	return s
}

func cellRules(p crdt.Policy) string {
	join := "one member vouches for a newcomer"
	if p.AdmitVouches > 1 {
		join = fmt.Sprintf("%d members vouch for a newcomer", p.AdmitVouches)
	}
	out := "a majority of the other members vote to exclude someone"
	if p.ExcludeQuorum == 1 {
		out = "one other member votes to exclude someone"
	} else if p.ExcludeQuorum > 1 {
		out = fmt.Sprintf("%d other members vote to exclude someone", p.ExcludeQuorum)
	}
	return "Rules: a person joins when " + join + ", and is out when " + out + "."
}

func admitExplanation(p crdt.Policy) string {
	if p.AdmitVouches <= 1 {
		return "Your vouch is enough: they become a member at once and see the cell after your next sync file."
	}
	return fmt.Sprintf("This cell needs %d vouches: they wait until %d more members vouch for them too.",
		p.AdmitVouches, p.AdmitVouches-1)
}

// memberStatus says a person's standing in v in plain words, with how
// many vouches someone waiting for vouches has.
func memberStatus(v *core.CellView, m core.MemberView) string {
	if m.Status == crdt.StatusPending {
		return fmt.Sprintf("%s (%d of %d)", words.Pending, len(m.VouchedBy), max(v.Policy.AdmitVouches, 1))
	}
	return words.Status(m.Status)
}

func votedAgainst(v *core.CellView, subject, voter identity.ID) bool {
	for _, vote := range v.Votes {
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

func personNames(ps []core.Person) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// widgetHeading is a bold label for a section.
func widgetHeading(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}
