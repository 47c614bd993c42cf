package core

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"

	"trustdesk/camera"
	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/export/qr"
	"trustdesk/identity"
	"trustdesk/internal/words"
	"trustdesk/store"
)

// Explain turns an error from the service into one plain sentence that says
// what happened and, where it helps, what to do next. It never uses the
// words key, hash, signature or similar jargon ([words.Jargon]), and names
// no command or button: the window and the command line add their own
// hints with [words.WithHint].
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var past *MissingPastError
	if errors.As(err, &past) {
		return past.sentence()
	}
	var notSent *NotSentError
	if errors.As(err, &notSent) {
		return notSent.sentence()
	}
	for _, say := range []func(error) string{explainPeople, explainCard, explainSyncFile, explainScan, explainCell, explainData} {
		if s := say(err); s != "" {
			return s
		}
	}
	return words.Sentence(err.Error(), "")
}

// explainPeople says the errors about passphrases, names and contacts.
func explainPeople(err error) string {
	var amb *AmbiguousError
	switch {
	case errors.As(err, &amb):
		names := make([]string, len(amb.Candidates))
		for i, c := range amb.Candidates {
			names[i] = fmt.Sprintf("%q (%s)", c.Name, c.detail())
		}
		return fmt.Sprintf("%q could mean %s: type more of the name, or the start of the code after it.", amb.Query, strings.Join(names, " or "))
	case errors.Is(err, ErrWrongPassphrase):
		return "wrong passphrase"
	case errors.Is(err, ErrNoIdentity):
		return "There is no trustdesk card here yet."
	case errors.Is(err, ErrIdentityExists):
		return "There is already a trustdesk card here; it was left untouched."
	case errors.Is(err, ErrItIsYou):
		return "That name is yours, not one of your contacts."
	case errors.Is(err, ErrNotFound):
		return "That person is not on this computer."
	case errors.Is(err, ErrOwnCard):
		return "That is your own card; ask the other person for theirs."
	case errors.Is(err, ErrPassphraseMismatch):
		return "The two passphrases are not the same; please type them again."
	case errors.Is(err, ErrEmptyPassphrase):
		return "The passphrase is empty; choose one you can remember."
	case errors.Is(err, ErrEmptyName):
		return "The name is empty; type a name."
	}
	return ""
}

// explainCard says the errors about a card that was read.
func explainCard(err error) string {
	switch {
	case errors.Is(err, identity.ErrPseudonym):
		return "That name cannot be used: use 1 to 40 letters, digits or spaces, on one line."
	case errors.Is(err, identity.ErrTooLarge):
		return "That is too long to be a trustdesk card; copy the card again."
	case errors.Is(err, identity.ErrVersion):
		return "That card was made by a newer trustdesk; update this program and try again."
	case errors.Is(err, identity.ErrSignature):
		return "That card has been altered or damaged; ask for it again, preferably in person."
	case errors.Is(err, identity.ErrWeakKey):
		return "That card is not safe to use (it looks forged); do not trust it."
	case errors.Is(err, identity.ErrMalformed):
		return "That is not a complete trustdesk card; copy the whole text, starting with TD1, and try again."
	}
	return ""
}

// explainSyncFile says the errors about a sync file and whom it is from or for.
func explainSyncFile(err error) string {
	switch {
	case errors.Is(err, export.ErrNotForYou):
		return "This sync file is not meant for you: it was made for other people."
	case errors.Is(err, export.ErrTooLarge):
		return "This file is too large to be a sync file, so it was refused; nothing was changed."
	case errors.Is(err, export.ErrVersion):
		return "This sync file was made by a newer trustdesk; update this program and try again."
	case errors.Is(err, export.ErrForged):
		return "This sync file has been tampered with (it is not what its sender made), so it was refused; nothing was changed."
	case errors.Is(err, export.ErrDamaged):
		return "This sync file is damaged or incomplete; ask for it again. Nothing was changed."
	case errors.Is(err, ErrBlocked):
		return "You blocked this person, so nothing is sent to them or taken from them."
	case errors.Is(err, ErrCardReplaced):
		return "That card was replaced by a new one with the help of its owner's guardians: whoever holds the old card now may not be them, so nothing is sent to it."
	case errors.Is(err, ErrUnknownSender):
		return "This sync file comes from someone you do not know yet: add their card first. Nothing was changed."
	case errors.Is(err, ErrNobodyToSend):
		return "There is nobody to send this to: the cell has no other members you have not blocked."
	case errors.Is(err, ErrNotYourCell):
		return "This sync file carries a cell you are not a member of, so it was refused; nothing was changed."
	case errors.Is(err, ErrChangedElsewhere), errors.Is(err, crdt.ErrStoreMoved):
		return "Another trustdesk window or command was changing your cells at the same moment; nothing was changed. Try again."
	case errors.Is(err, ErrBusy):
		return "Your cells changed on this computer while the sync file was being checked; nothing was changed. Take it in again."
	}
	return ""
}

// explainScan says the errors of the camera and of QR codes.
func explainScan(err error) string {
	switch {
	case errors.Is(err, camera.ErrNoCamera):
		return "No camera was found: connect one, or save the QR codes as pictures and open those instead."
	case errors.Is(err, camera.ErrUnsupported):
		return "Scanning with the camera is not available on this computer: save the QR codes as pictures and open those instead."
	case errors.Is(err, qr.ErrNoCode):
		return "No QR code could be read in that picture: try a sharper, closer picture."
	case errors.Is(err, qr.ErrNoImages):
		return "That folder holds no pictures (PNG or JPEG) of QR codes."
	case errors.Is(err, qr.ErrTooLarge):
		return "That is too large to show as QR codes; save it as a file instead."
	case errors.Is(err, qr.ErrNotFrame), errors.Is(err, qr.ErrVersion), errors.Is(err, qr.ErrChecksum), errors.Is(err, qr.ErrMalformed), errors.Is(err, qr.ErrDamaged):
		return "Those QR codes are not a complete, undamaged sync file; scan them again."
	}
	return ""
}

