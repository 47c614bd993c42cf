package app

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	_ "image/jpeg" // pictures of cards may be JPEG
	_ "image/png"  // or PNG
	"io"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/export/qr"
	"trustdesk/internal/words"
	"trustdesk/reputation"
)

// The ways the People list can be sorted.
const (
	sortName   = "Name"
	sortSafety = "Safest first"
	sortRecent = "Recently added"
)

// peopleScreen lists everyone this device knows, with a small reputation
// badge and how their card was checked, and adds new people.
type peopleScreen struct {
	u       *ui
	content fyne.CanvasObject

	// search narrows the list to names containing its text.
	search *widget.Entry
	// sort chooses the order: [sortName], [sortSafety] or [sortRecent].
	sort *widget.Select
	// list shows [peopleScreen.Shown]; tapping a row opens the person.
	list *widget.List
	// shownRows are the rows on screen, in order.
	shownRows []personRow
	// empty explains what to do when nobody is on the list.
	empty *widget.Label
	// addByText adds a person from pasted card text.
	addByText *widget.Button
	// addFromPicture adds a person from a picture of their QR code.
	addFromPicture *widget.Button
	// legend explains the bars; tapping any bar does too.
	legend *widget.Button
	// everyone adds the people only introduced through a cell to the list,
	// as a search does: anyone in a cell can publish thousands of cards,
	// so the list first shows only the people the user added, met, named
	// or blocked, and anyone someone they trust found unsafe.
	everyone *widget.Check
	// withEveryone is set while all holds everyone.
	withEveryone bool

	// cardText and cardName are the fields of the "Paste a card" dialog
	// while it is open.
	cardText, cardName *dialogEntry

	all []personRow
}

// personRow is one person on the People list with their score.
type personRow struct {
	contact *core.Contact
	// score is their reputation, nil if nobody rated them.
	score *reputation.Score
	// alike is set when another person's name (or "you") looks like
	// theirs: the row then shows the start of their id as well.
	alike bool
}

// newPeopleScreen builds the People screen.
func newPeopleScreen(u *ui) *peopleScreen {
	s := &peopleScreen{u: u}
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder("Search by name")
	s.search.OnChanged = func(string) {
		if s.wantEveryone() != s.withEveryone {
			s.Refresh()
			return
		}
		s.filter()
	}
	s.everyone = widget.NewCheck(everyoneText, func(bool) { s.Refresh() })
	// Few people introduced (any real cell): show them from the start, as
	// their reputation is what the list is for. Thousands (someone
	// publishing cards by the thousand): only when asked for.
	if n, err := u.svc.IntroducedCount(); err == nil && n <= everyoneAtStart {
		s.everyone.Checked = true
	}
	s.sort = widget.NewSelect([]string{sortName, sortSafety, sortRecent}, func(string) { s.filter() })
	s.sort.SetSelected(sortName)
	s.list = widget.NewList(
		func() int { return len(s.shownRows) },
		func() fyne.CanvasObject { return newPersonRowView(u.showLegend) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(s.shownRows) {
				o.(*personRowView).set(s.shownRows[i])
			}
		})
	s.list.OnSelected = func(i widget.ListItemID) {
		s.list.UnselectAll()
		if i < len(s.shownRows) {
			u.showPerson(s.shownRows[i].contact.ID())
		}
	}
	s.addByText = widget.NewButtonWithIcon("Paste a card…", theme.ContentPasteIcon(), s.pasteCard)
	s.addFromPicture = widget.NewButtonWithIcon("Open a picture of a card…", theme.FileImageIcon(), func() {
		openPicture(u, func(_ string, r io.Reader) { s.addPicture(r) })
	})
	s.empty = wrapped("Nobody here yet. The best way to add someone is to meet them: open \"Meet in person\" and scan each other's code. " +
		"If they sent you their card as text or as a picture, use the buttons above.")
	s.empty.Alignment = fyne.TextAlignCenter
	s.empty.Hide()

	title := heading("People")
	add := container.NewHBox(layout.NewSpacer(), s.addByText, s.addFromPicture)
	s.legend = u.legendButton()
	tools := container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewLabel("Order"), s.sort, s.legend), s.search)
	top := container.NewVBox(container.NewBorder(nil, nil, title, add), tools, s.everyone, widget.NewSeparator())
	s.content = container.NewPadded(container.NewBorder(top, nil, nil, nil, container.NewStack(s.list, container.NewVBox(s.empty))))
	s.Refresh()
	return s
}

