package app

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/identity"
	"trustdesk/internal/words"
	"trustdesk/reputation"
)

// PersonView shows one person: their card, how it was checked, the safety
// code to compare, their reputation with the ratings behind it, whom they
// vouched for, and what can be done about them.
type PersonView struct {
	u       *UI
	id      identity.ID
	content fyne.CanvasObject
	body    *fyne.Container

	// Contact is the person as this device knows them.
	Contact *core.Contact
	// Score is their reputation, nil if nobody rated them.
	Score *reputation.Score

	// Name is the heading with the name this device shows for them.
	Name *widget.Label
	// Card says what their card says and your name for them.
	Card *widget.Label
	// Verified says how their card was checked.
	Verified *widget.Label
	// Code is the safety code to compare, 12 groups of 5 digits.
	Code *SafetyCode
	// Ratings lists the ratings behind the score, one line each.
	Ratings []*widget.RichText
	// Badge is the bars of their score, nil when nobody rated them.
	Badge *badge
	// Vouches lists whom they vouched for, one line each.
	Vouches []*widget.Label

	// Rate opens the rating form.
	Rate *widget.Button
	// Verify marks the card as checked in person, after comparing the code.
	Verify *widget.Button
	// Rename changes your private name for them.
	Rename *widget.Button
	// Block blocks them, or unblocks them if they are blocked.
	Block *widget.Button
	// Remove forgets them.
	Remove *widget.Button
	// NewName is the field of the rename question while it is open.
	NewName *dialogEntry
}

// newPersonView builds the view of the contact with id.
func newPersonView(u *UI, id identity.ID) (*PersonView, error) {
	p := &PersonView{u: u, id: id}
	p.Name = heading("")
	p.Card = wrapped("")
	p.Verified = wrapped("")
	p.Code = newSafetyCode()
	p.Rate = widget.NewButtonWithIcon("Rate", theme.DocumentCreateIcon(), func() { u.ShowRate(id, nil) })
	p.Rate.Importance = widget.HighImportance
	p.Verify = widget.NewButtonWithIcon("The code matches…", theme.ConfirmIcon(), p.verify)
	p.Rename = widget.NewButtonWithIcon("Rename…", theme.DocumentCreateIcon(), p.rename)
	p.Block = widget.NewButtonWithIcon("Block…", theme.CancelIcon(), p.block)
	p.Remove = widget.NewButtonWithIcon("Remove…", theme.DeleteIcon(), p.remove)
	p.body = container.NewVBox()
	p.content = container.NewVScroll(container.NewPadded(p.body))
	if err := p.load(); err != nil {
		return nil, err
	}
	return p, nil
}

// Content returns the view's widgets.
func (p *PersonView) Content() fyne.CanvasObject { return p.content }

// Refresh reads the person afresh. If they were removed, the view closes.
func (p *PersonView) Refresh() {
	if err := p.load(); err != nil {
		if p.u.Person == p {
			p.u.Back()
		}
	}
}

// load reads the contact and their score and lays out the view.
func (p *PersonView) load() error {
	c, err := p.u.Svc.FindContact(p.id.String())
	if err != nil {
		return err
	}
	p.Contact = c
	p.Score = nil
	if rep, err := p.u.Reputation(); err == nil {
		p.Score = rep.Person(p.id.String())
	}

	p.Name.SetText(c.Name())
	card := "Their card says " + c.Card.Pseudonym + "."
	if c.Petname != "" && c.Petname != c.Card.Pseudonym {
		card += " You call them " + c.Petname + "."
	}
	card += " Added on " + dayWords(c.Added) + "."
	p.Card.SetText(card)
	status := verifiedWords(c.Verified) + ". " + verifiedHelp(c.Verified)
	if c.Blocked {
		status = "Blocked: they get nothing from you and their ratings do not count. " + status
	}
	p.Verified.SetText(status)
	p.Code.SetCode(p.u.Svc.SafetyCode(c))
	if c.Verified == core.InPerson {
		p.Verify.Hide()
	} else {
		p.Verify.Show()
	}
	if c.Blocked {
		p.Block.SetText("Unblock…")
	} else {
		p.Block.SetText("Block…")
	}

	codeHelp := wrapped("When you meet, both open this page. If the numbers on both screens are the same, the card is really theirs.")
	codeHelp.Importance = widget.LowImportance

	actions := container.NewHBox(p.Rate, p.Verify, p.Rename, layout.NewSpacer(), p.Block, p.Remove)
	p.body.Objects = []fyne.CanvasObject{
		p.Name, p.Card, p.Verified, actions,
		widget.NewSeparator(),
		subheading("Safety code"), codeHelp, container.NewHBox(p.Code),
		widget.NewSeparator(),
		subheading("What people say"), p.reputation(),
		widget.NewSeparator(),
		subheading("Whom they vouched for"), p.vouches(),
	}
	p.body.Refresh()
	return nil
}

