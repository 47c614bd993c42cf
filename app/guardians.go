package app

import (
	"fmt"
	"io"
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"trustdesk/core"
	"trustdesk/export"
	"trustdesk/identity"
)

// GuardiansPanel is the part of the You screen about getting a lost card
// back: my guardians and whether their recovery pieces reached them, the
// pieces I hold for others (with a way to help them), and, on a device
// getting a card back, how many pieces have come.
type GuardiansPanel struct {
	u       *UI
	content *widget.Card
	// card is the id of the card the panel was built for: when an import
	// brings my own card back, the screens are built again.
	card identity.ID

	// Status says who my guardians are, or how to choose them.
	Status *widget.Label
	// Rows lists my guardians, one line each.
	Rows *fyne.Container
	// Choose opens the question that chooses guardians.
	Choose *widget.Button
	// Held lists the recovery pieces I hold for others, each with a
	// button to help them.
	Held *fyne.Container
	// Progress is shown on a device getting a card back.
	Progress *widget.Label

	// Picks are the check boxes of the choose question, by contact, and
	// Need how many are needed.
	Picks map[identity.ID]*widget.Check
	Need  *widget.Select
	// TempCard is where the helper pastes the temporary card.
	TempCard *widget.Entry
}

// newGuardiansPanel builds the panel; Refresh fills it.
func newGuardiansPanel(u *UI) *GuardiansPanel {
	p := &GuardiansPanel{u: u, card: u.Svc.Card().ID()}
	p.Status = wrapped("")
	p.Rows = container.NewVBox()
	p.Held = container.NewVBox()
	p.Progress = wrapped("")
	p.Progress.TextStyle.Bold = true
	p.Choose = widget.NewButtonWithIcon("Choose guardians…", theme.AccountIcon(), p.askChoose)
	p.content = widget.NewCard("Guardians", "", container.NewVBox(p.Progress, p.Status, p.Rows, container.NewHBox(p.Choose), p.Held))
	p.Refresh()
	return p
}

// Content returns the panel.
func (p *GuardiansPanel) Content() fyne.CanvasObject { return p.content }

// Refresh reads the guardians, the pieces held and the recovery afresh.
// When my own card has come back, it builds every screen again.
func (p *GuardiansPanel) Refresh() {
	if p.u.Svc.Card().ID() != p.card {
		p.u.unlocked(p.u.Svc)
		p.u.Tabs.SelectIndex(len(p.u.Tabs.Items) - 1)
		p.u.tell("Your card is back", "This computer holds your own card again, "+p.u.Svc.Card().Pseudonym+
			". Your cells come back as your people send you sync files; your guardians' devices already know to send you everything.")
		return
	}
	if prog, err := p.u.Svc.Recovery(); err == nil {
		p.content.SetTitle("Getting your card back")
		p.Progress.SetText(prog.Sentence())
		p.Progress.Show()
		p.Status.SetText("Meet each of your guardians. Show them the card above, as a QR code or as text, and compare the safety code out loud. " +
			"Each then gives you a sync file: take it in on the Sync screen. When enough have come, this computer holds your own card again.")
		p.Choose.Hide()
		p.Rows.RemoveAll()
		p.Held.RemoveAll()
		return
	}
	p.content.SetTitle("Guardians")
	p.Progress.Hide()
	p.Choose.Show()
	st, err := p.u.Svc.Guardians()
	if err != nil {
		p.Status.SetText(explain(err))
		return
	}
	p.Rows.RemoveAll()
	if len(st.Guardians) == 0 {
		p.Status.SetText("If this computer is lost, your guardians can help you get your card back: people you met and verified in person. " +
			"Each holds a recovery piece; a few of them together bring your card back, one alone learns nothing.")
	} else {
		p.Status.SetText(fmt.Sprintf("%d of your %d guardians together can help you get your card back.", st.Need, len(st.Guardians)))
		for _, g := range st.Guardians {
			text := g.Name + " has your recovery piece."
			if !g.Reached {
				text = g.Name + " does not have it yet: send them a sync file."
			}
			l := wrapped(text)
			if !g.Reached {
				l.Importance = widget.WarningImportance
			}
			p.Rows.Add(l)
		}
		for _, r := range st.Retiring {
			l := wrapped(r.Name + " is no longer a guardian; their next sync file will say they forgot the old piece.")
			l.Importance = widget.LowImportance
			p.Rows.Add(l)
		}
	}
	p.Held.RemoveAll()
	held, err := p.u.Svc.HeldPieces()
	if err != nil {
		p.Held.Add(wrapped(explain(err)))
		return
	}
	for _, h := range held {
		owner := h.Owner
		help := widget.NewButtonWithIcon("Help "+owner.Name+" get their card back…", theme.HelpIcon(), func() { p.askRelease(owner) })
		p.Held.Add(container.NewBorder(nil, nil, nil, help, wrapped(h.Sentence())))
	}
}

