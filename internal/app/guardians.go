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
	"trustdesk/internal/words"
)

// guardiansPanel is the part of the You screen about getting a lost card
// back: my guardians and whether their recovery pieces reached them, the
// pieces I hold for others (with a way to help them), and, on a device
// getting a card back, how many pieces have come.
type guardiansPanel struct {
	u       *ui
	content *widget.Card
	// card is the id of the card the panel was built for: when an import
	// brings my own card back, the screens are built again.
	card identity.ID

	// status says who my guardians are, or how to choose them.
	status *widget.Label
	// rows lists my guardians, one line each.
	rows *fyne.Container
	// choose opens the question that chooses guardians.
	choose *widget.Button
	// held lists the recovery pieces I hold for others, each with a
	// button to help them.
	held *fyne.Container
	// progress is shown on a device getting a card back.
	progress *widget.Label

	// picks are the check boxes of the choose question, by contact, and
	// Need how many are needed.
	picks map[identity.ID]*widget.Check
	need  *widget.Select
	// tempCard is where the helper pastes the temporary card.
	tempCard *widget.Entry
	// agreeCode is where a guardian types the code of a change of
	// guardians they agree to.
	agreeCode *widget.Entry
}

// newGuardiansPanel builds the panel; Refresh fills it.
func newGuardiansPanel(u *ui) *guardiansPanel {
	p := &guardiansPanel{u: u, card: u.svc.Card().ID()}
	p.status = wrapped("")
	p.rows = container.NewVBox()
	p.held = container.NewVBox()
	p.progress = wrapped("")
	p.progress.TextStyle.Bold = true
	p.choose = widget.NewButtonWithIcon("Choose guardians…", theme.AccountIcon(), p.askChoose)
	p.content = widget.NewCard("Guardians", "", container.NewVBox(p.progress, p.status, p.rows, container.NewHBox(p.choose), p.held))
	p.Refresh()
	return p
}

// Content returns the panel.
func (p *guardiansPanel) Content() fyne.CanvasObject { return p.content }

// Refresh reads the guardians, the pieces held and the recovery afresh.
// When my own card has come back, it builds every screen again.
func (p *guardiansPanel) Refresh() {
	if p.u.svc.Card().ID() != p.card {
		p.u.unlocked(p.u.svc)
		p.u.tabs.SelectIndex(len(p.u.tabs.Items) - 1)
		p.u.tell("Your card is back", "This computer holds your own card again, "+p.u.svc.Card().Pseudonym+
			". Your cells come back as your people send you sync files; your guardians' devices already know to send you everything.")
		return
	}
	if prog, err := p.u.svc.Recovery(); err == nil {
		p.content.SetTitle("Getting your card back")
		p.progress.SetText(prog.Sentence())
		p.progress.Show()
		p.status.SetText("Meet each of your guardians on the Meet in person screen: scan each other's code and compare the safety code out loud. " +
			"Each then gives you a sync file: take it in on the Sync screen. Pieces count only from guardians you met this way. " +
			"When enough have come, this computer holds your own card again.")
		p.choose.Hide()
		p.rows.RemoveAll()
		p.held.RemoveAll()
		return
	}
	p.content.SetTitle("Guardians")
	p.progress.Hide()
	p.choose.Show()
	st, err := p.u.svc.Guardians()
	if err != nil {
		p.status.SetText(explain(err))
		return
	}
	p.rows.RemoveAll()
	if len(st.Guardians) == 0 {
		p.status.SetText("If this computer is lost, your guardians can help you get your card back: people you met and verified in person. " +
			"Each holds a recovery piece; a few of them together bring your card back, one alone learns nothing.")
	} else {
		p.status.SetText(fmt.Sprintf("%s of your %s guardians together can help you get your card back.", words.Number(st.Need), words.Number(len(st.Guardians))))
		name := p.namer()
		for _, g := range st.Guardians {
			text := name(g.Person) + " has your recovery piece."
			if !g.Reached {
				text = name(g.Person) + " does not have it yet: send them a sync file."
			}
			if g.Replaced {
				text = g.Name + "'s card was replaced by a new one: the old computer that holds your piece may be in other hands. Choose your guardians again."
			}
			l := wrapped(text)
			if !g.Reached || g.Replaced {
				l.Importance = widget.WarningImportance
			}
			p.rows.Add(l)
		}
		for _, r := range st.Retiring {
			l := wrapped(name(r) + " is no longer a guardian; their next sync file will say they forgot the old piece.")
			l.Importance = widget.LowImportance
			p.rows.Add(l)
		}
		if st.Pending != nil {
			l := wrapped(pendingSentence(st))
			l.Importance = widget.WarningImportance
			p.rows.Add(l)
		}
	}
	p.held.RemoveAll()
	held, err := p.u.svc.HeldPieces()
	if err != nil {
		p.held.Add(wrapped(explain(err)))
		return
	}
	for _, h := range held {
		owner := h.Owner
		help := widget.NewButtonWithIcon("Help "+owner.Name+" get their card back…", theme.HelpIcon(), func() { p.askRelease(owner) })
		p.held.Add(container.NewBorder(nil, nil, nil, help, wrapped(h.Sentence())))
	}
	asked, err := p.u.svc.AskedChanges()
	if err != nil {
		p.held.Add(wrapped(explain(err)))
		return
	}
	for _, a := range asked {
		owner := a.Owner
		label, sentence := "Agree…", owner.Name+" asks you to agree to their new guardians. Agree only when you meet them in person."
		if a.Agreed {
			label, sentence = "Make the sync file again…", "You agreed to "+owner.Name+"'s new guardians; the change is made once enough of their guardians agree."
		}
		agree := widget.NewButtonWithIcon(label, theme.ConfirmIcon(), func() { p.askAgree(owner) })
		p.held.Add(container.NewBorder(nil, nil, nil, agree, wrapped(sentence)))
	}
}

