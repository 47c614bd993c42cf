// Package crdt keeps a cell's state: an Automerge document holding a set of
// signed statements, and the state every member sees, derived from them.
//
// It is the only package that imports automerge-go. The exact format is
// specified in SCHEMA.md next to this file.
//
// # Cells and statements
//
// A [Cell] wraps one Automerge document. Nothing in it is trusted because it
// is there: the document holds [Statement] values, each signed by its author
// (see [Statement.Sign], [Decode], [Statement.Verify]), bound to its cell,
// identified by the hash of its bytes, and pointing at the statements its
// author had seen last. [Found] creates a cell; [Cell.Admit],
// [Cell.PublishCard], [Cell.Rate], [Cell.VoteExclude], [Cell.Leave] and
// [Cell.SetPolicy] add statements made by a local identity, refusing
// (with [ErrNotAllowed] or [ErrInvalid]) what would not count.
//
// # Derived state
//
// [Cell.State] returns the [State]: members and their [Status], who vouched
// for whom, the ratings that count, open exclusion votes, published cards,
// and every statement that does not count with its [Reason]. It is a pure
// function of the set of statements, so replicas holding the same
// statements show the same cell whatever order they arrived in; SCHEMA.md
// gives the rules, including how concurrent exclusions are settled.
//
// # Syncing
//
// [Cell.Heads] tells what a replica has; [Cell.ChangesSince] returns the
// Automerge changes another replica lacks, as one chunk, and
// [Cell.ApplyChanges] or [Cell.Merge] take them in. Statements that changes
// from outside delete or alter are put back.
//
// # Bytes from outside
//
// The Automerge engine aborts the whole process on some malformed input, so
// bytes that did not come from this device must go through a [Checker]
// first: it loads them in a child process (this same program, which must
// call [IsWorker] and [ServeWorker] at the top of main) with memory and
// time limits, and this process keeps them to load later, checking every
// statement itself. Use [Checker.LoadUntrusted], [Checker.Extend],
// [Checker.ApplyUntrusted] and [Checker.MergeUntrusted]; never [Load] or
// [Cell.ApplyChanges] on such bytes directly. Refusals are [ErrDamaged] (the bytes are bad) or
// [ErrCouldNotCheck] (the check could not run to the end), never a crash.
package crdt
