package app

import (
	"cmp"
	"fmt"
	"image/color"
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

// personView shows one person: their card, how it was checked, the safety
// code to compare, their reputation with the ratings behind it, whom they
// vouched for, and what can be done about them.
type personView struct {
	u       *ui
	id      identity.ID
	content fyne.CanvasObject
	body    *fyne.Container

	// contact is the person as this device knows them.
	contact *core.Contact
	// score is their reputation, nil if nobody rated them.
	score *reputation.Score

	// name is the heading with the name this device shows for them.
	name *widget.Label
	// card says what their card says and your name for them.
	card *widget.Label
	// verified says how their card was checked.
	verified *widget.Label
	// replaced says, one line a cell, where their card was replaced or
	// replaced an old one, and which guardians confirmed it.
	replaced []*widget.Label
	// code is the safety code to compare, 12 groups of 5 digits.
	code *safetyCode
	// ratings lists the ratings behind the score, one line each.
	ratings []*widget.RichText
	// badge is the bars of their score, nil when nobody rated them.
	badge *badge
	// vouchLabels lists whom they vouched for, one line each.
	vouchLabels []*widget.Label

	// rate opens the rating form.
	rate *widget.Button
	// verifyButton marks the card as checked in person, after comparing the code.
	verifyButton *widget.Button
	// renameButton changes your private name for them.
	renameButton *widget.Button
	// blockButton blocks them, or unblocks them if they are blocked.
	blockButton *widget.Button
	// removeButton forgets them.
	removeButton *widget.Button
	// newName is the field of the rename question while it is open.
	newName *dialogEntry
}

// newPersonView builds the view of the contact with id.
func newPersonView(u *ui, id identity.ID) (*personView, error) {
	p := &personView{u: u, id: id}
	p.name = heading("")
	p.card = wrapped("")
	p.verified = wrapped("")
	p.code = newSafetyCode()
	p.rate = widget.NewButtonWithIcon("Rate", theme.DocumentCreateIcon(), func() { u.showRate(id, nil) })
	p.rate.Importance = widget.HighImportance
	p.verifyButton = widget.NewButtonWithIcon("The code matches…", theme.ConfirmIcon(), p.verify)
	p.renameButton = widget.NewButtonWithIcon("Rename…", theme.DocumentCreateIcon(), p.rename)
	p.blockButton = widget.NewButtonWithIcon("Block…", theme.CancelIcon(), p.block)
	p.removeButton = widget.NewButtonWithIcon("Remove…", theme.DeleteIcon(), p.remove)
	p.body = container.NewVBox()
	p.content = container.NewVScroll(container.NewPadded(p.body))
	if err := p.load(); err != nil {
		return nil, err
	}
	return p, nil
}

// Content returns the view's widgets.
func (p *personView) Content() fyne.CanvasObject { return p.content }

// Refresh reads the person afresh. If they were removed, the view closes.
func (p *personView) Refresh() {
	if err := p.load(); err != nil {
		if p.u.person == p {
			p.u.back()
		}
	}
}

// title is the name at the top of c's page: as on the People list, with
// the start of their card's id when another of the user's people (or the
// user) has a name that looks like theirs, so that two pages of "Ines"
// are told apart.
func (p *personView) title(c *core.Contact) string {
	own, err := p.u.svc.OwnContacts()
	if err != nil {
		return c.Name()
	}
	if !slices.ContainsFunc(own, func(o *core.Contact) bool { return o.ID() == c.ID() }) {
		own = append(own, c)
	}
	if p.u.svc.ContactLabels(own)[c.ID()] != c.Name() {
		return c.Name() + " · " + c.ID().String()[:8]
	}
	return c.Name()
}

// load reads the contact and their score and lays out the view.
func (p *personView) load() error {
	c, err := p.u.svc.FindContact(p.id.String())
	if err != nil {
		return err
	}
	p.contact = c
	p.score = nil
	if rep, err := p.u.reputation(); err == nil {
		p.score = rep.Person(p.id.String())
	}

	p.name.SetText(p.title(c))
	card := "Their card says " + c.Card.Pseudonym + "."
	if c.Petname != "" && c.Petname != c.Card.Pseudonym {
		card += " You call them " + c.Petname + "."
	}
	card += " Added on " + dayWords(c.Added) + "."
	p.card.SetText(card)
	status := verifiedWords(c.Verified) + ". " + verifiedHelp(c.Verified)
	if c.Blocked {
		status = "Blocked: they get nothing from you and their ratings do not count. " + status
	}
	p.verified.SetText(status)
	rs, err := p.u.svc.Replacements(p.id)
	if err != nil {
		return err
	}
	p.replaced = p.replaced[:0]
	for _, r := range rs {
		p.replaced = append(p.replaced, wrapped(r.Sentence(p.id)))
	}
	p.code.setCode(p.u.svc.SafetyCode(c))
	if c.Verified == core.InPerson {
		p.verifyButton.Hide()
	} else {
		p.verifyButton.Show()
	}
	if c.Blocked {
		p.blockButton.SetText("Unblock…")
	} else {
		p.blockButton.SetText("Block…")
	}

	codeHelp := wrapped("When you meet, both open this page. If the numbers on both screens are the same, the card is really theirs. " + compareAllWords)
	codeHelp.Importance = widget.LowImportance
	p.code.hint.Hide() // said in codeHelp, beside the code

	actions := container.NewHBox(p.rate, p.verifyButton, p.renameButton, layout.NewSpacer(), p.blockButton, p.removeButton)
	p.body.Objects = []fyne.CanvasObject{p.name, p.card, p.verified}
	for _, l := range p.replaced {
		p.body.Objects = append(p.body.Objects, l)
	}
	p.body.Objects = append(p.body.Objects, actions,
		widget.NewSeparator(),
		codeBeside(p.code, container.NewVBox(subheading("Safety code"), codeHelp)),
		widget.NewSeparator(),
		subheading("What people say"), p.reputation(),
		widget.NewSeparator(),
		subheading("Whom they vouched for"), p.vouches(),
	)
	p.body.Refresh()
	return nil
}

// codeBeside puts what is said about a safety code to the right of it,
// where a card's page has room, so that what follows (what people say)
// is seen without scrolling on a small screen with large text; in a
// narrow window it goes below the code.
func codeBeside(code *safetyCode, words fyne.CanvasObject) fyne.CanvasObject {
	room := canvas.NewRectangle(color.Transparent)
	room.SetMinSize(fyne.NewSize(codeWordsWidth, 0))
	return container.New(&sideBySide{}, code, container.NewStack(room, words))
}

// codeWordsWidth is the narrowest the words beside a safety code get.
const codeWordsWidth = 260

// reputation lays out the score and the ratings behind it.
func (p *personView) reputation() fyne.CanvasObject {
	sc := p.score
	p.ratings = nil
	p.badge = nil
	if sc == nil || len(sc.Ratings) == 0 {
		l := wrapped("Nobody in your cells has rated " + p.contact.Name() + " yet.")
		l.Importance = widget.LowImportance
		return l
	}
	b := newBadge(p.u.showLegend)
	b.set(sc)
	p.badge = b
	box := container.NewVBox(container.NewBorder(nil, nil, nil, p.u.legendButton(), b.row()), wrapped(sc.Summary))
	for _, w := range sc.Warnings {
		l := wrapped(fmt.Sprintf("%s, in %s, about %s: %s. Shown, not counted: you know little or nothing about them.",
			capitalize(w.Rater), w.Cell, dayWords(w.Day), safetyWords[clampMark(w.Safety)]))
		l.Importance = widget.DangerImportance
		box.Add(l)
	}
	for _, r := range newestFirst(sc.Ratings) {
		who := fmt.Sprintf("%s, in %s, about %s: ", capitalize(r.Rater), r.Cell, dayWords(r.Day))
		what := fmt.Sprintf("%s, %s. %s.", safetyWords[clampMark(r.Safety)], reliabilityWords[clampMark(r.Reliability)], weightWords(r))
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
		p.ratings = append(p.ratings, l)
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
func (p *personView) vouches() fyne.CanvasObject {
	p.vouchLabels = nil
	if p.score == nil || len(p.score.VouchedFor) == 0 {
		l := wrapped(p.contact.Name() + " has not vouched for anyone in your cells.")
		l.Importance = widget.LowImportance
		return l
	}
	box := container.NewVBox()
	for _, v := range p.score.VouchedFor {
		l := widget.NewLabel(v.Name + ": " + words.Status(v.Status))
		if v.Status == reputation.StatusExcluded || v.Status == reputation.StatusFlagged {
			l.Importance = widget.DangerImportance
		}
		p.vouchLabels = append(p.vouchLabels, l)
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
func (p *personView) verify() {
	code := newSafetyCode()
	code.setCode(p.u.svc.SafetyCode(p.contact))
	help := wrapped("Meet " + p.contact.Name() + " and compare this code with the one on their screen, group by group. Only mark it if every digit is the same.")
	p.u.ask("Compare the safety code", container.NewVBox(help, container.NewCenter(code)), "It matches — mark as verified in person", func() {
		if _, err := p.u.svc.VerifyContact(p.id); err != nil {
			p.u.showError(err)
			return
		}
		p.u.changed()
	})
}

// rename asks for a new private name.
func (p *personView) rename() {
	p.newName = p.u.newDialogEntry()
	p.newName.SetText(p.contact.Name())
	help := wrapped("Only you see this name. Their card still says " + p.contact.Card.Pseudonym + ".")
	help.Importance = widget.LowImportance
	p.u.ask("Your name for them", container.NewVBox(p.newName, help), "Save", func() {
		if _, err := p.u.svc.RenameContact(p.id, strings.TrimSpace(p.newName.Text)); err != nil {
			p.u.showError(err)
			return
		}
		p.u.changed()
	})
	p.u.win.Canvas().Focus(p.newName)
}

// block asks before blocking or unblocking.
func (p *personView) block() {
	name := p.contact.Name()
	if p.contact.Blocked {
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
func (p *personView) setBlocked(b bool) {
	if _, err := p.u.svc.SetBlocked(p.id, b); err != nil {
		p.u.showError(err)
		return
	}
	p.u.changed()
}

// remove asks before forgetting the person.
func (p *personView) remove() {
	name := p.contact.Name()
	p.u.ask("Remove "+name+"?", wrapped("Their card is forgotten on this computer. What they said in your cells stays there. To stop hearing from them, block them instead."), "Remove", func() {
		if err := p.u.svc.RemoveContact(p.id); err != nil {
			p.u.showError(err)
			return
		}
		p.u.changed()
	})
}

// safetyCode shows a safety code large, in three lines of four groups, so
// two people can read it out to each other.
type safetyCode struct {
	widget.BaseWidget
	// lines are the three lines of the code.
	lines [3]*canvas.Text
	// hint says, under the code, to compare all of it.
	hint    *widget.Label
	content fyne.CanvasObject
}

// compareAllWords is the line under every safety code: each group depends
// on both cards, and people tend to stop after the first row.
const compareAllWords = "Compare all three rows: every group checks both cards."

// newSafetyCode builds an empty safety code.
func newSafetyCode() *safetyCode {
	s := &safetyCode{}
	box := container.NewVBox()
	for i := range s.lines {
		t := canvas.NewText("", theme.Color(theme.ColorNameForeground))
		t.TextStyle = fyne.TextStyle{Monospace: true, Bold: true}
		t.TextSize = 24 // large, yet beside a card's code on a small screen with large text
		s.lines[i] = t
		box.Add(t)
	}
	s.hint = wrapped(compareAllWords)
	s.hint.Importance = widget.LowImportance
	box.Add(s.hint)
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = 8
	s.content = container.NewStack(bg, container.NewPadded(container.NewPadded(box)))
	s.ExtendBaseWidget(s)
	return s
}

// setCode shows code, 12 groups of 5 digits separated by spaces.
func (s *safetyCode) setCode(code string) {
	groups := strings.Fields(code)
	for i := range s.lines {
		lo, hi := min(i*4, len(groups)), min(i*4+4, len(groups))
		s.lines[i].Text = strings.Join(groups[lo:hi], "  ")
		s.lines[i].Refresh()
	}
}

// text returns the code as shown, one line per row.
func (s *safetyCode) text() string {
	var b strings.Builder
	for i, l := range s.lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.Text)
	}
	return b.String()
}

// CreateRenderer draws the code.
func (s *safetyCode) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(s.content)
}
