package core

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"trustdesk/reputation"
)

// floodSource returns a kept reputation source like that of the home of
// BenchmarkStarts100k (n = 50,000): one verified member, Bo, who
// published n cards in his cell and rated each of them, and 100 fakes he
// admitted.
func floodSource(n int) *repSource {
	id := func() string {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	}
	me, bo := id(), id()
	day := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	c := reputation.Cell{ID: id(), Name: "Market", Members: []reputation.Member{{ID: bo, Status: reputation.StatusMember}, {ID: me, Status: reputation.StatusMember, VouchedBy: []string{bo}}}}
	in := reputation.Input{Viewer: me, Verified: []string{bo}, Names: map[string]string{bo: "Bo"}}
	for i := range 100 {
		f := id()
		in.Names[f] = fmt.Sprintf("Fake %d", i)
		c.Members = append(c.Members, reputation.Member{ID: f, Status: reputation.StatusMember, VouchedBy: []string{bo}})
	}
	for i := range n {
		p := id()
		in.Names[p] = fmt.Sprintf("Card %d", i)
		c.Ratings = append(c.Ratings, reputation.Rating{ID: id() + id(), Rater: bo, Subject: p, Safety: 1 + i%5, Reliability: 1 + i%3, Day: day, Made: day.Add(9 * time.Hour), Tags: []string{"late"}})
	}
	in.Cells = []reputation.Cell{c}
	return &repSource{in: in}
}

// BenchmarkRepSourceDecode50k reads the kept source of floodSource(50000).
func BenchmarkRepSourceDecode50k(b *testing.B) {
	enc := reputation.Prepare(&floodSource(50000).in).Encode()
	b.SetBytes(int64(len(enc)))
	cpu := cpuTime()
	for b.Loop() {
		if _, err := reputation.DecodeSource(enc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// BenchmarkRepSourceCompute50k computes the reputation of a day from the
// source of floodSource(50000), read back as a start reads it.
func BenchmarkRepSourceCompute50k(b *testing.B) {
	src, err := reputation.DecodeSource(reputation.Prepare(&floodSource(50000).in).Encode())
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	cpu := cpuTime()
	for b.Loop() {
		src.Compute(dayOf(now), madeBy(now), nil)
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// BenchmarkRepSourceWeek50k computes the reputation of each of the seven
// days a start keeps ahead (keepDaysAhead) from the source of
// floodSource(50000), read back as a start reads it: each day computed
// alone (separate, as before Source.ComputeDays) and the week in one
// pass (onepass).
func BenchmarkRepSourceWeek50k(b *testing.B) {
	src, err := reputation.DecodeSource(reputation.Prepare(&floodSource(50000).in).Encode())
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	days, made := make([]time.Time, daysAhead), make([]time.Time, daysAhead)
	for i := range days {
		days[i] = dayOf(now).AddDate(0, 0, i+1)
		made[i] = madeBy(days[i])
	}
	for _, pass := range []string{"separate", "onepass"} {
		b.Run(pass, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				if pass == "separate" {
					for i, day := range days {
						src.Compute(day, made[i], nil).FlaggedFirstN(50)
					}
					continue
				}
				src.ComputeDays(days, made, nil, func(_ int, r *reputation.Result) bool {
					r.FlaggedFirstN(50)
					return true
				})
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
