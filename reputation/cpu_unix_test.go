//go:build unix

package reputation

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used so far, user and
// system, across all threads (the garbage collector's included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
