package crdt

import "errors"

// Errors returned by this package. They are wrapped with context; check
// them with [errors.Is].
var (
	// ErrMalformed means bytes are not a well-formed statement or cell
	// document.
	ErrMalformed = errors.New("malformed data")

	// ErrStoreMoved means a cell read back from the store is no longer
	// the one it was read or stored as: another program on the same home
	// stored the cell again in between. Read the cells again and retry.
	ErrStoreMoved = errors.New("the stored cell changed since it was read")

	// ErrForged means a signature does not match: the statement was not
	// made by the author it names, or was altered afterwards.
	ErrForged = errors.New("signature does not match")

	// ErrTooLarge means the input is larger than the documented limit and
	// was refused before being looked at.
	ErrTooLarge = errors.New("too large")

	// ErrInvalid means a statement the caller asked for has values outside
	// the rules (a rating of 7, a note that is too long, an empty name).
	ErrInvalid = errors.New("invalid statement")

	// ErrNotAllowed means the local author has no authority for the
	// statement at this point: they are not a member, the person is
	// already a member, and so on. No statement was added.
	ErrNotAllowed = errors.New("not allowed")

	// ErrDamaged means untrusted Automerge bytes were refused by the
	// checking worker: they crashed it or are not a valid cell document
	// or change chunk.
	ErrDamaged = errors.New("damaged cell data")

	// ErrCouldNotCheck means untrusted Automerge bytes could not be checked:
	// the worker could not start, or was stopped by the time or memory
	// limit. The bytes are not known to be damaged, but were not accepted.
	ErrCouldNotCheck = errors.New("could not check cell data")

	// ErrTooComplex means statements from outside would make the cell
	// take more work to derive than its work limit (SCHEMA §4.6); they
	// were not taken in.
	ErrTooComplex = errors.New("cell would take too much work to check")

	// ErrMissingPast means a change chunk builds on changes this replica
	// does not hold (the sender believed it had them: it lost them with
	// a device, or a file was missed). Nothing was taken in; a file with
	// everything since what this replica holds is needed.
	ErrMissingPast = errors.New("the changes build on changes this device does not have")

	// ErrWrongCell means a document or change chunk belongs to another
	// cell than the one it was given for.
	ErrWrongCell = errors.New("wrong cell")
)
