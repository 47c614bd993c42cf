package app

import (
	"fmt"
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
)

// RateForm records a rating of one person after meeting them: safety and
// reliability from 1 to 5 with words for each step, tags, a short note,
// the day, and which cells will see it.
type RateForm struct {
	u       *UI
	id      identity.ID
	content fyne.CanvasObject

	// Contact is the person being rated.
	Contact *core.Contact

	// Safety and Reliability offer the five steps, each with its words
	// ([SafetyWords], [ReliabilityWords]).
	Safety, Reliability *widget.RadioGroup
	// Tags are short labels separated by commas.
	Tags *widget.Entry
	// Note is the short note, at most [crdt.MaxNoteRunes] characters.
	Note *widget.Entry
	// Counter says how many characters of the note are used.
	Counter *widget.Label
	// Day is the day of the meeting; it starts at today.
	Day *DayPicker
	// Cells has one box per cell I am a member of; CellIDs are the cells
	// in the same order.
	Cells   []*widget.Check
	CellIDs []crdt.CellID
	// Message says what is missing, if anything.
	Message *widget.Label
	// Save records the rating.
	Save *widget.Button
}

// newRateForm builds the rating form for the contact with id, with cells
// ticked (nil: every cell both of us are members of).
func newRateForm(u *UI, id identity.ID, cells []crdt.CellID) (*RateForm, error) {
	c, err := u.Svc.FindContact(id.String())
	if err != nil {
		return nil, err
	}
	views, err := u.Svc.Cells()
	if err != nil {
		return nil, err
	}
	f := &RateForm{u: u, id: id, Contact: c}
	name := c.Name()

	// A message about what was missing goes once the form changes: it was
	// about the last try to save.
	changed := func(string) {
		if f.Message != nil {
			f.Message.Hide()
		}
	}
	f.Safety = widget.NewRadioGroup(markOptions(SafetyWords), changed)
	f.Reliability = widget.NewRadioGroup(markOptions(ReliabilityWords), changed)
	f.Tags = widget.NewEntry()
	f.Tags.SetPlaceHolder("Optional, separated by commas: e.g. market, childcare, lift")
	f.Note = widget.NewMultiLineEntry()
	f.Note.Wrapping = fyne.TextWrapWord
	f.Note.SetMinRowsVisible(3)
	f.Note.SetPlaceHolder("Optional: what happened, in a sentence or two")
	f.Counter = widget.NewLabel("")
	f.Note.OnChanged = func(s string) {
		f.count()
		changed(s)
	}
	f.Tags.OnChanged = changed
	f.count()
	f.Day = newDayPicker(u.Win)
	f.Day.SetDate(u.now())

	ticked := map[crdt.CellID]bool{}
	for _, id := range cells {
		ticked[id] = true
	}
	cellBox := container.NewVBox()
	for _, v := range views {
		if v.Me != crdt.StatusMember {
			continue
		}
		both := false
		for _, m := range v.Members {
			if m.ID == id && m.Status == crdt.StatusMember {
				both = true
			}
		}
		label := v.Name
		if both {
			label += " (" + name + " is a member)"
		}
		ch := widget.NewCheck(label, nil)
		ch.SetChecked(ticked[v.ID] || (len(cells) == 0 && both))
		f.Cells = append(f.Cells, ch)
		f.CellIDs = append(f.CellIDs, v.ID)
		cellBox.Add(ch)
	}
	cellHelp := wrapped("Only the members of the ticked cells will see this rating. " +
		"The cells you share with " + name + " are ticked already; if you share none, tick the cell whose members should know.")
	cellHelp.Importance = widget.LowImportance
	if len(f.Cells) == 0 {
		cellBox.Add(wrapped("You are in no cell yet, so there is nobody to tell. Found or join a cell on the Cells screen first."))
	}

	f.Message = wrapped("")
	f.Message.Importance = widget.DangerImportance
	f.Message.Hide()
	f.Save = widget.NewButtonWithIcon("Save the rating", theme.ConfirmIcon(), f.save)
	f.Save.Importance = widget.HighImportance

	marks := container.NewGridWithColumns(2,
		container.NewVBox(subheading("Did you feel safe?"), f.Safety),
		container.NewVBox(subheading("Were they reliable?"), f.Reliability))
	form := widget.NewForm(
		widget.NewFormItem("Day", container.NewGridWithColumns(2, f.Day)),
		widget.NewFormItem("Tags", f.Tags),
		widget.NewFormItem("Note", container.NewBorder(nil, f.Counter, nil, nil, f.Note)),
	)
	body := container.NewVBox(
		heading("How was it with "+name+"?"),
		marks,
		widget.NewSeparator(),
		form,
		widget.NewSeparator(),
		subheading("Who will see it"), cellHelp, cellBox,
	)
	bar := container.NewVBox(widget.NewSeparator(), f.Message, container.NewHBox(f.Save))
	f.content = container.NewBorder(nil, container.NewPadded(bar), nil, nil, container.NewVScroll(container.NewPadded(body)))
	return f, nil
}

