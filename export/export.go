package export

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"filippo.io/age"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// Size limits. Open checks them before decrypting anything.
const (
	// MaxFileSize is the largest binary sync file, in bytes. It is also the
	// limit on the decrypted contents, which are never larger than the
	// file.
	MaxFileSize = 64 << 20
	// MaxArmoredSize is the largest armored sync file, in bytes, including
	// line breaks and the white space messengers add. Its decoded contents
	// must still fit MaxFileSize.
	MaxArmoredSize = 96 << 20
)

// Errors returned by Open, Dearmor and Armor. They are wrapped with the
// reason; check them with errors.Is.
var (
	// ErrNotForYou means the file is a sync file (or another age file)
	// that is encrypted to other people only.
	ErrNotForYou = errors.New("sync file: not addressed to you")
	// ErrDamaged means the bytes are not a complete, intact sync file:
	// cut short, altered in transit, badly pasted, or not a sync file at
	// all (for example a file encrypted with a passphrase).
	ErrDamaged = errors.New("sync file: damaged or not a sync file")
	// ErrForged means the file decrypts but its contents were not made,
	// as they are, by the person whose card they carry, or were made for
	// other people and encrypted again to you (re-addressed).
	ErrForged = errors.New("sync file: forged or re-addressed")
	// ErrTooLarge means the input is larger than MaxFileSize (or
	// MaxArmoredSize for armored text). It was refused before decrypting.
	ErrTooLarge = errors.New("sync file: too large")
	// ErrVersion means the file was made in a newer format version than
	// this program reads.
	ErrVersion = errors.New("sync file: made by a newer version")
)

// A FileID identifies one sync file. It is random, chosen by Seal, and lets
// a receiver recognise a file it has seen before.
type FileID [16]byte

// String returns the id as 32 lowercase hexadecimal characters.
func (id FileID) String() string { return fmt.Sprintf("%x", id[:]) }

// A File is the content of a sync file: what the sender says, signed.
type File struct {
	// Sender is the card of the person who made and signed the file.
	Sender *identity.Card
	// Recipients are the people the sender addressed the file to, sorted
	// by ID. They are signed, so a file cannot be re-addressed.
	Recipients []identity.ID
	// Created is when the file was made, in whole seconds, UTC.
	Created time.Time
	// ID is the file's random id.
	ID FileID
	// Cells holds, for each cell the file carries, its changes. At most
	// one entry per cell; Open returns them sorted by cell id.
	Cells []Cell
	// Cards are further cards the recipients may need: the cards of people
	// named in the changes whom they may not hold yet. The sender's own
	// card is never repeated here.
	Cards []*identity.Card
	// Pieces are recovery entries (see [SealPiece]), each sealed to one of
	// the recipients, who tries them all with [OpenPiece]; the others
	// cannot tell whom they are for. A file with Pieces or Held is written
	// in format version 3.
	Pieces [][]byte
	// Held are the piece sets the sender holds for one of the recipients,
	// so that the person who made them knows they arrived.
	Held []SetID
}

// A Cell is one cell's part of a sync file.
type Cell struct {
	// ID is the cell's id.
	ID crdt.CellID
	// Heads are the heads of the sender's copy of the cell when the file
	// was made (at least one, sorted). A receiver who stores them knows
	// what the sender has, and can send only what they lack.
	Heads []crdt.ChangeHash
	// Since are the heads the sender believed the recipients already had,
	// so that Changes hold only what came after them. Empty means the
	// sender did not know and Changes hold the whole cell.
	Since []crdt.ChangeHash
	// Changes is an Automerge change chunk (crdt.Cell.ChangesSince). It is
	// untrusted data: check it before loading it (crdt.Checker). It may be
	// empty when the sender only reports its heads.
	Changes []byte
}

// SealOptions adjusts Seal. The zero value is what callers normally want.
type SealOptions struct {
	// Now is the creation time to record; zero means the current time.
	// It is truncated to whole seconds.
	Now time.Time
}