// pendingSentence says what a change of guardians waits for: the
// agreement of the guardians in force, whom it names.
func pendingSentence(st *core.GuardianStatus) string {
	pg := st.Pending
	var present []string
	for _, g := range st.Guardians {
		present = append(present, g.Name)
	}
	var names []string
	for _, g := range pg.Guardians {
		names = append(names, g.Name)
	}
	agreed := "nobody yet"
	if len(pg.Agreed) > 0 {
		var a []string
		for _, g := range pg.Agreed {
			a = append(a, g.Name)
		}
		agreed = words.JoinAnd(a)
	}
	return fmt.Sprintf("Your new guardians (%s) take over once %s of your present guardians (%s) agree, each meeting you in person and typing this code on their computer: %s. Agreed so far: %s.",
		words.JoinAnd(names), words.Number(pg.Needed), words.JoinAnd(present), pg.Code, agreed)
}

// askAgree asks for the code owner's screen shows for their change of
// guardians, and writes a sync file carrying my agreement.
func (p *guardiansPanel) askAgree(owner core.Person) {
	p.agreeCode = widget.NewEntry()
	p.agreeCode.SetPlaceHolder("The code on " + owner.Name + "'s screen")
	help := wrapped("Only do this face to face. " + owner.Name + "'s screen shows a code for their new guardians: type it here.")
	p.u.ask("Agree to "+owner.Name+"'s new guardians", container.NewVBox(help, p.agreeCode), "Agree", func() {
		res, err := p.u.svc.AgreeToChange(owner.ID, p.agreeCode.Text)
		if err != nil {
			p.u.showError(err)
			return
		}
		p.saveFile(owner, res.Data, "Give this file to "+owner.Name+": it says you agree to their new guardians.")
	})
}

// namer returns how the panel names a person: as the People list does,
// told apart from anyone whose name looks like theirs, or by the name
// core gave when they are not among the contacts.
func (p *guardiansPanel) namer() func(core.Person) string {
	contacts, err := p.u.svc.Contacts()
	if err != nil {
		return func(g core.Person) string { return g.Name }
	}
	names := p.u.svc.ContactLabels(contacts)
	return func(g core.Person) string {
		if n, ok := names[g.ID]; ok {
			return n
		}
		return g.Name
	}
}

