package identity

import "errors"

// Errors returned when a card, an ID, a pseudonym or a private identity is
// refused. They are wrapped with context; check them with [errors.Is].
var (
	// ErrMalformed means the data is damaged or is not a card at all:
	// truncated, with unexpected bytes at the end, wrongly encoded, or with
	// keys that do not belong together.
	ErrMalformed = errors.New("malformed data")

	// ErrVersion means the data is in a format version this program does
	// not know, typically made by a newer trustdesk.
	ErrVersion = errors.New("unsupported format version")

	// ErrSignature means the card's self-signature does not match its
	// contents: the card was altered after its owner made it.
	ErrSignature = errors.New("self-signature does not match")

	// ErrWeakKey means a public key is not a valid, safe key: a
	// non-canonical or low-order Ed25519 point, or a low-order or
	// non-canonical X25519 point.
	ErrWeakKey = errors.New("weak or invalid public key")

	// ErrTooLarge means the input is larger than any valid card can be.
	ErrTooLarge = errors.New("too large")

	// ErrPseudonym means a pseudonym is empty, too long, contains control
	// characters or line breaks, or is not in normal form.
	ErrPseudonym = errors.New("invalid pseudonym")
)
