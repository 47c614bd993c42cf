package app

import (
	"math"
	"strings"
	"time"
	"unicode"

	"trustdesk/core"
	"trustdesk/internal/words"
	"trustdesk/reputation"
)

// safetyWords says what each safety mark means, from 1 to 5 (index 0 is
// unused): the same words as the command line ([reputation.SafetyWords]).
var safetyWords = reputation.SafetyWords

// reliabilityWords says what each reliability mark means, from 1 to 5
// (index 0 is unused).
var reliabilityWords = reputation.ReliabilityWords

// verifiedWords says how this device learned a person's card.
func verifiedWords(v core.Verification) string {
	switch v {
	case core.InPerson:
		return "Verified in person"
	case core.Introduced:
		return "Introduced through a cell"
	}
	return "Not verified yet"
}

// verifiedHelp says what a way of learning a card means, in one sentence.
func verifiedHelp(v core.Verification) string {
	switch v {
	case core.InPerson:
		return "You compared the safety code face to face, so you know this card is really theirs."
	case core.Introduced:
		return "Their card came through a cell you are in. Meet them and compare the safety code to be sure it is theirs."
	}
	return "Their card was pasted or opened from a picture. Meet them and compare the safety code before you rely on it."
}

// markFraction maps a score from 1 to 5 to 0..1 for a bar; nil is 0.
func markFraction(v *float64) float64 {
	if v == nil {
		return 0
	}
	return math.Max(0, math.Min(1, (*v-1)/4))
}

// dayWords writes a day the way people read it, such as "3 March 2026".
func dayWords(t time.Time) string {
	if t.IsZero() {
		return "an unknown day"
	}
	return t.Format("2 January 2006")
}

// hints say what to do next after an error, in the window's terms; the
// command line has its own.
var hints = []words.Hint{
	{Err: core.ErrWrongPassphrase, Next: "please type it again"},
	{Err: core.ErrNoIdentity, Next: "make one first"},
	{Err: core.ErrNoCellToSend, Next: "a sync file goes only to members who accepted; a cell's page shows who is one"},
	{Err: core.ErrNoSharedCell, Next: "tick at least one cell that should see the rating"},
}

// explain turns err into one plain sentence for the window: [core.Explain]
// with the window's hints.
func explain(err error) string {
	if err == nil {
		return ""
	}
	return words.WithHint(core.Explain(err), err, hints)
}

// passphraseHint says how strong a passphrase looks, in a few words, and
// whether it is strong enough to accept.
func passphraseHint(p string) (hint string, ok bool) {
	n := len([]rune(p))
	if n == 0 {
		return "Choose a passphrase: a few words you can remember.", false
	}
	words := len(strings.FieldsFunc(p, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }))
	kinds := 0
	for _, is := range []func(rune) bool{unicode.IsLower, unicode.IsUpper, unicode.IsDigit, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}} {
		if strings.IndexFunc(p, is) >= 0 {
			kinds++
		}
	}
	switch {
	case n < 8:
		return "Too short: use at least 8 characters, better a few words.", false
	case n >= 20 && words >= 3, n >= 16 && kinds >= 3:
		return "Strong.", true
	case n >= 12:
		return "Good. A few more words make it stronger.", true
	}
	return "Weak: add another word or two.", true
}