// Seal makes a sync file carrying f from sender to recipients and returns
// it as a binary age file (see Armor for text).
//
// Seal fills in f.Sender (the sender's card), f.Recipients (the recipients'
// IDs, sorted, without duplicates), f.Created and f.ID (a new random id), so
// the caller can record what was sent; it reads f.Cells and f.Cards, which
// it does not modify. It signs the envelope with the sender's key, pads it
// and encrypts it to the recipients' keys and to dummy keys up to the next
// recipient bucket (see FORMAT.md).
func Seal(sender *identity.Identity, recipients []*identity.Card, f *File, opt SealOptions) ([]byte, error) {
	if sender == nil || sender.Card == nil {
		return nil, errors.New("seal sync file: no sender")
	}
	if len(recipients) == 0 {
		return nil, errors.New("seal sync file: no recipients")
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	var ageRecipients []age.Recipient
	ids := make([]identity.ID, 0, len(recipients))
	for _, c := range recipients {
		if c == nil {
			return nil, errors.New("seal sync file: nil recipient card")
		}
		id := c.ID()
		if slices.Contains(ids, id) {
			continue
		}
		ids = append(ids, id)
		ageRecipients = append(ageRecipients, c.Recipient())
	}
	if len(ids) > MaxRecipients {
		return nil, fmt.Errorf("seal sync file: %d recipients, more than %d", len(ids), MaxRecipients)
	}
	slices.SortFunc(ids, func(a, b identity.ID) int { return bytes.Compare(a[:], b[:]) })

	f.Sender = sender.Card
	f.Recipients = ids
	f.Created = now.Truncate(time.Second).UTC()
	if _, err := rand.Read(f.ID[:]); err != nil {
		return nil, fmt.Errorf("seal sync file: %w", err)
	}
	env, err := encodeEnvelope(sender, f)
	if err != nil {
		return nil, fmt.Errorf("seal sync file: %w", err)
	}
	body, err := compress(env)
	if err != nil {
		return nil, fmt.Errorf("seal sync file: %w", err)
	}
	out, err := encrypt(pad(body), ageRecipients)
	if err != nil {
		return nil, fmt.Errorf("seal sync file: %w", err)
	}
	if len(out) > MaxFileSize {
		return nil, fmt.Errorf("seal sync file: %w: %d bytes", ErrTooLarge, len(out))
	}
	return out, nil
}

// recipientBucket returns the number of stanzas a file to n recipients
// carries: n rounded up to 2, 4, 8, 16 and so on, doubling.
func recipientBucket(n int) int {
	b := 2
	for b < n {
		b *= 2
	}
	return b
}

// maxStanzas is the largest number of recipient stanzas Open accepts: the
// bucket of MaxRecipients.
var maxStanzas = recipientBucket(MaxRecipients)

// encrypt encrypts plaintext with age to recipients plus random dummy
// X25519 recipients up to the recipient bucket, in random order.
func encrypt(plaintext []byte, recipients []age.Recipient) ([]byte, error) {
	all := slices.Clone(recipients)
	for len(all) < recipientBucket(len(recipients)) {
		dummy, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, err
		}
		all = append(all, dummy.Recipient())
	}
	var seed [32]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, err
	}
	mrand.New(mrand.NewChaCha8(seed)).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })

	var buf bytes.Buffer
	buf.Grow(len(plaintext) + 128*len(all) + 1024)
	w, err := age.Encrypt(&buf, all...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Open decrypts, checks and decodes a sync file for me. It accepts the binary
// file and its armored text (see Dearmor) and returns the sender's verified
// content.
//
// The errors wrap one of the sentinel errors: ErrTooLarge (checked before
// decrypting), ErrNotForYou, ErrDamaged, ErrVersion or ErrForged. Open
// checks the envelope only; the cells' changes are untrusted Automerge
// bytes that the caller must check before use.
func Open(me *identity.Identity, data []byte) (*File, error) {
	bin, err := Dearmor(data)
	if err != nil {
		return nil, err
	}
	plaintext, err := decrypt(me.AgeIdentity(), bin)
	if err != nil {
		return nil, err
	}
	body, err := unpad(plaintext)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	env, err := decompress(body)
	if err != nil {
		return nil, err
	}
	return decodeEnvelope(me.Card.ID(), env)
}

// decrypt decrypts a binary sync file after checking its header.
func decrypt(id *age.X25519Identity, bin []byte) ([]byte, error) {
	if err := checkHeader(bin); err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(bin), id)
	if err != nil {
		if _, ok := errors.AsType[*age.NoIdentityMatchError](err); ok {
			return nil, ErrNotForYou
		}
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	// The plaintext is never larger than the file.
	buf := bytes.NewBuffer(make([]byte, 0, len(bin)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(r, MaxFileSize+1)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	plaintext := buf.Bytes()
	if len(plaintext) > MaxFileSize {
		return nil, fmt.Errorf("%w: contents over %d bytes", ErrTooLarge, MaxFileSize)
	}
	return plaintext, nil
}

// compress returns the raw DEFLATE (RFC 1951) compression of env, with
// the preset dictionary.
func compress(env []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := flate.NewWriterDict(&buf, flate.DefaultCompression, deflateDict)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(env); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decompress inflates body, which must be exactly one DEFLATE stream,
// into at most MaxFileSize bytes. The preset dictionary is always given:
// a version 1 stream, made without it, never refers to it.
func decompress(body []byte) ([]byte, error) {
	br := bytes.NewReader(body)
	r := flate.NewReaderDict(br, deflateDict)
	buf := bytes.NewBuffer(make([]byte, 0, min(4*len(body), MaxFileSize)+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(r, MaxFileSize+1))
	env := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: compressed envelope: %v", ErrDamaged, err)
	}
	if len(env) > MaxFileSize {
		return nil, fmt.Errorf("%w: envelope over %d bytes", ErrTooLarge, MaxFileSize)
	}
	if br.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the compressed envelope", ErrDamaged, br.Len())
	}
	return env, nil
}

// ageMagic starts every binary age file.
const ageMagic = "age-encryption.org/v1\n"

// checkHeader looks at the age header before anything is decrypted: every
// recipient stanza must be an X25519 stanza, and there may be at most
// maxStanzas of them. Other files, such as one encrypted with a passphrase,
// are not sync files. age itself checks the rest of the header.
func checkHeader(bin []byte) error {
	if !bytes.HasPrefix(bin, []byte(ageMagic)) {
		return fmt.Errorf("%w: not an age file", ErrDamaged)
	}
	types, err := stanzaTypes(bin)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	for _, t := range types {
		switch t {
		case "X25519":
		case "scrypt":
			return fmt.Errorf("%w: encrypted with a passphrase", ErrDamaged)
		default:
			return fmt.Errorf("%w: recipient of type %q", ErrDamaged, t)
		}
	}
	return nil
}

// stanzaTypes returns the type of every recipient stanza in the header of
// the age file bin. It refuses headers with no stanza, more than maxStanzas,
// or no end line. Stanza bodies are base64, which never contains '-', so a
// stanza starts exactly at each line beginning with "-> ".
func stanzaTypes(bin []byte) ([]string, error) {
	rest := bin[len(ageMagic):]
	var types []string
	for {
		line, after, ok := bytes.Cut(rest, []byte("\n"))
		if !ok {
			return nil, errors.New("header cut short")
		}
		rest = after
		if bytes.HasPrefix(line, []byte("---")) {
			break
		}
		if args, ok := bytes.CutPrefix(line, []byte("-> ")); ok {
			if len(types) == maxStanzas {
				return nil, fmt.Errorf("more than %d recipients", maxStanzas)
			}
			t, _, _ := strings.Cut(string(args), " ")
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		return nil, errors.New("no recipients")
	}
	return types, nil
}

// FileName returns a new default name for a sync file, such as
// "sync-k3mz9q2a.tdsync". It is random and says nothing about who made the
// file, for whom, or when.
func FileName() string {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "sync-" + strings.ToLower(base32.StdEncoding.EncodeToString(b[:])) + ".tdsync"
}

// Info is what can be told about a sync file without decrypting it.
type Info struct {
	// Armored is true if the input was armored text.
	Armored bool
	// Size is the size of the binary file in bytes.
	Size int
	// Slots is the number of recipient stanzas in the header: the
	// recipient bucket (2, 4, 8 …), not the number of recipients.
	Slots int
}

// Inspect checks that data looks like a sync file, without decrypting it,
// and returns what that shows. It fails as Open does before decryption
// (ErrTooLarge, ErrDamaged); a file it accepts can still be damaged further
// on, forged, or not addressed to the reader. Nothing about the sender, the
// recipients or the contents can be learned without opening the file.
func Inspect(data []byte) (*Info, error) {
	bin, err := Dearmor(data)
	if err != nil {
		return nil, err
	}
	if err := checkHeader(bin); err != nil {
		return nil, err
	}
	types, _ := stanzaTypes(bin)
	return &Info{Armored: !bytes.HasPrefix(data, []byte(ageMagic)), Size: len(bin), Slots: len(types)}, nil
}
