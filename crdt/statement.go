package crdt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"trustdesk/identity"
	"trustdesk/internal/plaintext"
)

// Format constants. They are part of the cell document format described in
// SCHEMA.md and must never change for version 1.
const (
	// statementDomain is prefixed to the content of a statement before it
	// is signed, so that a statement signature can never be mistaken for a
	// signature over anything else (cards, sync files).
	statementDomain = "trustdesk/statement/v1\x00"
	// cellDomain is prefixed when the cell id is derived from the founder
	// and the founding nonce.
	cellDomain = "trustdesk/cell/v1\x00"

	// MaxStatementSize is the largest encoded statement, in bytes, that
	// [Decode] accepts.
	MaxStatementSize = 4096
	// MaxPrev is the largest number of prev ids a statement may carry.
	MaxPrev = 64
	// MaxNoteRunes is the longest note a rating may carry, in characters.
	MaxNoteRunes = 280
	// MaxTags is the largest number of tags a rating may carry.
	MaxTags = 8
	// MaxTagBytes is the longest tag, in bytes.
	MaxTagBytes = 32
	// MaxNameRunes is the longest cell name, in characters.
	MaxNameRunes = 60
	// MaxPolicyValue is the largest value of either policy setting.
	MaxPolicyValue = 1000
	// DayAllowance is how far a rating's day may lie after the day (UTC)
	// of its creation time: time zones ahead of UTC are already on the
	// next day.
	DayAllowance = 24 * time.Hour
)

// A CellID identifies a cell. It is derived from the founder's identity
// and a random nonce chosen when the cell is founded (see SCHEMA.md), so
// nobody but the founder can make a founding statement for it.
type CellID [16]byte

// String returns the id as 32 lowercase hexadecimal characters.
func (c CellID) String() string { return hex.EncodeToString(c[:]) }

// ParseCellID parses the form returned by [CellID.String].
func ParseCellID(s string) (CellID, error) {
	var c CellID
	if len(s) != 2*len(c) {
		return c, fmt.Errorf("parse cell id: %w: wrong length", ErrMalformed)
	}
	if _, err := hex.Decode(c[:], []byte(s)); err != nil {
		return c, fmt.Errorf("parse cell id: %w: not hexadecimal", ErrMalformed)
	}
	return c, nil
}

// deriveCellID computes the id of the cell founded by founder with nonce.
func deriveCellID(founder identity.ID, nonce [16]byte) CellID {
	h := sha256.New()
	h.Write([]byte(cellDomain))
	h.Write(founder[:])
	h.Write(nonce[:])
	var c CellID
	copy(c[:], h.Sum(nil))
	return c
}

// A StatementID is the SHA-256 hash of a statement's encoding (content and
// signature), which makes it unique and tamper-evident.
type StatementID [32]byte

// String returns the id as 64 lowercase hexadecimal characters; this is
// also the key under which the statement is stored in the cell document.
func (s StatementID) String() string { return hex.EncodeToString(s[:]) }

// ParseStatementID parses the form returned by [StatementID.String].
func ParseStatementID(s string) (StatementID, error) {
	var id StatementID
	if len(s) != 2*len(id) {
		return id, fmt.Errorf("parse statement id: %w: wrong length", ErrMalformed)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("parse statement id: %w: not hexadecimal", ErrMalformed)
	}
	if id.String() != s {
		return id, fmt.Errorf("parse statement id: %w: not lowercase", ErrMalformed)
	}
	return id, nil
}

func compareIDs(a, b StatementID) int { return bytes.Compare(a[:], b[:]) }

// A Kind says what a statement does.
type Kind uint8