// askChoose asks which contacts verified in person become guardians, and
// how many are needed.
func (p *guardiansPanel) askChoose() {
	contacts, err := p.u.svc.Contacts()
	if err != nil {
		p.u.showError(err)
		return
	}
	st, err := p.u.svc.Guardians()
	if err != nil {
		p.u.showError(err)
		return
	}
	p.picks = map[identity.ID]*widget.Check{}
	p.need = widget.NewSelect(nil, nil)
	chosen := func() []identity.ID {
		var ids []identity.ID
		for _, c := range contacts {
			if ch := p.picks[c.ID()]; ch != nil && ch.Checked {
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
		p.need.SetOptions(opts)
		if n >= 2 {
			p.need.SetSelected(strconv.Itoa(core.DefaultNeed(n)))
		} else {
			p.need.ClearSelected()
		}
	}
	list := container.NewVBox()
	names := p.u.svc.ContactLabels(contacts) // look-alike names told apart
	for _, c := range contacts {
		if c.Verified != core.InPerson || c.Blocked {
			continue
		}
		ch := widget.NewCheck(names[c.ID()], func(bool) { update() })
		ch.Checked = slices.ContainsFunc(st.Guardians, func(g core.Guardian) bool { return g.ID == c.ID() })
		p.picks[c.ID()] = ch
		list.Add(ch)
	}
	update()
	if len(p.picks) < 2 {
		p.u.tell("Choose guardians", "Guardians are people you met and verified in person. Verify at least two people first, on Meet in person.")
		return
	}
	help := wrapped("Choose people you trust to meet you face to face if you lose this computer. Each gets a recovery piece in your next sync file to them.")
	needRow := container.NewBorder(nil, nil, widget.NewLabel("Needed to get your card back:"), nil, p.need)
	p.u.ask("Choose guardians", container.NewVBox(help, list, needRow), "Make recovery pieces", func() {
		ids := chosen()
		need, _ := strconv.Atoi(p.need.Selected)
		st, err := p.u.svc.SetGuardians(ids, need)
		if err != nil {
			p.u.showError(err)
			return
		}
		p.u.changed()
		if st.Pending != nil {
			p.u.tell("Your guardians must agree", "Your guardians count in your cells, so nobody who takes this computer can swap them. "+pendingSentence(st)+
				" Send each of them a sync file on the Sync screen first; take in the file each one gives you.")
			return
		}
		p.u.tell("Guardians chosen", "Your recovery pieces are made. Send each guardian a sync file on the Sync screen: it carries their piece.")
	})
}

// askRelease asks for the temporary card of owner, shows the safety code
// to compare face to face, and writes a sync file carrying the piece.
func (p *guardiansPanel) askRelease(owner core.Person) {
	p.tempCard = widget.NewMultiLineEntry()
	p.tempCard.SetPlaceHolder("Their temporary card: the text starting with TD1")
	p.tempCard.Wrapping = fyne.TextWrapBreak
	help := wrapped("Only do this face to face. " + owner.Name + " shows you a temporary card on their new computer: copy its text here (or add it on Meet in person first).")
	p.u.ask("Help "+owner.Name+" get their card back", container.NewVBox(help, p.tempCard), "Next", func() {
		res, err := p.u.svc.AddContact(p.tempCard.Text, "", false)
		if err != nil {
			p.u.showError(err)
			return
		}
		c := res.Contact
		code := wrapped("Safety code: " + p.u.svc.SafetyCode(c) + "\n\nDoes " + owner.Name + "'s screen show this same code? Go on only if it does, and only face to face.")
		p.u.ask("Compare the safety code", code, "It is the same", func() {
			if _, err := p.u.svc.VerifyContact(c.ID()); err != nil {
				p.u.showError(err)
				return
			}
			res, err := p.u.svc.ReleasePiece(owner.ID, c.ID())
			if err != nil {
				p.u.showError(err)
				return
			}
			p.u.changed()
			p.saveFile(owner, res.Data, "Give this file to "+owner.Name+": it carries your recovery piece for their new computer.")
		})
	})
}

// saveFile asks where to save a sync file for owner, and then says done.
func (p *guardiansPanel) saveFile(owner core.Person, data []byte, done string) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			p.u.showError(err)
			return
		}
		if w == nil {
			return
		}
		if err := p.writeRelease(w, data); err != nil {
			p.u.showError(err)
			return
		}
		p.u.tell("Sync file saved", done)
	}, p.u.win)
	d.SetFileName(export.FileName())
	d.Resize(fyne.NewSize(760, 520))
	d.Show()
}

// writeRelease writes a release sync file to w and closes it.
func (p *guardiansPanel) writeRelease(w io.WriteCloser, data []byte) error {
	_, err := w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}
