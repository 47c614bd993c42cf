package app

import (
	"bytes"
	"errors"
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
	SortName   = "Name"
	SortSafety = "Safest first"
	SortRecent = "Recently added"
)

// PeopleScreen lists everyone this device knows, with a small reputation
// badge and how their card was checked, and adds new people.
type PeopleScreen struct {
	u       *UI
	content fyne.CanvasObject

	// Search narrows the list to names containing its text.
	Search *widget.Entry
	// Sort chooses the order: [SortName], [SortSafety] or [SortRecent].
	Sort *widget.Select
	// List shows [PeopleScreen.Shown]; tapping a row opens the person.
	List *widget.List
	// Shown are the rows on screen, in order.
	Shown []PersonRow
	// Empty explains what to do when nobody is on the list.
	Empty *widget.Label
	// AddByText adds a person from pasted card text.
	AddByText *widget.Button
	// AddFromPicture adds a person from a picture of their QR code.
	AddFromPicture *widget.Button
	// Legend explains the bars; tapping any bar does too.
	Legend *widget.Button

	// CardText and CardName are the fields of the "Paste a card" dialog
	// while it is open.
	CardText, CardName *dialogEntry

	all []PersonRow
}

// PersonRow is one person on the People list with their score.
type PersonRow struct {
	Contact *core.Contact
	// Score is their reputation, nil if nobody rated them.
	Score *reputation.Score
}

// newPeopleScreen builds the People screen.
func newPeopleScreen(u *UI) *PeopleScreen {
	s := &PeopleScreen{u: u}
	s.Search = widget.NewEntry()
	s.Search.SetPlaceHolder("Search by name")
	s.Search.OnChanged = func(string) { s.filter() }
	s.Sort = widget.NewSelect([]string{SortName, SortSafety, SortRecent}, func(string) { s.filter() })
	s.Sort.SetSelected(SortName)
	s.List = widget.NewList(
		func() int { return len(s.Shown) },
		func() fyne.CanvasObject { return newPersonRowView(u.ShowLegend) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(s.Shown) {
				o.(*personRowView).set(s.Shown[i])
			}
		})
	s.List.OnSelected = func(i widget.ListItemID) {
		s.List.UnselectAll()
		if i < len(s.Shown) {
			u.ShowPerson(s.Shown[i].Contact.ID())
		}
	}
	s.AddByText = widget.NewButtonWithIcon("Paste a card…", theme.ContentPasteIcon(), s.pasteCard)
	s.AddFromPicture = widget.NewButtonWithIcon("Open a picture of a card…", theme.FileImageIcon(), func() {
		openPicture(u, func(_ string, r io.Reader) { s.AddPicture(r) })
	})
	s.Empty = wrapped("Nobody here yet. The best way to add someone is to meet them: open \"Meet in person\" and scan each other's code. " +
		"If they sent you their card as text or as a picture, use the buttons above.")
	s.Empty.Alignment = fyne.TextAlignCenter
	s.Empty.Hide()

	title := heading("People")
	add := container.NewHBox(layout.NewSpacer(), s.AddByText, s.AddFromPicture)
	s.Legend = u.legendButton()
	tools := container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewLabel("Order"), s.Sort, s.Legend), s.Search)
	top := container.NewVBox(container.NewBorder(nil, nil, title, add), tools, widget.NewSeparator())
	s.content = container.NewPadded(container.NewBorder(top, nil, nil, nil, container.NewStack(s.List, container.NewVBox(s.Empty))))
	s.Refresh()
	return s
}

// Content returns the screen's widgets.
func (s *PeopleScreen) Content() fyne.CanvasObject { return s.content }

// Refresh reads the contacts and their scores afresh.
func (s *PeopleScreen) Refresh() {
	contacts, err := s.u.Svc.Contacts()
	if err != nil {
		s.u.ShowError(err)
		return
	}
	rep, err := s.u.Reputation()
	if err != nil {
		s.u.ShowError(err)
	}
	s.all = s.all[:0]
	for _, c := range contacts {
		row := PersonRow{Contact: c}
		if rep != nil {
			row.Score = rep.Person(c.ID().String())
		}
		s.all = append(s.all, row)
	}
	s.filter()
}

