//go:build unix && !linux

package core

import "time"

// liveChildrenCPU is 0 where there is no /proc to read it from: the
// running worker's time is then left out of cpuTime.
func liveChildrenCPU() time.Duration { return 0 }

// liveChildrenRSS is 0 where there is no /proc to read it from.
func liveChildrenRSS() int64 { return 0 }

// liveChildrenPeak is 0 where there is no /proc to read it from.
func liveChildrenPeak() int64 { return 0 }
