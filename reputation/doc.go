// Package reputation computes a personal, merged and explained reputation
// for every person a viewer knows, from the ratings in the viewer's cells.
//
// The package is pure: no storage, no GUI, no clock. The caller describes
// what the viewer's device knows in an [Input] — who the viewer is, whom
// they verified in person or blocked, and the derived state of each of their
// cells (members, who vouched for whom, ratings) — and [Compute] returns a
// [Result]. [Result.Person] gives one person's [Score] with the ratings
// behind it; [Result.Scores] gives everyone's.
//
// # Model
//
// Trust flows from the viewer along "verified in person" and "vouched for"
// edges, losing [Damping] at each step; a rater whom no such path reaches
// weighs nothing, which is what stops fake identities. What a person passes
// on through a vouch is scaled by their standing, which falls when trusted
// raters find them unsafe and when people they vouched for were excluded or
// flagged, so vouching has stakes; past [VouchAllowance] vouchees their
// trust is shared out rather than multiplied. A rating about someone counts
// with the trust its rater would have if that someone had vouched for
// nobody, so people cannot raise the score of whoever let them in.
//
// Ratings from all cells are merged (one statement counts once; a rater's
// latest rating counts), weighted by trust and by age ([HalfLife]), and
// combined with a prior as in Jøsang and Ismail's beta reputation system:
// one rating moves a score only part of the way and gives low confidence.
// Blocked people's ratings are ignored. Flags count the distinct trusted
// raters who recently gave a safety mark of [FlagSafety] or lower.
//
// MODEL.md in this directory gives the exact formulas, the reasoning, the
// measured bound on what fake identities can do, and the limitations.
//
// # Determinism
//
// The result depends only on the facts in the input, never on the order of
// its slices: identical facts give bit-identical scores on every device.
//
// # Cost
//
// [Compute] does all the arithmetic; it takes tens of milliseconds for
// 2,000 people, 30 cells and 50,000 ratings. Explanations are assembled only
// when asked for, so [Result.Person] costs a fraction of a millisecond.
package reputation