// Content returns the screen's widgets.
func (s *peopleScreen) Content() fyne.CanvasObject { return s.content }

// everyoneText is the label of the box that adds the people only
// introduced through a cell to the list.
const everyoneText = "Show people introduced through your cells"

// everyoneAtStart is how many people introduced through a cell the
// People list shows from the start; with more, it shows them when asked,
// except those found unsafe, whom it always shows.
var everyoneAtStart = 500

// wantEveryone reports whether the list should hold the people only
// introduced through a cell: when asked for, or while searching.
func (s *peopleScreen) wantEveryone() bool {
	return s.everyone.Checked || strings.TrimSpace(s.search.Text) != ""
}

// Refresh reads the contacts and their scores afresh.
func (s *peopleScreen) Refresh() {
	rep, err := s.u.reputation()
	if err != nil {
		s.u.showError(err)
	}
	s.withEveryone = s.wantEveryone()
	var contacts []*core.Contact
	if s.withEveryone {
		contacts, err = s.u.svc.Contacts()
	} else {
		// The people found unsafe stay on the list whatever the number
		// of people introduced: a flood of cards must not hide them.
		// The most strongly flagged come first; the rest are one
		// click away, counted on the box that shows them.
		var more int
		contacts, more, err = s.u.svc.OwnContactsAndFlagged(rep)
		s.everyone.Text = everyoneText
		if more > 0 {
			s.everyone.Text = fmt.Sprintf("%s (%s more found unsafe)", everyoneText, words.Number(more))
		}
		s.everyone.Refresh()
	}
	if err != nil {
		s.u.showError(err)
		return
	}
	labels := s.u.svc.ContactLabels(contacts) // look-alike names told apart
	s.all = s.all[:0]
	for _, c := range contacts {
		row := personRow{contact: c, alike: labels[c.ID()] != c.Name()}
		if rep != nil {
			row.score = rep.Person(c.ID().String())
		}
		s.all = append(s.all, row)
	}
	s.filter()
}

// filter applies the search text and the order to the list.
func (s *peopleScreen) filter() {
	if s.list == nil {
		return
	}
	q := strings.ToLower(strings.TrimSpace(s.search.Text))
	s.shownRows = s.shownRows[:0]
	for _, r := range s.all {
		if q == "" || strings.Contains(strings.ToLower(r.contact.Name()), q) ||
			strings.Contains(strings.ToLower(r.contact.Card.Pseudonym), q) {
			s.shownRows = append(s.shownRows, r)
		}
	}
	switch s.sort.Selected {
	case sortSafety:
		sort.SliceStable(s.shownRows, func(i, j int) bool {
			a, b := safetyOf(s.shownRows[i].score), safetyOf(s.shownRows[j].score)
			return a > b
		})
	case sortRecent:
		sort.SliceStable(s.shownRows, func(i, j int) bool {
			return s.shownRows[i].contact.Added.After(s.shownRows[j].contact.Added)
		})
	}
	switch {
	case len(s.all) == 0:
		s.empty.Show()
	case len(s.shownRows) == 0:
		s.empty.SetText("Nobody matches \"" + s.search.Text + "\".")
		s.empty.Show()
	default:
		s.empty.Hide()
	}
	s.list.Refresh()
}

// safetyOf returns a score's place for sorting, as the command line sorts:
// the cautious score, unrated people after rated ones, people flagged
// unsafe last ([reputation.Score.Rank]).
func safetyOf(sc *reputation.Score) float64 {
	if sc == nil {
		return 0
	}
	return sc.Rank()
}

// pasteCard asks for card text and a name, then adds the person.
func (s *peopleScreen) pasteCard() {
	s.cardText = s.u.newDialogMultiLine()
	s.cardText.SetPlaceHolder("Paste the card here. It starts with TD1.")
	s.cardText.Wrapping = fyne.TextWrapBreak
	s.cardText.SetMinRowsVisible(4)
	s.cardName = s.u.newDialogEntry()
	s.cardName.SetPlaceHolder("Optional: how you want to call them")
	note := wrapped("A card that came by message is marked \"Not verified yet\" until you meet and compare the safety code.")
	note.Importance = widget.LowImportance
	body := container.NewVBox(s.cardText, widget.NewForm(widget.NewFormItem("Your name for them", s.cardName)), note)
	s.u.ask("Add a person from their card", body, "Add", func() {
		s.addCard(s.cardText.Text, s.cardName.Text)
	})
	s.u.win.Canvas().Focus(s.cardText)
}

