// Package words is how trustdesk speaks to people: the words for a
// person's standing in a cell and for why a rating counts less, counts
// and lists, and the hints that follow an explained error.
//
// The window and the command line both use it, so a standing or a count
// reads the same in both; each adds only its own hints, which point at its
// own controls (a command to type, a button to press). Sentences about
// errors come from [trustdesk/core.Explain], which uses the helpers here
// and names no command or button.
//
// Nothing here may say key, hash, signature or the like: [Jargon] is the
// pattern every interface's tests hold their text against.
package words

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"trustdesk/crdt"
	"trustdesk/reputation"
)

// Jargon matches the words people must never see, as whole words in any
// case. The tests of every interface check their text against it.
var Jargon = regexp.MustCompile(`(?i)\b(keys?|hash(es)?|crdts?|age|bundles?|signatures?|signed|automerge)\b`)

// Status says what a standing in a cell means: a [crdt.Status], or
// [reputation.StatusFlagged] for someone found unsafe.
func Status[S ~string](s S) string {
	switch string(s) {
	case string(crdt.StatusMember):
		return "member"
	case string(crdt.StatusPending):
		return Pending
	case string(crdt.StatusInvited):
		return "invited, has not accepted yet"
	case string(crdt.StatusExcluded):
		return "excluded"
	case string(crdt.StatusLeft):
		return "left"
	case reputation.StatusFlagged:
		return "found unsafe lately"
	}
	return string(s)
}

// Pending is the standing of someone admitted by too few members yet.
const Pending = "waiting for vouches"

// Why says why a rating counts less or not at all, for a reason given by
// [reputation] (such as [reputation.WhyBlocked]).
func Why(reason string) string {
	switch reason {
	case reputation.WhyBlocked:
		return "you blocked them"
	case reputation.WhyNotConnected:
		return "nobody you checked in person leads to them"
	case reputation.WhyAdmittedByThem:
		return "they were let in by the person rated"
	case reputation.WhyTrustedLess:
		return "others found this person unsafe, and you trust the one praising them less"
	case reputation.WhyReplaced:
		return "their card was replaced by a new one: what the old card says counts for nothing"
	case reputation.WhyKnownLittle:
		return "you know little of them through people you met or rated"
	}
	return reason
}

// Reason says in plain words why an entry of a cell does not count.
func Reason(r crdt.Reason) string {
	switch r {
	case crdt.ReasonMalformed:
		return "it cannot be read"
	case crdt.ReasonWrongCell:
		return "it was made for another cell"
	case crdt.ReasonUnknownAuthor:
		return "its author's card is not in the cell"
	case crdt.ReasonBadSignature:
		return "it was altered, or is not by the person it names"
	case crdt.ReasonMissingPrev:
		return "it builds on an entry that has not arrived yet"
	case crdt.ReasonNoAuthority:
		return "its author was not allowed to do this at the time"
	case crdt.ReasonExcluded:
		return "its author was being voted out at the time"
	case crdt.ReasonLeft:
		return "its author was leaving the cell at the time"
	case crdt.ReasonDuplicateFound:
		return "it claims to start a cell that was already started"
	case crdt.ReasonSuperseded:
		return "a later rating by the same person replaces it"
	case crdt.ReasonReplaced:
		return "it was made with a card its owner replaced, after the replacement or beside it"
	case crdt.ReasonNotConfirmed:
		return "not enough of the person's guardians confirmed this new card"
	}
	return string(r)
}

// Count writes n with a singular or plural noun, as "1 vote" or
// "2,480 votes".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Number(n) + " " + many
}

// Number writes n for people to read, its thousands grouped with commas
// as "2,480": every count the window or the command line shows goes
// through it (the --json output keeps plain numbers for programs).
func Number[N ~int | ~int64](n N) string {
	s := strconv.FormatInt(int64(n), 10)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// JoinAnd joins parts as "a, b and c".
func JoinAnd(parts []string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// Sentence joins a statement and an optional detail into one sentence:
// capitalized, with the detail after a colon and one final period.
func Sentence(msg, detail string) string {
	if detail != "" {
		msg = strings.TrimSuffix(msg, ".") + ": " + detail
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return strings.TrimSuffix(msg, ".") + "."
}

// A Hint says what to do next after an error, in the terms of one
// interface: a command to type, a button to press.
type Hint struct {
	// Err is the error the hint follows, matched with [errors.Is].
	Err error
	// Next says what to do, as the end of a sentence.
	Next string
}

// WithHint adds to sentence, which explains err, the first of hints that
// matches err; without one it returns sentence unchanged.
func WithHint(sentence string, err error, hints []Hint) string {
	for _, h := range hints {
		if errors.Is(err, h.Err) {
			return Sentence(sentence, h.Next)
		}
	}
	return sentence
}
