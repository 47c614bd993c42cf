package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/crdt"
)

// cellWorld is a small world for the Cells and Sync tests: Mara's app,
// unlocked, and the homes of Ann, Bob and Cy, who all hold each other's
// cards as verified in person.
type cellWorld struct {
	u            *ui
	mara         *core.Service
	ann, bob, cy *core.Service
}

var cellTestOptions = core.Options{WorkFactor: 10}

func newCellWorld(t *testing.T) *cellWorld {
	t.Helper()
	open := func(name string) *core.Service {
		s, err := core.Init(t.TempDir(), name, []byte("pass "+name), cellTestOptions)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	w := &cellWorld{mara: open("Mara"), ann: open("Ann"), bob: open("Bob"), cy: open("Cy")}
	// Mara knows everyone and everyone knows Mara; Ann and Bob know each
	// other.
	for _, pair := range [][2]*core.Service{
		{w.mara, w.ann}, {w.mara, w.bob}, {w.mara, w.cy}, {w.ann, w.bob},
	} {
		for _, p := range [][2]*core.Service{pair, {pair[1], pair[0]}} {
			if _, err := p[0].AddContact(p[1].Card().String(), "", true); err != nil {
				t.Fatal(err)
			}
		}
	}
	a := test.NewTempApp(t)
	w.u = newUI(a, Options{Home: w.mara.Home(), Core: cellTestOptions})
	w.u.unlocked(w.mara)
	w.u.win.Resize(fyne.NewSize(1000, 720))
	t.Cleanup(func() {
		w.u.wait()
		if w.u.sync != nil && w.u.sync.player != nil {
			w.u.sync.player.stop()
			w.u.sync.player.wait()
		}
		w.u.svc = nil // closed by the cleanup above
		w.u.win.Close()
	})
	return w
}

// tapDialog taps the button labelled text in the dialog on top.
func tapDialog(t *testing.T, u *ui, text string) {
	t.Helper()
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog is open to tap %q", text)
	}
	var seen []string
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok {
			if b.Text == text {
				test.Tap(b)
				return
			}
			seen = append(seen, b.Text)
		}
	}
	t.Fatalf("the dialog has no button %q, only %q", text, seen)
}

// dialogText returns the texts of the labels in the dialog on top.
func dialogText(u *ui) string {
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var texts []string
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	return strings.Join(texts, "\n")
}

// row returns the member row of the person called name in the selected cell.
func row(t *testing.T, s *cellsScreen, name string) *memberRow {
	t.Helper()
	for _, r := range s.memberRows {
		if strings.TrimSuffix(r.name.Text, " (you)") == name {
			return r
		}
	}
	t.Fatalf("no row for %s in %s", name, s.titleLabel.Text)
	return nil
}

// newCellThroughDialog founds a cell called name with the New cell dialog.
func newCellThroughDialog(t *testing.T, u *ui, name string) {
	t.Helper()
	test.Tap(u.cells.newCell)
	if u.cells.newCellName == nil {
		t.Fatal("New cell opened no name field")
	}
	test.Type(u.cells.newCellName, name)
	tapDialog(t, u, "Create")
}

// admitThroughDialog admits the contact called name to the selected cell.
func admitThroughDialog(t *testing.T, u *ui, name string) {
	t.Helper()
	test.Tap(u.cells.admit)
	if u.cells.admitWho == nil {
		t.Fatalf("Admit opened no choice; dialog says %q", dialogText(u))
	}
	u.cells.admitWho.SetSelected(name)
	if u.cells.admitWho.Selected != name {
		t.Fatalf("cannot choose %s among %q", name, u.cells.admitWho.Options)
	}
	tapDialog(t, u, "Admit")
}

// accepts has p accept Mara's invitation to the selected cell on their
// own device; the app then shows the sync file that carries it back.
func (w *cellWorld) accepts(t *testing.T, p *core.Service) {
	t.Helper()
	accept(t, w.mara, p, w.u.cells.selected.ID)
	w.u.changed()
}