// addPicture reads the card in a picture of its QR code, then asks what to
// call the person before adding them.
func (s *peopleScreen) addPicture(r io.Reader) {
	text, err := readCardPicture(r)
	if err != nil {
		s.u.showError(err)
		return
	}
	s.askName(text)
}

// askName asks what to call the person on the card in text, then adds
// them.
func (s *peopleScreen) askName(text string) {
	s.cardText = s.u.newDialogEntry()
	s.cardText.SetText(text)
	s.cardName = s.u.newDialogEntry()
	s.cardName.SetPlaceHolder("Optional: how you want to call them")
	body := widget.NewForm(widget.NewFormItem("Your name for them", s.cardName))
	s.u.ask("A card was found in the picture", body, "Add", func() {
		s.addCard(text, s.cardName.Text)
	})
	s.u.win.Canvas().Focus(s.cardName)
}

// addCard adds the card in text, not checked in person, with the private
// name petname (may be empty), and opens the person.
func (s *peopleScreen) addCard(text, petname string) {
	res, err := s.u.svc.AddContact(text, strings.TrimSpace(petname), false)
	if err != nil {
		s.u.showError(err)
		return
	}
	s.u.changed()
	s.u.showPerson(res.Contact.ID())
	if len(res.SameName) > 0 {
		s.u.tell("Same name, different card",
			"You already have someone called "+res.SameName[0].Name()+" with a different card. "+
				"It may be someone else, or their card changed: compare the safety code in person before you rely on it.")
	}
}

// openPicture shows a file dialog for PNG and JPEG pictures and hands the
// chosen one to use.
func openPicture(u *ui, use func(name string, r io.Reader)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if r == nil {
			return
		}
		defer r.Close()
		use(r.URI().Name(), r)
	}, u.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".PNG", ".JPG", ".JPEG"}))
	d.Resize(fyne.NewSize(760, 520))
	d.Show()
}

// errNotCard says a picture's QR code holds something other than a card.
var errNotCard = errors.New("that code is not a trustdesk card: ask the other person to show the code on their You or Meet in person screen")

// readCardPicture reads the card in a picture of a QR code.
func readCardPicture(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return "", qr.ErrNoCode
	}
	img, err := qr.LoadImage(bytes.NewReader(data))
	if err != nil {
		return "", qr.ErrNoCode
	}
	data, err = qr.ReadImage(img)
	if err != nil {
		return "", err
	}
	if !looksLikeCard(data) {
		return "", errNotCard
	}
	return strings.TrimSpace(string(data)), nil
}

// looksLikeCard reports whether a QR code's text starts like a card.
func looksLikeCard(data []byte) bool {
	return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(string(data))), "TD1")
}

// gap returns empty room width pixels wide, such as room for a scroll bar.
func gap(width float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(width, 1))
	return r
}

// heading returns a large bold label.
func heading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameHeadingText
	return l
}

// subheading returns a medium bold label.
func subheading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// personRowView is one row of the People list: name, how checked, and
// the reputation badge. In a narrow window the row leaves out how much
// is known, then how the card was checked (the person's page says both),
// then cuts the name short with an ellipsis, then any warning; the words
// beside the bars stay, so the bars of every row keep their words and
// line up at the right.
type personRowView struct {
	widget.BaseWidget
	name    *clipLabel
	how     *clipLabel
	badge   *badge
	content fyne.CanvasObject
}

// newPersonRowView builds an empty row; its bars open legend.
func newPersonRowView(legend func()) *personRowView {
	r := &personRowView{
		name:  newClipLabel(""),
		how:   newClipLabel(""),
		badge: newBadge(legend),
	}
	r.name.TextStyle.Bold = true
	r.how.Importance = widget.LowImportance
	parts, items := r.badge.parts()
	for i, o := range parts {
		switch o {
		case r.badge.known:
			items[i] = rowItem{drop: 2}
		case r.badge.safetyWord, r.badge.reliabilityWord:
			items[i] = rowItem{}
		case r.badge.flags:
			items[i] = rowItem{shrink: 1}
		}
	}
	objects := append([]fyne.CanvasObject{r.name, r.how}, parts...)
	objects = append(objects, widget.NewIcon(theme.NavigateNextIcon()), gap(2))
	items = append([]rowItem{{shrink: 2}, {drop: 1}}, items...)
	r.content = container.New(&priorityRow{items: items, right: 2}, objects...)
	r.ExtendBaseWidget(r)
	return r
}