// The statement kinds. Their numbers are part of the format.
const (
	// KindFound founds the cell: it names the cell, carries the founder's
	// card and the initial policy. Only the founder can make it.
	KindFound Kind = 1
	// KindAdmit is a member's vouch for a person, carrying that person's
	// card (which it also publishes in the cell).
	KindAdmit Kind = 2
	// KindCard publishes a card in the cell: a member's updated card or
	// the card of someone rated who is not a member.
	KindCard Kind = 3
	// KindRate is a member's rating of a person whose card is in the cell.
	KindRate Kind = 4
	// KindExclude is a member's vote to exclude another member.
	KindExclude Kind = 5
	// KindLeave is a member leaving the cell.
	KindLeave Kind = 6
	// KindPolicy is a member's vote for a new policy; it takes effect
	// when enough members vote for the same policy.
	KindPolicy Kind = 7
	// KindJoin is an invited person's acceptance of their invitation.
	KindJoin Kind = 8
	// KindGuardians names, as commitments, the author's guardians in the
	// cell and how many of them must confirm a replacement of the
	// author's card (see succession.go).
	KindGuardians Kind = 9
	// KindReplace replaces the author's card by a new card, confirmed by
	// the author's guardians (see succession.go).
	KindReplace Kind = 10
)

// String returns the kind's lowercase name as used in SCHEMA.md.
func (k Kind) String() string {
	switch k {
	case KindFound:
		return "found"
	case KindAdmit:
		return "admit"
	case KindCard:
		return "card"
	case KindRate:
		return "rate"
	case KindExclude:
		return "exclude"
	case KindLeave:
		return "leave"
	case KindPolicy:
		return "policy"
	case KindJoin:
		return "join"
	case KindGuardians:
		return "guardians"
	case KindReplace:
		return "replace"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// A Policy holds a cell's rules.
type Policy struct {
	// AdmitVouches is how many distinct current members must vouch for a
	// person before they become a member (at least 1; default 1). Until
	// then the person is pending.
	AdmitVouches int
	// ExcludeQuorum is how many votes of other current members exclude a
	// member. Zero means the default: a majority of the other current
	// members. A fixed value larger than the number of other current
	// members is capped at that number.
	ExcludeQuorum int
}

// DefaultPolicy is the policy of a newly founded cell.
var DefaultPolicy = Policy{AdmitVouches: 1, ExcludeQuorum: 0}

func (p Policy) validate() error {
	if p.AdmitVouches < 1 || p.AdmitVouches > MaxPolicyValue {
		return fmt.Errorf("admit vouches must be between 1 and %d", MaxPolicyValue)
	}
	if p.ExcludeQuorum < 0 || p.ExcludeQuorum > MaxPolicyValue {
		return fmt.Errorf("exclude quorum must be between 0 and %d", MaxPolicyValue)
	}
	return nil
}

// A Rating is what a member says about a person after an interaction.
type Rating struct {
	// Safety is from 1 (unsafe) to 5 (safe).
	Safety int
	// Reliability is from 1 (unreliable) to 5 (reliable).
	Reliability int
	// Tags are optional short labels, at most MaxTags of at most
	// MaxTagBytes bytes each, without control characters, invisible or
	// direction-changing characters (see [plaintext.Hidden]) or duplicates.
	Tags []string
	// Note is an optional text of at most MaxNoteRunes characters, without
	// control characters other than line feed and without invisible or
	// direction-changing characters.
	Note string
	// Day is the day of the interaction, as YYYY-MM-DD. It is never after
	// the day the rating is made (with [DayAllowance] for time zones).
	Day string
}

func (r *Rating) validate() error {
	if r.Safety < 1 || r.Safety > 5 {
		return errors.New("safety must be between 1 and 5")
	}
	if r.Reliability < 1 || r.Reliability > 5 {
		return errors.New("reliability must be between 1 and 5")
	}
	if len(r.Tags) > MaxTags {
		return fmt.Errorf("at most %d tags", MaxTags)
	}
	for i, t := range r.Tags {
		if t == "" || len(t) > MaxTagBytes || !utf8.ValidString(t) || strings.IndexFunc(t, unicode.IsControl) >= 0 {
			return fmt.Errorf("tag %q is empty, too long or has control characters", t)
		}
		if err := plaintext.Check(t); err != nil {
			return fmt.Errorf("tag %+q: %w", t, err)
		}
		if slices.Contains(r.Tags[:i], t) {
			return fmt.Errorf("tag %q appears twice", t)
		}
	}
	if !utf8.ValidString(r.Note) || utf8.RuneCountInString(r.Note) > MaxNoteRunes {
		return fmt.Errorf("note longer than %d characters", MaxNoteRunes)
	}
	if strings.IndexFunc(r.Note, func(c rune) bool { return unicode.IsControl(c) && c != '\n' }) >= 0 {
		return errors.New("note has control characters")
	}
	if err := plaintext.Check(r.Note); err != nil {
		return fmt.Errorf("note: %w", err)
	}
	d, err := time.Parse(time.DateOnly, r.Day)
	if err != nil || d.Format(time.DateOnly) != r.Day {
		return badDay(r.Day)
	}
	return nil
}

// badDay says that day is not a day of the calendar written YYYY-MM-DD:
// "day must be YYYY-MM-DD" alone was wrong for 2026-02-30. A long day is
// cut after 20 characters, never inside one (a cut after 20 bytes could
// split "é" and print "\xc3").
func badDay(day string) error {
	n := 0
	for i := range day {
		if n == 20 {
			day = day[:i] + "…"
			break
		}
		n++
	}
	return fmt.Errorf("day %q is not a date written YYYY-MM-DD", day)
}

// CheckDay returns an error if the rating's day is not a day or is after
// the day (UTC) of created, the time the rating is made, plus
// [DayAllowance]. A rating statement whose day fails this check against
// its own creation time is malformed (see SCHEMA.md §3).
func (r *Rating) CheckDay(created time.Time) error {
	d, err := time.Parse(time.DateOnly, r.Day)
	if err != nil {
		return badDay(r.Day)
	}
	y, m, dd := created.UTC().Date()
	if latest := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Add(DayAllowance); d.After(latest) {
		return fmt.Errorf("day %s is after the rating was made (%s)", r.Day, created.UTC().Format(time.DateOnly))
	}
	return nil
}

// A Statement is one signed, immutable entry of a cell. Fields that do
// not belong to its Kind are zero. Statements returned by [Decode] and
// [Statement.Sign] are well formed; whether their signature is right is
// checked by [Statement.Verify], and whether they count in the cell by
// [Cell.State].
type Statement struct {
	// Cell is the cell the statement belongs to; it is signed, so a
	// statement cannot be moved to another cell.
	Cell CellID
	// Author is the identity that signed the statement.
	Author identity.ID
	// Seq is the author's clock in this cell: 1 for their first statement,
	// then one more than the largest they had made before.
	Seq uint64
	// Prev holds the ids of the latest statements the author had seen
	// (the heads of the statement graph), sorted; empty only for KindFound.
	Prev []StatementID
	// Created is when the statement was made, in whole seconds, UTC.
	Created time.Time
	// Kind says what the statement does.
	Kind Kind

	// Name is the cell's name (KindFound).
	Name string
	// Nonce is the random founding nonce from which the cell id is
	// derived (KindFound).
	Nonce [16]byte
	// Card is the founder's card (KindFound), the admitted person's card
	// (KindAdmit) or the published card (KindCard).
	Card *identity.Card
	// Policy is the initial policy (KindFound) or the new one (KindPolicy).
	Policy Policy
	// Subject is the person rated (KindRate) or voted out (KindExclude).
	Subject identity.ID
	// Rating is the rating (KindRate).
	Rating Rating
	// Guardians are commitments to the author's guardians, sorted, and
	// Need how many of them must confirm a replacement (KindGuardians).
	Guardians []Commitment
	Need      int
	// Confirmations are guardians' confirmations of a replacement, sorted
	// by key, and Accept the new card's acceptance of it (KindReplace);
	// in a guardians statement, the confirmations of the guardians in
	// force that it changes them (a change, SCHEMA §4.5).
	Confirmations []Confirmation
	Accept        []byte

	// Signature is the author's Ed25519 signature over the domain tag
	// followed by the encoded content. In a decoded statement it shares
	// memory with the statement's encoding: never modify it.
	Signature []byte

	raw []byte
	id  StatementID
}

// ID returns the statement's id: the SHA-256 hash of [Statement.Bytes].
func (s *Statement) ID() StatementID { return s.id }

// Bytes returns the statement's canonical encoding, signature included,
// as stored in the cell document. The caller must not modify it.
func (s *Statement) Bytes() []byte { return s.raw }

// wire formats; see SCHEMA.md.
type wireEnvelope struct {
	_         struct{} `cbor:",toarray"`
	Content   []byte
	Signature []byte
}

type wireContent struct {
	Cell    []byte          `cbor:"1,keyasint"`
	Author  []byte          `cbor:"2,keyasint"`
	Seq     uint64          `cbor:"3,keyasint"`
	Prev    [][]byte        `cbor:"4,keyasint,omitempty"`
	Created uint64          `cbor:"5,keyasint"`
	Kind    uint64          `cbor:"6,keyasint"`
	Body    cbor.RawMessage `cbor:"7,keyasint"`
}

type wireBody struct {
	Name          string   `cbor:"1,keyasint,omitempty"`
	Card          []byte   `cbor:"2,keyasint,omitempty"`
	Nonce         []byte   `cbor:"3,keyasint,omitempty"`
	AdmitVouches  uint64   `cbor:"4,keyasint,omitempty"`
	ExcludeQuorum uint64   `cbor:"5,keyasint,omitempty"`
	Subject       []byte   `cbor:"6,keyasint,omitempty"`
	Safety        uint64   `cbor:"7,keyasint,omitempty"`
	Reliability   uint64   `cbor:"8,keyasint,omitempty"`
	Tags          []string `cbor:"9,keyasint,omitempty"`
	Note          string   `cbor:"10,keyasint,omitempty"`
	Day           string   `cbor:"11,keyasint,omitempty"`
	// Fields of guardians and replace statements (succession.go).
	Need      uint64        `cbor:"12,keyasint,omitempty"`
	Guardians [][]byte      `cbor:"13,keyasint,omitempty"`
	Confirms  []wireConfirm `cbor:"14,keyasint,omitempty"`
	Accept    []byte        `cbor:"15,keyasint,omitempty"`
}

type wireConfirm struct {
	_         struct{} `cbor:",toarray"`
	Key       []byte
	Salt      []byte
	Signature []byte
}

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		MaxNestedLevels:   4,
		MaxArrayElements:  MaxPrev,
		MaxMapPairs:       16,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		UTF8:              cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// encodeContent returns the canonical content encoding of s (everything
// but the signature). It checks that s is well formed.
func (s *Statement) encodeContent() ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	var b wireBody
	switch s.Kind {
	case KindFound:
		b.Name = s.Name
		b.Card = s.Card.Bytes()
		b.Nonce = s.Nonce[:]
		b.AdmitVouches = uint64(s.Policy.AdmitVouches)
		b.ExcludeQuorum = uint64(s.Policy.ExcludeQuorum)
	case KindAdmit, KindCard:
		b.Card = s.Card.Bytes()
	case KindRate:
		b.Subject = s.Subject[:]
		b.Safety = uint64(s.Rating.Safety)
		b.Reliability = uint64(s.Rating.Reliability)
		b.Tags = s.Rating.Tags
		b.Note = s.Rating.Note
		b.Day = s.Rating.Day
	case KindExclude:
		b.Subject = s.Subject[:]
	case KindPolicy:
		b.AdmitVouches = uint64(s.Policy.AdmitVouches)
		b.ExcludeQuorum = uint64(s.Policy.ExcludeQuorum)
	case KindGuardians:
		b.Need = uint64(s.Need)
		for _, g := range s.Guardians {
			b.Guardians = append(b.Guardians, g[:])
		}
		for _, c := range s.Confirmations {
			b.Confirms = append(b.Confirms, wireConfirm{Key: c.Key[:], Salt: c.Salt[:], Signature: c.Signature})
		}
		if s.Nonce != [16]byte{} {
			b.Nonce = s.Nonce[:]
		}
	case KindReplace:
		b.Card = s.Card.Bytes()
		for _, c := range s.Confirmations {
			b.Confirms = append(b.Confirms, wireConfirm{Key: c.Key[:], Salt: c.Salt[:], Signature: c.Signature})
		}
		b.Accept = s.Accept
	}
	body, err := encMode.Marshal(&b)
	if err != nil {
		return nil, err
	}
	w := wireContent{
		Cell:    s.Cell[:],
		Author:  s.Author[:],
		Seq:     s.Seq,
		Created: uint64(s.Created.Unix()),
		Kind:    uint64(s.Kind),
		Body:    body,
	}
	for _, p := range s.Prev {
		w.Prev = append(w.Prev, p[:])
	}
	return encMode.Marshal(&w)
}

// check reports whether the fields of s form a well-formed statement.
func (s *Statement) check() error {
	if err := s.checkFrame(); err != nil {
		return err
	}
	if err := s.checkFieldsBelong(); err != nil {
		return err
	}
	return s.checkKind()
}

// checkFrame checks what every statement has: its sequence number, its
// created time and its prev ids.
func (s *Statement) checkFrame() error {
	if s.Seq < 1 {
		return errors.New("sequence number must be at least 1")
	}
	if s.Created.Unix() < 0 || s.Created.Nanosecond() != 0 {
		return errors.New("created time must be whole seconds after 1970")
	}
	if len(s.Prev) > MaxPrev {
		return fmt.Errorf("more than %d prev ids", MaxPrev)
	}
	for i := 1; i < len(s.Prev); i++ {
		if compareIDs(s.Prev[i-1], s.Prev[i]) >= 0 {
			return errors.New("prev ids are not sorted and unique")
		}
	}
	if (s.Kind == KindFound) != (len(s.Prev) == 0) {
		return errors.New("only a founding statement has no prev ids")
	}
	return nil
}

// checkFieldsBelong checks that every field set belongs to the kind.
func (s *Statement) checkFieldsBelong() error {
	needCard := s.Kind == KindFound || s.Kind == KindAdmit || s.Kind == KindCard || s.Kind == KindReplace
	if needCard != (s.Card != nil) {
		return errors.New("card present where it does not belong, or missing")
	}
	var zero Statement
	if s.Kind != KindFound && s.Name != "" {
		return errors.New("name outside a founding statement")
	}
	if s.Kind != KindFound && !(s.Kind == KindGuardians && s.Confirmations != nil) && s.Nonce != zero.Nonce {
		return errors.New("nonce outside a founding statement or a change of guardians")
	}
	if s.Kind != KindFound && s.Kind != KindPolicy && s.Policy != zero.Policy {
		return errors.New("policy outside a founding or policy statement")
	}
	if s.Kind != KindRate && s.Kind != KindExclude && s.Subject != zero.Subject {
		return errors.New("subject outside a rating or exclusion")
	}
	if s.Kind != KindRate && (s.Rating.Safety != 0 || s.Rating.Reliability != 0 || s.Rating.Tags != nil || s.Rating.Note != "" || s.Rating.Day != "") {
		return errors.New("rating outside a rating statement")
	}
	if s.Kind != KindGuardians && (s.Need != 0 || s.Guardians != nil) {
		return errors.New("guardians outside a guardians statement")
	}
	if s.Kind != KindReplace && s.Accept != nil || s.Kind != KindReplace && s.Kind != KindGuardians && s.Confirmations != nil {
		return errors.New("confirmations outside a guardians or replace statement")
	}
	return nil
}

// checkKind checks the fields of the statement's kind.
func (s *Statement) checkKind() error {
	switch s.Kind {
	case KindFound:
		if s.Seq != 1 {
			return errors.New("founding statement must have sequence number 1")
		}
		if err := checkName(s.Name); err != nil {
			return err
		}
		if s.Card.ID() != s.Author {
			return errors.New("founder card is not the author's")
		}
		if deriveCellID(s.Author, s.Nonce) != s.Cell {
			return errors.New("cell id does not belong to this founder and nonce")
		}
		return s.Policy.validate()
	case KindAdmit, KindCard:
		if s.Kind == KindAdmit && s.Card.ID() == s.Author {
			return errors.New("cannot admit oneself")
		}
		return nil
	case KindRate:
		if s.Subject == s.Author {
			return errors.New("cannot rate oneself")
		}
		if err := s.Rating.validate(); err != nil {
			return err
		}
		return s.Rating.CheckDay(s.Created)
	case KindExclude:
		if s.Subject == s.Author {
			return errors.New("cannot vote to exclude oneself")
		}
		return nil
	case KindLeave, KindJoin:
		return nil
	case KindPolicy:
		return s.Policy.validate()
	case KindGuardians:
		if err := checkGuardians(s.Guardians, s.Need); err != nil {
			return err
		}
		if s.Confirmations != nil {
			if s.Nonce == ([16]byte{}) {
				return errors.New("a change of guardians without its nonce")
			}
			return checkConfirmations(s.Confirmations)
		}
		return nil
	case KindReplace:
		if s.Card.ID() == s.Author {
			return errors.New("cannot replace a card by itself")
		}
		if len(s.Accept) != ed25519.SignatureSize {
			return errors.New("acceptance is not 64 bytes")
		}
		return checkConfirmations(s.Confirmations)
	}
	return fmt.Errorf("unknown kind %d", s.Kind)
}

func checkName(name string) error {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > MaxNameRunes || strings.TrimSpace(name) != name || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return fmt.Errorf("cell name must be 1 to %d characters without control characters or surrounding spaces", MaxNameRunes)
	}
	if err := plaintext.Check(name); err != nil {
		return fmt.Errorf("cell name: %w", err)
	}
	return nil
}