// reputation lays out the score and the ratings behind it.
func (p *PersonView) reputation() fyne.CanvasObject {
	sc := p.Score
	p.Ratings = nil
	p.Badge = nil
	if sc == nil || len(sc.Ratings) == 0 {
		l := wrapped("Nobody in your cells has rated " + p.Contact.Name() + " yet.")
		l.Importance = widget.LowImportance
		return l
	}
	b := newBadge(p.u.ShowLegend)
	b.set(sc)
	p.Badge = b
	box := container.NewVBox(container.NewBorder(nil, nil, nil, p.u.legendButton(), b.row()), wrapped(sc.Summary))
	for _, w := range sc.Warnings {
		l := wrapped(fmt.Sprintf("%s, in %s, about %s: %s. Shown, not counted: you know little or nothing about them.",
			capitalize(w.Rater), w.Cell, dayWords(w.Day), SafetyWords[clampMark(w.Safety)]))
		l.Importance = widget.DangerImportance
		box.Add(l)
	}
	for _, r := range newestFirst(sc.Ratings) {
		who := fmt.Sprintf("%s, in %s, about %s: ", capitalize(r.Rater), r.Cell, dayWords(r.Day))
		what := fmt.Sprintf("%s, %s. %s.", SafetyWords[clampMark(r.Safety)], ReliabilityWords[clampMark(r.Reliability)], weightWords(r))
		if len(r.Tags) > 0 {
			what += " Tags: " + strings.Join(r.Tags, ", ") + "."
		}
		if r.Note != "" {
			what += " “" + r.Note + "”"
		}
		colour := theme.ColorNameForeground
		if r.Weight == 0 {
			colour = theme.ColorNameDisabled
		}
		l := widget.NewRichText(
			&widget.TextSegment{Text: who, Style: widget.RichTextStyle{Inline: true, ColorName: colour, TextStyle: fyne.TextStyle{Bold: true}}},
			&widget.TextSegment{Text: what, Style: widget.RichTextStyle{Inline: true, ColorName: colour}},
		)
		l.Wrapping = fyne.TextWrapWord
		p.Ratings = append(p.Ratings, l)
		box.Add(l)
	}
	return box
}

// newestFirst returns the ratings sorted by the day of the interaction,
// newest first; on the same day, the one that counts more first.
func newestFirst(ratings []reputation.Explained) []reputation.Explained {
	out := slices.Clone(ratings)
	slices.SortStableFunc(out, func(a, b reputation.Explained) int {
		if c := b.Day.Compare(a.Day); c != 0 {
			return c
		}
		return cmp.Compare(b.Weight, a.Weight)
	})
	return out
}

// vouches lays out the person's vouching record.
func (p *PersonView) vouches() fyne.CanvasObject {
	p.Vouches = nil
	if p.Score == nil || len(p.Score.VouchedFor) == 0 {
		l := wrapped(p.Contact.Name() + " has not vouched for anyone in your cells.")
		l.Importance = widget.LowImportance
		return l
	}
	box := container.NewVBox()
	for _, v := range p.Score.VouchedFor {
		l := widget.NewLabel(v.Name + ": " + words.Status(v.Status))
		if v.Status == reputation.StatusExcluded || v.Status == reputation.StatusFlagged {
			l.Importance = widget.DangerImportance
		}
		p.Vouches = append(p.Vouches, l)
		box.Add(l)
	}
	return box
}

// capitalize upper-cases the first letter of s ("you" starts a line as
// "You").
func capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

// clampMark keeps a mark within 1..5 for looking up its words.
func clampMark(m int) int { return max(1, min(5, m)) }

// weightWords says how much a rating counts and why, as a share of the
// viewer's own rating, the same figure the command line shows.
func weightWords(e reputation.Explained) string {
	var s string
	switch w := e.Weight; {
	case w <= 0:
		s = "Does not count"
	case w < 0.005:
		s = "Counts less than 1% as much as your own rating"
	default:
		s = fmt.Sprintf("Counts %.0f%% as much as your own rating", 100*w)
	}
	if e.Why != "" {
		s += ": " + words.Why(e.Why)
	}
	return s
}

