package qr

// SteadierHint is the advice shown while most recent camera pictures could
// not be read.
const SteadierHint = "Hold the camera steadier or closer."

// recentWindow is how many recent pictures [RecentReads] looks at, and
// recentFailed how many of those must have failed to call it struggling.
const (
	recentWindow = 10
	recentFailed = 7
)

// RecentReads follows whether the latest camera pictures held a readable
// code, to tell the person holding the camera when most of them did not.
// The zero value is ready to use; it is not safe for concurrent use.
type RecentReads struct {
	read   [recentWindow]bool
	next   int
	filled int
}

// Add records whether one picture could be read.
func (r *RecentReads) Add(read bool) {
	r.read[r.next] = read
	r.next = (r.next + 1) % recentWindow
	r.filled = min(r.filled+1, recentWindow)
}

// Struggling reports whether at least 7 of the last 10 pictures could not
// be read; with fewer than 10 pictures seen it is false.
func (r *RecentReads) Struggling() bool {
	if r.filled < recentWindow {
		return false
	}
	failed := 0
	for _, ok := range r.read {
		if !ok {
			failed++
		}
	}
	return failed >= recentFailed
}

// Remaining returns how many more distinct frames are needed: 0 once the
// file is complete or before the first frame (when the count is unknown).
func (p Progress) Remaining() int {
	if p.Done {
		return 0
	}
	return max(p.Need-p.Have, 0)
}
