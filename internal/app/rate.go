package app

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
)

// rateForm records a rating of one person after meeting them: safety and
// reliability from 1 to 5 with words for each step, tags, a short note,
// the day, and which cells will see it.
type rateForm struct {
	u       *ui
	id      identity.ID
	content fyne.CanvasObject

	// contact is the person being rated.
	contact *core.Contact

	// safety and Reliability offer the five steps, each with its words
	// ([safetyWords], [reliabilityWords]).
	safety, reliability *widget.RadioGroup
	// tags are short labels separated by commas.
	tags *widget.Entry
	// note is the short note, at most [crdt.MaxNoteRunes] characters.
	note *widget.Entry
	// counter says how many characters of the note are used.
	counter *widget.Label
	// day is the day of the meeting; it starts at today.
	day *dayPicker
	// cells has one box per cell I am a member of; cellIDs are the cells
	// in the same order.
	cells   []*widget.Check
	cellIDs []crdt.CellID
	// labels names every cell as everywhere else (core.CellLabels).
	labels map[crdt.CellID]string
	// message says what is missing, if anything.
	message *widget.Label
	// saveButton records the rating.
	saveButton *widget.Button
}

// newRateForm builds the rating form for the contact with id, with cells
// ticked (nil: every cell both of us are members of).
func newRateForm(u *ui, id identity.ID, cells []crdt.CellID) (*rateForm, error) {
	c, err := u.svc.FindContact(id.String())
	if err != nil {
		return nil, err
	}
	views, err := u.svc.Cells()
	if err != nil {
		return nil, err
	}
	f := &rateForm{u: u, id: id, contact: c}
	f.newFields()
	cellBox := f.newCellChecks(views, cells)
	f.content = f.layout(cellBox)
	return f, nil
}

// newFields makes the marks, tags, note and day, each of which hides the
// message about what was missing once it changes: the message was about
// the last try to save.
func (f *rateForm) newFields() {
	changed := func(string) {
		if f.message != nil {
			f.message.Hide()
		}
	}
	f.safety = widget.NewRadioGroup(markOptions(safetyWords), changed)
	f.reliability = widget.NewRadioGroup(markOptions(reliabilityWords), changed)
	f.tags = widget.NewEntry()
	f.tags.SetPlaceHolder("Optional, separated by commas: e.g. market, childcare, lift")
	f.note = widget.NewMultiLineEntry()
	f.note.Wrapping = fyne.TextWrapWord
	f.note.SetMinRowsVisible(3)
	f.note.SetPlaceHolder("Optional: what happened, in a sentence or two")
	f.counter = widget.NewLabel("")
	f.note.OnChanged = func(s string) {
		f.count()
		changed(s)
	}
	f.tags.OnChanged = changed
	f.count()
	f.day = newDayPicker(f.u.win)
	f.day.setDate(f.u.now())
}

// newCellChecks makes one box for each of views I am a member of, ticked
// when its id is in ticked or, with none given, when the person rated is a
// member too, and returns them in a column (or a hint, if there are none).
func (f *rateForm) newCellChecks(views []*core.CellView, ticked []crdt.CellID) *fyne.Container {
	cellBox := container.NewVBox()
	f.labels = core.CellLabels(views)
	for _, v := range views {
		if v.Me != crdt.StatusMember {
			continue
		}
		both := isMember(v, f.id)
		label := f.labels[v.ID]
		if both {
			label += " (" + f.contact.Name() + " is a member)"
		}
		ch := widget.NewCheck(label, nil)
		ch.SetChecked(slices.Contains(ticked, v.ID) || (len(ticked) == 0 && both))
		f.cells = append(f.cells, ch)
		f.cellIDs = append(f.cellIDs, v.ID)
		cellBox.Add(ch)
	}
	if len(f.cells) == 0 {
		cellBox.Add(wrapped("You are in no cell yet, so there is nobody to tell. Found or join a cell on the Cells screen first."))
	}
	return cellBox
}

// isMember reports whether id is a member of v now.
func isMember(v *core.CellView, id identity.ID) bool {
	for _, m := range v.Members() {
		if m.ID == id && m.Status == crdt.StatusMember {
			return true
		}
	}
	return false
}

// layout puts the form together: the marks side by side, then day, tags
// and note, then who will see it, in a scroll above a save bar that
// always shows.
func (f *rateForm) layout(cellBox fyne.CanvasObject) fyne.CanvasObject {
	name := f.contact.Name()
	cellHelp := wrapped("Only the members of the ticked cells will see this rating. " +
		"The cells you share with " + name + " are ticked already; if you share none, tick the cell whose members should know.")
	cellHelp.Importance = widget.LowImportance

	f.message = wrapped("")
	f.message.Importance = widget.DangerImportance
	f.message.Hide()
	f.saveButton = widget.NewButtonWithIcon("Save the rating", theme.ConfirmIcon(), f.save)
	f.saveButton.Importance = widget.HighImportance

	marks := container.NewGridWithColumns(2,
		container.NewVBox(subheading("Did you feel safe?"), f.safety),
		container.NewVBox(subheading("Were they reliable?"), f.reliability))
	form := widget.NewForm(
		widget.NewFormItem("Day", container.NewGridWithColumns(2, f.day)),
		widget.NewFormItem("Tags", f.tags),
		widget.NewFormItem("Note", container.NewBorder(nil, f.counter, nil, nil, f.note)),
	)
	body := container.NewVBox(
		heading("How was it with "+name+"?"),
		marks,
		widget.NewSeparator(),
		form,
		widget.NewSeparator(),
		subheading("Who will see it"), cellHelp, cellBox,
	)
	bar := container.NewVBox(widget.NewSeparator(), f.message, container.NewHBox(f.saveButton))
	return container.NewBorder(nil, container.NewPadded(bar), nil, nil, container.NewVScroll(container.NewPadded(body)))
}