// votesRules has p vote for rules in the selected cell on their own
// device, and brings the vote to Mara.
func (w *cellWorld) votesRules(t *testing.T, p *core.Service, rules crdt.Policy) {
	t.Helper()
	cell := w.u.cells.selected.ID
	if _, err := p.SetPolicy(cell, rules); err != nil {
		t.Fatal(err)
	}
	back := w.mara.Card().ID()
	res, err := p.Export(core.ExportRequest{To: &back, Cells: []crdt.CellID{cell}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.mara.Import(context.Background(), res.Data); err != nil {
		t.Fatal(err)
	}
	w.u.changed()
}

// marketOfFour founds Market through the dialogs, with Ann, Bob and Cy
// admitted and accepted: four members.
func (w *cellWorld) marketOfFour(t *testing.T) {
	t.Helper()
	newCellThroughDialog(t, w.u, "Market")
	for _, p := range []*core.Service{w.ann, w.bob, w.cy} {
		admitThroughDialog(t, w.u, p.Card().Pseudonym)
		w.accepts(t, p)
	}
}

// voteAgainst opens the quiet menu of r and chooses to vote to exclude.
func voteAgainst(t *testing.T, u *ui, r *memberRow) {
	t.Helper()
	if r.more == nil {
		t.Fatalf("no menu to vote against %s", r.name.Text)
	}
	test.Tap(r.more)
	if u.win.Canvas().Overlays().Top() == nil {
		t.Fatal("the menu did not open")
	}
	u.win.Canvas().Overlays().Top().Hide()
	r.menu.Items[0].Action()
}

func TestCellsFoundAdmitAndRules(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.cells

	newCellThroughDialog(t, u, "Garden street")
	if len(s.views) != 1 || s.selected == nil || s.titleLabel.Text != "Garden street" {
		t.Fatalf("after founding: %d cells, title %q", len(s.views), s.titleLabel.Text)
	}
	if got := cellListLine(s.views[0]); got != "1 member · you are a member" {
		t.Errorf("list line = %q", got)
	}
	if r := row(t, s, "Mara"); r.more != nil || r.status.Text != "member · founded the cell" {
		t.Errorf("my own row: status %q, menu %v", r.status.Text, r.more != nil)
	}

	admitThroughDialog(t, u, "Ann")
	if got := row(t, s, "Ann").status.Text; got != "invited, has not accepted yet · vouched for by you" {
		t.Errorf("Ann before accepting: status %q", got)
	}
	if row(t, s, "Ann").more != nil {
		t.Error("a vote to exclude is offered against someone who has not accepted")
	}
	w.accepts(t, w.ann)
	ann := row(t, s, "Ann")
	if ann.status.Text != "member · vouched for by you" {
		t.Errorf("Ann: status %q", ann.status.Text)
	}
	if ann.more == nil || ann.menu.Items[0].Label != "Vote to exclude Ann…" {
		t.Error("no way to vote to exclude Ann")
	}

	// Two vouches to join, one vote to exclude.
	test.Tap(s.policy)
	if s.policyVouches == nil || s.policyVotes == nil {
		t.Fatal("the rules dialog has no choices")
	}
	if s.policyVotes.Selected != majority || s.policyVouches.Selected != "1" {
		t.Errorf("rules dialog starts at %q / %q", s.policyVouches.Selected, s.policyVotes.Selected)
	}
	s.policyVouches.SetSelected("2")
	s.policyVotes.SetSelected("1")
	if !strings.Contains(dialogText(u), "when 2 members vote for the same rules") {
		t.Errorf("the rules dialog does not say how rules change: %q", dialogText(u))
	}
	tapDialog(t, u, "Vote for these rules")
	if p := s.selected.Policy; p.AdmitVouches != 1 || len(s.selected.PolicyVotes()) != 1 {
		t.Fatalf("one vote of two changed the rules: %+v", p)
	}
	w.votesRules(t, w.ann, crdt.Policy{AdmitVouches: 2, ExcludeQuorum: 1})
	if p := s.selected.Policy; p.AdmitVouches != 2 || p.ExcludeQuorum != 1 {
		t.Fatalf("policy = %+v", p)
	}
	if !strings.Contains(s.rules.Text, "2 members vouch") || !strings.Contains(s.rules.Text, "one other member votes") {
		t.Errorf("rules say %q", s.rules.Text)
	}

	// Bob now waits for a second vouch, and cannot be chosen again by me.
	admitThroughDialog(t, u, "Bob")
	if got := row(t, s, "Bob").status.Text; got != "waiting for vouches (1 of 2) · vouched for by you" {
		t.Errorf("Bob: %q", got)
	}
	if !strings.Contains(s.summary.Text, "1 waiting for vouches") {
		t.Errorf("summary = %q", s.summary.Text)
	}
	names, _, err := s.admitOptions(s.selected)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "Cy" {
		t.Errorf("can still admit %q, want only Cy", names)
	}

	// A tap on a name opens the person.
	test.Tap(ann.name)
	if u.person == nil {
		t.Error("tapping Ann opened nothing")
	}
}

func TestCellsVoteToExclude(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.cells
	w.marketOfFour(t)

	// Cancelling changes nothing.
	voteAgainst(t, u, row(t, s, "Cy"))
	text := dialogText(u)
	for _, want := range []string{"quiet", "2 of the other members", "nobody sends them the cell again"} {
		if !strings.Contains(text, want) {
			t.Errorf("the confirmation does not say %q: %q", want, text)
		}
	}
	tapDialog(t, u, "Cancel")
	if len(s.selected.Votes()) != 0 {
		t.Fatal("cancel voted")
	}

	voteAgainst(t, u, row(t, s, "Cy"))
	tapDialog(t, u, "Vote to exclude")
	if len(s.selected.Votes()) != 1 || !strings.Contains(s.votes.Text, "Cy: 1 of 2 needed votes to exclude (you)") {
		t.Errorf("open votes: %q", s.votes.Text)
	}
	if row(t, s, "Cy").more != nil {
		t.Error("I can vote twice against Cy")
	}
	if !strings.HasPrefix(row(t, s, "Cy").status.Text, "member ·") {
		t.Error("one vote of two excluded Cy")
	}

	// With a quorum of one, my vote is enough: three of four agree to it.
	quorum1 := crdt.Policy{AdmitVouches: 1, ExcludeQuorum: 1}
	if _, err := w.mara.SetPolicy(s.selected.ID, quorum1); err != nil {
		t.Fatal(err)
	}
	w.votesRules(t, w.ann, quorum1)
	w.votesRules(t, w.bob, quorum1)
	if s.selected.Policy != quorum1 {
		t.Fatalf("three votes of four did not change the rules: %+v", s.selected.Policy)
	}
	voteAgainst(t, u, row(t, s, "Bob"))
	tapDialog(t, u, "Vote to exclude")
	bob := row(t, s, "Bob")
	// Who voted comes first: a narrow row cuts the end of the line.
	if bob.status.Text != "excluded · voted out by you · vouched for by you" {
		t.Errorf("Bob: %q", bob.status.Text)
	}
}

// TestCellsShowOpenVotesOnTheRules: a member who votes to weaken the
// rules (one vote excludes anyone) is seen on the cell's page before
// enough others join in, as the command line's cell show says it; a vote
// for the rules in force reads as a vote to keep them, not as new rules.
func TestCellsShowOpenVotesOnTheRules(t *testing.T) {
	w := newCellWorld(t)
	s := w.u.cells
	w.marketOfFour(t)
	w.votesRules(t, w.ann, crdt.Policy{AdmitVouches: 1, ExcludeQuorum: 1})
	want := "Ann: 1 vouch to join; 1 vote to exclude someone"
	if !strings.Contains(s.votes.Text, want) || !strings.Contains(s.votes.Text, "when 3 members vote for the same rules") {
		t.Errorf("the page does not show Ann's open vote on the rules (%q): %q", want, s.votes.Text)
	}
	w.votesRules(t, w.ann, s.selected.Policy)
	if !strings.Contains(s.votes.Text, "Ann: keep the rules as they are") || strings.Contains(s.votes.Text, want) {
		t.Errorf("Ann's vote to keep the rules: %q", s.votes.Text)
	}
}

func TestCellsLeave(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.cells
	newCellThroughDialog(t, u, "Choir")
	admitThroughDialog(t, u, "Ann")

	test.Tap(s.leave)
	if !strings.Contains(dialogText(u), "admit you again") {
		t.Errorf("the leave dialog says %q", dialogText(u))
	}
	tapDialog(t, u, "Stay")
	if s.selected.Me != crdt.StatusMember {
		t.Fatal("Stay left the cell")
	}
	test.Tap(s.leave)
	tapDialog(t, u, "Leave")
	if s.selected.Me != crdt.StatusLeft {
		t.Fatalf("after leaving I am %q", s.selected.Me)
	}
	if !s.admit.Disabled() || !s.leave.Disabled() || !s.policy.Disabled() {
		t.Error("a former member can still act in the cell")
	}
	if !strings.Contains(cellListLine(s.views[0]), "you left") {
		t.Errorf("list line = %q", cellListLine(s.views[0]))
	}
	for _, r := range s.memberRows {
		if r.more != nil {
			t.Errorf("a former member can vote against %s", r.name.Text)
		}
	}
}

func TestCellsEmptyAndErrors(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.cells
	if len(s.views) != 0 || s.selected != nil {
		t.Fatalf("a new home shows cells: %v", s.views)
	}
	if !s.empty.Visible() || !strings.Contains(s.empty.Text, "New cell") {
		t.Errorf("the empty screen does not explain what to do: %q", s.empty.Text)
	}

	newCellThroughDialog(t, u, "   ")
	if len(u.cells.views) != 0 {
		t.Fatal("a cell without a name was founded")
	}
	if u.lastError == "" {
		t.Error("no error for an empty cell name")
	}
	tapDialog(t, u, "OK")

	// Admitting when everyone is already in says so.
	newCellThroughDialog(t, u, "All of us")
	for _, name := range []string{"Ann", "Bob", "Cy"} {
		admitThroughDialog(t, u, name)
	}
	test.Tap(u.cells.admit)
	if u.cells.admitWho != nil || !strings.Contains(dialogText(u), "already in All of us") {
		t.Errorf("admitting with nobody left: %q", dialogText(u))
	}
}

// annInvitesMara has Ann found "Garden street" and invite Mara, whose
// app takes in Ann's sync file; it returns the file.
func (w *cellWorld) annInvitesMara(t *testing.T) []byte {
	t.Helper()
	data := w.annInvites(t, "Garden street")
	if _, err := w.mara.Import(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	w.u.changed()
	return data
}

// annInvites has Ann found a cell and invite Mara to it; it returns Ann's
// sync file to Mara with all her cells.
func (w *cellWorld) annInvites(t *testing.T, cell string) []byte {
	t.Helper()
	v, err := w.ann.NewCell(cell)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ann.Admit(v.ID, w.mara.Card().ID()); err != nil {
		t.Fatal(err)
	}
	to := w.mara.Card().ID()
	res, err := w.ann.Export(core.ExportRequest{To: &to})
	if err != nil {
		t.Fatal(err)
	}
	return res.Data
}

// TestCellsInvitation: a cell that lists me arrives as an invitation; the
// screen says who invited me, offers only Accept and Turn it down, and
// Accept makes me a member.
func TestCellsInvitation(t *testing.T) {
	w := newCellWorld(t)
	s := w.u.cells
	w.annInvitesMara(t)
	if s.selected == nil || !s.selected.Invitation {
		t.Fatal("the cell did not arrive as an invitation")
	}
	if !strings.HasPrefix(s.summary.Text, "You are invited by Ann.") || !s.invite.Visible() || s.actions.Visible() {
		t.Errorf("invitation screen: %q, answer buttons %v, member actions %v", s.summary.Text, s.invite.Visible(), s.actions.Visible())
	}
	// A cell nobody rated in says so in words, not "0 ratings count".
	if !strings.HasSuffix(s.summary.Text, "; no ratings yet.") {
		t.Errorf("summary of a cell without ratings: %q", s.summary.Text)
	}
	if got := cellListLine(s.views[0]); got != "Invitation · open it to accept" {
		t.Errorf("list line = %q", got)
	}
	if _, err := w.mara.Rate(w.ann.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5}, nil); err == nil {
		t.Error("a rating went into a cell I have not accepted")
	}
	test.Tap(s.accept)
	if s.selected.Me != crdt.StatusMember || s.selected.Invitation || s.invite.Visible() || !s.actions.Visible() {
		t.Fatalf("after accepting: %s, invitation %v", s.selected.Me, s.selected.Invitation)
	}
}

// TestAdmitChoicesTellLookAlikesApart: the people offered in "Admit a
// person" are named as everywhere else: a card called "CY" or "Сy" (a
// Cyrillic С) beside the verified Cy is shown with how it was learned,
// never as a second "Cy", and the verified Cy keeps a name of its own.
func TestAdmitChoicesTellLookAlikesApart(t *testing.T) {
	w := newCellWorld(t)
	for _, name := range []string{"CY", "\u0421y"} {
		if _, err := w.mara.AddContact(newSomeone(t, name).Card().String(), "", false); err != nil {
			t.Fatal(err)
		}
	}
	v, err := w.mara.NewCell("Garden")
	if err != nil {
		t.Fatal(err)
	}
	s := w.u.cells
	names, ids, err := s.admitOptions(v)
	if err != nil {
		t.Fatal(err)
	}
	var cy []string
	for _, n := range names {
		if strings.Contains(strings.ToLower(n), "cy") || strings.Contains(n, "\u0421y") {
			cy = append(cy, n)
		}
	}
	if len(cy) != 3 {
		t.Fatalf("admit choices %q", names)
	}
	for _, n := range cy {
		verified := ids[n] == w.cy.Card().ID()
		if verified != strings.Contains(n, "verified in person") || !verified && !strings.Contains(n, "not verified") {
			t.Errorf("choice %q (the verified Cy: %v)", n, verified)
		}
	}
}

// TestRulesWordsTellTheTruth: the words for admitting and for the rules
// say that nobody becomes a member without accepting ("they become a
// member at once" was not true), and that a quorum larger than the other
// members takes all of them, not more votes than there are people.
func TestRulesWordsTellTheTruth(t *testing.T) {
	for _, p := range []crdt.Policy{{AdmitVouches: 1}, {AdmitVouches: 3, ExcludeQuorum: 5}} {
		for _, s := range []string{admitExplanation(p), cellRules(p)} {
			if !strings.Contains(s, "accept") || strings.Contains(s, "at once") {
				t.Errorf("rules %+v: %q does not say they must accept", p, s)
			}
			if w := jargon.FindString(s); w != "" {
				t.Errorf("%q says %q", s, w)
			}
		}
	}
	if s := cellRules(crdt.Policy{AdmitVouches: 1, ExcludeQuorum: 5}); !strings.Contains(s, "5 other members, or all of them where there are fewer,") {
		t.Errorf("a quorum of 5: %q", s)
	}
}

// TestTurnedDownInvitationShownAgain: an invitation turned down stays out
// when the next sync file brings it again; "Invitations you turned down"
// lists it, and "Show it again" lets the next file bring it back.
func TestTurnedDownInvitationShownAgain(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.cells
	file := w.annInvitesMara(t)
	if s.turnedDown.Visible() {
		t.Error("the list of turned-down invitations shows with none")
	}
	test.Tap(s.decline)
	if text := dialogText(u); !strings.Contains(text, "stays out when a sync file brings it again") {
		t.Errorf("the question says %q", text)
	}
	tapDialog(t, u, "Turn it down")
	if len(s.views) != 0 || !s.turnedDown.Visible() {
		t.Fatalf("after turning it down: %d cells, list button shown %v", len(s.views), s.turnedDown.Visible())
	}
	receiveFile(t, u, "again.tdsync", file)
	if text := u.sync.previewText.Text; !strings.Contains(text, "1 invitation you turned down was left out") || !u.sync.takeIn.Hidden {
		t.Errorf("the same file again: %q, take in shown %v", text, !u.sync.takeIn.Hidden)
	}
	if len(s.views) != 0 {
		t.Fatalf("the same file again brought %d cells", len(s.views))
	}
	test.Tap(s.turnedDown)
	if text := dialogText(u); !strings.Contains(text, "Garden street, from Ann") || len(s.takeBack) != 1 {
		t.Fatalf("the list says %q", text)
	}
	test.Tap(s.takeBack[0])
	if _, err := w.mara.Import(context.Background(), file); err != nil {
		t.Fatal(err)
	}
	u.changed()
	if len(s.views) != 1 || !s.views[0].Invitation || s.turnedDown.Visible() {
		t.Errorf("after showing it again: %d cells, list button shown %v", len(s.views), s.turnedDown.Visible())
	}
}

// TestTurnDownAllFromThem: "Turn down all from Ann" on an invitation
// turns down everything from Ann, now and later: her next invitation is
// left out and said in plain words; "Invitations you turned down" lists
// her, and "Show their invitations again" takes it back.
func TestTurnDownAllFromThem(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.cells
	w.annInvitesMara(t)
	if !s.declineAll.Visible() || s.declineAll.Text != "Turn down all from Ann" {
		t.Fatalf("the button says %q (shown %v)", s.declineAll.Text, s.declineAll.Visible())
	}
	test.Tap(s.declineAll)
	text := dialogText(u)
	if !strings.Contains(text, "nothing is sent") || !strings.Contains(text, "they stay in the cells you share") {
		t.Errorf("the question says %q", text)
	}
	if w := jargon.FindString(text); w != "" {
		t.Errorf("the question says %q", w)
	}
	tapDialog(t, u, "Turn down all")
	if len(s.views) != 0 || !s.turnedDown.Visible() {
		t.Fatalf("after turning down all: %d cells, list button shown %v", len(s.views), s.turnedDown.Visible())
	}
	// Ann's next invitation is left out, and said.
	file := w.annInvites(t, "Orchard")
	receiveFile(t, u, "orchard.tdsync", file)
	if text := u.sync.previewText.Text; !strings.Contains(text, "2 invitations from Ann were left out: you turned down everything from them") {
		t.Errorf("the file from Ann: %q", text)
	}
	test.Tap(s.turnedDown)
	if text := dialogText(u); !strings.Contains(text, "Everything from Ann, since") || len(s.showAgain) != 1 || len(s.takeBack) != 0 {
		t.Fatalf("the list says %q", text)
	}
	test.Tap(s.showAgain[0])
	if s.turnedDown.Visible() {
		t.Error("the list button still shows with nothing turned down")
	}
	if _, err := w.mara.Import(context.Background(), file); err != nil {
		t.Fatal(err)
	}
	u.changed()
	if len(s.views) != 2 {
		t.Errorf("after showing Ann's invitations again: %d cells, want 2", len(s.views))
	}
}
