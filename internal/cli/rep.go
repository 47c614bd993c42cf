package cli

import (
	"fmt"
	"io"
	"strings"

	"trustdesk/core"
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
score). Without CONTACT, a table of everyone; with it, every rating behind
the score and whom the person vouched for.`,
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
			if all == nil {
				all = []*reputation.Score{}
			}
			return r.out(o.json, all, func(w io.Writer) {
				if len(all) == 0 {
					fmt.Fprintln(w, "Nobody to show yet: ratings arrive with your cells.")
					return
				}
				fmt.Fprintf(w, "%-24s %6s %11s %10s %6s %5s\n", "", "safety", "reliability", "confidence", "raters", "flags")
				for _, sc := range all {
					flags := ""
					if sc.Flags > 0 {
						flags = fmt.Sprintf("%d", sc.Flags)
					}
					name := sc.Name
					if sc.Blocked {
						name += " (blocked)"
					}
					fmt.Fprintf(w, "%-24s %6s %11s %9.0f%% %6d %5s\n", name, score(sc.Safety), score(sc.Reliability), 100*sc.Confidence, sc.Raters, flags)
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
			sc = &reputation.Score{ID: id, Name: name, Ratings: []reputation.Explained{}, VouchedFor: []reputation.Vouch{}}
		}
		if self {
			sc.Name = name
		}
		return r.out(o.json, sc, func(w io.Writer) { printScore(w, sc) })
	})
}

func printScore(w io.Writer, sc *reputation.Score) {
	fmt.Fprintf(w, "%s\n", sc.Name)
	if sc.Safety == nil {
		fmt.Fprintln(w, "  No ratings that count yet.")
	} else {
		fmt.Fprintf(w, "  safety %s, reliability %s (out of 5), confidence %.0f%%, from %d %s\n",
			score(sc.Safety), score(sc.Reliability), 100*sc.Confidence, sc.Raters, pluralWord(sc.Raters, "person", "people"))
	}
	if sc.Flags > 0 {
		fmt.Fprintf(w, "  Warning: %d %s felt unsafe with them in the last 90 days.\n", sc.Flags, pluralWord(sc.Flags, "person", "people"))
	}
	if len(sc.Ratings) > 0 {
		fmt.Fprintln(w, "\n  Ratings (how much each counts for you):")
		for _, e := range sc.Ratings {
			why := ""
			if e.Why != "" {
				why = " — " + e.Why
			}
			fmt.Fprintf(w, "    %s  %s, in %s: safety %d, reliability %d; counts %.0f%%%s\n", e.Day.Format("2006-01-02"), e.Rater, e.Cell, e.Safety, e.Reliability, 100*e.Weight, why)
			if e.Note != "" {
				fmt.Fprintf(w, "      %q\n", e.Note)
			}
		}
	}
	if len(sc.VouchedFor) > 0 {
		fmt.Fprintln(w, "\n  Vouched for:")
		for _, v := range sc.VouchedFor {
			fmt.Fprintf(w, "    %-24s %s\n", v.Name, v.Status)
		}
	}
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
