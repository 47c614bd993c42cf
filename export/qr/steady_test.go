package qr

import "testing"

func TestRecentReads(t *testing.T) {
	var r RecentReads
	for range 9 {
		r.Add(false)
	}
	if r.Struggling() {
		t.Fatal("struggling after 9 pictures")
	}
	r.Add(true)
	if !r.Struggling() {
		t.Fatal("9 of 10 failed, not struggling")
	}
	// 7 failed of the last 10 is struggling, 6 is not.
	for _, read := range []bool{true, true} {
		r.Add(read)
	}
	if !r.Struggling() {
		t.Fatal("7 of 10 failed, not struggling")
	}
	r.Add(true)
	if r.Struggling() {
		t.Fatal("6 of 10 failed, struggling")
	}
}

func TestProgressRemaining(t *testing.T) {
	for p, want := range map[Progress]int{
		{}:                               0,
		{Have: 37, Need: 52}:             15,
		{Have: 52, Need: 52, Done: true}: 0,
	} {
		if got := p.Remaining(); got != want {
			t.Errorf("%+v: %d, want %d", p, got, want)
		}
	}
}