// verify asks whether the codes matched, then marks the card as checked.
func (p *PersonView) verify() {
	code := newSafetyCode()
	code.SetCode(p.u.Svc.SafetyCode(p.Contact))
	help := wrapped("Meet " + p.Contact.Name() + " and compare this code with the one on their screen, group by group. Only mark it if every digit is the same.")
	p.u.ask("Compare the safety code", container.NewVBox(help, container.NewCenter(code)), "It matches — mark as verified in person", func() {
		if _, err := p.u.Svc.VerifyContact(p.id); err != nil {
			p.u.ShowError(err)
			return
		}
		p.u.Changed()
	})
}

// rename asks for a new private name.
func (p *PersonView) rename() {
	p.NewName = p.u.newDialogEntry()
	p.NewName.SetText(p.Contact.Name())
	help := wrapped("Only you see this name. Their card still says " + p.Contact.Card.Pseudonym + ".")
	help.Importance = widget.LowImportance
	p.u.ask("Your name for them", container.NewVBox(p.NewName, help), "Save", func() {
		if _, err := p.u.Svc.RenameContact(p.id, strings.TrimSpace(p.NewName.Text)); err != nil {
			p.u.ShowError(err)
			return
		}
		p.u.Changed()
	})
	p.u.Win.Canvas().Focus(p.NewName)
}

// block asks before blocking or unblocking.
func (p *PersonView) block() {
	name := p.Contact.Name()
	if p.Contact.Blocked {
		p.u.ask("Unblock "+name+"?", wrapped("Their ratings will count again and you can send them sync files."), "Unblock", func() {
			p.setBlocked(false)
		})
		return
	}
	p.u.ask("Block "+name+"?", wrapped("They are not told. You will send them nothing, and what they say about others no longer counts for you. You can unblock them later."), "Block", func() {
		p.setBlocked(true)
	})
}

// setBlocked blocks or unblocks the person.
func (p *PersonView) setBlocked(b bool) {
	if _, err := p.u.Svc.SetBlocked(p.id, b); err != nil {
		p.u.ShowError(err)
		return
	}
	p.u.Changed()
}

// remove asks before forgetting the person.
func (p *PersonView) remove() {
	name := p.Contact.Name()
	p.u.ask("Remove "+name+"?", wrapped("Their card is forgotten on this computer. What they said in your cells stays there. To stop hearing from them, block them instead."), "Remove", func() {
		if err := p.u.Svc.RemoveContact(p.id); err != nil {
			p.u.ShowError(err)
			return
		}
		p.u.Changed()
	})
}

// SafetyCode shows a safety code large, in three lines of four groups, so
// two people can read it out to each other.
type SafetyCode struct {
	widget.BaseWidget
	// Lines are the three lines of the code.
	Lines [3]*canvas.Text
	// Hint says, under the code, to compare all of it.
	Hint    *widget.Label
	content fyne.CanvasObject
}

// compareAllWords is the line under every safety code: each group depends
// on both cards, and people tend to stop after the first row.
const compareAllWords = "Compare all three rows: every group checks both cards."

// newSafetyCode builds an empty safety code.
func newSafetyCode() *SafetyCode {
	s := &SafetyCode{}
	box := container.NewVBox()
	for i := range s.Lines {
		t := canvas.NewText("", theme.Color(theme.ColorNameForeground))
		t.TextStyle = fyne.TextStyle{Monospace: true, Bold: true}
		t.TextSize = 24 // large, yet beside a card's code on a small screen with large text
		s.Lines[i] = t
		box.Add(t)
	}
	s.Hint = wrapped(compareAllWords)
	s.Hint.Importance = widget.LowImportance
	box.Add(s.Hint)
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = 8
	s.content = container.NewStack(bg, container.NewPadded(container.NewPadded(box)))
	s.ExtendBaseWidget(s)
	return s
}

// SetCode shows code, 12 groups of 5 digits separated by spaces.
func (s *SafetyCode) SetCode(code string) {
	groups := strings.Fields(code)
	for i := range s.Lines {
		lo, hi := min(i*4, len(groups)), min(i*4+4, len(groups))
		s.Lines[i].Text = strings.Join(groups[lo:hi], "  ")
		s.Lines[i].Refresh()
	}
}

// Text returns the code as shown, one line per row.
func (s *SafetyCode) Text() string {
	var b strings.Builder
	for i, l := range s.Lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.Text)
	}
	return b.String()
}

// CreateRenderer draws the code.
func (s *SafetyCode) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(s.content)
}
