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
	u            *UI
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
	w.u = New(a, Options{Home: w.mara.Home(), Core: cellTestOptions})
	w.u.unlocked(w.mara)
	w.u.Win.Resize(fyne.NewSize(1000, 720))
	t.Cleanup(func() {
		w.u.Wait()
		if w.u.Sync != nil && w.u.Sync.Player != nil {
			w.u.Sync.Player.Stop()
			w.u.Sync.Player.Wait()
		}
		w.u.Svc = nil // closed by the cleanup above
		w.u.Win.Close()
	})
	return w
}

// tapDialog taps the button labelled text in the dialog on top.
func tapDialog(t *testing.T, u *UI, text string) {
	t.Helper()
	top := u.Win.Canvas().Overlays().Top()
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
func dialogText(u *UI) string {
	top := u.Win.Canvas().Overlays().Top()
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
func row(t *testing.T, s *CellsScreen, name string) *MemberRow {
	t.Helper()
	for _, r := range s.Members {
		if strings.TrimSuffix(r.Name.Text, " (you)") == name {
			return r
		}
	}
	t.Fatalf("no row for %s in %s", name, s.Title.Text)
	return nil
}

// newCellThroughDialog founds a cell called name with the New cell dialog.
func newCellThroughDialog(t *testing.T, u *UI, name string) {
	t.Helper()
	test.Tap(u.Cells.NewCell)
	if u.Cells.NewCellName == nil {
		t.Fatal("New cell opened no name field")
	}
	test.Type(u.Cells.NewCellName, name)
	tapDialog(t, u, "Create")
}

// admitThroughDialog admits the contact called name to the selected cell.
func admitThroughDialog(t *testing.T, u *UI, name string) {
	t.Helper()
	test.Tap(u.Cells.Admit)
	if u.Cells.AdmitWho == nil {
		t.Fatalf("Admit opened no choice; dialog says %q", dialogText(u))
	}
	u.Cells.AdmitWho.SetSelected(name)
	if u.Cells.AdmitWho.Selected != name {
		t.Fatalf("cannot choose %s among %q", name, u.Cells.AdmitWho.Options)
	}
	tapDialog(t, u, "Admit")
}

// accepts has p accept Mara's invitation to the selected cell on their
// own device; the app then shows the sync file that carries it back.
func (w *cellWorld) accepts(t *testing.T, p *core.Service) {
	t.Helper()
	accept(t, w.mara, p, w.u.Cells.Selected.ID)
	w.u.Changed()
}

// votesRules has p vote for rules in the selected cell on their own
// device, and brings the vote to Mara.
func (w *cellWorld) votesRules(t *testing.T, p *core.Service, rules crdt.Policy) {
	t.Helper()
	cell := w.u.Cells.Selected.ID
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
	w.u.Changed()
}

// voteAgainst opens the quiet menu of r and chooses to vote to exclude.
func voteAgainst(t *testing.T, u *UI, r *MemberRow) {
	t.Helper()
	if r.More == nil {
		t.Fatalf("no menu to vote against %s", r.Name.Text)
	}
	test.Tap(r.More)
	if u.Win.Canvas().Overlays().Top() == nil {
		t.Fatal("the menu did not open")
	}
	u.Win.Canvas().Overlays().Top().Hide()
	r.Menu.Items[0].Action()
}

func TestCellsFoundAdmitAndRules(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.Cells

	newCellThroughDialog(t, u, "Garden street")
	if len(s.Views) != 1 || s.Selected == nil || s.Title.Text != "Garden street" {
		t.Fatalf("after founding: %d cells, title %q", len(s.Views), s.Title.Text)
	}
	if got := cellListLine(s.Views[0]); got != "1 member · you are a member" {
		t.Errorf("list line = %q", got)
	}
	if r := row(t, s, "Mara"); r.More != nil || r.Status.Text != "member · founded the cell" {
		t.Errorf("my own row: status %q, menu %v", r.Status.Text, r.More != nil)
	}

	admitThroughDialog(t, u, "Ann")
	if got := row(t, s, "Ann").Status.Text; got != "invited, has not accepted yet · vouched for by you" {
		t.Errorf("Ann before accepting: status %q", got)
	}
	if row(t, s, "Ann").More != nil {
		t.Error("a vote to exclude is offered against someone who has not accepted")
	}
	w.accepts(t, w.ann)
	ann := row(t, s, "Ann")
	if ann.Status.Text != "member · vouched for by you" {
		t.Errorf("Ann: status %q", ann.Status.Text)
	}
	if ann.More == nil || ann.Menu.Items[0].Label != "Vote to exclude Ann…" {
		t.Error("no way to vote to exclude Ann")
	}

	// Two vouches to join, one vote to exclude.
	test.Tap(s.Policy)
	if s.PolicyVouches == nil || s.PolicyVotes == nil {
		t.Fatal("the rules dialog has no choices")
	}
	if s.PolicyVotes.Selected != majority || s.PolicyVouches.Selected != "1" {
		t.Errorf("rules dialog starts at %q / %q", s.PolicyVouches.Selected, s.PolicyVotes.Selected)
	}
	s.PolicyVouches.SetSelected("2")
	s.PolicyVotes.SetSelected("1")
	if !strings.Contains(dialogText(u), "when 2 members vote for the same rules") {
		t.Errorf("the rules dialog does not say how rules change: %q", dialogText(u))
	}
	tapDialog(t, u, "Vote for these rules")
	if p := s.Selected.Policy; p.AdmitVouches != 1 || len(s.Selected.PolicyVotes) != 1 {
		t.Fatalf("one vote of two changed the rules: %+v", p)
	}
	w.votesRules(t, w.ann, crdt.Policy{AdmitVouches: 2, ExcludeQuorum: 1})
	if p := s.Selected.Policy; p.AdmitVouches != 2 || p.ExcludeQuorum != 1 {
		t.Fatalf("policy = %+v", p)
	}
	if !strings.Contains(s.Rules.Text, "2 members vouch") || !strings.Contains(s.Rules.Text, "one other member votes") {
		t.Errorf("rules say %q", s.Rules.Text)
	}

	// Bob now waits for a second vouch, and cannot be chosen again by me.
	admitThroughDialog(t, u, "Bob")
	if got := row(t, s, "Bob").Status.Text; got != "waiting for vouches (1 of 2) · vouched for by you" {
		t.Errorf("Bob: %q", got)
	}
	if !strings.Contains(s.Summary.Text, "1 waiting for vouches") {
		t.Errorf("summary = %q", s.Summary.Text)
	}
	names, _, err := s.admitOptions(s.Selected)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "Cy" {
		t.Errorf("can still admit %q, want only Cy", names)
	}

	// A tap on a name opens the person.
	test.Tap(ann.Name)
	if u.Person == nil {
		t.Error("tapping Ann opened nothing")
	}
}

func TestCellsVoteToExclude(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.Cells
	newCellThroughDialog(t, u, "Market")
	for _, p := range []*core.Service{w.ann, w.bob, w.cy} {
		admitThroughDialog(t, u, p.Card().Pseudonym)
		w.accepts(t, p)
	}

	// Cancelling changes nothing.
	voteAgainst(t, u, row(t, s, "Cy"))
	text := dialogText(u)
	for _, want := range []string{"quiet", "2 of the other members", "nobody sends them the cell again"} {
		if !strings.Contains(text, want) {
			t.Errorf("the confirmation does not say %q: %q", want, text)
		}
	}
	tapDialog(t, u, "Cancel")
	if len(s.Selected.Votes) != 0 {
		t.Fatal("cancel voted")
	}

	voteAgainst(t, u, row(t, s, "Cy"))
	tapDialog(t, u, "Vote to exclude")
	if len(s.Selected.Votes) != 1 || !strings.Contains(s.Votes.Text, "Cy: 1 of 2 needed votes to exclude (you)") {
		t.Errorf("open votes: %q", s.Votes.Text)
	}
	if row(t, s, "Cy").More != nil {
		t.Error("I can vote twice against Cy")
	}
	if !strings.HasPrefix(row(t, s, "Cy").Status.Text, "member ·") {
		t.Error("one vote of two excluded Cy")
	}

	// With a quorum of one, my vote is enough: three of four agree to it.
	quorum1 := crdt.Policy{AdmitVouches: 1, ExcludeQuorum: 1}
	if _, err := w.mara.SetPolicy(s.Selected.ID, quorum1); err != nil {
		t.Fatal(err)
	}
	w.votesRules(t, w.ann, quorum1)
	w.votesRules(t, w.bob, quorum1)
	if s.Selected.Policy != quorum1 {
		t.Fatalf("three votes of four did not change the rules: %+v", s.Selected.Policy)
	}
	voteAgainst(t, u, row(t, s, "Bob"))
	tapDialog(t, u, "Vote to exclude")
	bob := row(t, s, "Bob")
	// Who voted comes first: a narrow row cuts the end of the line.
	if bob.Status.Text != "excluded · voted out by you · vouched for by you" {
		t.Errorf("Bob: %q", bob.Status.Text)
	}
}

func TestCellsLeave(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.Cells
	newCellThroughDialog(t, u, "Choir")
	admitThroughDialog(t, u, "Ann")

	test.Tap(s.Leave)
	if !strings.Contains(dialogText(u), "admit you again") {
		t.Errorf("the leave dialog says %q", dialogText(u))
	}
	tapDialog(t, u, "Stay")
	if s.Selected.Me != crdt.StatusMember {
		t.Fatal("Stay left the cell")
	}
	test.Tap(s.Leave)
	tapDialog(t, u, "Leave")
	if s.Selected.Me != crdt.StatusLeft {
		t.Fatalf("after leaving I am %q", s.Selected.Me)
	}
	if !s.Admit.Disabled() || !s.Leave.Disabled() || !s.Policy.Disabled() {
		t.Error("a former member can still act in the cell")
	}
	if !strings.Contains(cellListLine(s.Views[0]), "you left") {
		t.Errorf("list line = %q", cellListLine(s.Views[0]))
	}
	for _, r := range s.Members {
		if r.More != nil {
			t.Errorf("a former member can vote against %s", r.Name.Text)
		}
	}
}

func TestCellsEmptyAndErrors(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.Cells
	if len(s.Views) != 0 || s.Selected != nil {
		t.Fatalf("a new home shows cells: %v", s.Views)
	}
	if !s.Empty.Visible() || !strings.Contains(s.Empty.Text, "New cell") {
		t.Errorf("the empty screen does not explain what to do: %q", s.Empty.Text)
	}

	newCellThroughDialog(t, u, "   ")
	if len(u.Cells.Views) != 0 {
		t.Fatal("a cell without a name was founded")
	}
	if u.LastError == "" {
		t.Error("no error for an empty cell name")
	}
	tapDialog(t, u, "OK")

	// Admitting when everyone is already in says so.
	newCellThroughDialog(t, u, "All of us")
	for _, name := range []string{"Ann", "Bob", "Cy"} {
		admitThroughDialog(t, u, name)
	}
	test.Tap(u.Cells.Admit)
	if u.Cells.AdmitWho != nil || !strings.Contains(dialogText(u), "already in All of us") {
		t.Errorf("admitting with nobody left: %q", dialogText(u))
	}
}

// TestCellsInvitation: a cell that lists me arrives as an invitation; the
// screen says who invited me, offers only Accept and Turn it down, and
// Accept makes me a member.
func TestCellsInvitation(t *testing.T) {
	w := newCellWorld(t)
	u, s := w.u, w.u.Cells
	v, err := w.ann.NewCell("Garden street")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ann.Admit(v.ID, w.mara.Card().ID()); err != nil {
		t.Fatal(err)
	}
	to := w.mara.Card().ID()
	res, err := w.ann.Export(core.ExportRequest{To: &to, Cells: []crdt.CellID{v.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.mara.Import(context.Background(), res.Data); err != nil {
		t.Fatal(err)
	}
	u.Changed()
	if s.Selected == nil || !s.Selected.Invitation {
		t.Fatal("the cell did not arrive as an invitation")
	}
	if !strings.HasPrefix(s.Summary.Text, "You are invited by Ann.") || !s.invite.Visible() || s.actions.Visible() {
		t.Errorf("invitation screen: %q, answer buttons %v, member actions %v", s.Summary.Text, s.invite.Visible(), s.actions.Visible())
	}
	if got := cellListLine(s.Views[0]); got != "Invitation · open it to accept" {
		t.Errorf("list line = %q", got)
	}
	if _, err := w.mara.Rate(w.ann.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5}, nil); err == nil {
		t.Error("a rating went into a cell I have not accepted")
	}
	test.Tap(s.Accept)
	if s.Selected.Me != crdt.StatusMember || s.Selected.Invitation || s.invite.Visible() || !s.actions.Visible() {
		t.Fatalf("after accepting: %s, invitation %v", s.Selected.Me, s.Selected.Invitation)
	}
}
