//go:build unix

package core

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time this process and its children (the
// checking workers: those waited for, and on Linux those still running)
// have used. On a machine shared with other work, CPU time per operation
// is steadier than wall time.
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children) != nil {
		return 0
	}
	return time.Duration(self.Utime.Nano()+self.Stime.Nano()+children.Utime.Nano()+children.Stime.Nano()) + liveChildrenCPU()
}

// selfCPU returns the CPU time this process alone has used.
func selfCPU() time.Duration {
	var self syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil {
		return 0
	}
	return time.Duration(self.Utime.Nano() + self.Stime.Nano())
}
