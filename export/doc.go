// Package export reads and writes trustdesk sync files.
//
// A sync file carries, from one person to one or more others, the changes of
// the cells they share, the heads of the sender's copy of each cell, and the
// cards the recipients may need. It is a standard age file: whoever finds it
// learns nothing but its approximate size, and only its recipients can open
// it. Inside, the content is signed by the sender, so nobody who relays it
// can alter it, make it look like someone else's, or send it on to other
// people as if it had been addressed to them. The exact byte format is
// specified in FORMAT.md beside this file.
//
// This package knows only the bytes of the file. What to put in it (which
// cells, which changes, which cards) and what to do with what arrives is up
// to the caller; in particular the changes are untrusted Automerge data that
// must pass crdt.Checker before they are used.
//
// # Writing
//
// [Seal] signs a [File] with the sender's identity, compresses and pads it,
// and encrypts it to the recipients' cards, adding dummy recipients so that
// the number of recipients is one of 2, 4, 8, 16 … and tells little about a
// cell's size. The result is the binary file; [Armor] turns it into text for
// pasting into a messenger, and [FileName] gives it a name that says nothing
// about who made it, for whom, or when.
//
// # Reading
//
// [Open] takes the binary file or its text, as pasted (surrounding white
// space, line breaks and invisible characters that messengers add are
// ignored, and so is the [PasteNote] line that [ArmorWithNote] writes above
// the text; [Dearmor] does just that part). It checks the size before
// decrypting anything, decrypts with the reader's identity, checks the
// padding, decodes the content strictly, and verifies the sender's card,
// the signature and that the reader is one of the recipients the sender
// signed. [Inspect] tells what can be known without decrypting: that the
// input looks like a sync file, its size and its recipient bucket.
//
// # Errors
//
// Every refusal wraps exactly one of five errors, checked with errors.Is:
//
//   - [ErrTooLarge]: over [MaxFileSize] (binary) or [MaxArmoredSize] (text),
//     refused before decrypting.
//   - [ErrNotForYou]: encrypted to other people only.
//   - [ErrDamaged]: cut short, altered, badly pasted, or not a sync file at
//     all, including an age file encrypted with a passphrase (a trustdesk
//     backup, say) or to other kinds of keys.
//   - [ErrVersion]: made by a newer version of the format.
//   - [ErrForged]: decrypts, but the sender's card or signature does not
//     hold, or the sender addressed it to other people and it was encrypted
//     again to the reader (re-addressed).
//
// A damaged file can be reported as not for you when the damage is in the
// part of the header that holds the reader's key: from the header alone the
// two cannot be told apart.
package export