// Sign completes s as a statement by author: it sets s.Author, encodes s,
// signs it and computes its id. The other fields must already be set; Sign
// returns an error wrapping [ErrInvalid] if they do not form a
// well-formed statement.
func (s *Statement) Sign(author *identity.Identity) error {
	s.Author = author.Card.ID()
	s.Created = s.Created.Truncate(time.Second).UTC()
	content, err := s.encodeContent()
	if err != nil {
		return fmt.Errorf("sign statement: %w: %v", ErrInvalid, err)
	}
	s.Signature = author.Sign(append([]byte(statementDomain), content...))
	raw, err := encMode.Marshal(&wireEnvelope{Content: content, Signature: s.Signature})
	if err != nil {
		return fmt.Errorf("sign statement: %w", err)
	}
	s.raw = raw
	s.id = sha256.Sum256(raw)
	return nil
}

// Decode parses and validates an encoded statement. It checks the encoding
// is canonical and every field is well formed, but not the signature (see
// [Statement.Verify]). Errors wrap [ErrMalformed] or [ErrTooLarge].
func Decode(b []byte) (*Statement, error) {
	s, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("decode statement: %w", err)
	}
	return s, nil
}

func decode(b []byte) (*Statement, error) { return decodeStatement(b, false) }

// decodeStatement decodes b. A trusted statement is one this device
// checked in full before and kept in its own protected storage (see
// LoadSnapshot): its encoding is not compared with the canonical one again,
// and a card it carries is not checked again (identity.DecodeStoredCard).
func decodeStatement(b []byte, trusted bool) (*Statement, error) {
	if len(b) > MaxStatementSize {
		return nil, ErrTooLarge
	}
	var env wireEnvelope
	if err := decMode.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(env.Signature) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: signature is not %d bytes", ErrMalformed, ed25519.SignatureSize)
	}
	var w wireContent
	if err := decMode.Unmarshal(env.Content, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var body wireBody
	if err := decMode.Unmarshal(w.Body, &body); err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrMalformed, err)
	}
	s := &Statement{Seq: w.Seq, Kind: Kind(w.Kind), Signature: env.Signature}
	if w.Kind > 255 || len(w.Cell) != len(s.Cell) || len(w.Author) != len(s.Author) {
		return nil, fmt.Errorf("%w: bad kind, cell or author", ErrMalformed)
	}
	copy(s.Cell[:], w.Cell)
	copy(s.Author[:], w.Author)
	if w.Created > 1<<40 {
		return nil, fmt.Errorf("%w: created time out of range", ErrMalformed)
	}
	s.Created = time.Unix(int64(w.Created), 0).UTC()
	for _, p := range w.Prev {
		if len(p) != len(StatementID{}) {
			return nil, fmt.Errorf("%w: prev id is not 32 bytes", ErrMalformed)
		}
		s.Prev = append(s.Prev, StatementID(p))
	}
	if body.Card != nil {
		decodeCard := identity.DecodeCard
		if trusted {
			// Checked in full when it came in (see entry.trusted).
			decodeCard = identity.DecodeStoredCard
		}
		c, err := decodeCard(body.Card)
		if err != nil {
			return nil, fmt.Errorf("%w: card: %v", ErrMalformed, err)
		}
		s.Card = c
	}
	if body.Nonce != nil {
		if len(body.Nonce) != len(s.Nonce) {
			return nil, fmt.Errorf("%w: nonce is not 16 bytes", ErrMalformed)
		}
		copy(s.Nonce[:], body.Nonce)
	}
	if body.Subject != nil {
		if len(body.Subject) != len(s.Subject) {
			return nil, fmt.Errorf("%w: subject is not 16 bytes", ErrMalformed)
		}
		copy(s.Subject[:], body.Subject)
	}
	if err := decodeSuccession(s, &body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if body.AdmitVouches > MaxPolicyValue || body.ExcludeQuorum > MaxPolicyValue || body.Safety > 5 || body.Reliability > 5 {
		return nil, fmt.Errorf("%w: number out of range", ErrMalformed)
	}
	s.Name = body.Name
	s.Policy = Policy{AdmitVouches: int(body.AdmitVouches), ExcludeQuorum: int(body.ExcludeQuorum)}
	s.Rating = Rating{Safety: int(body.Safety), Reliability: int(body.Reliability), Tags: body.Tags, Note: body.Note, Day: body.Day}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if trusted {
		s.raw = b // the entry's own copy, never modified
		s.id = sha256.Sum256(b)
		s.Signature = signatureIn(s.raw, s.Signature)
		return s, nil
	}
	// Re-encode: only the one canonical encoding of a statement is
	// accepted, so a relay cannot give a statement a second id.
	content, err := s.encodeContent()
	if err != nil || !bytes.Equal(content, env.Content) {
		return nil, fmt.Errorf("%w: not in canonical form", ErrMalformed)
	}
	raw, err := encMode.Marshal(&wireEnvelope{Content: content, Signature: s.Signature})
	if err != nil || !bytes.Equal(raw, b) {
		return nil, fmt.Errorf("%w: not in canonical form", ErrMalformed)
	}
	s.raw = slices.Clone(b)
	s.id = sha256.Sum256(b)
	s.Signature = signatureIn(s.raw, s.Signature)
	return s, nil
}

// signatureIn returns the signature sig as it stands at the end of the
// encoded statement raw (the last item of the envelope), so that a decoded
// statement does not keep a second copy of it; sig itself if it is not
// there.
func signatureIn(raw, sig []byte) []byte {
	if n := len(raw); n >= len(sig) && bytes.Equal(raw[n-len(sig):], sig) {
		return raw[n-len(sig) : n : n]
	}
	return sig
}

// signedMessage returns the bytes the signature covers.
func (s *Statement) signedMessage() []byte {
	var env wireEnvelope
	// s.raw was produced or checked by this package; it always decodes.
	if err := decMode.Unmarshal(s.raw, &env); err != nil {
		return nil
	}
	return append([]byte(statementDomain), env.Content...)
}

// Verify checks the statement's signature against author, which must be
// the card of s.Author. Errors wrap [ErrForged].
func (s *Statement) Verify(author *identity.Card) error {
	if author == nil || author.ID() != s.Author {
		return fmt.Errorf("verify statement: %w: card is not the author's", ErrForged)
	}
	msg := s.signedMessage()
	if msg == nil || !author.VerifySignature(msg, s.Signature) {
		return fmt.Errorf("verify statement: %w: signature does not match", ErrForged)
	}
	return nil
}