// askChoose asks which contacts verified in person become guardians, and
// how many are needed.
func (p *GuardiansPanel) askChoose() {
	contacts, err := p.u.Svc.Contacts()
	if err != nil {
		p.u.ShowError(err)
		return
	}
	st, err := p.u.Svc.Guardians()
	if err != nil {
		p.u.ShowError(err)
		return
	}
	p.Picks = map[identity.ID]*widget.Check{}
	p.Need = widget.NewSelect(nil, nil)
	chosen := func() []identity.ID {
		var ids []identity.ID
		for _, c := range contacts {
			if ch := p.Picks[c.ID()]; ch != nil && ch.Checked {
				ids = append(ids, c.ID())
			}
		}
		return ids
	}
	update := func() {
		n := len(chosen())
		var opts []string
		for k := 2; k <= n; k++ {
			opts = append(opts, strconv.Itoa(k))
		}
		p.Need.SetOptions(opts)
		if n >= 2 {
			p.Need.SetSelected(strconv.Itoa(core.DefaultNeed(n)))
		} else {
			p.Need.ClearSelected()
		}
	}
	list := container.NewVBox()
	for _, c := range contacts {
		if c.Verified != core.InPerson || c.Blocked {
			continue
		}
		ch := widget.NewCheck(c.Name(), func(bool) { update() })
		ch.Checked = slices.ContainsFunc(st.Guardians, func(g core.Guardian) bool { return g.ID == c.ID() })
		p.Picks[c.ID()] = ch
		list.Add(ch)
	}
	update()
	if len(p.Picks) < 2 {
		p.u.tell("Choose guardians", "Guardians are people you met and verified in person. Verify at least two people first, on Meet in person.")
		return
	}
	help := wrapped("Choose people you trust to meet you face to face if you lose this computer. Each gets a recovery piece in your next sync file to them.")
	needRow := container.NewBorder(nil, nil, widget.NewLabel("Needed to get your card back:"), nil, p.Need)
	p.u.ask("Choose guardians", container.NewVBox(help, list, needRow), "Make recovery pieces", func() {
		ids := chosen()
		need, _ := strconv.Atoi(p.Need.Selected)
		if _, err := p.u.Svc.SetGuardians(ids, need); err != nil {
			p.u.ShowError(err)
			return
		}
		p.u.Changed()
		p.u.tell("Guardians chosen", "Your recovery pieces are made. Send each guardian a sync file on the Sync screen: it carries their piece.")
	})
}

// askRelease asks for the temporary card of owner, shows the safety code
// to compare face to face, and writes a sync file carrying the piece.
func (p *GuardiansPanel) askRelease(owner core.Person) {
	p.TempCard = widget.NewMultiLineEntry()
	p.TempCard.SetPlaceHolder("Their temporary card: the text starting with TD1")
	p.TempCard.Wrapping = fyne.TextWrapBreak
	help := wrapped("Only do this face to face. " + owner.Name + " shows you a temporary card on their new computer: copy its text here (or add it on Meet in person first).")
	p.u.ask("Help "+owner.Name+" get their card back", container.NewVBox(help, p.TempCard), "Next", func() {
		res, err := p.u.Svc.AddContact(p.TempCard.Text, "", false)
		if err != nil {
			p.u.ShowError(err)
			return
		}
		c := res.Contact
		code := wrapped("Safety code: " + p.u.Svc.SafetyCode(c) + "\n\nDoes " + owner.Name + "'s screen show this same code? Go on only if it does, and only face to face.")
		p.u.ask("Compare the safety code", code, "It is the same", func() {
			if _, err := p.u.Svc.VerifyContact(c.ID()); err != nil {
				p.u.ShowError(err)
				return
			}
			res, err := p.u.Svc.ReleasePiece(owner.ID, c.ID())
			if err != nil {
				p.u.ShowError(err)
				return
			}
			p.u.Changed()
			p.saveRelease(owner, res.Data)
		})
	})
}

// saveRelease asks where to save the sync file for the temporary card.
func (p *GuardiansPanel) saveRelease(owner core.Person, data []byte) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			p.u.ShowError(err)
			return
		}
		if w == nil {
			return
		}
		if err := p.SaveRelease(w, data); err != nil {
			p.u.ShowError(err)
			return
		}
		p.u.tell("Sync file saved", "Give this file to "+owner.Name+": it carries your recovery piece for their new computer.")
	}, p.u.Win)
	d.SetFileName(export.FileName())
	d.Resize(fyne.NewSize(760, 520))
	d.Show()
}

// SaveRelease writes a release sync file to w and closes it.
func (p *GuardiansPanel) SaveRelease(w io.WriteCloser, data []byte) error {
	_, err := w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}