// Content returns the form's widgets.
func (f *RateForm) Content() fyne.CanvasObject { return f.content }

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
func (f *RateForm) count() {
	n := utf8.RuneCountInString(f.Note.Text)
	f.Counter.SetText(fmt.Sprintf("%d of %d characters", n, crdt.MaxNoteRunes))
	if n > crdt.MaxNoteRunes {
		f.Counter.Importance = widget.DangerImportance
	} else {
		f.Counter.Importance = widget.LowImportance
	}
	f.Counter.Refresh()
}

// save checks the form and records the rating.
func (f *RateForm) save() {
	say := func(msg string) {
		f.Message.SetText(msg)
		f.Message.Show()
	}
	r := crdt.Rating{Safety: markOf(f.Safety), Reliability: markOf(f.Reliability), Note: strings.TrimSpace(f.Note.Text)}
	switch {
	case r.Safety == 0:
		say("Choose how safe you felt, from 1 to 5.")
		return
	case r.Reliability == 0:
		say("Choose how reliable they were, from 1 to 5.")
		return
	case utf8.RuneCountInString(r.Note) > crdt.MaxNoteRunes:
		say(fmt.Sprintf("The note is too long: shorten it to %d characters.", crdt.MaxNoteRunes))
		return
	case f.Day.Date == nil:
		say("Choose the day you met.")
		return
	}
	r.Day = f.Day.Date.Format(time.DateOnly)
	if r.CheckDay(f.u.now()) != nil {
		say("The day you met cannot be in the future.")
		return
	}
	seen := map[string]bool{}
	for _, t := range strings.Split(f.Tags.Text, ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !seen[t] {
			seen[t] = true
			r.Tags = append(r.Tags, t)
		}
	}
	if len(r.Tags) > crdt.MaxTags {
		say(fmt.Sprintf("Use at most %d tags.", crdt.MaxTags))
		return
	}
	var cells []crdt.CellID
	for i, ch := range f.Cells {
		if ch.Checked {
			cells = append(cells, f.CellIDs[i])
		}
	}
	if len(cells) == 0 {
		say("Tick at least one cell that should see the rating.")
		return
	}
	f.Message.Hide()
	views, err := f.u.Svc.Rate(f.id, r, cells)
	if err != nil {
		say(explain(err))
		return
	}
	names := make([]string, len(views))
	for i, v := range views {
		names[i] = v.Name
	}
	if f.u.Rate == f {
		f.u.Back()
	}
	f.u.Changed()
	f.u.tell("Rating saved", "Your rating of "+f.Contact.Name()+" is saved for "+strings.Join(names, ", ")+
		". The other members see it after your next sync.")
}

// now returns the current time from the service options' clock.
func (u *UI) now() time.Time {
	if u.Opts.Core.Now != nil {
		return u.Opts.Core.Now()
	}
	return time.Now()
}

// dayFormat writes a day the same way in every language setting, with the
// month in letters, so that 03/04 can never be read the wrong way round.
const dayFormat = "2 Jan 2006"

// DayPicker shows a day as "21 Nov 2026" on a button that opens a calendar
// to choose another.
type DayPicker struct {
	widget.BaseWidget
	// Date is the chosen day; nil until one is set.
	Date *time.Time
	// Button shows the day and opens the calendar.
	Button *widget.Button
	win    fyne.Window
}

// newDayPicker builds a day picker whose calendar opens over win.
func newDayPicker(win fyne.Window) *DayPicker {
	d := &DayPicker{win: win}
	d.Button = widget.NewButtonWithIcon("Choose a day", theme.CalendarIcon(), d.open)
	d.Button.Alignment = widget.ButtonAlignLeading
	d.ExtendBaseWidget(d)
	return d
}

// SetDate chooses the day of t.
func (d *DayPicker) SetDate(t time.Time) {
	d.Date = &t
	d.Button.SetText(t.Format(dayFormat))
}

// open shows the calendar under the button.
func (d *DayPicker) open() {
	start := time.Now()
	if d.Date != nil {
		start = *d.Date
	}
	var pop *widget.PopUp
	cal := widget.NewCalendar(start, func(t time.Time) {
		pop.Hide()
		d.SetDate(t)
	})
	pop = widget.NewPopUp(cal, d.win.Canvas())
	pop.ShowAtRelativePosition(fyne.NewPos(0, d.Button.Size().Height), d)
}

// CreateRenderer draws the button.
func (d *DayPicker) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(d.Button)
}