// explainCell says the errors about cells, guardians and ratings.
func explainCell(err error) string {
	switch {
	case errors.Is(err, ErrNoSuchCell):
		return "That cell is not on this computer."
	case errors.Is(err, ErrNotInCell):
		return "You are not a member of that cell, so you cannot do that there."
	case errors.Is(err, ErrGuardians):
		return "Choose at least two different people as guardians, each one you verified in person (compare the safety code first)."
	case errors.Is(err, ErrIsGuardian):
		return "They are one of your guardians (or one of the new guardians you chose): choose other guardians first, then remove them."
	case errors.Is(err, ErrNeed):
		return "The number of guardians needed must be at least 2 and no more than the number of guardians."
	case errors.Is(err, ErrNoPiece):
		return "You hold no recovery piece for that person."
	case errors.Is(err, ErrWhosePiece):
		return "You hold recovery pieces for several people."
	case errors.Is(err, ErrNotRecovering):
		return "This device is not getting a card back."
	case errors.Is(err, ErrReleaseUnverified):
		return "Meet the person and compare the safety code of their temporary card first; only then help them get their card back."
	case errors.Is(err, ErrNoCellToSend):
		return "You share no cell with that person that you can send them."
	case errors.Is(err, ErrNoSharedCell):
		return "You share no cell with that person."
	case errors.Is(err, ErrNoChange):
		return "That person has not asked you to agree to new guardians; ask them to send you a sync file first."
	case errors.Is(err, ErrChangeCode):
		return "That code is not the code of the change your computer received: compare it again with the person, face to face; nothing was written."
	}
	return ""
}

// explainData says the errors about cell data, files and the disk.
func explainData(err error) string {
	switch {
	case errors.Is(err, crdt.ErrNotAllowed):
		return words.Sentence("That is not possible in this cell", detail(err, crdt.ErrNotAllowed))
	case errors.Is(err, crdt.ErrInvalid):
		return words.Sentence("That cannot be recorded", detail(err, crdt.ErrInvalid))
	case errors.Is(err, crdt.ErrTooComplex):
		return "The file holds a cell that would take far too much work to check (it may have been made to slow trustdesk down), so it was refused; nothing was changed."
	case errors.Is(err, crdt.ErrCouldNotCheck):
		return "The file could not be checked safely (it took too long or needed too much memory), so it was not used; nothing was changed."
	case errors.Is(err, crdt.ErrDamaged), errors.Is(err, crdt.ErrMalformed), errors.Is(err, crdt.ErrWrongCell):
		return "The file is damaged or not a trustdesk cell, so it was refused; nothing was changed."
	case errors.Is(err, crdt.ErrTooLarge):
		return "The file is too large to be a trustdesk file, so it was refused; nothing was changed."
	case errors.Is(err, ErrUnknownFile):
		return "This is not a file trustdesk knows (not a card, cell or sync file)."
	case errors.Is(err, store.ErrForeign):
		return "The data folder holds a file that is not from trustdesk; choose another folder."
	case errors.Is(err, store.ErrNotEmpty):
		return "That place is not empty; restore into a new, empty folder."
	case errors.Is(err, store.ErrBusy):
		return "Another trustdesk window or command kept your data busy; nothing was changed. Try again in a moment."
	case errors.Is(err, store.ErrDamaged):
		return "The data is damaged and could not be read; nothing was changed."
	case errors.Is(err, syscall.ENOSPC), strings.Contains(err.Error(), "database or disk is full"):
		return "The disk is full; free some space and try again. Nothing was changed."
	case errors.Is(err, fs.ErrPermission):
		return "trustdesk is not allowed to use that file or folder; check its permissions."
	case errors.Is(err, fs.ErrNotExist):
		return "That file, or the folder it is in, does not exist; check the name."
	case errors.Is(err, syscall.EISDIR):
		return "That is a folder, not a file; give the name of a file. Nothing was changed."
	}
	return ""
}

// detail returns what an error says after its sentinel's text.
func detail(err, sentinel error) string {
	msg, key := err.Error(), sentinel.Error()+": "
	if i := strings.Index(msg, key); i >= 0 {
		return msg[i+len(key):]
	}
	return ""
}

// sentence says what to do about a sync file that builds on what this
// device does not have.
func (e *MissingPastError) sentence() string {
	if e.Cell == "" {
		return fmt.Sprintf("This sync file from %s carries only the latest part of a cell this computer does not have yet (your card came back on this computer, or a file was missed), so it was not taken in; nothing was changed. Get the cell from another of its members first, then send %s a sync file from this computer, so that %s's next sync file brings everything you are missing.", e.From, e.From, e.From)
	}
	return fmt.Sprintf("This sync file from %s builds on parts of %s that this computer does not have (your card came back on this computer, or a file was missed), so it was not taken in; nothing was changed. Send %s a sync file from this computer first: it tells %s what this computer has, and %s's next sync file brings everything you are missing.", e.From, e.Cell, e.From, e.From, e.From)
}