// Content returns the form's widgets.
func (f *rateForm) Content() fyne.CanvasObject { return f.content }

// markOptions lists the five steps as "1 · felt unsafe" and so on.
func markOptions(words [6]string) []string {
	out := make([]string, 5)
	for i := 1; i <= 5; i++ {
		out[i-1] = fmt.Sprintf("%d · %s", i, words[i])
	}
	return out
}

// markOf returns the step chosen in g, 0 if none.
func markOf(g *widget.RadioGroup) int {
	for i, o := range g.Options {
		if o == g.Selected {
			return i + 1
		}
	}
	return 0
}

// count updates the note's character counter.
func (f *rateForm) count() {
	n := utf8.RuneCountInString(f.note.Text)
	f.counter.SetText(fmt.Sprintf("%s of %s characters", words.Number(n), words.Number(crdt.MaxNoteRunes)))
	if n > crdt.MaxNoteRunes {
		f.counter.Importance = widget.DangerImportance
	} else {
		f.counter.Importance = widget.LowImportance
	}
	f.counter.Refresh()
}

// save checks the form and records the rating.
func (f *rateForm) save() {
	say := func(msg string) {
		f.message.SetText(msg)
		f.message.Show()
	}
	r := crdt.Rating{Safety: markOf(f.safety), Reliability: markOf(f.reliability), Note: strings.TrimSpace(f.note.Text)}
	switch {
	case r.Safety == 0:
		say("Choose how safe you felt, from 1 to 5.")
		return
	case r.Reliability == 0:
		say("Choose how reliable they were, from 1 to 5.")
		return
	case utf8.RuneCountInString(r.Note) > crdt.MaxNoteRunes:
		say(fmt.Sprintf("The note is too long: shorten it to %s characters.", words.Number(crdt.MaxNoteRunes)))
		return
	case f.day.date == nil:
		say("Choose the day you met.")
		return
	}
	r.Day = f.day.date.Format(time.DateOnly)
	if r.CheckDay(f.u.now()) != nil {
		say("The day you met cannot be in the future.")
		return
	}
	seen := map[string]bool{}
	for _, t := range strings.Split(f.tags.Text, ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !seen[t] {
			seen[t] = true
			r.Tags = append(r.Tags, t)
		}
	}
	if len(r.Tags) > crdt.MaxTags {
		say(fmt.Sprintf("Use at most %s tags.", words.Number(crdt.MaxTags)))
		return
	}
	var cells []crdt.CellID
	for i, ch := range f.cells {
		if ch.Checked {
			cells = append(cells, f.cellIDs[i])
		}
	}
	if len(cells) == 0 {
		say("Tick at least one cell that should see the rating.")
		return
	}
	f.message.Hide()
	views, err := f.u.svc.Rate(f.id, r, cells)
	if err != nil {
		say(explain(err))
		return
	}
	names := make([]string, len(views))
	for i, v := range views {
		names[i] = v.Name
		if l, ok := f.labels[v.ID]; ok {
			names[i] = l
		}
	}
	if f.u.rate == f {
		f.u.back()
	}
	f.u.changed()
	f.u.tell("Rating saved", "Your rating of "+f.contact.Name()+" is saved for "+strings.Join(names, ", ")+
		". The other members see it after your next sync.")
}

// now returns the current time from the service options' clock.
func (u *ui) now() time.Time {
	if u.opts.Core.Now != nil {
		return u.opts.Core.Now()
	}
	return time.Now()
}

// dayFormat writes a day the same way in every language setting, with the
// month in letters, so that 03/04 can never be read the wrong way round.
const dayFormat = "2 Jan 2006"

// dayPicker shows a day as "21 Nov 2026" on a button that opens a calendar
// to choose another.
type dayPicker struct {
	widget.BaseWidget
	// date is the chosen day; nil until one is set.
	date *time.Time
	// button shows the day and opens the calendar.
	button *widget.Button
	win    fyne.Window
}

// newDayPicker builds a day picker whose calendar opens over win.
func newDayPicker(win fyne.Window) *dayPicker {
	d := &dayPicker{win: win}
	d.button = widget.NewButtonWithIcon("Choose a day", theme.CalendarIcon(), d.open)
	d.button.Alignment = widget.ButtonAlignLeading
	d.ExtendBaseWidget(d)
	return d
}

// setDate chooses the day of t.
func (d *dayPicker) setDate(t time.Time) {
	d.date = &t
	d.button.SetText(t.Format(dayFormat))
}

// open shows the calendar under the button.
func (d *dayPicker) open() {
	start := time.Now()
	if d.date != nil {
		start = *d.date
	}
	var pop *widget.PopUp
	cal := widget.NewCalendar(start, func(t time.Time) {
		pop.Hide()
		d.setDate(t)
	})
	pop = widget.NewPopUp(cal, d.win.Canvas())
	pop.ShowAtRelativePosition(fyne.NewPos(0, d.button.Size().Height), d)
}

// CreateRenderer draws the button.
func (d *dayPicker) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(d.button)
}
