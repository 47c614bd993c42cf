package app

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"

	"trustdesk/core"
	"trustdesk/crdt"
	"trustdesk/reputation"
)

// SafetyWords says what each safety mark means, from 1 to 5 (index 0 is
// unused): the same words as the command line ([reputation.SafetyWords]).
var SafetyWords = reputation.SafetyWords

// ReliabilityWords says what each reliability mark means, from 1 to 5
// (index 0 is unused).
var ReliabilityWords = reputation.ReliabilityWords

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

// statusWords says what a standing in a cell means.
func statusWords(s string) string {
	switch s {
	case string(crdt.StatusMember):
		return "member"
	case string(crdt.StatusPending):
		return "waiting to be admitted"
	case string(crdt.StatusInvited):
		return "invited"
	case string(crdt.StatusExcluded):
		return "excluded"
	case string(crdt.StatusLeft):
		return "left"
	case reputation.StatusFlagged:
		return "found unsafe lately"
	}
	return s
}

// whyWords says why a rating counts less or not at all.
func whyWords(why string) string {
	switch why {
	case reputation.WhyBlocked:
		return "you blocked them"
	case reputation.WhyNotConnected:
		return "nobody you checked in person leads to them"
	case reputation.WhyAdmittedByThem:
		return "they were let in by the person rated"
	}
	return why
}

// confidenceWords says how much evidence is behind a score.
func confidenceWords(c float64) string { return reputation.ConfidenceWords(c) }

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

// countWords writes n with a singular or plural noun, as "1 person" or
// "3 people".
func countWords(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// explain turns err into one plain sentence for the window. It words the
// few errors whose command-line sentence points at a command differently
// and leaves the rest to [core.Explain].
func explain(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, core.ErrWrongPassphrase):
		return "Wrong passphrase: please type it again."
	case errors.Is(err, core.ErrNoIdentity):
		return "There is no card on this computer yet: make one first."
	case errors.Is(err, core.ErrNotFound):
		return "That person is no longer on this computer."
	case errors.Is(err, core.ErrNoSuchCell):
		return "That cell is no longer on this computer."
	case errors.Is(err, core.ErrNoSharedCell):
		return "You share no cell with this person: tick at least one cell that should see the rating."
	case errors.Is(err, core.ErrIdentityExists):
		return "This computer already holds a card, so nothing was changed."
	}
	return core.Explain(err)
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
