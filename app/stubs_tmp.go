package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// StartScreen is the way in.
type StartScreen struct{ u *UI }

func newStartScreen(u *UI) *StartScreen             { return &StartScreen{u: u} }
func (s *StartScreen) Content() fyne.CanvasObject   { return widget.NewLabel("Welcome") }
func (s *StartScreen) unlockWith(passphrase []byte) {}

// PeopleScreen lists people.
type PeopleScreen struct{}

func newPeopleScreen(*UI) *PeopleScreen            { return &PeopleScreen{} }
func (s *PeopleScreen) Content() fyne.CanvasObject { return widget.NewLabel("People") }
func (s *PeopleScreen) Refresh()                   {}

// MeetScreen meets.
type MeetScreen struct{ c fyne.CanvasObject }

func newMeetScreen(*UI) *MeetScreen              { return &MeetScreen{c: widget.NewLabel("Meet")} }
func (s *MeetScreen) Content() fyne.CanvasObject { return s.c }
func (s *MeetScreen) Refresh()                   {}
func (s *MeetScreen) StopScanning()              {}

// YouScreen is you.
type YouScreen struct{}

func newYouScreen(*UI) *YouScreen               { return &YouScreen{} }
func (s *YouScreen) Content() fyne.CanvasObject { return widget.NewLabel("You") }
func (s *YouScreen) Refresh()                   {}

// PersonView is a person.
type PersonView struct{}

func newPersonView(*UI, identity.ID) (*PersonView, error) { return &PersonView{}, nil }
func (s *PersonView) Content() fyne.CanvasObject          { return widget.NewLabel("Person") }
func (s *PersonView) Refresh()                            {}

// RateForm rates.
type RateForm struct{}

func newRateForm(*UI, identity.ID, []crdt.CellID) (*RateForm, error) { return &RateForm{}, nil }
func (s *RateForm) Content() fyne.CanvasObject                       { return widget.NewLabel("Rate") }