// filter applies the search text and the order to the list.
func (s *PeopleScreen) filter() {
	if s.List == nil {
		return
	}
	q := strings.ToLower(strings.TrimSpace(s.Search.Text))
	s.Shown = s.Shown[:0]
	for _, r := range s.all {
		if q == "" || strings.Contains(strings.ToLower(r.Contact.Name()), q) ||
			strings.Contains(strings.ToLower(r.Contact.Card.Pseudonym), q) {
			s.Shown = append(s.Shown, r)
		}
	}
	switch s.Sort.Selected {
	case SortSafety:
		sort.SliceStable(s.Shown, func(i, j int) bool {
			a, b := safetyOf(s.Shown[i].Score), safetyOf(s.Shown[j].Score)
			return a > b
		})
	case SortRecent:
		sort.SliceStable(s.Shown, func(i, j int) bool {
			return s.Shown[i].Contact.Added.After(s.Shown[j].Contact.Added)
		})
	}
	switch {
	case len(s.all) == 0:
		s.Empty.Show()
	case len(s.Shown) == 0:
		s.Empty.SetText("Nobody matches \"" + s.Search.Text + "\".")
		s.Empty.Show()
	default:
		s.Empty.Hide()
	}
	s.List.Refresh()
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
func (s *PeopleScreen) pasteCard() {
	s.CardText = s.u.newDialogMultiLine()
	s.CardText.SetPlaceHolder("Paste the card here. It starts with TD1.")
	s.CardText.Wrapping = fyne.TextWrapBreak
	s.CardText.SetMinRowsVisible(4)
	s.CardName = s.u.newDialogEntry()
	s.CardName.SetPlaceHolder("Optional: how you want to call them")
	note := wrapped("A card that came by message is marked \"Not verified yet\" until you meet and compare the safety code.")
	note.Importance = widget.LowImportance
	body := container.NewVBox(s.CardText, widget.NewForm(widget.NewFormItem("Your name for them", s.CardName)), note)
	s.u.ask("Add a person from their card", body, "Add", func() {
		s.AddCard(s.CardText.Text, s.CardName.Text)
	})
	s.u.Win.Canvas().Focus(s.CardText)
}

// AddPicture reads the card in a picture of its QR code, then asks what to
// call the person before adding them.
func (s *PeopleScreen) AddPicture(r io.Reader) {
	text, err := readCardPicture(r)
	if err != nil {
		s.u.ShowError(err)
		return
	}
	s.askName(text)
}

// askName asks what to call the person on the card in text, then adds
// them.
func (s *PeopleScreen) askName(text string) {
	s.CardText = s.u.newDialogEntry()
	s.CardText.SetText(text)
	s.CardName = s.u.newDialogEntry()
	s.CardName.SetPlaceHolder("Optional: how you want to call them")
	body := widget.NewForm(widget.NewFormItem("Your name for them", s.CardName))
	s.u.ask("A card was found in the picture", body, "Add", func() {
		s.AddCard(text, s.CardName.Text)
	})
	s.u.Win.Canvas().Focus(s.CardName)
}

// AddCard adds the card in text, not checked in person, with the private
// name petname (may be empty), and opens the person.
func (s *PeopleScreen) AddCard(text, petname string) {
	res, err := s.u.Svc.AddContact(text, strings.TrimSpace(petname), false)
	if err != nil {
		s.u.ShowError(err)
		return
	}
	s.u.Changed()
	s.u.ShowPerson(res.Contact.ID())
	if len(res.SameName) > 0 {
		s.u.tell("Same name, different card",
			"You already have someone called "+res.SameName[0].Name()+" with a different card. "+
				"It may be someone else, or their card changed: compare the safety code in person before you rely on it.")
	}
}

// openPicture shows a file dialog for PNG and JPEG pictures and hands the
// chosen one to use.
func openPicture(u *UI, use func(name string, r io.Reader)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			u.ShowError(err)
			return
		}
		if r == nil {
			return
		}
		defer r.Close()
		use(r.URI().Name(), r)
	}, u.Win)
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
// the reputation badge. In a narrow window the row leaves out, in this
// order, the words beside the bars and how much is known, then cuts how
// the card was checked and the name short with an ellipsis.
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
	objects := append([]fyne.CanvasObject{r.name, r.how}, parts...)
	objects = append(objects, widget.NewIcon(theme.NavigateNextIcon()), gap(2))
	items = append([]rowItem{{shrink: 1}, {shrink: 2}}, items...)
	r.content = container.New(&priorityRow{items: items, right: 2}, objects...)
	r.ExtendBaseWidget(r)
	return r
}

// set shows row in the view.
func (r *personRowView) set(row PersonRow) {
	c := row.Contact
	name := c.Name()
	if c.Petname != "" && c.Petname != c.Card.Pseudonym {
		name += " (" + c.Card.Pseudonym + ")"
	}
	r.name.SetText(name)
	how := verifiedWords(c.Verified)
	if c.Blocked {
		how = "Blocked · " + how
	}
	r.how.SetText(how)
	r.badge.set(row.Score)
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
	b.safety.OnTapped, b.reliability.OnTapped = legend, legend
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
				b.known.SetText("1 rating: " + SafetyWords[clampMark(e.Safety)])
				break
			}
		}
	} else {
		b.known.SetText(words.Count(sc.Raters, "rating", "ratings") + ", " + confidenceWords(sc.Confidence))
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