// set shows row in the view.
func (r *personRowView) set(row personRow) {
	c := row.contact
	name := c.Name()
	if c.Petname != "" && c.Petname != c.Card.Pseudonym {
		name += " (" + c.Card.Pseudonym + ")"
	}
	if row.alike {
		// How their card was learned is beside it already.
		name += " · " + c.ID().String()[:8]
	}
	r.name.SetText(name)
	how := verifiedWords(c.Verified)
	if c.Blocked {
		how = "Blocked · " + how
	}
	r.how.SetText(how)
	r.badge.set(row.score)
	// The row shares its room out by the lengths of the new words.
	r.content.Refresh()
}

// CreateRenderer draws the row.
func (r *personRowView) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.content)
}

// badge is the small reputation summary: a safety bar, a reliability bar,
// how much is known and any flags. When room is short it leaves out the
// words beside the bars first, then how much is known; the warning stays.
type badge struct {
	safety, reliability *meter
	known               *widget.Label
	warn                *widget.Icon
	flags               *clipLabel
	safetyWord          *widget.Label
	reliabilityWord     *widget.Label
}

// newBadge builds an empty badge whose bars open legend when tapped.
func newBadge(legend func()) *badge {
	b := &badge{safety: newMeter(), reliability: newMeter(), known: widget.NewLabel(""), flags: newClipLabel(""),
		warn: widget.NewIcon(theme.NewErrorThemedResource(theme.WarningIcon()))}
	b.safety.onTapped, b.reliability.onTapped = legend, legend
	b.known.Importance = widget.LowImportance
	b.flags.Importance = widget.DangerImportance
	b.flags.TextStyle.Bold = true
	small := func(s string) *widget.Label {
		l := widget.NewLabel(s)
		l.SizeName = theme.SizeNameCaptionText
		return l
	}
	b.safetyWord, b.reliabilityWord = small("Safety"), small("Reliability")
	return b
}

// row lays the badge out on its own.
func (b *badge) row() fyne.CanvasObject {
	parts, items := b.parts()
	return container.New(&priorityRow{items: items, right: len(parts)}, parts...)
}

// labelledRow is [badge.row] for a row beside a name that may be long
// (a look-alike's, with how their card was checked): short of room, it
// leaves out how much is known before the words beside the bars, so the
// bars stay labelled; the person's page says how much is known. It keeps
// to its right edge, so the bars of rows one above the other line up
// whatever each row leaves out.
func (b *badge) labelledRow() fyne.CanvasObject {
	parts, items := b.parts()
	for i, o := range parts {
		switch o {
		case b.known:
			items[i].drop = 2
		case b.safetyWord, b.reliabilityWord:
			items[i].drop = 1
		}
	}
	return container.New(&priorityRow{items: items}, parts...)
}

// parts returns the badge's objects in order and how a [priorityRow]
// treats each, for a row that holds the badge beside other things
// instead of [badge.row].
func (b *badge) parts() ([]fyne.CanvasObject, []rowItem) {
	return []fyne.CanvasObject{b.warn, b.flags, b.known, b.safetyWord, b.safety, b.reliabilityWord, b.reliability},
		[]rowItem{{}, {shrink: 3}, {drop: 1}, {drop: 2}, {}, {drop: 2}, {}}
}

// set shows sc (nil: no ratings).
func (b *badge) set(sc *reputation.Score) {
	if sc == nil || sc.Safety == nil {
		b.safety.set(nil)
		b.reliability.set(nil)
		b.known.SetText("no ratings yet")
		b.flags.SetText("")
		b.warn.Hide()
		b.flags.Hide()
		return
	}
	b.safety.set(sc.Safety)
	b.reliability.set(sc.Reliability)
	if sc.Raters == 1 {
		// Thin evidence: what the one rating said, not just a number.
		b.known.SetText("1 rating")
		for _, e := range sc.Ratings {
			if e.Weight > 0 {
				b.known.SetText("1 rating: " + safetyWords[clampMark(e.Safety)])
				break
			}
		}
	} else {
		b.known.SetText(words.Count(sc.Raters, "rating", "ratings") + ", " + sc.EvidenceWords())
	}
	if sc.Flags > 0 {
		b.flags.SetText(words.Count(sc.Flags, "person", "people") + " felt unsafe")
		b.warn.Show()
		b.flags.Show()
	} else {
		b.warn.Hide()
		b.flags.Hide()
	}
}
