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
// edges. Everyone but the viewer passes on, in total, [Damping] times their
// own trust, shared among everyone they vouched for or were admitted by:
// trust is split, never copied, so a ring of fake identities of any shape
// holds at most what the honest people who let it in passed to it (the
// proof is in MODEL.md). A rater whom no path reaches weighs nothing. What
// a person passes on is also scaled by their standing, which falls when
// trusted raters find them unsafe and when people they vouched for were
// excluded or flagged, so vouching has stakes. A rating about someone
// counts with the trust its rater would have if that someone had vouched
// for nobody, so people cannot raise the score of whoever let them in.
//
// Ratings from all cells are merged (one statement counts once; a rater's
// latest rating counts) and weighted by trust and by age ([HalfLife]; a
// rating finding someone unsafe fades more slowly, [FlagHalfLife]).
// Evidence counts once per independent path: raters who all owe their
// trust to one person count together at most that person's trust. A
// score is the weighted mean mark, shown with its [Score.Confidence] and a
// cautious [Score.SafetyLow] that lists sort by ([Score.Rank]); one rating
// reads as what it is ([Score.Words]). Flags count the connected raters who
// recently gave a safety mark of [FlagSafety] or lower, when enough trust
// stands behind them; other such ratings are listed as [Score.Warnings],
// shown but not counted. Once someone has flags, ratings that did not find
// them unsafe count only from raters the viewer trusts at least as much as
// them ([WhyTrustedLess]). Any such praise counts only as much as the
// viewer knows its rater: whom the viewer verified in person as much as
// they trust them, anyone else through ratings — the viewer's own, and
// the ratings of the people they know, shared among everyone each rated
// ([WhyKnownLittle]) — so fake identities whom no honest person rated and
// the viewer did not meet praise with no weight. Blocked people's ratings are ignored.
//
// MODEL.md in this directory gives the exact formulas, the reasoning, the
// proven bound on what fake identities can do, the evaluation against
// baselines, and the limitations.
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
// A device that computes again each day may keep what Compute reads but
// the time: [Prepare] gives it as a [Source], with everyone numbered,
// [Source.Encode] and [DecodeSource] keep it as bytes, and
// [Source.Compute] computes any day from it, with the same result as
// Compute of the input, for a fraction of the cost of reading, naming and
// numbering everyone again.
package reputation
