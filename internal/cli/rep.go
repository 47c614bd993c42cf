package cli

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"trustdesk/core"
	"trustdesk/internal/words"
	"trustdesk/reputation"
)

func repCommand() *command {
	return &command{
		name: "rep", args: "[CONTACT | me] [--json]",
		summary: "how safe and reliable people are, as you see it",
		help: `Shows what the people in your cells said about someone after meeting them,
merged and weighted by how much you trust each of them: people you verified
in person count most, people they vouched for a little less, and people no
one you trust vouched for count nothing (so fake accounts cannot inflate a
score). Many people who all owe their place to one person count, together,
no more than that person. A safety warning lasts longer than praise.

Without CONTACT, a table of everyone, safest first: people flagged unsafe
by people you trust come last, and the order follows "at least", a cautious
safety score that needs several ratings to be high (one 5 shows as "1
rating: felt completely safe", with a low "at least"). With CONTACT, every
rating behind the score, warnings from people you know little or nothing
about (shown, not counted), and whom the person vouched for.

The words say how many ratings count and, when they count little, why:
"` + reputation.KnownLittleWords + `" (you have not met
the raters, and few of the people you met or rated have rated them),
"` + reputation.FarWords + `" (many vouches away from
anyone you met in person), or "little to go on" (one or two ratings). In
--json, known_little is the share of the weight taken away because you know
the raters little.`,
		flags: jsonFlag,
		run:   runRep,
	}
}

func score(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprintf("%.1f", *v)
}

func runRep(r *runner, o *opts, args []string) error {
	return r.withService(func(s *core.Service) error {
		res, err := s.Reputation()
		if err != nil {
			return err
		}
		me := s.Card().ID().String()
		if len(args) == 0 {
			var all []*reputation.Score
			for _, sc := range res.Scores() {
				if sc.ID != me {
					all = append(all, sc)
				}
			}
			slices.SortStableFunc(all, func(a, b *reputation.Score) int { return cmp.Compare(b.Rank(), a.Rank()) })
			if all == nil {
				all = []*reputation.Score{}
			}
			return r.out(o.json, all, func(w io.Writer) {
				if len(all) == 0 {
					fmt.Fprintln(w, "Nobody to show yet: ratings arrive with your cells.")
					return
				}
				// The last column says how much stands behind the scores in
				// the words the window's People list uses.
				fmt.Fprintf(w, "%-24s %6s %8s %11s %7s %5s %8s  %s\n", "", "safety", "at least", "reliability", "ratings", "flags", "warnings", "how much is known")
				for _, sc := range all {
					name := sc.Name
					if sc.Blocked {
						name += " (blocked)"
					}
					fmt.Fprintf(w, "%-24s %6s %8s %11s %7s %5s %8s  %s\n", name, score(sc.Safety), score(sc.SafetyLow), score(sc.Reliability),
						words.Number(sc.Raters), blankZero(sc.Flags), blankZero(len(sc.Warnings)), sc.EvidenceWords())
				}
			})
		}
		// "me" is you: how the people you trust rated you.
		id, name, self := me, s.Card().Pseudonym+" (you)", true
		if q := strings.Join(args, " "); q != "me" {
			c, err := s.FindContact(q)
			if err != nil {
				return err
			}
			id, name, self = c.ID().String(), c.Name(), false
		}
		sc := res.Person(id)
		if sc == nil {
			sc = &reputation.Score{ID: id, Name: name, Ratings: []reputation.Explained{}, Warnings: []reputation.Warning{}, VouchedFor: []reputation.Vouch{}}
			sc.Summary = sc.Words()
		}
		if self {
			sc.Name = name
		}
		return r.out(o.json, sc, func(w io.Writer) { printScore(w, sc) })
	})
}

func printScore(w io.Writer, sc *reputation.Score) {
	fmt.Fprintf(w, "%s\n", sc.Name)
	fmt.Fprintf(w, "  %s\n", sc.Words())
	if sc.SafetyLow != nil {
		fmt.Fprintf(w, "  Safety at least %s (lists sort by this), confidence %.0f%%.\n", score(sc.SafetyLow), 100*sc.Confidence)
	}
	if f := sc.FlagWords(); f != "" {
		fmt.Fprintf(w, "  Warning: %s\n", f)
	}
	if len(sc.Ratings) > 0 {
		fmt.Fprintln(w, "\n  Ratings (how much each counts, against your own rating today):")
		for _, e := range sc.Ratings {
			why := ""
			if e.Why != "" {
				why = " — " + words.Why(e.Why)
			}
			counts := fmt.Sprintf("%.0f%%", 100*e.Weight)
			if e.Weight > 0 && e.Weight < 0.005 {
				counts = "under 1%"
			}
			fmt.Fprintf(w, "    %s  %s, in %s: safety %s, reliability %s; counts %s%s\n", e.Day.Format("2006-01-02"), e.Rater, e.Cell, words.Number(e.Safety), words.Number(e.Reliability), counts, why)
			if e.Note != "" {
				fmt.Fprintf(w, "      %q\n", e.Note)
			}
		}
	}
	if len(sc.Warnings) > 0 {
		fmt.Fprintln(w, "\n  Said they felt unsafe (shown, not counted):")
		for _, e := range sc.Warnings {
			fmt.Fprintf(w, "    %s  %s, in %s: safety %s\n", e.Day.Format("2006-01-02"), e.Rater, e.Cell, words.Number(e.Safety))
			if e.Note != "" {
				fmt.Fprintf(w, "      %q\n", e.Note)
			}
		}
	}
	if len(sc.VouchedFor) > 0 {
		fmt.Fprintln(w, "\n  Vouched for:")
		for _, v := range sc.VouchedFor {
			fmt.Fprintf(w, "    %-24s %s\n", v.Name, words.Status(v.Status))
		}
	}
}

// blankZero writes n, or nothing for 0, so that a table column shows
// only what is there.
func blankZero(n int) string {
	if n == 0 {
		return ""
	}
	return words.Number(n)
}
