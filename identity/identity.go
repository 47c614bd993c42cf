package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"
	"golang.org/x/crypto/curve25519"
)

// identityVersion is the first byte of a private identity serialization.
const identityVersion = 1

// An Identity is a person's own trustdesk identity: their [Card] and the two
// private keys behind it. Identities come from [New] or [UnmarshalIdentity];
// the zero value has no keys and cannot sign. An identity must never leave
// the device unencrypted: store [Identity.MarshalBinary] only inside
// encrypted storage.
type Identity struct {
	// Card is the identity's public card, to be shown to others.
	Card *Card

	signing   ed25519.PrivateKey
	ageSecret [32]byte
	age       *age.X25519Identity
}

// New creates a new identity with fresh random keys: an Ed25519 signing key
// and an independent age X25519 key. The pseudonym is normalized with
// [NormalizePseudonym] (errors wrap [ErrPseudonym]); the card's creation
// time is now, truncated to whole seconds, in UTC, and must lie between the
// years 1970 and 9999.
func New(pseudonym string, now time.Time) (*Identity, error) {
	return newIdentity(pseudonym, now, rand.Reader)
}

// NewFrom is New with the keys made from randomness read from r, which
// must be a cryptographically secure source; tests pass a seeded one to
// make the same identities on every run.
func NewFrom(pseudonym string, now time.Time, r io.Reader) (*Identity, error) {
	return newIdentity(pseudonym, now, r)
}

// newIdentity is New with the randomness taken from r, so that tests can
// make reproducible identities.
func newIdentity(pseudonym string, now time.Time, r io.Reader) (*Identity, error) {
	p, err := NormalizePseudonym(pseudonym)
	if err != nil {
		return nil, fmt.Errorf("new identity: %w", err)
	}
	if now.Unix() < 0 || now.Unix() > maxCreated {
		return nil, fmt.Errorf("new identity: creation time %s is not between the years 1970 and 9999", now.UTC().Format(time.RFC3339))
	}
	var seed, ageSecret [32]byte
	if _, err := io.ReadFull(r, seed[:]); err != nil {
		return nil, fmt.Errorf("new identity: %w", err)
	}
	// The age key is made the way age.GenerateX25519Identity makes it: 32
	// random bytes used as an X25519 scalar.
	if _, err := io.ReadFull(r, ageSecret[:]); err != nil {
		return nil, fmt.Errorf("new identity: %w", err)
	}
	id, err := fromSecrets(seed[:], ageSecret)
	if err != nil {
		return nil, fmt.Errorf("new identity: %w", err)
	}
	c := &Card{
		Pseudonym:  p,
		SigningKey: id.signing.Public().(ed25519.PublicKey),
		AgeKey:     id.publicAgeKey(),
		Created:    time.Unix(now.Unix(), 0).UTC(),
	}
	// Keys derived from a seed or a clamped scalar are never weak;
	// checking anyway keeps the promise that every card passes DecodeCard.
	if err := CheckSigningKey(c.SigningKey); err != nil {
		return nil, fmt.Errorf("new identity: %w", err)
	}
	if err := checkAgeKey(c.AgeKey); err != nil {
		return nil, fmt.Errorf("new identity: %w", err)
	}
	c.Signature = ed25519.Sign(id.signing, c.signedMessage())
	id.Card = c
	return id, nil
}

// fromSecrets builds an Identity without a card from an Ed25519 seed and an
// X25519 scalar.
func fromSecrets(seed []byte, ageSecret [32]byte) (*Identity, error) {
	a, err := age.ParseX25519Identity(strings.ToUpper(bech32Encode("AGE-SECRET-KEY-", ageSecret[:])))
	if err != nil {
		return nil, fmt.Errorf("%w: age key: %v", ErrMalformed, err)
	}
	id := &Identity{
		signing:   ed25519.NewKeyFromSeed(seed),
		ageSecret: ageSecret,
		age:       a,
	}
	// Our encoding of the public key must be the one age derives.
	pub := id.publicAgeKey()
	if a.Recipient().String() != bech32Encode("age", pub[:]) {
		return nil, fmt.Errorf("%w: age key does not match its secret", ErrMalformed)
	}
	return id, nil
}

// publicAgeKey returns the X25519 public key of the identity's age secret.
func (id *Identity) publicAgeKey() [32]byte {
	var pub [32]byte
	// X25519 with the base point never fails.
	p, _ := curve25519.X25519(id.ageSecret[:], curve25519.Basepoint)
	copy(pub[:], p)
	return pub
}

// Sign returns the Ed25519 signature of msg by the identity's signing key.
// It adds no domain separation: callers prepend their own tags to msg, so
// that a signature made for one purpose cannot be reused for another.
func (id *Identity) Sign(msg []byte) []byte {
	return ed25519.Sign(id.signing, msg)
}

// AgeIdentity returns the identity's age key, to decrypt files encrypted to
// [Card.Recipient].
func (id *Identity) AgeIdentity() *age.X25519Identity {
	return id.age
}

// MarshalBinary returns the private serialization of the identity: a
// version byte (1), the 32-byte Ed25519 seed, the 32-byte X25519 secret and
// then the card as encoded by [Card.Bytes]. The result contains secret keys
// and belongs only in encrypted storage; read it back with
// [UnmarshalIdentity].
func (id *Identity) MarshalBinary() ([]byte, error) {
	if id.Card == nil || len(id.signing) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("marshal identity: %w: not made by New or UnmarshalIdentity", ErrMalformed)
	}
	b := make([]byte, 0, 1+32+32+256)
	b = append(b, identityVersion)
	b = append(b, id.signing.Seed()...)
	b = append(b, id.ageSecret[:]...)
	return append(b, id.Card.Bytes()...), nil
}

// UnmarshalIdentity reads the serialization written by
// [Identity.MarshalBinary]. It checks the card as [DecodeCard] does and
// refuses, with an error wrapping [ErrMalformed], secret keys that do not
// belong to the card's public keys; another version is refused with
// [ErrVersion].
func UnmarshalIdentity(b []byte) (*Identity, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("unmarshal identity: %w: empty", ErrMalformed)
	}
	if b[0] != identityVersion {
		return nil, fmt.Errorf("unmarshal identity: %w: version %d", ErrVersion, b[0])
	}
	if len(b) < 1+32+32 {
		return nil, fmt.Errorf("unmarshal identity: %w: truncated", ErrMalformed)
	}
	var ageSecret [32]byte
	copy(ageSecret[:], b[33:65])
	id, err := fromSecrets(b[1:33], ageSecret)
	if err != nil {
		return nil, fmt.Errorf("unmarshal identity: %w", err)
	}
	c, err := decodeCard(b[65:])
	if err != nil {
		return nil, fmt.Errorf("unmarshal identity: card: %w", err)
	}
	if !bytes.Equal(c.SigningKey, id.signing.Public().(ed25519.PublicKey)) {
		return nil, fmt.Errorf("unmarshal identity: %w: signing key does not match the card", ErrMalformed)
	}
	if id.publicAgeKey() != c.AgeKey {
		return nil, fmt.Errorf("unmarshal identity: %w: age key does not match the card", ErrMalformed)
	}
	id.Card = c
	return id, nil
}
