package core

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// liveChildrenCPU returns the CPU time used so far by the child processes
// of this process that are still running (the checking worker of the
// session stays for the session), from Linux's /proc: each thread's
// children, and each child thread's run time in nanoseconds.
func liveChildrenCPU() time.Duration {
	var total time.Duration
	lists, _ := filepath.Glob("/proc/self/task/*/children")
	for _, l := range lists {
		b, _ := os.ReadFile(l)
		for _, pid := range strings.Fields(string(b)) {
			stats, _ := filepath.Glob("/proc/" + pid + "/task/*/schedstat")
			for _, s := range stats {
				b, _ := os.ReadFile(s)
				if f := strings.Fields(string(b)); len(f) > 0 {
					ns, _ := strconv.ParseInt(f[0], 10, 64)
					total += time.Duration(ns)
				}
			}
		}
	}
	return total
}

// liveChildrenRSS returns the resident size, in bytes, of the child
// processes of this process that are still running, from Linux's /proc.
func liveChildrenRSS() int64 { return liveChildrenStatus("VmRSS:") }

// liveChildrenPeak returns the peak resident size, in bytes, of the child
// processes of this process that are still running, from Linux's /proc.
func liveChildrenPeak() int64 { return liveChildrenStatus("VmHWM:") }

// liveChildrenStatus sums one size field (in kB) of /proc/PID/status over
// the running child processes of this process.
func liveChildrenStatus(field string) int64 {
	var total int64
	lists, _ := filepath.Glob("/proc/self/task/*/children")
	for _, l := range lists {
		b, _ := os.ReadFile(l)
		for _, pid := range strings.Fields(string(b)) {
			status, _ := os.ReadFile("/proc/" + pid + "/status")
			for _, line := range strings.Split(string(status), "\n") {
				if f := strings.Fields(line); len(f) == 3 && f[0] == field {
					kb, _ := strconv.ParseInt(f[1], 10, 64)
					total += kb << 10
				}
			}
		}
	}
	return total
}
