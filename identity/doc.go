// Package identity holds a person's trustdesk identity: their cards, their
// keys and the safety code two people compare to know they hold each other's
// real card.
//
// # Identities and cards
//
// An [Identity] is a pseudonym with two independent key pairs: an Ed25519
// signing key, which signs everything the person says in a cell, and an age
// X25519 key, to which sync files for that person are encrypted. An identity
// is created once with [New] and kept private (see [Identity.MarshalBinary]).
//
// The public part of an identity is its [Card]: the pseudonym, both public
// keys, the creation time in whole seconds and a self-signature made with
// the signing key. A card is what people exchange, face to face as a QR code
// or as one line of text pasted into a messenger. A card is identified by its
// [ID], the first 16 bytes of
//
//	SHA-256("trustdesk/id/v1\x00" || signing key || age key)
//
// so a person who changes either key is a different card, and a different
// contact, even under the same pseudonym.
//
// # Binary format
//
// [Card.Bytes] is the canonical binary encoding, and [DecodeCard] reads it:
//
//	version     1 byte, always 1
//	created     unsigned varint (minimal encoding), Unix seconds
//	signing key 32 bytes, Ed25519 public key
//	age key     32 bytes, X25519 public key (age recipient)
//	pseudonym   1 length byte, then that many bytes of UTF-8
//	signature   64 bytes
//
// The signature is an Ed25519 signature, by the signing key, over the domain
// tag "trustdesk/card/v1\x00" followed by every byte before the signature.
// Decoding checks everything: unknown versions ([ErrVersion]), inputs over
// 256 bytes ([ErrTooLarge]), truncated data, trailing bytes and non-minimal
// varints ([ErrMalformed]), pseudonyms that are not in normal form
// ([ErrPseudonym], see [NormalizePseudonym]), non-canonical or low-order
// signing keys and low-order age keys ([ErrWeakKey], see [CheckSigningKey])
// and a self-signature that does not match ([ErrSignature]). A card that
// decodes is therefore exactly what its owner signed.
//
// # Text format
//
// [Card.String] is "TD1" followed by the binary encoding in RFC 4648 base32
// (upper case, A–Z and 2–7) without padding, on one line:
//
//	TD1AG4OFB6YA37S6RHVQMLBSTZOZSTPG674EW4SDK3L7SMV5RWECJZICFJETGK25H6DG…
//
// It uses only characters that survive messengers and fit the alphanumeric
// mode of QR codes. Its length follows the pseudonym's length in bytes: a
// card made today is 251 characters long with a 20-character ASCII
// pseudonym, 283 with 20 two-byte characters (Cyrillic, Greek), 315 with 20
// three-byte characters (Chinese, Japanese) and 322 with the longest
// pseudonym of 64 bytes.
//
// [ParseCard] reads the text back. It ignores white space and invisible
// format characters anywhere and accepts any letter case, because
// messengers wrap, change and decorate long lines; but it requires the
// unused bits of the last character to be zero, so every card has exactly
// one spelling. It refuses other prefixes such as "TD2" with [ErrVersion],
// and text longer than any card can be with [ErrTooLarge] before decoding
// anything.
//
// # Safety code
//
// [SafetyCode] turns two cards into 60 digits, written as 12 groups of 5,
// that both people see identically on their own devices and compare out
// loud. Each card gets a fingerprint as in Signal's safety numbers, from
// 5200 iterations of SHA-512 over its two keys and its ID; the two
// fingerprints, sorted so the order of the cards does not matter, are
// hashed together, and the 60 digits come from that one hash. So every
// group depends on both cards: a pair who compares only the first row
// still compares both cards, and one person's codes with different
// contacts share nothing. If either person's keys differ from what the
// other holds, the codes differ; pseudonyms and creation times do not
// enter the code. The iterations make it costly (several milliseconds per
// card) to search for other keys that give a matching code. The code is
// computed each time it is shown, never stored: whether a contact is
// verified in person is stored apart from it.
//
// # Errors
//
// Every error that a card, ID, pseudonym or private identity can be refused
// with wraps one of [ErrMalformed], [ErrVersion], [ErrSignature],
// [ErrWeakKey], [ErrTooLarge] or [ErrPseudonym]; check them with
// [errors.Is].
package identity
