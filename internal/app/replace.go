package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/internal/words"
)

// replacePanel is the part of the You screen about a taken computer: once
// guardians brought the card back, it offers to replace the card by the
// temporary one they met; on a computer whose card was replaced elsewhere
// it says so.
type replacePanel struct {
	u       *ui
	content *widget.Card

	// status says what happened or what replacing does.
	status *widget.Label
	// replaceButton asks, then replaces my card.
	replaceButton *widget.Button
}

// newReplacePanel builds the panel; Refresh fills it.
func newReplacePanel(u *ui) *replacePanel {
	p := &replacePanel{u: u}
	p.status = wrapped("")
	p.replaceButton = widget.NewButtonWithIcon("Replace my card…", theme.WarningIcon(), p.askReplace)
	p.replaceButton.Importance = widget.WarningImportance
	p.content = widget.NewCard("", "", container.NewVBox(p.status, container.NewHBox(p.replaceButton)))
	p.Refresh()
	return p
}

// Content returns the panel.
func (p *replacePanel) Content() fyne.CanvasObject { return p.content }

// Refresh reads afresh whether the card can be, or was, replaced.
func (p *replacePanel) Refresh() {
	st, err := p.u.svc.Replacement()
	switch {
	case err != nil:
		p.show("Your card", explain(err), false)
	case len(st.Replaced) > 0:
		p.show("Your old card was replaced", st.ReplacedSentence(), false)
		p.status.Importance = widget.DangerImportance
	case st.Ready:
		p.show("If your old computer was taken",
			fmt.Sprintf("Your card is back on this computer. If someone has your old computer and may know its passphrase, replace your card by the temporary card "+
				"your guardians met (%s of them confirmed it). In your cells, what the old card says from then on counts for nothing, "+
				"and your memberships, vouches and ratings pass to the new card. If the old computer was only lost, you need not do this.", words.Number(st.Confirmed)), true)
	case len(st.Previous) > 0:
		p.show("Your old card was replaced", st.PreviousSentence(), false)
	default:
		p.content.Hide()
	}
}

func (p *replacePanel) show(title, text string, offer bool) {
	p.content.SetTitle(title)
	p.status.Importance = widget.MediumImportance
	p.status.SetText(text)
	p.replaceButton.Hidden = !offer
	p.content.Show()
	p.content.Refresh()
}

// askReplace asks before replacing: it cannot be undone.
func (p *replacePanel) askReplace() {
	body := wrapped("From then on this computer uses your new card, and your old card stops counting in your cells, for good, " +
		"as soon as people there get a sync file from you. It cannot be undone.")
	p.u.ask("Replace your card?", body, "Replace my card", p.replace)
}

// replace replaces the card and shows the screens of the new card.
func (p *replacePanel) replace() {
	u := p.u
	var res *core.ReplaceResult
	u.busyThen("Replacing your card…", func() error {
		var err error
		res, err = u.svc.ReplaceCard()
		return err
	}, func(err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.unlocked(u.svc)
		u.tabs.SelectIndex(len(u.tabs.Items) - 1)
		u.tell("Your card was replaced", res.Sentence()+" Make a sync file for each of these cells now, so that everyone there gets it. "+
			"Then choose your guardians again: they protect your new card.")
	})
}
