package reputation_test

import (
	"fmt"
	"time"

	"trustdesk/reputation"
)

func Example() {
	// Identity ids are 32 hex characters; short ones keep the example readable.
	const (
		me    = "00000000000000000000000000000001"
		ana   = "00000000000000000000000000000002"
		ben   = "00000000000000000000000000000003"
		carla = "00000000000000000000000000000004"
	)
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	in := &reputation.Input{
		Viewer:   me,
		Now:      now,
		Verified: []string{ana},
		Names:    map[string]string{me: "me", ana: "Ana", ben: "Ben", carla: "Carla"},
		Cells: []reputation.Cell{{
			ID:   "c1",
			Name: "Night market",
			Members: []reputation.Member{
				{ID: ana, Status: reputation.StatusMember},
				{ID: me, Status: reputation.StatusMember, VouchedBy: []string{ana}},
				{ID: ben, Status: reputation.StatusMember, VouchedBy: []string{ana}},
			},
			Ratings: []reputation.Rating{
				{ID: "s1", Rater: ana, Subject: carla, Safety: 5, Reliability: 4, Day: now.AddDate(0, 0, -3), Note: "paid on time"},
				{ID: "s2", Rater: ben, Subject: carla, Safety: 4, Reliability: 4, Day: now.AddDate(0, 0, -40)},
				{ID: "s3", Rater: "0000000000000000000000000000ffff", Subject: carla, Safety: 1, Reliability: 1, Day: now},
				// Praise counts as much as the viewer knows its rater:
				// Ana in person, Ben through the viewer's own ratings.
				{ID: "s4", Rater: me, Subject: ana, Safety: 5, Reliability: 5, Day: now.AddDate(0, 0, -10)},
				{ID: "s5", Rater: me, Subject: ben, Safety: 4, Reliability: 4, Day: now.AddDate(0, 0, -10)},
			},
		}},
	}
	s := reputation.Compute(in).Person(carla)
	fmt.Printf("%s: safety %.2f (at least %.2f), reliability %.2f, confidence %.2f, %d raters, %d flags, %d warnings\n",
		s.Name, *s.Safety, *s.SafetyLow, *s.Reliability, s.Confidence, s.Raters, s.Flags, len(s.Warnings))
	fmt.Println(s.Summary)
	for _, r := range s.Ratings {
		fmt.Printf("  %-8s in %s: safety %d, reliability %d, weight %.3f",
			r.Rater, r.Cell, r.Safety, r.Reliability, r.Weight)
		if r.Why != "" {
			fmt.Printf(" (%s)", r.Why)
		}
		fmt.Println()
	}
	// Output:
	// Carla: safety 4.73 (at least 3.95), reliability 4.00, confidence 0.80, 2 raters, 0 flags, 1 warnings
	// 2 ratings: safety 4.7 of 5, reliability 4.0 of 5 (well known). 1 person you know little or nothing about said they felt unsafe with them.
	//   Ana      in Night market: safety 5, reliability 4, weight 0.583
	//   Ben      in Night market: safety 4, reliability 4, weight 0.217
	//   00000000 in Night market: safety 1, reliability 1, weight 0.000 (not connected to you)
}
